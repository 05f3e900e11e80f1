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

  /**
   * Takes the `n` highest-numbered free frames (highest first), or null with nothing taken
   * when fewer are free. Boot-time tables (the buffer cache, the file system's in-core
   * tables) come from the top of memory, so that processes get the frames they got before
   * these existed. One pass over the core map.
   */
  allocHigh(n: number): number[] | null {
    if (n > this.#free.length) return null;
    const out: number[] = [];
    for (let f = this.#isFree.length - 1; f >= 0 && out.length < n; f--) {
      if (this.#isFree[f] === 1) {
        out.push(f);
        this.#isFree[f] = 0;
      }
    }
    let j = 0;
    for (let i = 0; i < this.#free.length; i++) {
      const f = this.#free[i]!;
      if (this.#isFree[f] === 1) this.#free[j++] = f;
    }
    this.#free.length = j;
    return out;
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
