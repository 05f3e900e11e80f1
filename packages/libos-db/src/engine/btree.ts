import { type CpuView, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import {
  H,
  INTERNAL_CAP,
  KEYS,
  KIND_INTERNAL,
  KIND_LEAF,
  LEAF_CAP,
  M,
  MAGIC,
  VALS,
} from "./page.js";

/** `get` of a key that is not there (a value is never negative). */
export const NOT_FOUND = -100;

/**
 * Where the tree's pages come from: the buffer pool here (pool/pool.ts); elsewhere any
 * source of page-sized buffers in the caller's memory (the bench runs this same tree over a
 * file on the monolithic kernel, one user buffer per pinned page). `fetch` pins page
 * `pageNo` (`fresh`: a new page, zeroed, not read) and returns its slot or a negative
 * result; `va` is the slot's address; `unpin` drops one pin.
 */
export interface PageSource {
  fetch(pageNo: number, fresh?: boolean): Generator<unknown, number, unknown>;
  unpin(slot: number): void;
  va(slot: number): number;
}

/** The CPU operations the tree uses (charged loads, stores, copies and counted steps). */
export type EngineCpu = Pick<CpuView, "load32" | "load32Used" | "store32" | "exec" | "copy">;

/** What the tree needs from the running transaction: a page it is about to change. */
export interface PageWriter {
  /** Records `slot`'s before-image (once per transaction) and keeps it pinned until the end. */
  willModify(slot: number): number;
}

/**
 * A B+-tree over a page source (the buffer pool): point lookups, range scans, inserts (with splits up to a
 * new root) and deletes (an entry leaves its leaf; leaves are not merged, so a leaf may be
 * empty: lookups and scans pass over it). Every comparison reads the keys from the page
 * through the CPU (charged loads); no host structure holds a key.
 *
 * Invariants: keys in a node are strictly increasing; child i of an internal node holds
 * keys k with key[i-1] ≤ k < key[i]; leaves are chained left to right by their next field.
 */
export class BTree {
  readonly #cpu: EngineCpu;
  readonly #leafCap: number;
  readonly #internalCap: number;

  constructor(
    cpu: EngineCpu,
    private readonly pool: PageSource,
    nodeCap: number,
    /** The thread's preemption point: a scan reaches it at every leaf. */
    private readonly safepoint: () => Generator<unknown, void, unknown>,
  ) {
    this.#cpu = cpu;
    this.#leafCap = Math.min(nodeCap, LEAF_CAP);
    this.#internalCap = Math.min(nodeCap, INTERNAL_CAP);
  }

  #w(slot: number, off: number): number {
    return this.#cpu.load32(this.pool.va(slot) + off) | 0;
  }

  /**
   * `#w` for a word the next instruction uses (a binary search's count or key, a word stored
   * at once): the load-delay slot holds a nop.
   */
  #wUsed(slot: number, off: number): number {
    return this.#cpu.load32Used(this.pool.va(slot) + off) | 0;
  }

  #set(slot: number, off: number, v: number): void {
    this.#cpu.store32(this.pool.va(slot) + off, v);
  }

  /** First index in [0, n) whose key is ≥ key (binary search, charged per step). */
  #lowerBound(slot: number, n: number, key: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      this.#cpu.exec(COSTS["db.bt.search.step"]);
      const mid = (lo + hi) >>> 1;
      if (this.#wUsed(slot, KEYS + mid * 4) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index in [0, n) whose key is > key. */
  #upperBound(slot: number, n: number, key: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      this.#cpu.exec(COSTS["db.bt.search.step"]);
      const mid = (lo + hi) >>> 1;
      if (this.#wUsed(slot, KEYS + mid * 4) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Descends from the root to the leaf that holds `key`. Returns the leaf's slot (pinned);
   * with `path`, the internal nodes' slots stay pinned and are pushed there, root first.
   */
  *#descend(key: number, path: number[] | null): Generator<unknown, number, unknown> {
    const pool = this.pool;
    const meta = yield* pool.fetch(0);
    if (meta < 0) return meta;
    let slot = yield* pool.fetch(this.#w(meta, M.ROOT));
    pool.unpin(meta);
    while (slot >= 0 && this.#w(slot, H.KIND) === (MAGIC | KIND_INTERNAL)) {
      this.#cpu.exec(COSTS["db.bt.descend"]);
      const n = this.#wUsed(slot, H.COUNT);
      const i = this.#upperBound(slot, n, key);
      const child = this.#w(slot, VALS + i * 4);
      if (path !== null) {
        this.#cpu.exec(COSTS["db.bt.path.push"]);
        path.push(slot);
      } else pool.unpin(slot);
      slot = yield* pool.fetch(child);
    }
    return slot;
  }

  /** The value of `key`, or NOT_FOUND (or the store's error). */
  *get(key: number): Generator<unknown, number, unknown> {
    const leaf = yield* this.#descend(key, null);
    if (leaf < 0) return leaf;
    const n = this.#wUsed(leaf, H.COUNT);
    const i = this.#lowerBound(leaf, n, key);
    const found = i < n && this.#w(leaf, KEYS + i * 4) === key;
    const v = found ? this.#w(leaf, VALS + i * 4) : NOT_FOUND;
    this.pool.unpin(leaf);
    return v;
  }

  /**
   * Calls `visit(key, value)` for every entry with lo ≤ key ≤ hi in key order, until it
   * returns false; returns the entries visited (or the store's error).
   */
  *scan(
    lo: number,
    hi: number,
    visit: (key: number, value: number) => boolean,
  ): Generator<unknown, number, unknown> {
    const pool = this.pool;
    const cpu = this.#cpu;
    let leaf = yield* this.#descend(lo, null);
    if (leaf < 0) return leaf;
    let i = this.#lowerBound(leaf, this.#wUsed(leaf, H.COUNT), lo);
    let count = 0;
    for (;;) {
      const n = this.#w(leaf, H.COUNT);
      for (; i < n; i++) {
        cpu.exec(COSTS["db.bt.scan.step"]);
        const k = this.#w(leaf, KEYS + i * 4);
        if (k > hi || !visit(k, this.#w(leaf, VALS + i * 4))) {
          pool.unpin(leaf);
          return count;
        }
        count++;
      }
      cpu.exec(COSTS["db.bt.scan.leaf"]);
      const next = this.#w(leaf, H.NEXT);
      pool.unpin(leaf);
      if (next === 0) return count;
      yield* this.safepoint();
      leaf = yield* pool.fetch(next);
      if (leaf < 0) return leaf;
      i = 0;
    }
  }

  /** The pages a put may change at most: two per level (a split) plus a new root and the meta page. */
  *pagesPerPut(): Generator<unknown, number, unknown> {
    const meta = yield* this.pool.fetch(0);
    if (meta < 0) return meta;
    const h = this.#w(meta, M.HEIGHT);
    this.pool.unpin(meta);
    return 2 * h + 2;
  }

  /** Sets `key` to `value` (inserting it, splitting nodes up to the root as needed). */
  *put(key: number, value: number, txn: PageWriter): Generator<unknown, number, unknown> {
    const cpu = this.#cpu;
    const path: number[] = [];
    const leaf = yield* this.#descend(key, path);
    if (leaf < 0) return this.#release(path, leaf);
    cpu.exec(COSTS["db.bt.insert"]);
    const n = this.#wUsed(leaf, H.COUNT);
    const i = this.#lowerBound(leaf, n, key);
    let r = txn.willModify(leaf);
    if (r < 0) return this.#release(path, r, leaf);
    if (i < n && this.#w(leaf, KEYS + i * 4) === key) {
      this.#set(leaf, VALS + i * 4, value);
      return this.#release(path, Result.Ok, leaf);
    }
    if (n < this.#leafCap) {
      this.#insertAt(leaf, n, i, key, value, 0);
      return this.#release(path, Result.Ok, leaf);
    }
    // Split the full leaf: the upper half moves to a new leaf, chained after it.
    const right = yield* this.#newPage(KIND_LEAF, txn);
    if (right < 0) return this.#release(path, right, leaf);
    const half = n >>> 1;
    this.#moveEntries(leaf, half, n, right, 0);
    this.#set(right, H.NEXT, this.#wUsed(leaf, H.NEXT));
    this.#set(leaf, H.NEXT, this.#wUsed(right, H.PAGE));
    if (i <= half) this.#insertAt(leaf, half, i, key, value, 0);
    else this.#insertAt(right, n - half, i - half, key, value, 0);
    r = yield* this.#insertUp(path, leaf, this.#w(right, KEYS), right, txn);
    this.pool.unpin(right);
    return this.#release(path, r, leaf);
  }

  /**
   * Inserts separator `sep` with right sibling `right` into the parent of `left` (the top
   * of `path`), splitting upwards; a split root makes a new root (the meta page changes).
   */
  *#insertUp(
    path: number[],
    left: number,
    sep: number,
    right: number,
    txn: PageWriter,
  ): Generator<unknown, number, unknown> {
    const cpu = this.#cpu;
    let l = left;
    let s = sep;
    let rt = right;
    let ownRight = false;
    for (;;) {
      cpu.exec(COSTS["db.bt.insert.up"]);
      const parent = path.pop();
      if (parent === undefined) {
        const r = yield* this.#newRoot(l, s, rt, txn);
        if (ownRight) this.pool.unpin(rt);
        return r;
      }
      const r = txn.willModify(parent);
      if (r < 0) {
        this.pool.unpin(parent);
        return r;
      }
      const n = this.#wUsed(parent, H.COUNT);
      const i = this.#upperBound(parent, n, s);
      if (n < this.#internalCap) {
        this.#insertAt(parent, n, i, s, this.#w(rt, H.PAGE), 1);
        this.pool.unpin(parent);
        if (ownRight) this.pool.unpin(rt);
        return Result.Ok;
      }
      // Split the internal node: keys [0, mid) stay, key mid goes up, (mid, n) move right.
      const nr = yield* this.#newPage(KIND_INTERNAL, txn);
      if (nr < 0) {
        this.pool.unpin(parent);
        return nr;
      }
      const mid = n >>> 1;
      const up = this.#w(parent, KEYS + mid * 4);
      cpu.exec(COSTS["db.bt.split"]);
      const moved = n - mid - 1;
      const pva = this.pool.va(parent);
      const rva = this.pool.va(nr);
      cpu.copy(rva + KEYS, pva + KEYS + (mid + 1) * 4, moved * 4);
      cpu.copy(rva + VALS, pva + VALS + (mid + 1) * 4, (moved + 1) * 4);
      this.#set(nr, H.COUNT, moved);
      this.#set(parent, H.COUNT, mid);
      if (i <= mid) this.#insertAt(parent, mid, i, s, this.#w(rt, H.PAGE), 1);
      else this.#insertAt(nr, moved, i - mid - 1, s, this.#w(rt, H.PAGE), 1);
      if (ownRight) this.pool.unpin(rt);
      l = parent;
      s = up;
      rt = nr;
      ownRight = true;
      // The parent stays pinned by the transaction (willModify); this level's pin goes.
      this.pool.unpin(parent);
    }
  }

  /** A new root over `left` and `right` (separator `sep`); the meta page points to it. */
  *#newRoot(left: number, sep: number, right: number, txn: PageWriter) {
    const root = yield* this.#newPage(KIND_INTERNAL, txn);
    if (root < 0) return root;
    this.#set(root, H.COUNT, 1);
    this.#set(root, KEYS, sep);
    this.#set(root, VALS, this.#wUsed(left, H.PAGE));
    this.#set(root, VALS + 4, this.#wUsed(right, H.PAGE));
    const meta = yield* this.pool.fetch(0);
    if (meta < 0) return meta;
    const r = txn.willModify(meta);
    if (r >= 0) {
      this.#set(meta, M.ROOT, this.#wUsed(root, H.PAGE));
      this.#set(meta, M.HEIGHT, this.#wUsed(meta, M.HEIGHT) + 1);
    }
    this.pool.unpin(meta);
    this.pool.unpin(root);
    return r < 0 ? r : Result.Ok;
  }

  /** A fresh page of `kind` (the meta page's next-page counter moves on); its slot, pinned. */
  *#newPage(kind: number, txn: PageWriter): Generator<unknown, number, unknown> {
    this.#cpu.exec(COSTS["db.bt.newpage"]);
    const meta = yield* this.pool.fetch(0);
    if (meta < 0) return meta;
    let r = txn.willModify(meta);
    const pageNo = this.#wUsed(meta, M.NEXT_PAGE); // counter + 1 at once
    if (r >= 0) this.#set(meta, M.NEXT_PAGE, pageNo + 1);
    this.pool.unpin(meta);
    if (r < 0) return r;
    const slot = yield* this.pool.fetch(pageNo, true);
    if (slot < 0) return slot;
    r = txn.willModify(slot);
    if (r < 0) {
      this.pool.unpin(slot);
      return r;
    }
    this.#set(slot, H.KIND, MAGIC | kind);
    this.#set(slot, H.PAGE, pageNo);
    return slot;
  }

  /**
   * Inserts (key, v) at index i of a node holding n keys: keys from i and values (leaf,
   * `childShift` 0) or children (internal, `childShift` 1: the new child goes right of the
   * key) move one place up.
   */
  #insertAt(slot: number, n: number, i: number, key: number, v: number, childShift: number) {
    const cpu = this.#cpu;
    const va = this.pool.va(slot);
    cpu.exec(COSTS["db.bt.shift"]);
    this.#shiftUp(va + KEYS + i * 4, n - i);
    const c = i + childShift;
    this.#shiftUp(va + VALS + c * 4, n + childShift - c);
    this.#set(slot, KEYS + i * 4, key);
    this.#set(slot, VALS + c * 4, v);
    this.#set(slot, H.COUNT, n + 1);
  }

  /**
   * Moves `words` words at `va` one word up, last first (an overlapping copy upwards: a
   * block copy may be cut by an interrupt, and a front-first copy in pieces would overwrite
   * its own source). One load, one store and the loop's 3 instructions per word.
   */
  #shiftUp(va: number, words: number): void {
    const cpu = this.#cpu;
    if (words <= 0) return;
    cpu.exec(COSTS["db.bt.shift.step"], words);
    for (let j = words - 1; j >= 0; j--) cpu.store32(va + (j + 1) * 4, cpu.load32(va + j * 4));
  }

  /** Moves leaf entries [from, to) of `src` to index `at` of `dst`; both counts updated. */
  #moveEntries(src: number, from: number, to: number, dst: number, at: number): void {
    const cpu = this.#cpu;
    cpu.exec(COSTS["db.bt.split"]);
    const s = this.pool.va(src);
    const d = this.pool.va(dst);
    cpu.copy(d + KEYS + at * 4, s + KEYS + from * 4, (to - from) * 4);
    cpu.copy(d + VALS + at * 4, s + VALS + from * 4, (to - from) * 4);
    this.#set(src, H.COUNT, from);
    this.#set(dst, H.COUNT, at + to - from);
  }

  /** Deletes `key`: Ok, or NOT_FOUND (nothing changes). */
  *del(key: number, txn: PageWriter): Generator<unknown, number, unknown> {
    const leaf = yield* this.#descend(key, null);
    if (leaf < 0) return leaf;
    const cpu = this.#cpu;
    cpu.exec(COSTS["db.bt.delete"]);
    const n = this.#wUsed(leaf, H.COUNT);
    const i = this.#lowerBound(leaf, n, key);
    if (i >= n || this.#w(leaf, KEYS + i * 4) !== key) {
      this.pool.unpin(leaf);
      return NOT_FOUND;
    }
    const r = txn.willModify(leaf);
    if (r >= 0) {
      const va = this.pool.va(leaf);
      cpu.copy(va + KEYS + i * 4, va + KEYS + (i + 1) * 4, (n - i - 1) * 4);
      cpu.copy(va + VALS + i * 4, va + VALS + (i + 1) * 4, (n - i - 1) * 4);
      this.#set(leaf, H.COUNT, n - 1);
    }
    this.pool.unpin(leaf);
    return r < 0 ? r : Result.Ok;
  }

  /** Unpins the path's slots (and `also`), returns `r`. */
  #release(path: number[], r: number, also = -1): number {
    for (const s of path) this.pool.unpin(s);
    path.length = 0;
    if (also >= 0) this.pool.unpin(also);
    return r;
  }
}
