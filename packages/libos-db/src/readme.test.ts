import { NotRunningError, Result } from "@exolab/exokernel";
import { Aegis } from "@exolab/exokernel/kernel";
import { describe, expect, it } from "vitest";
import { layout, libos } from "./index.js";

describe("the README's example", () => {
  it("runs as shown: boot, a thread spawned in a host window, run", () => {
    let read = -1;
    // #region example
    const aegis = new Aegis(); // whoever holds the kernel: a test, the bench
    const { env, api: os } = aegis.boot(libos, { policy: { maxThreads: 4 } });
    // Host code acting for the process says so (the exokernel refuses it otherwise).
    aegis.actAs(env, () => {
      os.vm.map(layout.APP_BASE, 4); // four zeroed pages, entries in the inverted page table
      os.sched.spawn(function* () {
        os.env.cpu.store32(layout.APP_BASE, 42); // refill upcall -> inverted table -> tlbWrite
        read = os.env.cpu.load32(layout.APP_BASE);
        yield* os.sched.safepoint();
      });
    });
    aegis.run({ untilCycle: 10_000_000 });
    // #endregion example
    expect(read).toBe(42);
    expect(os.vm.stats.refills).toBe(1);
    expect(aegis.deaths).toEqual([]);
    // Outside a window the host gets nothing, and nothing changes.
    expect(() => os.vm.map(layout.APP_BASE + 0x10000, 1)).toThrow(NotRunningError);
    expect(env.allocFrame()).toBe(Result.Refused);
  });
});
