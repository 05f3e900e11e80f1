/**
 * The analysis's model, executed: the task set scheduled by `pick` in the reserved supply,
 * each job needing exactly (or at most) its WCET plus the job overhead, the slice overhead
 * taken at the start of each reserved slice. Pure and fast (no machine): the property tests
 * run it over random task sets to check that what admission accepts never misses under the
 * model's own costs, and that overload shows up as recorded misses.
 *
 * A late job is not aborted: it runs to completion and its lateness is recorded (the
 * dispatcher on the machine does the same).
 */
import { rmOrder, type SchedPolicy } from "./admission.js";
import { pick, type ReadyJob } from "./pick.js";
import { newRecord, type TaskRecord } from "./stats.js";
import type { Supply } from "./supply.js";
import type { Task } from "./task.js";

export interface ModelRun {
  readonly policy: SchedPolicy;
  readonly tasks: readonly Task[];
  readonly supply: Supply;
  readonly jobOverheadCycles: number;
  /** Simulated length. */
  readonly horizonCycles: number;
  /** Where in the slice vector's period the task set starts. Default 0. */
  readonly phaseCycles?: number;
  /** Each job's demand (default: its WCET, the worst case), given the task and job index. */
  readonly demand?: (task: number, job: number) => number;
  /** Sporadic releases: the gap before job k (default: the minimum, the period). */
  readonly gap?: (task: number, job: number) => number;
}

interface Job extends ReadyJob {
  remaining: number;
}

export interface ModelResult {
  readonly records: readonly TaskRecord[];
  /** Order in which jobs finished: task indices. */
  readonly finished: readonly number[];
}

export function runModel(run: ModelRun): ModelResult {
  const { tasks, supply, policy, horizonCycles: horizon } = run;
  const phase = run.phaseCycles ?? 0;
  const demand = run.demand ?? ((i: number) => tasks[i]!.wcetCycles);
  const gap = run.gap ?? ((i: number) => tasks[i]!.periodCycles);
  const rank: number[] = new Array(tasks.length).fill(0);
  rmOrder(tasks).forEach((task, r) => {
    rank[task] = r;
  });
  const records = tasks.map((t) => newRecord(t.name));
  const nextRelease = tasks.map((t) => t.offsetCycles);
  const jobIndex: number[] = new Array(tasks.length).fill(0);
  const ready: Job[] = [];
  const finished: number[] = [];
  let now = 0;

  const release = (until: number) => {
    for (let i = 0; i < tasks.length; i++) {
      while (nextRelease[i]! <= until && nextRelease[i]! < horizon) {
        const t = tasks[i]!;
        const at = nextRelease[i]!;
        const k = jobIndex[i]!;
        ready.push({
          task: i,
          releaseCycle: at,
          deadlineCycle: at + t.deadlineCycles,
          rank: rank[i]!,
          remaining: demand(i, k) + run.jobOverheadCycles,
        });
        const rec = records[i]!;
        rec.released++;
        rec.minReleaseLatencyCycles = 0;
        jobIndex[i] = k + 1;
        nextRelease[i] =
          at + (t.kind === "sporadic" ? Math.max(t.periodCycles, gap(i, k + 1)) : t.periodCycles);
      }
    }
  };
  const firstRelease = () => Math.min(...nextRelease);

  while (now < horizon) {
    release(now);
    // The supply at `now`: in an interval, how long it lasts; in a gap, when the next starts.
    const into = supplyAt(supply, now + phase);
    if (into.inside) {
      const j = pick(policy, ready);
      const until = Math.min(now + into.lengthCycles, firstRelease(), horizon);
      if (j < 0) {
        now = until; // > now: every release up to now is in `ready`
        continue;
      }
      const job = ready[j]!;
      const run1 = Math.min(job.remaining, until - now);
      job.remaining -= run1;
      now += run1;
      if (job.remaining === 0) {
        ready.splice(j, 1);
        const rec = records[job.task]!;
        const response = now - job.releaseCycle;
        rec.completed++;
        rec.sumResponseCycles += response;
        if (response > rec.worstResponseCycles) rec.worstResponseCycles = response;
        if (now > job.deadlineCycle) rec.misses++;
        finished.push(job.task);
      }
    } else {
      now = Math.min(now + into.lengthCycles, firstRelease(), horizon);
    }
  }
  // Jobs still unfinished past their deadline at the end: misses.
  for (const job of ready) if (job.deadlineCycle <= horizon) records[job.task]!.misses++;
  return { records, finished };
}

/** At absolute time x: inside a supply interval (and how long it still lasts) or in a gap (and until when). */
function supplyAt(s: Supply, x: number): { inside: boolean; lengthCycles: number } {
  const p = s.periodCycles;
  const y = x - Math.floor(x / p) * p;
  const n = s.starts.length;
  if (n === 0) return { inside: false, lengthCycles: Number.POSITIVE_INFINITY };
  for (let i = 0; i < n; i++) {
    if (y < s.starts[i]!) return { inside: false, lengthCycles: s.starts[i]! - y };
    if (y < s.ends[i]!) return { inside: true, lengthCycles: s.ends[i]! - y };
  }
  return { inside: false, lengthCycles: p - y + s.starts[0]! };
}
