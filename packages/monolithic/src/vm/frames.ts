/**
 * The core map: which physical frames are free. 4.3BSD keeps it in `cmap` (one entry per
 * frame, a free list through it); here the free list is host-side and each allocation or
 * release is charged by its caller as the instructions of memall/memfree (costs.ts).
 * Invariant: a frame is either in the free list or owned by exactly one kernel object.
 */
export class FrameAllocator {
  readonly #free: number[] = [];
  readonly #isFree: Uint8Array;

  constructor(first: number, total: number) {
    this.#isFree = new Uint8Array(total);
    for (let f = total - 1; f >= first; f--) {
      this.#free.push(f);
      this.#isFree[f] = 1;
    }
  }

  get freeCount(): number {
    return this.#free.length;
  }

  /** Takes a free frame (lowest numbered first), or -1 when none is left. */
  alloc(): number {
    const f = this.#free.pop();
    if (f === undefined) return -1;
    this.#isFree[f] = 0;
    return f;
  }

  free(frame: number): void {
    if (this.#isFree[frame] === 1) throw new Error(`frame ${frame} freed twice`);
    this.#isFree[frame] = 1;
    this.#free.push(frame);
  }

  isFree(frame: number): boolean {
    return this.#isFree[frame] === 1;
  }
}
