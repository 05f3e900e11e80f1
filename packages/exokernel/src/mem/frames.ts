/**
 * The physical frame table: who allocated each frame (the environment accountable for it,
 * the one a revocation asks) and its generation, bumped whenever the frame is freed or
 * repossessed so that every capability naming the old incarnation becomes stale.
 *
 * Invariants: `owner[f]` is FRAME_KERNEL for reserved frames, FRAME_FREE for free ones, and
 * otherwise the id of a live environment; `bindings` lists every (env, vpn) mapping of the
 * frame that the kernel installed and has not yet removed.
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
  readonly bindings: (Set<Binding> | undefined)[];
  #cursor: number;
  freeCount: number;

  constructor(count: number, reserved: number) {
    this.count = count;
    this.owner = new Int32Array(count);
    this.gen = new Int32Array(count);
    this.bindings = new Array(count).fill(undefined);
    for (let f = 0; f < reserved; f++) this.owner[f] = FRAME_KERNEL;
    this.#cursor = reserved;
    this.freeCount = count - reserved;
  }

  /** The lowest free frame at or after the cursor (wrapping), or -1. Changes nothing. */
  findFree(): number {
    if (this.freeCount === 0) return -1;
    for (let i = 0, f = this.#cursor; i < this.count; i++, f = f + 1 === this.count ? 0 : f + 1) {
      if (this.owner[f] === FRAME_FREE) return f;
    }
    return -1;
  }

  take(f: number, envId: number): void {
    this.owner[f] = envId;
    this.freeCount--;
    this.#cursor = f + 1 === this.count ? 0 : f + 1;
  }

  /** Frees a frame: its generation moves on (old capabilities become stale). */
  release(f: number): void {
    this.owner[f] = FRAME_FREE;
    this.gen[f] = (this.gen[f]! + 1) | 0;
    this.freeCount++;
  }

  addBinding(b: Binding): void {
    let s = this.bindings[b.frame];
    if (s === undefined) {
      s = new Set();
      this.bindings[b.frame] = s;
    }
    s.add(b);
  }

  removeBinding(b: Binding): void {
    this.bindings[b.frame]?.delete(b);
  }
}
