/**
 * Which ready job runs: the one decision both the analysis's model (`model.ts`) and the
 * library's dispatcher on the machine (`dispatcher.ts`) make, so that what is proved of the
 * model is what the dispatcher does.
 *
 * - EDF: the earliest absolute deadline; ties to the earlier release, then the task's
 *   position in the set.
 * - RM: the highest static priority (`rank`, 0 highest, from `rmOrder`); ties to the
 *   earlier release.
 */
import type { SchedPolicy } from "./admission.js";

/** What the pick reads of a ready job. */
export interface ReadyJob {
  readonly task: number;
  readonly releaseCycle: number;
  readonly deadlineCycle: number;
  /** The task's RM rank (0 is the highest priority). */
  readonly rank: number;
}

/** True when `a` must run before `b` under `policy`. */
export function before(policy: SchedPolicy, a: ReadyJob, b: ReadyJob): boolean {
  if (policy === "edf") {
    if (a.deadlineCycle !== b.deadlineCycle) return a.deadlineCycle < b.deadlineCycle;
  } else if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.releaseCycle !== b.releaseCycle) return a.releaseCycle < b.releaseCycle;
  return a.task < b.task;
}

/** The index in `ready` of the job to run, or -1 when none is ready. */
export function pick(policy: SchedPolicy, ready: readonly ReadyJob[]): number {
  let best = -1;
  for (let i = 0; i < ready.length; i++)
    if (best < 0 || before(policy, ready[i]!, ready[best]!)) best = i;
  return best;
}
