import { defaultPolicy, COSTS as KERNEL_COSTS } from "@exolab/exokernel/kernel";
import { getProfile } from "@exolab/machine/privileged";
import { describe, expect, it } from "vitest";
import { jobOverheadCycles, kernelCostsFrom, sliceOverheadCycles } from "./overheads.js";

/**
 * The overheads admission charges, pinned on dec5000_125 with the kernel's default policy
 * (the README quotes them). They come from the kernel's cost table and the library's: a
 * change of either moves them here first.
 */
describe("admission's overheads (dec5000_125, the kernel's defaults)", () => {
  const profile = getProfile("dec5000_125");
  const k = kernelCostsFrom(KERNEL_COSTS, profile, defaultPolicy(profile).maxEnvironments);
  it("the kernel's paths", () => {
    // alarm: 2 × (trap 3 + rfe 1), the timer's acknowledge and reprogramming 2 × 15, int.timer
    // 8, alarmCheck 8, expire 7, alarmPost 5, alarmDispatch 18, its 3 stores (the exokernel
    // pins the path with the owner running at 82: all of it but alarmPost); a call: the larger of readCycles and setAlarm (whose
    // walk past 63 other alarms, 252, dominates).
    expect(k).toEqual({ alarmCycles: 87, syscallCycles: 301, sliceSwitchCycles: 57 });
  });
  // The job's figures moved by 64 with the idle loop's load-delay nop (realtime.rt.idle.spin
  // 3 -> 4, 64 iterations a round), and back by 64 when the round stopped charging the head's
  // load twice (it is among the record's counted instructions): 1137 for one task.
  it.each([
    [1, 1137, 142],
    [2, 1160, 149],
    [4, 1206, 163],
    [8, 1298, 191],
    [16, 1482, 247],
  ])("%i tasks: %i cycles a job, %i a slice", (n, job, slice) => {
    expect(jobOverheadCycles(n, k, profile)).toBe(job);
    expect(sliceOverheadCycles(n, k, profile)).toBe(slice);
  });
});
