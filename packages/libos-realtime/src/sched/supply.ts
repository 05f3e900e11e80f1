/**
 * The CPU time the library's reserved slices supply, as a function of time.
 *
 * The kernel's slice vector has `vectorLength` positions of `sliceCycles` each and a fixed
 * period `P = vectorLength * sliceCycles`: a reserved position runs at the same offset of
 * every period, whatever other environments take or free. Of each reserved slice the first
 * `sliceOverheadCycles` go to the switch into the library (the kernel's slice switch, the
 * library's loop resuming its job), so the library's supply in one period is the intervals
 * `[p * S + O, (p + 1) * S)`, one per reserved position p.
 *
 * The supply bound function sbf(t) is the least supply in any window of length t, over
 * every phase of the window against the vector (the analysis does not assume anything about
 * when the task set started). Its worst window starts where a supply interval ends: moving a
 * window's start forward inside an interval loses supply at the front at rate 1 and gains at
 * most 1 at the back; moving it back inside a gap loses nothing at the front.
 *
 * Invariant: sbf is nondecreasing and sbf(t + P) = sbf(t) + Q, with Q the supply per period.
 */

export interface SliceGeometry {
  readonly sliceCycles: number;
  readonly vectorLength: number;
  /** Lost at the start of each reserved slice (switch-in costs). */
  readonly sliceOverheadCycles: number;
}

export class Supply {
  /** Interval starts and ends within one period, sorted. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Supply before interval i (prefix sums). */
  readonly #before: number[];
  /** One period, and the supply in it. */
  readonly periodCycles: number;
  readonly perPeriodCycles: number;
  /** Long-run fraction of the CPU: Q / P. */
  readonly rate: number;
  /** The blackout: the longest window with no supply at all. */
  readonly blackoutCycles: number;
  /** The linear bound's delay: sbf(t) >= rate * (t - delayCycles) for every t >= 0. */
  readonly delayCycles: number;

  constructor(geometry: SliceGeometry, positions: readonly number[]) {
    const { sliceCycles: s, vectorLength: l, sliceOverheadCycles: o } = geometry;
    const sorted = [...new Set(positions)].sort((a, b) => a - b);
    const starts: number[] = [];
    const ends: number[] = [];
    for (const p of sorted) {
      if (o >= s) continue;
      starts.push(p * s + o);
      ends.push((p + 1) * s);
    }
    this.starts = starts;
    this.ends = ends;
    this.periodCycles = l * s;
    this.#before = [];
    let q = 0;
    for (let i = 0; i < starts.length; i++) {
      this.#before.push(q);
      q += ends[i]! - starts[i]!;
    }
    this.perPeriodCycles = q;
    this.rate = q / this.periodCycles;
    this.blackoutCycles = this.#blackout();
    this.delayCycles = this.#delay();
  }

  /** Supply in [0, x) (the pattern repeated every period). */
  cumulative(x: number): number {
    const p = this.periodCycles;
    const k = Math.floor(x / p);
    return k * this.perPeriodCycles + this.#within(x - k * p);
  }

  /** Supply in [0, y) for 0 <= y <= P: binary search of the interval holding y. */
  #within(y: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < y) lo = mid + 1;
      else hi = mid;
    }
    // Intervals 0..lo-1 start before y.
    if (lo === 0) return 0;
    const i = lo - 1;
    return this.#before[i]! + Math.min(y, this.ends[i]!) - starts[i]!;
  }

  /** The least supply in any window of length t (t >= 0). */
  sbf(t: number): number {
    if (this.perPeriodCycles === 0) return 0;
    let least = Number.POSITIVE_INFINITY;
    for (const b of this.ends) {
      const s = this.cumulative(b + t) - this.cumulative(b);
      if (s < least) least = s;
    }
    return least;
  }

  /** The smallest t with sbf(t) >= work (Infinity when there is no supply). */
  inverse(work: number): number {
    if (work <= 0) return 0;
    if (this.perPeriodCycles === 0) return Number.POSITIVE_INFINITY;
    // sbf(t) >= rate * (t - delay): an upper bound for the search.
    let hi = Math.ceil(work / this.rate + this.delayCycles) + 1;
    let lo = 0;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.sbf(mid) >= work) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The longest gap between supply intervals (cyclically). */
  #blackout(): number {
    const n = this.starts.length;
    if (n === 0) return Number.POSITIVE_INFINITY;
    let gap = 0;
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? this.starts[i + 1]! : this.starts[0]! + this.periodCycles;
      gap = Math.max(gap, next - this.ends[i]!);
    }
    return gap;
  }

  /**
   * max over t of t - sbf(t) / rate. The function is periodic (sbf(t + P) = sbf(t) + Q) and
   * piecewise linear; its maxima are where sbf's slope rises from 0 to 1, which are where one
   * window's supply starts: t = start_j - end_k (mod P). Evaluated at each of those.
   */
  #delay(): number {
    if (this.perPeriodCycles === 0) return Number.POSITIVE_INFINITY;
    const p = this.periodCycles;
    let d = 0;
    for (const b of this.ends)
      for (const a of this.starts) {
        const t = (((a - b) % p) + p) % p;
        d = Math.max(d, t - this.sbf(t) / this.rate);
      }
    return d;
  }
}
