import { CAP_GEN_MAX, CAP_SLOT_BITS, CAP_SLOT_MASK, Result } from "../result.js";

/**
 * One environment's capability list (as in Xok): a table of slots held by the kernel. A
 * libOS names a capability by `slot | (generation << 12)`; the generation of a slot is
 * bumped when the slot is released, so an old name fails (Stale) instead of naming another
 * resource. A capability names a physical frame together with the frame's generation at the
 * time it was made: when the frame is freed or repossessed its generation moves on and every
 * capability for it, in every list, becomes stale at once.
 *
 * Invariants: `used[s] === 1` iff slot s holds a capability; a used slot's frame is a valid
 * frame number; `rights` is a non-empty subset of Read|Write|Own.
 */
export class CapList {
  readonly size: number;
  readonly used: Uint8Array;
  readonly gen: Int32Array;
  readonly frame: Int32Array;
  readonly frameGen: Int32Array;
  readonly rights: Uint8Array;
  /** Slots ever released and still reusable (LIFO); `next` is the first never-used slot. */
  readonly #free: number[] = [];
  #next = 0;
  count = 0;

  constructor(size: number) {
    this.size = size;
    this.used = new Uint8Array(size);
    this.gen = new Int32Array(size);
    this.frame = new Int32Array(size).fill(-1);
    this.frameGen = new Int32Array(size);
    this.rights = new Uint8Array(size);
  }

  /** A free slot, or -1 (the list is full). Does not change anything. */
  peekFree(): number {
    if (this.#free.length > 0) return this.#free[this.#free.length - 1]!;
    return this.#next < this.size ? this.#next : -1;
  }

  /** Fills the slot `peekFree()` returned; returns the capability's name. */
  insert(frame: number, frameGen: number, rights: number): number {
    let s: number;
    if (this.#free.length > 0) s = this.#free.pop()!;
    else s = this.#next++;
    this.used[s] = 1;
    this.frame[s] = frame;
    this.frameGen[s] = frameGen;
    this.rights[s] = rights;
    this.count++;
    return (s | (this.gen[s]! << CAP_SLOT_BITS)) >>> 0;
  }

  /** Releases a used slot; its generation moves on (retired when it would wrap). */
  release(s: number): void {
    this.used[s] = 0;
    this.frame[s] = -1;
    this.rights[s] = 0;
    this.count--;
    if (this.gen[s]! < CAP_GEN_MAX) {
      this.gen[s] = this.gen[s]! + 1;
      this.#free.push(s);
    }
  }

  /**
   * Decodes a capability name (already an int32 from a register) against this list and the
   * frame generations. Returns the slot (>= 0) or a Result code. Changes nothing.
   */
  resolve(name: number, frameGens: Int32Array): number {
    if (name < 0) return Result.Invalid;
    const s = name & CAP_SLOT_MASK;
    const g = name >>> CAP_SLOT_BITS;
    if (s >= this.size) return Result.BadCap;
    if (this.used[s] === 0) return this.gen[s] === 0 && g === 0 ? Result.BadCap : Result.Stale;
    if (this.gen[s] !== g) return Result.Stale;
    if (frameGens[this.frame[s]!] !== this.frameGen[s]) return Result.Stale;
    return s;
  }

  /** Every used slot (for destroy and invariant checks). */
  *slots(): Generator<number> {
    for (let s = 0; s < this.#next; s++) if (this.used[s] === 1) yield s;
  }
}
