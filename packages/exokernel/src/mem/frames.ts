import {
  Float64ArrayCtor,
  Int32ArrayCtor,
  newList,
  type SafeSet,
  TypedArrayPrototypeFill,
} from "../intrinsics.js";

/**
 * The physical frame table: who allocated each frame (the environment accountable for it,
 * the one a revocation asks) and its generation, bumped whenever the frame is freed or
 * repossessed so that every capability naming the old incarnation becomes stale.
 *
 * Invariants: `owner[f]` is FRAME_KERNEL for reserved frames, FRAME_FREE for free ones, and
 * otherwise the id of an environment that is alive or doomed (not yet reaped); `bindings[f]`
 * lists every (env, vpn) mapping of the frame that the kernel installed and has not yet
 * removed; `copyHead[f]` heads the list of every capability copy naming the frame
 * (caps/copies.ts), -1 when there is none; `withheldFrom[f]` is the id of an environment that
 * surrendered the frame under a revocation request and may not take it back before
 * `withheldUntil[f]` (the request's deadline), or 0.
 */
export const FRAME_FREE = 0;
export const FRAME_KERNEL = -1;

export interface Binding {
  readonly envId: number;
  readonly asid: number;
  readonly vpn: number;
  readonly frame: number;
  readonly writable: boolean;
  /** The capability slot the mapping was made through (dropping it removes the mapping). */
  readonly slot: number;
  readonly guaranteed: boolean;
}

export class FrameTable {
  readonly count: number;
  readonly owner: Int32Array;
  readonly gen: Int32Array;
  readonly copyHead: Int32Array;
  readonly withheldFrom: Int32Array;
  readonly withheldUntil: Float64Array;
  /** Frames withheld now (to skip the check when there is none). */
  withheldCount = 0;
  readonly bindings: (SafeSet<Binding> | undefined)[];
  #cursor: number;
  freeCount: number;

  constructor(count: number, reserved: number) {
    this.count = count;
    this.owner = new Int32ArrayCtor(count);
    this.gen = new Int32ArrayCtor(count);
    this.copyHead = new Int32ArrayCtor(count);
    TypedArrayPrototypeFill(this.copyHead, -1);
    this.withheldFrom = new Int32ArrayCtor(count);
    this.withheldUntil = new Float64ArrayCtor(count);
    this.bindings = newList();
    for (let f = 0; f < count; f++) this.bindings[f] = undefined;
    for (let f = 0; f < reserved; f++) this.owner[f] = FRAME_KERNEL;
    this.#cursor = reserved;
    this.freeCount = count - reserved;
  }

  /** Whether `f` is withheld from environment `envId` at cycle `now`. */
  withheld(f: number, envId: number, now: number): boolean {
    return this.withheldFrom[f] === envId && now < this.withheldUntil[f]!;
  }

  /**
   * The first free frame at or after the cursor (wrapping) that is not withheld from
   * `envId`, or -1. `skipped` counts the free frames passed over because they were withheld.
   * Changes nothing.
   */
  findFree(envId: number, now: number): number {
    this.skipped = 0;
    if (this.freeCount === 0) return -1;
    const checkWithheld = this.withheldCount > 0;
    for (let i = 0, f = this.#cursor; i < this.count; i++, f = f + 1 === this.count ? 0 : f + 1) {
      if (this.owner[f] !== FRAME_FREE) continue;
      if (checkWithheld && this.withheld(f, envId, now)) {
        this.skipped++;
        continue;
      }
      return f;
    }
    return -1;
  }

  /** Free frames `findFree` passed over (withheld from the caller). */
  skipped = 0;

  take(f: number, envId: number): void {
    if (this.withheldFrom[f] !== 0) {
      // Taken by another environment (or after the deadline): the withholding is settled.
      this.withheldFrom[f] = 0;
      this.withheldCount--;
    }
    this.owner[f] = envId;
    this.freeCount--;
    this.#cursor = f + 1 === this.count ? 0 : f + 1;
  }

  /** Withholds a free frame from `envId` until `until` (it surrendered it under a request). */
  withhold(f: number, envId: number, until: number): void {
    if (this.withheldFrom[f] === 0) this.withheldCount++;
    this.withheldFrom[f] = envId;
    this.withheldUntil[f] = until;
  }
}
