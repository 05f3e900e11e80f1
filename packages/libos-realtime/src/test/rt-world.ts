/** Test helpers for the real-time API on a small machine (excluded from the build). */
import { Result, type Thread } from "@exolab/exokernel";
import { expect } from "vitest";
import type { JobBody, LibOsApi, TaskSpec } from "../index.js";
import { Pinned } from "../vm/pinned.js";
import { TEST_COSTS, world } from "./world.js";

/** A small machine: 4 slices of 20 000 cycles, a period of 80 000 cycles. */
export const KERNEL = { sliceCycles: 20_000, sliceVectorLength: 4 };

/** A job that does `work` cycles of real work: loads and stores on its pinned page, a call's worth of straight-line code. */
export function body(os: LibOsApi, task: number, work: number): JobBody {
  return function* (): Thread {
    const cpu = os.env.cpu;
    const va = Pinned.vaOf(task, 0);
    let left = work;
    while (left > 0) {
      const n = Math.min(left, 500);
      cpu.store32(va, cpu.load32(va) + 1);
      cpu.exec(TEST_COSTS["test.work"], n - 2);
      left -= n;
      yield* os.rt.dispatcher.safepoint();
    }
  };
}

/** Best-effort load: another environment that spins in positions 1 and 3. */
export function bestEffort(w: ReturnType<typeof world>): LibOsApi {
  const be = w.spawn({ policy: { slices: 0 } });
  expect(be.env.allocSlice(1)).toBe(1);
  expect(be.env.allocSlice(3)).toBe(3);
  be.sched.spawn(function* () {
    for (;;) {
      be.env.cpu.exec(TEST_COSTS["test.work"], 200);
      yield* be.sched.safepoint();
    }
  });
  return be;
}

export function setUp(
  policy: "edf" | "rm",
  specs: TaskSpec[],
  works: number[],
  kernel: Record<string, number> = {},
  polled = false,
) {
  const w = world({ machineConfig: { seed: 3 }, policy: { ...KERNEL, ...kernel } });
  const os = w.spawn({ policy: { slices: 0 }, polled });
  const be = bestEffort(w);
  const bodies = specs.map((_, i) => body(os, i, works[i]!));
  const r = os.rt.admit({ policy, tasks: specs, bodies, positions: [0, 2] });
  return { w, os, r, bodies, be };
}

export const periodic = (
  name: string,
  periodCycles: number,
  wcetCycles: number,
  deadlineCycles?: number,
): TaskSpec => ({
  name,
  kind: "periodic",
  periodCycles,
  wcetCycles,
  deadlineCycles,
  pages: 1,
});

/** Runs the world for `cycles` more cycles. */
export function runFor(w: ReturnType<typeof world>, cycles: number): void {
  const end = w.aegis.machine.now + cycles;
  w.runUntil(() => w.aegis.machine.now >= end, cycles + 100_000);
}

export { Result };
