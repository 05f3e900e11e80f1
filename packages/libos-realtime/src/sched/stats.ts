/**
 * Per-task records: jobs completed, deadline misses, response times, release latency and
 * its jitter. Kept host-side (statistics of the experiment, not state of the library): they
 * are listed under "Not charged" in COSTS.md.
 */

export interface TaskRecord {
  readonly name: string;
  /** Jobs released. */
  released: number;
  /** Jobs that finished. */
  completed: number;
  /** Jobs that finished after their deadline, or were still unfinished at it when the run ended. */
  misses: number;
  /** Jobs dropped unfinished (overload policy, revocation). */
  dropped: number;
  worstResponseCycles: number;
  sumResponseCycles: number;
  /** Release latency (the job became ready this many cycles after its nominal release). */
  minReleaseLatencyCycles: number;
  maxReleaseLatencyCycles: number;
}

export function newRecord(name: string): TaskRecord {
  return {
    name,
    released: 0,
    completed: 0,
    misses: 0,
    dropped: 0,
    worstResponseCycles: 0,
    sumResponseCycles: 0,
    minReleaseLatencyCycles: Number.POSITIVE_INFINITY,
    maxReleaseLatencyCycles: 0,
  };
}

/** Release jitter: the spread of the release latency. */
export const jitterCycles = (r: TaskRecord): number =>
  r.released === 0 ? 0 : r.maxReleaseLatencyCycles - r.minReleaseLatencyCycles;

/** Totals over a task set: the figures the bench reports. */
export interface Summary {
  readonly jobs: number;
  readonly misses: number;
  readonly missRatio: number;
  readonly worstResponseCycles: number;
}

export function summarise(records: readonly TaskRecord[]): Summary {
  let jobs = 0;
  let misses = 0;
  let worst = 0;
  for (const r of records) {
    jobs += r.released;
    misses += r.misses;
    worst = Math.max(worst, r.worstResponseCycles);
  }
  return { jobs, misses, missRatio: jobs === 0 ? 0 : misses / jobs, worstResponseCycles: worst };
}

/** The p-th percentile (0..100) of `xs` by the nearest-rank method; 0 for none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
