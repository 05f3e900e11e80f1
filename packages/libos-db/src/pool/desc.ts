import type { Cost, CpuView } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { DESC_BYTES, POOL_DESC_VA, POOL_META_VA } from "../layout.js";

/**
 * The buffer pool's frame descriptors and queues in simulated memory. Descriptor of slot s
 * at POOL_DESC_VA + s × 32: pageNo (-1: empty), flags, pins, hash next, prev, next, the
 * policy's word (queue id or reference bit), the frame's capability. Links are slot + 1
 * (0 ends a list). Queue q's head, tail and length are three words at POOL_META_VA + q × 12.
 * Every access is a charged load or store.
 */
export const D = Object.freeze({
  PAGE: 0,
  FLAGS: 4,
  PINS: 8,
  HASH: 12,
  PREV: 16,
  NEXT: 20,
  AUX: 24,
  CAP: 28,
});

/** Descriptor flags. */
export const DIRTY = 1;

/** Pool-wide words after the queue heads. */
export const META = Object.freeze({
  /** The clock's hand (a slot). */
  HAND: 0x40,
  /** Slots never used yet: the next one handed out. */
  FRESH: 0x44,
  /** The 2Q ghost ring: next write index and entries held. */
  GHOST_AT: 0x48,
  GHOST_N: 0x4c,
  /** LRU-2's reference counter. */
  TICK: 0x50,
});
/**
 * The hash buckets (slot + 1 heads, one page), then the ring of pages that left the pool
 * (two pages: 2Q's ghosts, 4 bytes each, or LRU-2's history, 8 bytes each).
 */
export const BUCKETS_VA = POOL_META_VA + 0x1000;
export const GHOST_VA = POOL_META_VA + 0x2000;
/** Pages of pool metadata (queue heads, buckets, the ring). */
export const META_PAGES = 4;

export class Descriptors {
  constructor(private readonly cpu: CpuView) {}

  /** Charges `cost` (the policies' own steps). */
  exec(cost: Cost, times = 1): void {
    this.cpu.exec(cost, times);
  }

  /** A word of the pool's metadata pages at `va` (charged). */
  cpuLoad(va: number): number {
    return this.cpu.load32(va) | 0;
  }

  /** `cpuLoad` for a word the next instruction uses (the load-delay slot's nop charged). */
  cpuLoadUsed(va: number): number {
    return this.cpu.load32Used(va) | 0;
  }

  cpuStore(va: number, value: number): void {
    this.cpu.store32(va, value);
  }

  get(slot: number, field: number): number {
    return this.cpu.load32(POOL_DESC_VA + slot * DESC_BYTES + field) | 0;
  }

  /** `get` for a field the next instruction uses (tested, counted up or down, stored, or an address). */
  getUsed(slot: number, field: number): number {
    return this.cpu.load32Used(POOL_DESC_VA + slot * DESC_BYTES + field) | 0;
  }

  set(slot: number, field: number, value: number): void {
    this.cpu.store32(POOL_DESC_VA + slot * DESC_BYTES + field, value);
  }

  meta(offset: number): number {
    return this.cpu.load32(POOL_META_VA + offset) | 0;
  }

  /** `meta` for a word the next instruction uses. */
  metaUsed(offset: number): number {
    return this.cpu.load32Used(POOL_META_VA + offset) | 0;
  }

  setMeta(offset: number, value: number): void {
    this.cpu.store32(POOL_META_VA + offset, value);
  }

  /** Entries in queue q. */
  length(q: number): number {
    return this.meta(q * 12 + 8);
  }

  /** `length` counted up or down and stored at once (a queue operation's last step). */
  #lengthUsed(q: number): number {
    return this.metaUsed(q * 12 + 8);
  }

  /** The slot at queue q's head (most recent end), or -1. */
  head(q: number): number {
    return this.meta(q * 12) - 1;
  }

  /** The slot at queue q's tail (oldest end), or -1: a walk's first link, chased at once. */
  tail(q: number): number {
    return this.metaUsed(q * 12 + 4) - 1;
  }

  /** The slot before `slot` (towards the head), or -1: a walk's next link, chased at once. */
  towardsHead(slot: number): number {
    return this.getUsed(slot, D.PREV) - 1;
  }

  /** Puts `slot` at queue q's head (it must be in no queue). */
  pushHead(q: number, slot: number): void {
    this.cpu.exec(COSTS["db.pool.list"]);
    const h = this.meta(q * 12);
    this.set(slot, D.PREV, 0);
    this.set(slot, D.NEXT, h);
    if (h !== 0) this.set(h - 1, D.PREV, slot + 1);
    else this.setMeta(q * 12 + 4, slot + 1);
    this.setMeta(q * 12, slot + 1);
    this.setMeta(q * 12 + 8, this.#lengthUsed(q) + 1);
  }

  /** Takes `slot` out of queue q. */
  remove(q: number, slot: number): void {
    this.cpu.exec(COSTS["db.pool.list"]);
    const p = this.get(slot, D.PREV);
    const n = this.get(slot, D.NEXT); // its slot: the p test (db.pool.list's beqz), independent
    if (p !== 0) this.set(p - 1, D.NEXT, n);
    else this.setMeta(q * 12, n);
    if (n !== 0) this.set(n - 1, D.PREV, p);
    else this.setMeta(q * 12 + 4, p);
    this.setMeta(q * 12 + 8, this.#lengthUsed(q) - 1);
  }
}
