import { Int32ArrayCtor, Uint8ArrayCtor } from "../intrinsics.js";
import { CAP_GEN_MAX, CAP_SLOT_BITS, CAP_SLOT_MASK, Result } from "../result.js";

/**
 * Disk extents (in the spirit of Xok's XN): a run of blocks `[start, start + length)` owned
 * by one environment. The kernel knows nothing of file systems: it only checks that the
 * extent a request names covers every block the request touches.
 *
 * Invariants: live extents (`owner[x] !== 0`) never overlap and lie inside the disk; `gen[x]`
 * is bumped whenever extent x is freed, so every capability naming the old one goes Stale;
 * `busy[x]` counts the requests naming x that are queued or on the disk; an extent freed
 * while a request of it is on the disk (its owner died) is `dying`: it keeps its blocks
 * (no one may allocate them) until that request completes.
 */
export class ExtentTable {
  readonly size: number;
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly owner: Int32Array;
  readonly gen: Int32Array;
  readonly busy: Int32Array;
  readonly dying: Uint8Array;
  /** Copies of x's capability granted to other environments' lists (reclaimed on free). */
  readonly copies: Int32Array;
  /** Extents holding blocks (live or dying); the overlap scan walks them. */
  held = 0;

  constructor(size: number) {
    this.size = size;
    this.start = new Int32ArrayCtor(size);
    this.length = new Int32ArrayCtor(size);
    this.owner = new Int32ArrayCtor(size);
    this.gen = new Int32ArrayCtor(size);
    this.busy = new Int32ArrayCtor(size);
    this.dying = new Uint8ArrayCtor(size);
    this.copies = new Int32ArrayCtor(size);
  }

  /** Whether extent x holds blocks (live or dying). */
  holds(x: number): boolean {
    return this.owner[x] !== 0 || this.dying[x] === 1;
  }

  /**
   * The first held extent overlapping `[start, start + length)`, or -1; `scanned` counts the
   * held extents looked at (each one charged by the caller). Changes nothing.
   */
  overlapping(start: number, length: number): number {
    this.scanned = 0;
    const end = start + length;
    for (let x = 0; x < this.size; x++) {
      if (!this.holds(x)) continue;
      this.scanned++;
      const s = this.start[x]!;
      if (s < end && start < s + this.length[x]!) return x;
    }
    return -1;
  }

  scanned = 0;

  /** A free entry (holding no blocks), or -1. */
  freeEntry(): number {
    for (let x = 0; x < this.size; x++) if (!this.holds(x)) return x;
    return -1;
  }

  take(x: number, start: number, length: number, envId: number): void {
    this.start[x] = start;
    this.length[x] = length;
    this.owner[x] = envId;
    this.held++;
  }

  /**
   * Frees x: names go Stale; with a request outstanding (queued: it completes Stale at its
   * start; on the disk: it completes), its blocks stay held until the last one is over.
   */
  release(x: number, onDisk: boolean): void {
    this.owner[x] = 0;
    this.gen[x] = (this.gen[x]! + 1) | 0;
    if (onDisk) this.dying[x] = 1;
    else this.held--;
  }

  /** The last request of dying extent x is over: its blocks are free. */
  settle(x: number): void {
    this.dying[x] = 0;
    this.held--;
  }
}

/**
 * One environment's extent capabilities: slot | (generation << 12), as frame capabilities.
 * A slot names an extent and the extent's generation when it was made; a slot's generation
 * moves on when it is released. Invariant: `used[s] === 1` iff slot s names an extent.
 */
export class ExtentCaps {
  readonly used: Uint8Array;
  readonly gen: Int32Array;
  readonly extent: Int32Array;
  readonly extentGen: Int32Array;
  readonly rights: Uint8Array;
  /** 1 if the slot holds a copy granted by another env (counted in `granted`, not `count`). */
  readonly foreign: Uint8Array;
  /** Extents of its own (the quota's count) and grants from others (extentGrantQuota). */
  count = 0;
  granted = 0;

  constructor(readonly size: number) {
    this.used = new Uint8ArrayCtor(size);
    this.gen = new Int32ArrayCtor(size);
    this.extent = new Int32ArrayCtor(size);
    this.extentGen = new Int32ArrayCtor(size);
    this.rights = new Uint8ArrayCtor(size);
    this.foreign = new Uint8ArrayCtor(size);
  }

  /** A free slot (never a retired one), or -1. */
  freeSlot(): number {
    for (let s = 0; s < this.size; s++) {
      if (this.used[s] === 0 && this.gen[s]! < CAP_GEN_MAX) return s;
    }
    return -1;
  }

  insert(s: number, x: number, xGen: number, rights: number, foreign = false): number {
    this.extent[s] = x;
    this.extentGen[s] = xGen;
    this.rights[s] = rights;
    this.used[s] = 1;
    this.foreign[s] = foreign ? 1 : 0;
    if (foreign) this.granted++;
    else this.count++;
    return (s | (this.gen[s]! << CAP_SLOT_BITS)) >>> 0;
  }

  release(s: number): void {
    if (this.used[s] === 0) return;
    this.used[s] = 0;
    this.gen[s] = this.gen[s]! + 1;
    if (this.foreign[s] === 1) this.granted--;
    else this.count--;
  }

  /** Decodes a name against this list and the extents' generations: the slot or a Result. */
  resolve(name: number, extentGens: Int32Array): number {
    if (name < 0) return Result.Invalid;
    const s = name & CAP_SLOT_MASK;
    const g = name >>> CAP_SLOT_BITS;
    if (s >= this.size) return Result.BadCap;
    if (this.used[s] === 0) return this.gen[s] === 0 && g === 0 ? Result.BadCap : Result.Stale;
    if (this.gen[s] !== g) return Result.Stale;
    if (extentGens[this.extent[s]!] !== this.extentGen[s]) return Result.Stale;
    return s;
  }
}
