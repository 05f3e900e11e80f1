import { Reg, Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { TEST_COSTS, world } from "../test/world.js";

describe("round-robin threads", () => {
  it("threads share the slices in turn and each keeps its own registers", () => {
    const w = world({ machineConfig: { seed: 2 }, policy: { sliceCycles: 5000 } });
    const os = w.spawn();
    const order: number[] = [];
    const kept: boolean[] = [];
    for (const id of [1, 2, 3]) {
      os.sched.spawn(function* () {
        const cpu = os.env.cpu;
        for (let i = 0; i < 4; i++) {
          cpu.setReg(Reg.s0, id * 1000 + i);
          cpu.setReg(Reg.a0, -id);
          order.push(id);
          // A slice's worth of work, then the preemption point.
          cpu.exec(TEST_COSTS["test.work"], 6000);
          yield* os.sched.safepoint();
          kept.push(cpu.reg(Reg.s0) === id * 1000 + i && cpu.reg(Reg.a0) === -id);
        }
      });
    }
    expect(w.runUntil(() => os.sched.live === 0)).toBe("stopped");
    expect(order).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(kept).toHaveLength(12);
    expect(kept.every((k) => k)).toBe(true);
    expect(w.aegis.deaths).toEqual([]);
  });

  it("yieldThread hands the CPU to the next thread within the slice", () => {
    const w = world({ machineConfig: { seed: 2 } });
    const os = w.spawn();
    const order: string[] = [];
    for (const id of ["a", "b"]) {
      os.sched.spawn(function* () {
        for (let i = 0; i < 3; i++) {
          order.push(`${id}${i}`);
          yield* os.sched.yieldThread();
        }
      });
    }
    w.runUntil(() => os.sched.live === 0);
    expect(order).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  it("with no thread left the environment goes idle; a new thread starts it again", () => {
    const w = world({ machineConfig: { seed: 2 } });
    const os = w.spawn();
    let runs = 0;
    // biome-ignore lint/correctness/useYield: a thread that never blocks
    const body = function* () {
      runs++;
    };
    os.sched.spawn(body);
    expect(w.runUntil(() => false)).toBe("idle");
    os.sched.spawn(body);
    expect(w.runUntil(() => false)).toBe("idle");
    expect(runs).toBe(2);
  });

  it("refuses a thread past maxThreads, and a body that is not a function", () => {
    const w = world();
    const os = w.spawn({ policy: { maxThreads: 2 } });
    const body = function* () {};
    expect(os.sched.spawn(body)).toBe(0);
    expect(os.sched.spawn(body)).toBe(1);
    expect(os.sched.spawn(body)).toBe(Result.NoSlot);
    expect(os.sched.spawn(42 as never)).toBe(Result.Invalid);
  });
});
