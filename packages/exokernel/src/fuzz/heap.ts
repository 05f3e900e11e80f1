/**
 * The fuzz command's heap criterion: does the heap still grow per call once the run is warm?
 *
 * The command takes the heap after a forced collection at `HEAP_SAMPLES` points of the run
 * (the last at the end, the world still alive). Comparing the end with an early point counts
 * what a run keeps by design and its warm-up as if they were leaks: the machine keeps one
 * owner record per environment that ever ran (`Accounting.owners`, for attribution), and the
 * heap climbs early in the run (JIT code is part of it), then stays on a plateau. So the criterion judges the second half of the run only, by the slope
 * of a least-squares line through its samples (bytes per hostile call; one noisy sample moves
 * it little), and takes off the record kept per hostile death (`keptPerDeathBytes`). A leak
 * of L bytes per call adds L to the slope however long the run; a record of K bytes kept per
 * death adds K × deaths per call (0.016 to 0.019 deaths per call with `FUZZ_DISK=1`, 0.005
 * without). Measured and chosen: README, "The heap criterion".
 */

export interface HeapSample {
  /** Hostile calls made when the sample was taken. */
  calls: number;
  /** Hostile environments dead (and replaced) by then. */
  hostileDeaths: number;
  /** `process.memoryUsage().heapUsed` after a forced collection. */
  heapBytes: number;
}

export interface HeapCriterion {
  /**
   * Kept per hostile death by design: the machine's owner record (`Accounting.owners`, one
   * frozen record per owner that ever ran). Measured: 20,000 environments created and
   * destroyed (each with a frame and a slice) grow the heap by 80 bytes each (the death log
   * is a ring, `policy.deathLogLength`).
   */
  keptPerDeathBytes: number;
  /**
   * The most the judged half may grow per call net of the deaths' records. Above the noise:
   * the samples of a run scatter by about 0.2 MiB around their line, about 1-3 bytes a call
   * on the slope of 100,000-1,000,000 calls' second half. 16 bytes a call would be 16 MiB
   * over the default run, more than the whole heap.
   */
  limitBytesPerCall: number;
  /**
   * Shorter runs are not judged: their second half may still be warming up (measured, seed
   * 42, FUZZ_DISK=1, 100,000 calls: +16.2 bytes a call net; at 200,000 calls +2.5).
   */
  judgedFromCalls: number;
}

export const HEAP_CRITERION: Readonly<HeapCriterion> = Object.freeze({
  keptPerDeathBytes: 80,
  limitBytesPerCall: 16,
  judgedFromCalls: 200_000,
});

/** Samples the command takes (one per twentieth of the calls). */
export const HEAP_SAMPLES = 20;

export interface HeapJudgement {
  /** False when the run is too short to judge (or has fewer than three samples to fit). */
  judged: boolean;
  /** True when not judged or within the limit. */
  ok: boolean;
  /** Calls and hostile deaths over the judged half (first judged sample to the last). */
  spanCalls: number;
  spanDeaths: number;
  /** Slope of the heap over the judged half, bytes per hostile call. */
  bytesPerCall: number;
  /** The judged half's growth (slope × span) per hostile death in it (NaN with none). */
  bytesPerDeath: number;
  /** `bytesPerCall` less `keptPerDeathBytes` × deaths per call: what the limit applies to. */
  netBytesPerCall: number;
}

/**
 * The judged half: the samples from the middle one on (taken at equal steps of calls, so the
 * one at half the calls; by position, as a step may overshoot its mark by a few calls).
 */
export function judgedHalf(samples: readonly HeapSample[]): HeapSample[] {
  return samples.slice(Math.floor((samples.length - 1) / 2));
}

/** Least-squares slope of heapBytes on calls (0 when the calls do not vary). */
export function heapSlope(samples: readonly HeapSample[]): number {
  const n = samples.length;
  let meanX = 0;
  let meanY = 0;
  for (const s of samples) {
    meanX += s.calls / n;
    meanY += s.heapBytes / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (const s of samples) {
    sxy += (s.calls - meanX) * (s.heapBytes - meanY);
    sxx += (s.calls - meanX) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Judges a run's heap samples (in the order taken; the last at the end of the run). */
export function judgeHeap(
  samples: readonly HeapSample[],
  criterion: Readonly<HeapCriterion> = HEAP_CRITERION,
): HeapJudgement {
  const span = judgedHalf(samples);
  const first = span[0];
  const last = span[span.length - 1];
  if (first === undefined || last === undefined || span.length < 3) {
    return {
      judged: false,
      ok: true,
      spanCalls: 0,
      spanDeaths: 0,
      bytesPerCall: 0,
      bytesPerDeath: Number.NaN,
      netBytesPerCall: 0,
    };
  }
  const spanCalls = last.calls - first.calls;
  const spanDeaths = last.hostileDeaths - first.hostileDeaths;
  const bytesPerCall = heapSlope(span);
  const deathsPerCall = spanCalls > 0 ? spanDeaths / spanCalls : 0;
  const netBytesPerCall = bytesPerCall - criterion.keptPerDeathBytes * deathsPerCall;
  const judged = last.calls >= criterion.judgedFromCalls;
  return {
    judged,
    ok: !judged || netBytesPerCall <= criterion.limitBytesPerCall,
    spanCalls,
    spanDeaths,
    bytesPerCall,
    bytesPerDeath: spanDeaths > 0 ? (bytesPerCall * spanCalls) / spanDeaths : Number.NaN,
    netBytesPerCall,
  };
}
