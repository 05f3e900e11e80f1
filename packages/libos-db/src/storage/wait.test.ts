/**
 * The disk wait by interrupt (storage/io.ts, sched/threads.ts): a thread waiting for a
 * completion blocks in the library's scheduler, another thread of the environment runs
 * meanwhile, and the disk interrupt makes the waiter runnable at its cycle. Counted profile
 * (`COUNTED_PROFILE`, the test world's default): the bounds below are counted paths.
 */
import { Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { dbWorld } from "../test/db-world.js";
import { TEST_COSTS } from "../test/world.js";

/** The busy thread's step between its switch points (cycles: one instruction each). */
const STEP = 500;
/** A thread switch each way (paths.test.ts: 82) and the handler's path, with room. */
const SWITCH_AND_WAKE = 400;

function overlap(withBusyThread: boolean) {
  const { w, os, db } = dbWorld({ poolFrames: 16 });
  const env = os.env;
  let doneA = false;
  let t0 = 0;
  let tA = 0;
  let result = 0;
  let steps = 0;
  let stepsDuringWait = 0;
  os.sched.spawn(function* () {
    const ext = env.allocExtent("any", 8);
    const frame = env.allocFrame();
    t0 = env.cpu.now;
    const before = steps;
    result = yield* db.io.transfer(false, ext, 0, 8, frame);
    tA = env.cpu.now;
    stepsDuringWait = steps - before;
    doneA = true;
  });
  if (withBusyThread) {
    os.sched.spawn(function* () {
      while (!doneA) {
        env.cpu.exec(TEST_COSTS["test.work"], STEP);
        steps++;
        yield* os.sched.yieldThread();
      }
    });
  }
  w.runUntil(() => doneA, 200_000_000);
  const idle = w.aegis.machine.accounting.labels.get("db.sched.idle");
  return {
    t0,
    tA,
    result,
    steps: stepsDuringWait,
    irq: db.io.stats.lastInterruptCycle,
    idleRounds: idle?.calls ?? 0,
    idleInstructions: idle?.instructions ?? 0,
  };
}

describe("the disk wait by interrupt", () => {
  it("a waiting thread blocks, another runs during the I/O, the waiter runs at its next switch point", () => {
    const r = overlap(true);
    expect(r.result).toBe(Result.Ok);
    const waitCycles = r.tA - r.t0;
    // A disk command takes milliseconds: the busy thread ran through nearly all of it.
    expect(waitCycles).toBeGreaterThan(100_000);
    expect(r.steps * STEP).toBeGreaterThan(0.9 * waitCycles);
    // Runnable at the interrupt's cycle: it runs once the busy thread reaches its switch.
    expect(r.irq).toBeGreaterThan(r.t0);
    expect(r.tA - r.irq).toBeLessThanOrEqual(STEP + SWITCH_AND_WAKE);
  });

  it("with every thread waiting, the idle loop sees the wake within one batch", () => {
    const r = overlap(false);
    expect(r.result).toBe(Result.Ok);
    // idleSpinBatch (256) × db.sched.idle (4: 3 + the load-delay nop) − 1, a look at the
    // state word, the switch.
    expect(r.tA - r.irq).toBeLessThanOrEqual(1023 + SWITCH_AND_WAKE);
    expect(r.tA - r.irq).toBeGreaterThan(0);
    // Each idle round: 256 iterations of lw, its load-delay nop (bne tests the word at once),
    // bne + slot.
    expect(r.idleRounds).toBeGreaterThan(0);
    expect(r.idleInstructions).toBe(r.idleRounds * 256 * 4);
  });
});
