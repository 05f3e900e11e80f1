import {
  BTree,
  DEFAULT_DB_OPTIONS,
  MAX_KEY,
  NOT_FOUND,
  type PageSource,
  type PageWriter,
  pageLayout,
} from "@exolab/libos-db";
import { PAGE_BYTES } from "@exolab/machine";
import {
  type MonolithicKernel,
  O_CREAT,
  O_RDWR,
  type ProcessHandle,
  SEEK_SET,
} from "@exolab/monolithic";
import { COSTS } from "../costs.js";
import type { BasePort, DbPoolSpec, DbPort } from "../ports.js";
import { loadedValue } from "../workloads/db.js";

/**
 * The `db` port on the monolithic kernel: libos-db's B+-tree (the same `engine/btree.ts`) as
 * a file on the kernel's buffer cache and file system. The process keeps one page-sized user
 * buffer per pinned page (a small table of slots in its own memory, searched with charged
 * loads) and reads and writes the pages of the file `/db` with lseek + read/write; the
 * kernel's buffer cache, sized to the workload's pool (policy.bufferCacheBlocks =
 * poolFrames), is its buffer pool, and its replacement is the kernel's LRU. A transaction's
 * pages stay pinned until its commit, which appends their images to the log file `/db.log`
 * and fsyncs it (the commit point), then writes them to `/db` (whole blocks: the kernel
 * starts each write at once, bawrite). A log that wraps first fsyncs `/db` (a checkpoint).
 * Recovery from that log is not implemented here (the row measures the mix, not a crash).
 */

/** Pinned pages at most: a put's path and split pages, and a transaction's dirty pages. */
const SLOTS = 32;
/** A transaction commits when it has this many dirty pages (the load's batches). */
const TXN_PAGES = 16;
/** The log file's length in pages (a ring). */
const LOG_PAGES = 64;
/** A slot of the table in user memory: page number + 1 (0: free), pins, dirty. */
const SLOT_BYTES = 12;
const S_PAGE = 0;
const S_PINS = 4;
const S_DIRTY = 8;

function check(r: number, what: string): number {
  if (r < 0) throw new Error(`monolithic db: ${what} failed with errno ${-r}`);
  return r;
}

/** Pages of a file in user buffers: the tree's page source, and its transaction (PageWriter). */
class FilePages implements PageSource, PageWriter {
  /** The log's next page; the current transaction's dirty pages (both in user memory). */
  readonly #state: number;

  constructor(
    private readonly h: ProcessHandle,
    private readonly table: number,
    private readonly buffers: number,
    private readonly dataFd: number,
    private readonly logFd: number,
    state: number,
  ) {
    this.#state = state;
  }

  va(slot: number): number {
    return this.buffers + slot * PAGE_BYTES;
  }

  #slot(s: number, off: number): number {
    return this.table + s * SLOT_BYTES + off;
  }

  *fetch(pageNo: number, fresh = false): Generator<unknown, number, unknown> {
    const cpu = this.h.cpu;
    cpu.exec(COSTS["app.db.file.fetch"]);
    let free = -1;
    for (let s = 0; s < SLOTS; s++) {
      cpu.exec(COSTS["app.db.file.slot"]);
      const p = cpu.load32(this.#slot(s, S_PAGE));
      if (p === pageNo + 1) {
        cpu.store32(this.#slot(s, S_PINS), cpu.load32(this.#slot(s, S_PINS)) + 1);
        if (fresh) cpu.zero(this.va(s), PAGE_BYTES);
        return s;
      }
      if (p === 0 && free < 0) free = s;
    }
    if (free < 0) throw new Error("monolithic db: every page buffer is pinned");
    cpu.store32(this.#slot(free, S_PAGE), pageNo + 1);
    cpu.store32(this.#slot(free, S_PINS), 1);
    cpu.store32(this.#slot(free, S_DIRTY), 0);
    if (fresh) cpu.zero(this.va(free), PAGE_BYTES);
    else {
      check(this.h.lseek(this.dataFd, pageNo * PAGE_BYTES, SEEK_SET), "lseek");
      const n = check(yield* this.h.read(this.dataFd, this.va(free), PAGE_BYTES), "read");
      if (n !== PAGE_BYTES) throw new Error(`monolithic db: page ${pageNo} read ${n} bytes`);
    }
    return free;
  }

  unpin(slot: number): void {
    const cpu = this.h.cpu;
    cpu.exec(COSTS["app.db.file.unpin"]);
    const pins = cpu.load32(this.#slot(slot, S_PINS)) - 1;
    cpu.store32(this.#slot(slot, S_PINS), pins);
    // An unpinned page leaves the process: the kernel's buffer cache is the pool.
    if (pins === 0) cpu.store32(this.#slot(slot, S_PAGE), 0);
  }

  willModify(slot: number): number {
    const cpu = this.h.cpu;
    cpu.exec(COSTS["app.db.file.modify"]);
    if (cpu.load32(this.#slot(slot, S_DIRTY)) !== 0) return 0;
    cpu.store32(this.#slot(slot, S_DIRTY), 1);
    cpu.store32(this.#slot(slot, S_PINS), cpu.load32(this.#slot(slot, S_PINS)) + 1);
    cpu.store32(this.#state + 4, cpu.load32(this.#state + 4) + 1);
    return 0;
  }

  /** Dirty pages of the running transaction. */
  get dirtyPages(): number {
    return this.h.cpu.load32(this.#state + 4);
  }

  /** The transaction's pages to the log, fsync of the log (the commit), then to the file. */
  *commit(): Generator<unknown, void, unknown> {
    const h = this.h;
    const cpu = h.cpu;
    for (let s = 0; s < SLOTS; s++) {
      cpu.exec(COSTS["app.db.file.slot"]);
      if (cpu.load32(this.#slot(s, S_DIRTY)) === 0) continue;
      let logPage = cpu.load32(this.#state);
      if (logPage === LOG_PAGES) {
        // The ring wraps: every page the log holds must be home first (a checkpoint).
        check(yield* h.fsync(this.dataFd), "fsync");
        logPage = 0;
      }
      check(h.lseek(this.logFd, logPage * PAGE_BYTES, SEEK_SET), "lseek");
      check(yield* h.write(this.logFd, this.va(s), PAGE_BYTES), "write");
      cpu.store32(this.#state, logPage + 1);
    }
    check(yield* h.fsync(this.logFd), "fsync");
    for (let s = 0; s < SLOTS; s++) {
      cpu.exec(COSTS["app.db.file.slot"]);
      if (cpu.load32(this.#slot(s, S_DIRTY)) === 0) continue;
      const pageNo = cpu.load32(this.#slot(s, S_PAGE)) - 1;
      check(h.lseek(this.dataFd, pageNo * PAGE_BYTES, SEEK_SET), "lseek");
      check(yield* h.write(this.dataFd, this.va(s), PAGE_BYTES), "write");
      cpu.store32(this.#slot(s, S_DIRTY), 0);
      this.unpin(s);
    }
    cpu.store32(this.#state + 4, 0);
  }

  /** Every page home: fsync of the data file. */
  *checkpoint(): Generator<unknown, void, unknown> {
    check(yield* this.h.fsync(this.dataFd), "fsync");
  }
}

/** Puts a NUL-terminated path in user memory. */
function path(h: ProcessHandle, va: number, s: string): number {
  for (let i = 0; i < s.length; i++) h.cpu.store8(va + i, s.charCodeAt(i));
  h.cpu.store8(va + s.length, 0);
  return va;
}

/** The kernel policy of a `db` row: the buffer cache sized to the workload's pool. */
export function dbKernelPolicy(spec: DbPoolSpec | undefined): { bufferCacheBlocks?: number } {
  return spec === undefined ? {} : { bufferCacheBlocks: spec.poolFrames };
}

export function monolithicDbPort(h: ProcessHandle, b: BasePort, k: MonolithicKernel): DbPort {
  const { H, M, MAGIC, KIND_LEAF, KIND_META } = pageLayout;
  const mem = b.memory(PAGE_BYTES + SLOTS * PAGE_BYTES);
  const table = mem;
  const state = mem + SLOTS * SLOT_BYTES;
  const names = mem + 2048;
  const buffers = mem + PAGE_BYTES;
  let pages: FilePages | null = null;
  let tree: BTree | null = null;
  const ready = () => {
    if (tree === null || pages === null) throw new Error("monolithic db: load first");
    return { tree, pages };
  };
  const stats = () => k.bufferStats();
  return {
    ...b,
    cycleNs: k.machine.profile.cycleNs,
    *load(records) {
      const dataFd = check(yield* h.open(path(h, names, "/db"), O_CREAT | O_RDWR), "open");
      const logFd = check(yield* h.open(path(h, names, "/db.log"), O_CREAT | O_RDWR), "open");
      pages = new FilePages(h, table, buffers, dataFd, logFd, state);
      tree = new BTree(h.cpu, pages, DEFAULT_DB_OPTIONS.nodeCap, () => h.safepoint());
      // Format: the meta page (page 0) and an empty root leaf (page 1), as libos-db's open.
      const cpu = h.cpu;
      const leaf = yield* pages.fetch(1, true);
      cpu.store32(pages.va(leaf) + H.KIND, MAGIC | KIND_LEAF);
      cpu.store32(pages.va(leaf) + H.PAGE, 1);
      pages.willModify(leaf);
      pages.unpin(leaf);
      const meta = yield* pages.fetch(0, true);
      const va = pages.va(meta);
      cpu.store32(va + H.KIND, MAGIC | KIND_META);
      cpu.store32(va + M.ROOT, 1);
      cpu.store32(va + M.NEXT_PAGE, 2);
      cpu.store32(va + M.HEIGHT, 1);
      pages.willModify(meta);
      pages.unpin(meta);
      yield* pages.commit();
      for (let key = 0; key < records; key++) {
        check(yield* tree.put(key, loadedValue(key), pages), "put");
        if (pages.dirtyPages >= TXN_PAGES) yield* pages.commit();
        yield* b.safepoint();
      }
      yield* pages.commit();
      // Every loaded page home: the mix starts from a file on the disk.
      yield* pages.checkpoint();
    },
    *get(key) {
      const v = yield* ready().tree.get(key);
      if (v === NOT_FOUND) return -1;
      return check(v, "get");
    },
    *scan(lo, count) {
      let n = 0;
      check(yield* ready().tree.scan(lo, MAX_KEY, () => ++n < count), "scan");
      return n;
    },
    counters: () => {
      const s = stats();
      return {
        hits: s.dataHits ?? 0,
        misses: s.dataMisses ?? 0,
        diskIos: (s.diskReads ?? 0) + (s.diskWrites ?? 0),
      };
    },
  };
}
