import { describe, expect, it } from "vitest";
import { MonolithicKernel } from "../src/index.js";
import { boot, failOnThrow } from "./helpers.js";

describe("smoke", () => {
  it("runs a process: getpid, demand-zero data and stack, exit", () => {
    const k = boot();
    const free0 = k.stats().freeFrames;
    let pid = 0;
    let v = 0;
    k.spawn("a", function* (h) {
      pid = h.getpid();
      h.cpu.store32(h.heapBase, 1234);
      h.cpu.store32(h.stackTop - 8, 99);
      v = h.cpu.load32(h.heapBase) + h.cpu.load32(h.stackTop - 8);
    });
    const r = k.run();
    expect(pid).toBe(1);
    expect(v).toBe(1333);
    expect(r.outcome).toBe("stopped");
    expect(k.stats().liveProcesses).toBe(0);
    expect(k.stats().freeFrames).toBe(free0);
  });
});

describe("counters", () => {
  it("counts the kernel's events", () => {
    const k = boot();
    k.spawn("a", function* (h) {
      h.getpid();
      h.cpu.store32(h.heapBase, 1);
    });
    k.run();
    const c = k.counters();
    expect(c.syscalls).toBe(2); // getpid, exit
    expect(c.demandZeroFills).toBe(1);
    expect(c.exits).toBe(1);
    expect(c.contextSwitches).toBe(1);
    expect(c.utlbRefills).toBeGreaterThanOrEqual(1);
  });
});

describe("profiles", () => {
  it("boots and runs on every machine profile (clock from the profile's cycle time)", () => {
    for (const [profile, perTick] of [
      ["dec5000_125", 250_000],
      ["dec3100", 166_667],
      ["dec2100", 125_000],
    ] as const) {
      const k = new MonolithicKernel({ machine: { profile }, onDeath: failOnThrow });
      expect(k.cyclesPerTick).toBe(perTick);
      let pid = 0;
      k.spawn("a", function* (h) {
        pid = h.getpid();
      });
      k.run();
      expect(pid).toBe(1);
    }
  });
});

describe("the test world fails loudly (helpers.ts's failOnThrow)", () => {
  it("a wrong expect inside a process fails the run with the assertion's own message", () => {
    const k = boot();
    k.spawn("a", function* (h) {
      expect(h.getpid(), "a deliberately wrong assertion").toBe(999);
    });
    expect(() => k.run()).toThrow("a deliberately wrong assertion: expected 1 to be 999");
  });
});

describe("one error base", () => {
  it("every typed error the kernel exports is the simulator's MachineError", async () => {
    const { MachineError } = await import("@exolab/machine");
    const exports = await import("../src/index.js");
    const errors = Object.entries(exports).filter(([n]) => /Error$|Panic$/.test(n));
    expect(errors.map(([n]) => n).sort()).toEqual([
      "HandlerBlockError",
      "KernelPanic",
      "NotRunningError",
      "SpawnError",
    ]);
    for (const [name, value] of errors) {
      expect((value as { prototype: unknown }).prototype instanceof MachineError, name).toBe(true);
    }
  });
});
