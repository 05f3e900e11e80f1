import { Int32ArrayCtor, TypedArrayPrototypeFill, Uint8ArrayCtor } from "../intrinsics.js";
import { CAP_GEN_MAX, CAP_SLOT_BITS, CAP_SLOT_MASK, Result } from "../result.js";

/**
 * One environment's capability list (as in Xok): a table of slots held by the kernel. A
 * libOS names a capability by `slot | (generation << 12)`; the generation of a slot is
 * bumped when the slot is released, so an old name fails (Stale) instead of naming another
 * resource. A capability names a physical frame together with the frame's generation at the
 * time it was made. When the frame is freed or repossessed, every copy of the capability, in
 * every list, is released (caps/copies.ts keeps the copies of each frame): the names go
 * Stale and the slots are free again.
 *
 * Every table is a typed array (no JS array, no prototype lookup; see intrinsics.ts).
 *
 * Invariants: `used[s] === 1` iff slot s holds a capability; a used slot's frame is a valid
 * frame number, and the slot is linked in that frame's copy list (`copyPrev`/`copyNext`,
 * packed `asid << 12 | slot` names of the neighbours, -1 at the ends); `rights` is a
 * non-empty subset of Read|Write|Own; `granted[s] === 1` iff the slot was filled by another
 * environment's grant (those count against the policy's `grantQuota`), and `grantedCount`
 * counts them; the free stack holds exactly the released, reusable slots.
 */
export class CapList {
  readonly size: number;
  readonly used: Uint8Array;
  readonly gen: Int32Array;
  readonly frame: Int32Array;
  readonly frameGen: Int32Array;
  readonly rights: Uint8Array;
  readonly granted: Uint8Array;
  readonly copyPrev: Int32Array;
  readonly copyNext: Int32Array;
  /** Released slots still reusable (a stack); `next` is the first never-used slot. */
  readonly #free: Int32Array;
  #freeTop = 0;
  #next = 0;
  count = 0;
  grantedCount = 0;

  constructor(size: number) {
    this.size = size;
    this.used = new Uint8ArrayCtor(size);
    this.gen = new Int32ArrayCtor(size);
    this.frame = new Int32ArrayCtor(size);
    TypedArrayPrototypeFill(this.frame, -1);
    this.frameGen = new Int32ArrayCtor(size);
    this.rights = new Uint8ArrayCtor(size);
    this.granted = new Uint8ArrayCtor(size);
    this.copyPrev = new Int32ArrayCtor(size);
    this.copyNext = new Int32ArrayCtor(size);
    this.#free = new Int32ArrayCtor(size);
  }

  /** Slots ever used (every used slot is below it). */
  get highWater(): number {
    return this.#next;
  }

  /** A free slot, or -1 (the list is full). Does not change anything. */
  peekFree(): number {
    if (this.#freeTop > 0) return this.#free[this.#freeTop - 1]!;
    return this.#next < this.size ? this.#next : -1;
  }

  /**
   * Fills the slot `peekFree()` returned (the caller checked there is one); returns the slot.
   * The caller links it into its frame's copy list (caps/copies.ts).
   */
  insert(frame: number, frameGen: number, rights: number, granted: boolean): number {
    const s = this.#freeTop > 0 ? this.#free[--this.#freeTop]! : this.#next++;
    this.frame[s] = frame;
    this.frameGen[s] = frameGen;
    this.rights[s] = rights;
    this.granted[s] = granted ? 1 : 0;
    this.copyPrev[s] = -1;
    this.copyNext[s] = -1;
    this.used[s] = 1;
    this.count++;
    if (granted) this.grantedCount++;
    return s;
  }

  /** The name of used slot s. */
  nameOf(s: number): number {
    return (s | (this.gen[s]! << CAP_SLOT_BITS)) >>> 0;
  }

  /**
   * Releases a used slot (already unlinked from its frame's copies); its generation moves
   * on (the slot is retired when it would wrap).
   */
  release(s: number): void {
    if (this.used[s] === 0) return;
    this.used[s] = 0;
    this.frame[s] = -1;
    this.rights[s] = 0;
    this.count--;
    if (this.granted[s] === 1) {
      this.granted[s] = 0;
      this.grantedCount--;
    }
    if (this.gen[s]! < CAP_GEN_MAX) {
      this.gen[s] = this.gen[s]! + 1;
      this.#free[this.#freeTop++] = s;
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
}

/** The list of a destroyed environment: no slot, nothing kept. */
export const EMPTY_CAPLIST = new CapList(0);
