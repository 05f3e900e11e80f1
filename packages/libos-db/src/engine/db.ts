import { type EnvHandle, PAGE_BYTES, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { DB_META_VA, LOGBUF_VA, UNDO_VA } from "../layout.js";
import { BufferPool } from "../pool/pool.js";
import { DiskIo, type DiskWaiter, type Safepoint } from "../storage/io.js";
import { ExtentPageStore, type PageStore } from "../storage/pagestore.js";
import type { Vm } from "../vm/vm.js";
import { BTree, NOT_FOUND, type PageWriter } from "./btree.js";
import type { DbOptions } from "./options.js";
import { H, KIND_LEAF, KIND_META, M, MAGIC, MAX_KEY } from "./page.js";

/** Database results beyond the kernel's: a key not there; a transaction's misuse. */
export const DbResult = Object.freeze({
  NotFound: NOT_FOUND,
  /** put/del/commit/abort with no transaction open, or begin with one open. */
  NoTxn: -101,
  /** The change would take the transaction past `maxTxnPages` (nothing changed). */
  TxnFull: -102,
  /** The data extent is full. */
  Full: -103,
  /** The extents hold no database (recovery found no meta page). */
  NoDatabase: -104,
  /** The kernel took one of the database's extents (a revocation it could not answer in time). */
  Lost: -105,
});

/** Words of the engine's state page (DB_META_VA; IPT-mapped, charged). */
const S = Object.freeze({
  /** 1 while a transaction is open. */
  ACTIVE: 0,
  /** Pages the open transaction has changed. */
  TXN_PAGES: 4,
  /** The next log slot to write. */
  LOG_POS: 8,
  /** The next transaction number. */
  NEXT_TXN: 12,
  /** The live log epoch (a copy of the meta page's). */
  EPOCH: 16,
  /** Capabilities of the undo frames. */
  UNDO_CAPS: 0x40,
  /** The transaction's pages: (slot, was dirty) per page. */
  TXN_LIST: 0x200,
  /** Pages of a committed transaction whose log writes are in flight (0: none). */
  FLIGHT: 20,
  /** Their pool slots (pinned until the writes are over). */
  FLIGHT_LIST: 0x400,
  /** Capabilities of the log buffer frames (the in-flight pages' copies). */
  LOGBUF_CAPS: 0x500,
});

/** `#holder` when no thread holds the engine. */
const NONE = -2;

/**
 * The storage engine: a B+-tree in a buffer pool over a data page store, with a redo log of
 * page after-images over a log page store, and transactions.
 *
 * - A transaction's changes stay in its pages, pinned in the pool, with their before-images
 *   in undo frames (abort copies them back). Nothing uncommitted reaches the disk.
 * - `commit` writes each changed page to the next log slot, its header naming the log
 *   epoch, the transaction and its index and page count, and returns once the last log
 *   write has completed: then the transaction is durable. Then its pages are unpinned,
 *   dirty; the pool writes them home when it evicts them (steal of committed pages only).
 * - A checkpoint (when the log could not hold another transaction) writes every dirty page
 *   home, then the meta page with the next epoch: the log starts again at slot 0.
 * - Recovery reads the meta page, then the log slots of its epoch in order while each is
 *   the next page of the next transaction; it replays (writes home) the slots of every
 *   complete transaction and stops at the first gap (a crash loses the write on the disk
 *   and every one queued behind it), then checkpoints. Replaying after-images is
 *   idempotent, so a crash during recovery is recovered the same way.
 *
 * Invariants: a transaction's pages are pinned until it ends; the log slots of the live
 * epoch are a prefix of complete transactions followed by at most one incomplete one;
 * the home copy of a page is the image of some committed transaction, at or before the
 * last one logged for it.
 */
export class Db implements PageWriter {
  // Set by setup() (they need the extents); a Db is handed out only after it.
  pool!: BufferPool;
  tree!: BTree;
  readonly io: DiskIo;
  /** Host-side statistics (not simulated state). */
  readonly stats = { commits: 0, aborts: 0, checkpoints: 0, logWrites: 0, replayed: 0 };
  #data: PageStore | null = null;
  #log: PageStore | null = null;
  /** The two stores as extents (relocation moves them: see "extent revocation" below). */
  #extents: { data: ExtentPageStore; log: ExtentPageStore } | null = null;
  /**
   * The thread that holds the engine (-1: code outside a thread; NONE): from an operation's
   * start, or `begin`, to its end or the transaction's commit point. Host bookkeeping of
   * which thread runs inside the engine (the engine's state itself is in simulated memory).
   */
  #holder = NONE;
  /** A transaction is open (the holder's: mirrors S.ACTIVE for the lock's bookkeeping). */
  #txnOpen = false;
  /** A relocation is running: operations wait for it. */
  #moving = false;
  /** Relocations waiting for the engine: no new transaction starts meanwhile. */
  #wanted = 0;
  /** The kernel took an extent: every operation is refused (DbResult.Lost). */
  #lost = false;

  constructor(
    private readonly env: EnvHandle,
    private readonly vm: Vm,
    private readonly safepoint: Safepoint,
    readonly options: DbOptions,
    private readonly waiter: DiskWaiter,
    waitSlots: number,
    private readonly blockBytes: number,
  ) {
    this.io = new DiskIo(env, waiter, waitSlots);
  }

  /**
   * Takes the extents, the frames and the handler (no disk I/O yet). A refused extent is
   * returned with nothing held; a refusal after the extents (frames, mappings) leaves what
   * was taken to the environment's end (its frames and extents are reclaimed then).
   */
  setup(): number {
    const env = this.env;
    const o = this.options;
    const blockBytes = this.blockBytes;
    const perPage = PAGE_BYTES / blockBytes;
    const data = env.allocExtent(o.dataStartBlock, o.dataPages * perPage);
    if (data < 0) return data;
    const log = env.allocExtent(o.logStartBlock, o.logSlots * perPage);
    if (log < 0) {
      env.freeExtent(data);
      return log;
    }
    const dataStore = new ExtentPageStore(this.io, data, o.dataPages, blockBytes);
    const logStore = new ExtentPageStore(this.io, log, o.logSlots, blockBytes);
    this.#data = dataStore;
    this.#log = logStore;
    this.#extents = { data: dataStore, log: logStore };
    this.pool = new BufferPool(env, this.#data, o.poolFrames, o.poolPolicy);
    this.tree = new BTree(env.cpu, this.pool, o.nodeCap, this.safepoint);
    let r = this.io.boot();
    if (r < 0) return r;
    r = this.vm.map(DB_META_VA, 1);
    if (r < 0) return r;
    r = this.pool.boot(this.vm);
    if (r < 0) return r;
    const cpu = env.cpu;
    for (let i = 0; i < o.maxTxnPages; i++) {
      const cap = env.allocFrame();
      if (cap < 0) return cap;
      r = this.vm.mapFrame(UNDO_VA + i * PAGE_BYTES, cap, true);
      if (r < 0) return r;
      cpu.store32(DB_META_VA + S.UNDO_CAPS + i * 4, cap);
      const buf = env.allocFrame();
      if (buf < 0) return buf;
      r = this.vm.mapFrame(LOGBUF_VA + i * PAGE_BYTES, buf, true);
      if (r < 0) return r;
      cpu.store32(DB_META_VA + S.LOGBUF_CAPS + i * 4, buf);
    }
    return Result.Ok;
  }

  #s(word: number): number {
    return this.env.cpu.load32(DB_META_VA + word) | 0;
  }

  /** `#s` for a word the next instruction uses (stored, or the next access's address). */
  #sUsed(word: number): number {
    return this.env.cpu.load32Used(DB_META_VA + word) | 0;
  }

  #setS(word: number, v: number): void {
    this.env.cpu.store32(DB_META_VA + word, v);
  }

  /** Formats a new database, or recovers the one on the extents (options.format). */
  *open(): Generator<unknown, number, unknown> {
    return this.options.format ? yield* this.#format() : yield* this.#recover();
  }

  // ---- transactions ---------------------------------------------------------------------

  /**
   * Opens a transaction (NoTxn if one is open; Busy while a relocation waits for the engine
   * or runs: try again after a safepoint).
   */
  begin(): number {
    this.env.cpu.exec(COSTS["db.txn.begin"]);
    const me = this.waiter.current;
    // Another thread holds the engine (its transaction is open), or a relocation waits
    // for it or runs: Busy. One's own transaction open: NoTxn.
    if (this.#holder !== me && (this.#holder !== NONE || this.#moving || this.#wanted > 0)) {
      return Result.Busy;
    }
    if (this.#s(S.ACTIVE) !== 0) return DbResult.NoTxn;
    this.#holder = me;
    this.#setS(S.ACTIVE, 1);
    this.#setS(S.TXN_PAGES, 0);
    this.#txnOpen = true;
    return Result.Ok;
  }

  /** The value of `key`, or NotFound. Reads see the open transaction's changes. */
  *get(key: number): Generator<unknown, number, unknown> {
    return yield* this.#op(() => this.#get(key));
  }

  *#get(key: number): Generator<unknown, number, unknown> {
    if (!validWord(key)) return Result.Invalid;
    return yield* this.tree.get(key);
  }

  /** Visits lo ≤ key ≤ hi in order until `visit` returns false; returns the count. */
  *scan(
    lo: number,
    hi: number,
    visit: (key: number, value: number) => boolean = () => true,
  ): Generator<unknown, number, unknown> {
    return yield* this.#op(() => this.#scan(lo, hi, visit));
  }

  *#scan(
    lo: number,
    hi: number,
    visit: (key: number, value: number) => boolean,
  ): Generator<unknown, number, unknown> {
    if (!validWord(lo) || !validWord(hi) || typeof visit !== "function") return Result.Invalid;
    return yield* this.tree.scan(lo, hi, visit);
  }

  /** Sets key to value inside the open transaction (Invalid, NoTxn, TxnFull: nothing changes). */
  *put(key: number, value: number): Generator<unknown, number, unknown> {
    return yield* this.#op(() => this.#put(key, value));
  }

  *#put(key: number, value: number): Generator<unknown, number, unknown> {
    if (!validWord(key) || !validWord(value)) return Result.Invalid;
    const r = yield* this.#room();
    if (r < 0) return r;
    return yield* this.tree.put(key, value, this);
  }

  /** Deletes key inside the open transaction: Ok, or NotFound (nothing changes). */
  *del(key: number): Generator<unknown, number, unknown> {
    return yield* this.#op(() => this.#del(key));
  }

  *#del(key: number): Generator<unknown, number, unknown> {
    if (!validWord(key)) return Result.Invalid;
    if (this.#s(S.ACTIVE) === 0) return DbResult.NoTxn;
    if (this.#s(S.TXN_PAGES) >= this.options.maxTxnPages) return DbResult.TxnFull;
    return yield* this.tree.del(key, this);
  }

  /** Checks, before a put changes anything, that it fits the transaction and the extent. */
  *#room(): Generator<unknown, number, unknown> {
    if (this.#s(S.ACTIVE) === 0) return DbResult.NoTxn;
    const need = yield* this.tree.pagesPerPut();
    if (need < 0) return need;
    if (this.#s(S.TXN_PAGES) + need > this.options.maxTxnPages) return DbResult.TxnFull;
    const meta = yield* this.pool.fetch(0);
    if (meta < 0) return meta;
    const next = this.env.cpu.load32(this.pool.va(meta) + M.NEXT_PAGE);
    this.pool.unpin(meta);
    if (next + need > this.options.dataPages) return DbResult.Full;
    return Result.Ok;
  }

  /** PageWriter: keeps `slot`'s before-image and a pin, once per transaction. */
  willModify(slot: number): number {
    const cpu = this.env.cpu;
    const n = this.#s(S.TXN_PAGES);
    for (let i = 0; i < n; i++) {
      cpu.exec(COSTS["db.txn.find.step"]);
      if (this.#s(S.TXN_LIST + i * 8) === slot) return Result.Ok;
    }
    if (n >= this.options.maxTxnPages) return DbResult.TxnFull;
    cpu.exec(COSTS["db.txn.undo"]);
    cpu.copy(UNDO_VA + n * PAGE_BYTES, this.pool.va(slot), PAGE_BYTES);
    this.#setS(S.TXN_LIST + n * 8, slot);
    this.#setS(S.TXN_LIST + n * 8 + 4, this.pool.isDirty(slot) ? 1 : 0);
    this.#setS(S.TXN_PAGES, n + 1);
    this.pool.pin(slot);
    this.pool.setDirty(slot, true);
    return Result.Ok;
  }

  /**
   * Commits the open transaction: its pages go to the log (one slot each) and this returns
   * once the last of them is on the disk. A checkpoint comes first if the log is full.
   */
  *commit(): Generator<unknown, number, unknown> {
    return yield* this.#op(() => this.#commit());
  }

  /**
   * Two phases. Holding the engine: the transaction's log slots are taken, each changed
   * page (its header naming the epoch, the transaction, its index and count) is copied into
   * a log buffer frame and pinned once more, and the transaction ends — the engine is free:
   * another thread's transaction runs while this one's log writes are on the disk. Then,
   * without it: the copies are written to the log, each waited for, and the pages unpinned.
   * Only one commit's writes are in flight at a time (the next waits), so the log holds
   * transactions in commit order, and a page of a transaction not yet durable is never
   * written home (it stays pinned: a checkpoint waits for the writes).
   */
  *#commit(): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    if (this.#s(S.ACTIVE) === 0) return DbResult.NoTxn;
    while (this.#s(S.FLIGHT) !== 0) yield* this.#pause();
    const n = this.#s(S.TXN_PAGES);
    if (n === 0) {
      this.#end(false);
      this.#release();
      this.stats.commits++;
      return Result.Ok;
    }
    if (this.#s(S.LOG_POS) + n > this.options.logSlots) {
      const r = yield* this.#checkpoint(true);
      if (r < 0) return r;
    }
    const pos = this.#s(S.LOG_POS);
    const txn = this.#s(S.NEXT_TXN);
    const epoch = this.#s(S.EPOCH);
    for (let i = 0; i < n; i++) {
      cpu.exec(COSTS["db.txn.log.page"]);
      const slot = this.#sUsed(S.TXN_LIST + i * 8); // the frame address of the next store
      const va = this.pool.va(slot);
      cpu.store32(va + H.EPOCH, epoch);
      cpu.store32(va + H.TXN, txn);
      cpu.store32(va + H.INDEX, i | (n << 16));
      cpu.copy(LOGBUF_VA + i * PAGE_BYTES, va, PAGE_BYTES);
      this.#setS(S.FLIGHT_LIST + i * 4, slot);
      this.pool.pin(slot);
    }
    this.#setS(S.LOG_POS, pos + n);
    this.#setS(S.NEXT_TXN, txn + 1);
    this.#setS(S.FLIGHT, n);
    this.#end(false);
    this.#release();
    let result: number = Result.Ok;
    for (let i = 0; i < n; i++) {
      this.stats.logWrites++;
      const r = yield* this.#log!.writePage(pos + i, this.#s(S.LOGBUF_CAPS + i * 4));
      if (r < 0) {
        result = r;
        break;
      }
    }
    for (let i = 0; i < n; i++) this.pool.unpin(this.#sUsed(S.FLIGHT_LIST + i * 4));
    this.#setS(S.FLIGHT, 0);
    if (result < 0) {
      // The log could not take it (the extent taken): nothing after it can be durable.
      this.#lost = true;
      return result;
    }
    this.stats.commits++;
    return Result.Ok;
  }

  /** The transaction is over: the engine is free for another thread (if this one held it). */
  #release(): void {
    if (this.#holder === this.waiter.current) this.#holder = NONE;
  }

  /** Aborts the open transaction: every page it changed gets its before-image back. */
  abort(): number {
    if (this.#s(S.ACTIVE) === 0) return DbResult.NoTxn;
    this.#end(true);
    this.#release();
    this.stats.aborts++;
    return Result.Ok;
  }

  #end(undo: boolean): void {
    const cpu = this.env.cpu;
    const n = this.#s(S.TXN_PAGES);
    for (let i = 0; i < n; i++) {
      cpu.exec(COSTS["db.txn.end.page"]);
      const slot = this.#sUsed(S.TXN_LIST + i * 8); // unpin's (or the copy's) address
      if (undo) {
        cpu.copy(this.pool.va(slot), UNDO_VA + i * PAGE_BYTES, PAGE_BYTES);
        this.pool.setDirty(slot, this.#s(S.TXN_LIST + i * 8 + 4) !== 0);
      }
      this.pool.unpin(slot);
    }
    this.#setS(S.TXN_PAGES, 0);
    this.#setS(S.ACTIVE, 0);
    this.#txnOpen = false;
  }

  /** One-operation transactions: begin, put, commit (abort if the put is refused). */
  *insert(key: number, value: number): Generator<unknown, number, unknown> {
    return yield* this.#op(() => this.#single(() => this.put(key, value)));
  }

  *remove(key: number): Generator<unknown, number, unknown> {
    return yield* this.#op(() => this.#single(() => this.del(key)));
  }

  *#single(op: () => Generator<unknown, number, unknown>): Generator<unknown, number, unknown> {
    const b = this.begin();
    if (b < 0) return b;
    const r = yield* op();
    if (r < 0) {
      this.abort();
      return r;
    }
    return yield* this.commit();
  }

  // ---- checkpoint, format, recovery ---------------------------------------------------------

  /**
   * Writes every dirty page home, then the meta page with the next epoch (the log starts
   * again). Refused (NoTxn) while a transaction is open, unless the commit itself asks
   * (`forCommit`: its pinned pages are not dirty in the home sense: they are skipped, and
   * their before-images — the committed contents — are written home instead).
   */
  *checkpoint(): Generator<unknown, number, unknown> {
    return yield* this.#op(() => this.#checkpoint(false));
  }

  *#checkpoint(forCommit: boolean): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    // A commit's pages in flight reach home only after its log writes.
    while (this.#s(S.FLIGHT) !== 0) yield* this.#pause();
    if (!forCommit && this.#s(S.ACTIVE) !== 0) return DbResult.NoTxn;
    cpu.exec(COSTS["db.ckpt"]);
    let r = yield* this.#flushHome();
    if (r < 0) return r;
    const meta = yield* this.pool.fetch(0);
    if (meta < 0) return meta;
    const epoch = this.#s(S.EPOCH) + 1;
    const va = this.#homeImage(meta);
    cpu.store32(va + M.LIVE_EPOCH, epoch);
    cpu.store32(va + M.FIRST_TXN, this.#sUsed(S.NEXT_TXN));
    if (va !== this.pool.va(meta)) {
      cpu.store32(this.pool.va(meta) + M.LIVE_EPOCH, epoch);
      cpu.store32(this.pool.va(meta) + M.FIRST_TXN, this.#sUsed(S.NEXT_TXN));
    }
    r = yield* this.#data!.writePage(0, this.#capOfImage(meta));
    this.pool.unpin(meta);
    if (r < 0) return r;
    if (!this.#inTxn(meta)) this.pool.setDirty(meta, false);
    this.#setS(S.EPOCH, epoch);
    this.#setS(S.LOG_POS, 0);
    this.stats.checkpoints++;
    return Result.Ok;
  }

  /** Writes every dirty committed page home; a page of the open transaction by its before-image. */
  *#flushHome(): Generator<unknown, number, unknown> {
    const n = this.#s(S.TXN_PAGES);
    const active = this.#s(S.ACTIVE) !== 0;
    for (let i = 0; active && i < n; i++) {
      if (this.#s(S.TXN_LIST + i * 8 + 4) === 0) continue;
      const slot = this.#s(S.TXN_LIST + i * 8);
      const pageNo = this.env.cpu.load32(this.pool.va(slot) + H.PAGE);
      const cap = this.#s(S.UNDO_CAPS + i * 4);
      const r = yield* this.#data!.writePage(pageNo, cap);
      if (r < 0) return r;
      this.#setS(S.TXN_LIST + i * 8 + 4, 0);
    }
    return yield* this.pool.flushAll((slot) => this.#inTxn(slot));
  }

  #inTxn(slot: number): boolean {
    if (this.#s(S.ACTIVE) === 0) return false;
    const n = this.#s(S.TXN_PAGES);
    for (let i = 0; i < n; i++) if (this.#s(S.TXN_LIST + i * 8) === slot) return true;
    return false;
  }

  /** The committed image of a page: its undo copy if the open transaction changed it. */
  #homeImage(slot: number): number {
    const i = this.#txnIndex(slot);
    return i < 0 ? this.pool.va(slot) : UNDO_VA + i * PAGE_BYTES;
  }

  #capOfImage(slot: number): number {
    const i = this.#txnIndex(slot);
    return i < 0 ? this.pool.cap(slot) : this.#s(S.UNDO_CAPS + i * 4);
  }

  #txnIndex(slot: number): number {
    if (this.#s(S.ACTIVE) === 0) return -1;
    const n = this.#s(S.TXN_PAGES);
    for (let i = 0; i < n; i++) if (this.#s(S.TXN_LIST + i * 8) === slot) return i;
    return -1;
  }

  /** A new, empty database: an empty root leaf (page 1) and the meta page, epoch 1. */
  *#format(): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    const leaf = yield* this.pool.fetch(1, true);
    if (leaf < 0) return leaf;
    cpu.store32(this.pool.va(leaf) + H.KIND, MAGIC | KIND_LEAF);
    cpu.store32(this.pool.va(leaf) + H.PAGE, 1);
    let r = yield* this.#data!.writePage(1, this.pool.cap(leaf));
    this.pool.unpin(leaf);
    if (r < 0) return r;
    const meta = yield* this.pool.fetch(0, true);
    if (meta < 0) return meta;
    const va = this.pool.va(meta);
    cpu.store32(va + H.KIND, MAGIC | KIND_META);
    cpu.store32(va + M.ROOT, 1);
    cpu.store32(va + M.NEXT_PAGE, 2);
    cpu.store32(va + M.LIVE_EPOCH, 1);
    cpu.store32(va + M.FIRST_TXN, 1);
    cpu.store32(va + M.HEIGHT, 1);
    r = yield* this.#data!.writePage(0, this.pool.cap(meta));
    this.pool.unpin(meta);
    if (r < 0) return r;
    this.#setS(S.EPOCH, 1);
    this.#setS(S.NEXT_TXN, 1);
    this.#setS(S.LOG_POS, 0);
    this.#setS(S.ACTIVE, 0);
    return Result.Ok;
  }

  /**
   * Recovery: the meta page's epoch and first transaction, a scan of the log for the
   * complete transactions of that epoch, their pages written home in log order, then a
   * checkpoint. Uses undo frame 0 as its buffer (no transaction is open).
   */
  *#recover(): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    const buf = UNDO_VA;
    const cap = this.#s(S.UNDO_CAPS);
    let r = yield* this.#data!.readPage(0, cap);
    if (r < 0) return r;
    if ((cpu.load32(buf + H.KIND) | 0) !== (MAGIC | KIND_META)) return DbResult.NoDatabase;
    const epoch = cpu.load32(buf + M.LIVE_EPOCH) | 0;
    let txn = cpu.load32(buf + M.FIRST_TXN) | 0;
    // Pass 1: how many slots hold complete transactions.
    let good = 0;
    let index = 0;
    for (let s = 0; s < this.options.logSlots; s++) {
      cpu.exec(COSTS["db.recover.slot"]);
      r = yield* this.#log!.readPage(s, cap);
      if (r < 0) return r;
      const kind = cpu.load32(buf + H.KIND) | 0;
      const ix = cpu.load32(buf + H.INDEX) | 0;
      const ok =
        (kind & 0xff000000) === MAGIC &&
        (cpu.load32(buf + H.EPOCH) | 0) === epoch &&
        (cpu.load32(buf + H.TXN) | 0) === txn &&
        (ix & 0xffff) === index &&
        ix >>> 16 > index;
      if (!ok) break;
      index++;
      if (index === ix >>> 16) {
        good = s + 1;
        txn++;
        index = 0;
      }
    }
    // Pass 2: replay them in order.
    for (let s = 0; s < good; s++) {
      cpu.exec(COSTS["db.recover.slot"]);
      r = yield* this.#log!.readPage(s, cap);
      if (r < 0) return r;
      r = yield* this.#data!.writePage(cpu.load32(buf + H.PAGE) | 0, cap);
      if (r < 0) return r;
      this.stats.replayed++;
    }
    this.#setS(S.EPOCH, epoch);
    this.#setS(S.NEXT_TXN, txn);
    this.#setS(S.ACTIVE, 0);
    this.#setS(S.LOG_POS, 0);
    return yield* this.#checkpoint(false);
  }

  // ---- extent revocation (storage/revoke.ts answers the kernel with these) ---------------------

  /**
   * Runs an engine operation: refused once the database is lost; waits while a relocation
   * runs (the engine is serial: a relocation runs between operations and transactions).
   */
  *#op(body: () => Generator<unknown, number, unknown>): Generator<unknown, number, unknown> {
    if (this.#lost) return DbResult.Lost;
    const me = this.waiter.current;
    let took = false;
    if (this.#holder !== me) {
      // Wait for the thread that holds the engine, and for a relocation that runs or waits
      // for the engine to be between transactions.
      while (this.#holder !== NONE || this.#moving || this.#wanted > 0) yield* this.#pause();
      this.#holder = me;
      took = true;
    }
    try {
      return yield* body();
    } finally {
      if (took && !this.#txnOpen) this.#release();
    }
  }

  /** One round of waiting for another thread: an idle batch, the next thread, a safepoint. */
  *#pause(): Generator<unknown, void, unknown> {
    this.env.cpu.exec(COSTS["db.sched.idle"], this.waiter.idleBatch);
    yield* this.waiter.yieldThread();
    yield* this.safepoint();
  }

  /** The first blocks of the data and log extents (where a recovery finds the database). */
  extentStarts(): { data: number; log: number } | number {
    const x = this.#extents;
    if (x === null) return Result.Invalid;
    const data = this.env.extentOf(x.data.extent);
    if (data < 0) return data;
    const log = this.env.extentOf(x.log.extent);
    return log < 0 ? log : { data, log };
  }

  /** Whether the kernel took one of its extents (every operation is then `Lost`). */
  get lost(): boolean {
    return this.#lost;
  }

  /** The kernel took one of its extents: every operation is refused from now on. */
  extentTaken(): void {
    this.#lost = true;
  }

  /**
   * Moves the data or the log extent to a fresh one and frees the old (the answer to a
   * revocation): waits until no operation runs and no transaction is open, checkpoints
   * (every dirty page home, the log empty), then takes a fresh extent of the same size,
   * copies the pages in use (data: the meta page's page count; log: none after the
   * checkpoint) through an undo frame, switches the store to it and frees the old one.
   * Operations started meanwhile wait. A failure (the kernel took the old extent before the
   * copy was over: Stale) loses the database.
   */
  *relocate(which: "data" | "log"): Generator<unknown, number, unknown> {
    const x = this.#extents;
    if (x === null || this.#lost) return this.#lost ? DbResult.Lost : Result.Invalid;
    this.#wanted++;
    while (
      this.#moving ||
      this.#holder !== NONE ||
      this.#s(S.ACTIVE) !== 0 ||
      this.#s(S.FLIGHT) !== 0
    ) {
      yield* this.#pause();
    }
    this.#wanted--;
    this.#moving = true;
    try {
      const r = yield* this.#move(which === "data" ? x.data : x.log, which === "data");
      if (r < 0 && r !== Result.NoMemory && r !== Result.NoSlot) this.#lost = true;
      return r;
    } finally {
      this.#moving = false;
    }
  }

  *#move(store: ExtentPageStore, data: boolean): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.relocate"]);
    let r = yield* this.#checkpoint(false);
    if (r < 0) return r;
    let used = 0;
    if (data) {
      const meta = yield* this.pool.fetch(0);
      if (meta < 0) return meta;
      used = cpu.load32(this.pool.va(meta) + M.NEXT_PAGE);
      this.pool.unpin(meta);
    }
    const fresh = this.env.allocExtent("any", store.pages * (PAGE_BYTES / this.blockBytes));
    if (fresh < 0) return fresh;
    r = yield* store.copyTo(fresh, used, this.#s(S.UNDO_CAPS));
    if (r < 0) {
      this.env.freeExtent(fresh);
      return r;
    }
    const old = store.moveTo(fresh);
    return this.env.freeExtent(old);
  }
}

/** Keys and values: integers in [0, MAX_KEY]. */
function validWord(v: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_KEY;
}
