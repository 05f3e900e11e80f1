import { type EnvHandle, PAGE_BYTES, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { DESC_BYTES, POOL_DESC_VA, POOL_FRAMES_VA, POOL_META_VA, pagesFor } from "../layout.js";
import type { PageStore } from "../storage/pagestore.js";
import type { Vm } from "../vm/vm.js";
import { Clock } from "./clock.js";
import { BUCKETS_VA, D, Descriptors, DIRTY, META, META_PAGES } from "./desc.js";
import { Lru } from "./lru.js";
import { Lru2 } from "./lru2.js";
import type { PoolPolicyName, Replacement } from "./replacement.js";
import { TwoQ } from "./twoq.js";

/** Most frames a pool may have: one page of hash buckets, 4-byte heads. */
export const MAX_POOL_FRAMES = 1024;

/**
 * The database's buffer pool: `frames` frames of its own, mapped at POOL_FRAMES_VA (entries
 * of the inverted page table), holding pages of a PageStore. A page is found by a hash
 * table in simulated memory (page number → slot; buckets = frames rounded up to a power of
 * two); the replacement policy is the application's choice (LRU, clock, 2Q).
 *
 * `fetch` pins the page (a pinned page is never chosen as a victim) and returns its slot;
 * the caller unpins it. A victim that is dirty is written back to the store before its
 * frame is reused (steal): only committed pages are ever unpinned dirty (the engine pins a
 * transaction's pages until it commits or aborts).
 *
 * Invariants: a page is in at most one slot; a slot holding a page is on exactly one hash
 * chain and (except while a policy has just taken it as victim) in its policy's queue.
 */
export class BufferPool {
  /** Host-side statistics (not simulated state). */
  readonly stats = { hits: 0, misses: 0, reads: 0, writeBacks: 0 };
  readonly d: Descriptors;
  readonly #policy: Replacement;
  readonly #buckets: number;

  constructor(
    private readonly env: EnvHandle,
    private readonly store: PageStore,
    readonly frames: number,
    policy: PoolPolicyName,
  ) {
    this.d = new Descriptors(env.cpu);
    let b = 1;
    while (b < frames) b <<= 1;
    this.#buckets = b;
    this.#policy = makePolicy(policy, this.d, frames);
  }

  get policy(): PoolPolicyName {
    return this.#policy.name;
  }

  /** Maps the metadata and takes and maps the frames; every slot empty. */
  boot(vm: Vm): number {
    const env = this.env;
    let r = vm.map(POOL_META_VA, META_PAGES);
    if (r < 0) return r;
    r = vm.map(POOL_DESC_VA, pagesFor(this.frames * DESC_BYTES));
    if (r < 0) return r;
    for (let s = 0; s < this.frames; s++) {
      const cap = env.allocFrame();
      if (cap < 0) return cap;
      r = vm.mapFrame(this.va(s), cap, true);
      if (r < 0) return r;
      this.d.set(s, D.PAGE, -1);
      this.d.set(s, D.CAP, cap);
    }
    this.d.setMeta(META.FRESH, 0);
    this.#policy.init();
    return Result.Ok;
  }

  /** The virtual address of slot `s`'s frame. */
  va(slot: number): number {
    return POOL_FRAMES_VA + slot * PAGE_BYTES;
  }

  /** The capability of slot `s`'s frame (for DMA). */
  cap(slot: number): number {
    return this.d.get(slot, D.CAP);
  }

  /** The slot holding `pageNo`, or -1 (the hash chain walk, charged). */
  lookup(pageNo: number): number {
    const d = this.d;
    d.exec(COSTS["db.pool.hash"]);
    // Pointer chasing: each link is decremented at once (db.pool.walk's first instruction,
    // nothing independent in it): the head and next loads each leave a load-delay nop.
    let link = d.cpuLoadUsed(this.#bucket(pageNo));
    while (link !== 0) {
      d.exec(COSTS["db.pool.walk"]);
      if (d.get(link - 1, D.PAGE) === pageNo) return link - 1; // the next load fills its slot
      link = d.getUsed(link - 1, D.HASH);
    }
    return -1;
  }

  /**
   * Pins page `pageNo` in a frame, reading it from the store on a miss (`fresh`: the page
   * is new, so its frame is zeroed instead of read). Returns the slot, or NoMemory when
   * every frame is pinned, or the store's error.
   */
  *fetch(pageNo: number, fresh = false): Generator<unknown, number, unknown> {
    const d = this.d;
    let s = this.lookup(pageNo);
    if (s >= 0) {
      d.exec(COSTS["db.pool.hit"]);
      this.stats.hits++;
      d.set(s, D.PINS, d.getUsed(s, D.PINS) + 1); // addiu next
      this.#policy.touch(s);
      if (fresh) this.env.cpu.zero(this.va(s), PAGE_BYTES);
      return s;
    }
    d.exec(COSTS["db.pool.miss"]);
    this.stats.misses++;
    s = yield* this.#frameFor();
    if (s < 0) return s;
    if (fresh) this.env.cpu.zero(this.va(s), PAGE_BYTES);
    else {
      this.stats.reads++;
      const r = yield* this.store.readPage(pageNo, this.cap(s));
      if (r < 0) {
        d.set(s, D.PAGE, -1);
        this.#release(s);
        return r;
      }
    }
    d.set(s, D.PAGE, pageNo);
    d.set(s, D.FLAGS, 0);
    d.set(s, D.PINS, 1);
    const b = this.#bucket(pageNo);
    d.set(s, D.HASH, d.cpuLoadUsed(b)); // stored next
    d.cpuStore(b, s + 1);
    this.#policy.admit(s, pageNo);
    return s;
  }

  /** Pins a slot again (the engine's transactions keep their pages). */
  pin(slot: number): void {
    this.d.set(slot, D.PINS, this.d.getUsed(slot, D.PINS) + 1);
  }

  /** Unpins a slot. */
  unpin(slot: number): void {
    this.d.exec(COSTS["db.pool.unpin"]);
    this.d.set(slot, D.PINS, this.d.getUsed(slot, D.PINS) - 1); // addiu next
  }

  setDirty(slot: number, dirty: boolean): void {
    const f = this.d.getUsed(slot, D.FLAGS); // or/and, then stored
    this.d.set(slot, D.FLAGS, dirty ? f | DIRTY : f & ~DIRTY);
  }

  isDirty(slot: number): boolean {
    return (this.d.get(slot, D.FLAGS) & DIRTY) !== 0;
  }

  /** Writes every dirty page back to the store but those `skip` names (a checkpoint's first half). */
  *flushAll(skip: (slot: number) => boolean): Generator<unknown, number, unknown> {
    const d = this.d;
    const used = d.meta(META.FRESH);
    for (let s = 0; s < used; s++) {
      d.exec(COSTS["db.pool.flush.step"]);
      if (d.get(s, D.PAGE) < 0 || !this.isDirty(s) || skip(s)) continue;
      const r = yield* this.#writeBack(s);
      if (r < 0) return r;
    }
    return Result.Ok;
  }

  /** A frame for a new page: a never-used slot, else the policy's victim (written back if dirty). */
  *#frameFor(): Generator<unknown, number, unknown> {
    const d = this.d;
    const fresh = d.metaUsed(META.FRESH); // compared (and counted up) at once
    if (fresh < this.frames) {
      d.setMeta(META.FRESH, fresh + 1);
      return fresh;
    }
    const s = this.#policy.victim();
    if (s < 0) return Result.NoMemory;
    d.exec(COSTS["db.pool.evict"]);
    if (this.isDirty(s)) {
      const r = yield* this.#writeBack(s);
      if (r < 0) return r;
    }
    this.#unhash(s);
    d.set(s, D.PAGE, -1);
    return s;
  }

  *#writeBack(s: number): Generator<unknown, number, unknown> {
    this.stats.writeBacks++;
    const r = yield* this.store.writePage(this.d.get(s, D.PAGE), this.cap(s));
    if (r < 0) return r;
    this.setDirty(s, false);
    return Result.Ok;
  }

  /** Takes slot s off its hash chain. */
  #unhash(s: number): void {
    const d = this.d;
    // Every load here is used by the next instruction: hashed, chased or stored.
    let prev = this.#bucket(d.getUsed(s, D.PAGE));
    let link = d.cpuLoadUsed(prev);
    while (link !== 0) {
      d.exec(COSTS["db.pool.walk"]);
      if (link - 1 === s) {
        d.cpuStore(prev, d.getUsed(s, D.HASH));
        return;
      }
      prev = POOL_DESC_VA + (link - 1) * DESC_BYTES + D.HASH;
      link = d.getUsed(link - 1, D.HASH);
    }
  }

  /** A slot whose read failed goes back to the policy as an empty, unpinned slot. */
  #release(s: number): void {
    this.d.set(s, D.PINS, 0);
    this.d.set(s, D.FLAGS, 0);
    this.#policy.admit(s, -1);
  }

  #bucket(pageNo: number): number {
    return BUCKETS_VA + ((Math.imul(pageNo, 0x9e3779b1) >>> 0) & (this.#buckets - 1)) * 4;
  }
}

function makePolicy(name: PoolPolicyName, d: Descriptors, frames: number): Replacement {
  switch (name) {
    case "lru":
      return new Lru(d);
    case "clock":
      return new Clock(d, frames);
    case "2q":
      return new TwoQ(d, frames);
    case "lru2":
      return new Lru2(d, frames);
  }
}
