import { existsSync } from "node:fs";
import { LIBOS_TEMPLATE, NotRunningError, Result } from "@exolab/exokernel";
import { Aegis } from "@exolab/exokernel/kernel";
import { describe, expect, it } from "vitest";
import { exos } from "./index.js";
import { world } from "./test/world.js";

describe("exos boots and runs a thread", () => {
  it("maps demand-zero memory and reads back its writes", () => {
    const w = world();
    const os = w.spawn();
    let done = false;
    let sum = -1;
    // biome-ignore lint/correctness/useYield: a thread body that never blocks
    os.sched.spawn(function* () {
      const cpu = os.env.cpu;
      expect(os.vm.map(0x10000, 4)).toBe(0);
      for (let i = 0; i < 4; i++) cpu.store32(0x10000 + i * 4096, i + 1);
      sum = 0;
      for (let i = 0; i < 4; i++) sum += cpu.load32(0x10000 + i * 4096);
      done = true;
    });
    w.runUntil(() => done);
    expect(sum).toBe(10);
    expect(w.aegis.deaths).toEqual([]);
  });
});

describe("the README's example", () => {
  it("runs as shown: boot, a thread spawned in a host window, run", () => {
    const aegis = new Aegis();
    const { env, api: os } = aegis.boot(exos, { policy: { pipeRingBytes: 1024 } });
    // Outside a window the host gets nothing: the library's first access to its own
    // memory is refused by the exokernel, and nothing of its state changes.
    expect(() => os.vm.map(0x200000, 1)).toThrow(NotRunningError);
    expect(env.allocFrame()).toBe(Result.Refused);
    let read = -1;
    aegis.actAs(env, () =>
      os.sched.spawn(function* () {
        os.vm.map(0x100000, 4); // demand-zero
        os.env.cpu.store32(0x100000, 42); // refill upcall -> page table -> tlbWrite
        read = os.env.cpu.load32(0x100000);
        yield* os.sched.safepoint();
      }),
    );
    aegis.run({ untilCycle: 10_000_000 });
    expect(read).toBe(42);
    expect(aegis.deaths).toEqual([]);
  });
});

describe("an idle process", () => {
  it("lets the machine go idle when its last thread ends, and wakes on spawn", () => {
    const w = world();
    const os = w.spawn();
    let runs = 0;
    const body = function* () {
      runs++;
      yield* os.sched.safepoint();
    };
    os.sched.spawn(body);
    expect(w.aegis.run().outcome).toBe("idle");
    expect(runs).toBe(1);
    os.sched.spawn(body);
    expect(w.aegis.run().outcome).toBe("idle");
    expect(runs).toBe(2);
  });
});

describe("the libOS contract", () => {
  it("exos has the exokernel's LibOS shape and its folder template", () => {
    expect(exos.name).toBe("exos");
    expect(typeof exos.boot).toBe("function");
    const root = new URL("../", import.meta.url);
    for (const entry of LIBOS_TEMPLATE) expect(existsSync(new URL(entry, root)), entry).toBe(true);
  });
});

describe("the test world fails loudly (src/test/world.ts)", () => {
  it("a wrong expect inside a process's thread fails the run with the assertion's own message", () => {
    const w = world();
    const os = w.spawn();
    os.sched.spawn(function* () {
      yield* os.sched.safepoint();
      expect(os.vm.map(0x10000, 1), "a deliberately wrong assertion").toBe(999);
    });
    expect(() => w.runUntil(() => !os.env.alive)).toThrow(
      "a deliberately wrong assertion: expected +0 to be 999",
    );
    expect(w.aegis.deaths.map((d) => d.name)).toEqual(["exos"]);
    // Declared now, so that the check after this test (which would fail it too) passes.
    w.expectDeath("exos");
  });
});

describe("one error base", () => {
  it("ExOS's typed errors are the simulator's MachineError", async () => {
    const { MachineError } = await import("@exolab/exokernel");
    const exports = await import("./index.js");
    const errors = Object.entries(exports).filter(([n]) => n.endsWith("Error"));
    expect(errors.map(([n]) => n)).toContain("ExosBootError");
    for (const [name, value] of errors) {
      expect((value as { prototype: unknown }).prototype instanceof MachineError, name).toBe(true);
    }
  });
});
