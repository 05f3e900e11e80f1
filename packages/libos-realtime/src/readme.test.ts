import { NotRunningError, Result } from "@exolab/exokernel";
import { Aegis, COSTS as KERNEL_COSTS } from "@exolab/exokernel/kernel";
import { describe, expect, it } from "vitest";
import { type Channel, kernelCostsFrom, layout, libos, Pinned } from "./index.js";
import { TEST_COSTS } from "./test/world.js";

describe("the README's example", () => {
  it("runs as shown: boot, a thread spawned in a host window, run", () => {
    let read = -1;
    // #region example
    const aegis = new Aegis(); // whoever holds the kernel: a test, the bench
    const { env, api: os } = aegis.boot(libos, { policy: { maxThreads: 4 } });
    // Host code acting for the process says so (the exokernel refuses it otherwise).
    aegis.actAs(env, () => {
      os.vm.map(layout.APP_BASE, 4); // four demand-zero pages
      os.sched.spawn(function* () {
        os.env.cpu.store32(layout.APP_BASE, 42); // refill upcall -> page table -> tlbWrite
        read = os.env.cpu.load32(layout.APP_BASE);
        yield* os.sched.safepoint();
      });
    });
    aegis.run({ untilCycle: 10_000_000 });
    // #endregion example
    expect(read).toBe(42);
    expect(os.vm.stats.zeroFills).toBe(1);
    expect(aegis.deaths).toEqual([]);
    // Outside a window the host gets nothing, and nothing changes.
    expect(() => os.vm.map(layout.APP_BASE + 0x10000, 1)).toThrow(NotRunningError);
    expect(env.allocFrame()).toBe(Result.Refused);
  });

  it("runs the real-time example as shown: admit, start, run, read the records", () => {
    const work = TEST_COSTS["test.work"];
    // #region realtime
    const aegis = new Aegis({ policy: { sliceCycles: 20_000, sliceVectorLength: 4 } });
    const { machine, policy } = aegis;
    const kernelCosts = kernelCostsFrom(KERNEL_COSTS, machine.profile, policy.maxEnvironments);
    const { env, api: os } = aegis.boot(libos, {
      policy: { slices: 0 },
      // What admission needs of the kernel: its costs, the machine's, the slice geometry.
      realtime: {
        kernelCosts,
        profile: machine.profile,
        sliceCycles: policy.sliceCycles,
        vectorLength: policy.sliceVectorLength,
      },
    });
    const job = (task: number, cycles: number) =>
      function* () {
        for (let left = cycles; left > 0; left -= 1000) {
          os.env.cpu.store32(Pinned.vaOf(task, 0), left); // its pinned page: no fault
          os.env.cpu.exec(work, 999);
          yield* os.rt.dispatcher.safepoint(); // a release may preempt it here
        }
      };
    const admitted = aegis.actAs(env, () =>
      os.rt.admit({
        policy: "edf",
        tasks: [
          { name: "control", kind: "periodic", periodCycles: 40_000, wcetCycles: 4_000, pages: 1 },
          { name: "logging", kind: "periodic", periodCycles: 80_000, wcetCycles: 12_000, pages: 1 },
        ],
        bodies: [job(0, 4_000), job(1, 12_000)],
        positions: [0, 2], // reserved: every other slice of the 4
      }),
    );
    aegis.actAs(env, () => os.rt.start());
    aegis.run({ untilCycle: machine.now + 800_000 });
    // #endregion realtime
    expect(admitted.ok).toBe(true);
    expect(os.rt.records.map((r) => [r.name, r.released, r.misses])).toEqual([
      ["control", 21, 0],
      ["logging", 11, 0],
    ]);
    expect(aegis.deaths).toEqual([]);
  });
  it("runs the channel example as shown: serve, connect, accept, call", () => {
    const work = TEST_COSTS["test.work"];
    let reply = 0;
    // #region channel
    const aegis = new Aegis();
    const { env: senv, api: server } = aegis.boot(libos, { passive: true }); // no slice of its own
    const { env: cenv, api: client } = aegis.boot(libos, {});
    aegis.actAs(senv, () =>
      server.channels.serve(function* (msg) {
        server.env.cpu.exec(work, 100); // the service's work: on the caller's time
        yield* server.env.safepoint(); // a long service gives the CPU up at the slice's end
        return msg + 1;
      }),
    );
    // The client's page, granted to the server; the host ranks the client (0: first).
    const ch = aegis.actAs(cenv, () => client.channels.connect(senv.id, 8)) as Channel;
    aegis.actAs(senv, () => server.channels.accept(cenv.id, ch.serverCap, 8, 0));
    aegis.actAs(cenv, () =>
      client.sched.spawn(function* () {
        reply = yield* ch.call(41); // the message in the ring, the handoff by PCT
      }),
    );
    aegis.run({ untilCycle: 1_000_000 });
    // #endregion channel
    expect(reply).toBe(42);
    expect(ch.lastError).toBe(Result.Ok);
    expect(server.channels.stats.served).toBe(1);
    expect(aegis.deaths).toEqual([]);
  });
});
