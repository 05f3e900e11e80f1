import { PAGE_BYTES } from "@exolab/exokernel";
import type { DiskIo } from "./io.js";

/**
 * Where the engine's pages live: numbered 4 KiB pages, read into and written from frames
 * the library owns. The engine needs nothing else, so the same engine can run over direct
 * extents (here) or over a file of a kernel's file system.
 *
 * Contract: `writePage` returns once the page is durable (a crash after it returns finds
 * the page's new contents); a crash during it finds the old or the new contents of the
 * whole page, never a mix (the machine's disk completes a command at one cycle). `sync`
 * returns once every write that returned before it is durable.
 */
export interface PageStore {
  /** Pages the store holds. */
  readonly pages: number;
  readPage(pageNo: number, frameCap: number): Generator<unknown, number, unknown>;
  writePage(pageNo: number, frameCap: number): Generator<unknown, number, unknown>;
  sync(): Generator<unknown, number, unknown>;
}

/**
 * A page store over one of the exokernel's disk extents: page p is blocks
 * [p × 8, p × 8 + 8) of the extent, moved by one disk command (4 KiB, the kernel's most).
 * Writes are synchronous (each waits for its completion), so `sync` has nothing to wait for.
 */
export class ExtentPageStore implements PageStore {
  readonly #blocksPerPage: number;

  #extent: number;

  constructor(
    private readonly io: DiskIo,
    extent: number,
    readonly pages: number,
    blockBytes: number,
  ) {
    this.#blocksPerPage = PAGE_BYTES / blockBytes;
    this.#extent = extent;
  }

  /** The extent's capability (its name in the environment's list). */
  get extent(): number {
    return this.#extent;
  }

  /**
   * Copies pages [0, pages) to extent `to` (the same layout) through frame `frameCap`: a
   * read and a write per page. Ok, or the first refusal or failure.
   */
  *copyTo(to: number, pages: number, frameCap: number): Generator<unknown, number, unknown> {
    const n = this.#blocksPerPage;
    for (let p = 0; p < pages; p++) {
      let r = yield* this.io.transfer(false, this.#extent, p * n, n, frameCap);
      if (r < 0) return r;
      r = yield* this.io.transfer(true, to, p * n, n, frameCap);
      if (r < 0) return r;
    }
    return 0;
  }

  /** From now on the pages live on extent `to`; returns the old extent's name. */
  moveTo(to: number): number {
    const old = this.#extent;
    this.#extent = to;
    return old;
  }

  *readPage(pageNo: number, frameCap: number): Generator<unknown, number, unknown> {
    const n = this.#blocksPerPage;
    return yield* this.io.transfer(false, this.#extent, pageNo * n, n, frameCap);
  }

  *writePage(pageNo: number, frameCap: number): Generator<unknown, number, unknown> {
    const n = this.#blocksPerPage;
    return yield* this.io.transfer(true, this.#extent, pageNo * n, n, frameCap);
  }

  // biome-ignore lint/correctness/useYield: every write already waited for its completion
  *sync(): Generator<unknown, number, unknown> {
    return 0;
  }
}
