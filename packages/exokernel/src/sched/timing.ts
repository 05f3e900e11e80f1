import { MathFloor, ObjectFreeze } from "../intrinsics.js";

/**
 * Fixed timing, as a libOS computes it (no kernel call): while any position of the slice
 * vector is reserved, slice boundaries are the multiples of `sliceCycles` and the slot
 * `[j · sliceCycles, (j + 1) · sliceCycles)` belongs to position `j mod sliceVectorLength`.
 * Returns the first cycle at or after `fromCycle` at which `position`'s slot starts.
 * Nothing another environment does changes the answer (sched/scheduler.ts).
 */
export const sliceStartCycle = ObjectFreeze(
  (
    policy: { readonly sliceCycles: number; readonly sliceVectorLength: number },
    position: number,
    fromCycle: number,
  ): number => {
    const s = policy.sliceCycles;
    const n = policy.sliceVectorLength;
    const period = s * n;
    const base = MathFloor(fromCycle / period) * period + position * s;
    return base >= fromCycle ? base : base + period;
  },
);
