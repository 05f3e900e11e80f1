import { PAGE_BYTES, Result } from "@exolab/exokernel";
import { APP_BASE, APP_LIMIT, IPC_BASE, IPC_LIMIT } from "../layout.js";
import type { PageTable } from "./pagetable.js";
import { PAGE_MASK } from "./types.js";

/**
 * Argument checks on page ranges: which addresses are the application's, and where a run
 * of pages is (or may be put) in the page table. They change nothing.
 */

/** Page-aligned range of `pages` >= 1 pages inside the application's region. */
export function appRange(va: number, pages: number): boolean {
  return (
    Number.isInteger(va) &&
    Number.isInteger(pages) &&
    pages >= 1 &&
    (va & PAGE_MASK) === 0 &&
    va >= APP_BASE &&
    va + pages * PAGE_BYTES <= APP_LIMIT
  );
}

/** Like `appRange`, but the library's IPC windows count too. */
export function userRange(va: number, pages: number): boolean {
  if (appRange(va, pages)) return true;
  return (
    Number.isInteger(va) &&
    Number.isInteger(pages) &&
    pages >= 1 &&
    (va & PAGE_MASK) === 0 &&
    va >= IPC_BASE &&
    va + pages * PAGE_BYTES <= IPC_LIMIT
  );
}

/** Insertion point for `pages` new entries from vpn0, or Busy if any is mapped. */
export function freeRunAt(pt: PageTable, vpn0: number, pages: number): number {
  const a = pt.find(vpn0);
  if (a >= 0) return Result.Busy;
  if (pages > 1 && pt.find(vpn0 + pages - 1) !== a) return Result.Busy;
  return -a - 1;
}

/** Index of the first of `pages` consecutive mapped entries from vpn0, or Invalid. */
export function mappedRun(pt: PageTable, vpn0: number, pages: number): number {
  const i = pt.find(vpn0);
  if (i < 0) return Result.Invalid;
  if (pages > 1) {
    if (i + pages > pt.count()) return Result.Invalid;
    if (pt.word0(i + pages - 1) >>> 12 !== vpn0 + pages - 1) return Result.Invalid;
  }
  return i;
}
