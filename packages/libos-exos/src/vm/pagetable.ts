import type { CpuView } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { G_PT_COUNT, GLOBALS_VA, PT_ENTRY_BYTES, PT_VA } from "../layout.js";

/**
 * Page-table entry flags: the low 12 bits of an entry's first word (the high 20 bits are
 * the vpn, so the word compares like the vpn). The second word is the capability name of
 * the frame (meaningful only when PRESENT).
 */
export const F = {
  /** A frame backs the page (word 1 names its capability). */
  PRESENT: 0x001,
  /** The application may read the page now. */
  READ: 0x002,
  /** The application may write the page now. */
  WRITE: 0x004,
  /** Written since mapped (or since the dirty bit was last cleared). */
  DIRTY: 0x008,
  /** Shared with a fork relative: the first store copies the frame. */
  COW: 0x010,
  /** Demand-zero: no frame yet; the first touch allocates and zeroes one. */
  ZERO: 0x020,
  /** The frame is not ours to free (granted by another environment, or an alias). */
  FOREIGN: 0x040,
  /** Most protection the mapping allows: writable when unprotected. */
  MAXWRITE: 0x080,
  /** The capability held only allows reading (a grant with Read only). */
  CAPRO: 0x100,
  /** A second address of one of our frames (`alias`): it shares the source's capability name. */
  ALIAS: 0x200,
} as const;

/**
 * ExOS's page table, as the paper's: a linear vector of (vpn, pte) entries sorted by vpn and
 * searched by binary search. It lives at PT_VA (guaranteed mappings); its length is a word
 * of the globals page. Every access is a charged load or store through the CPU view.
 *
 * Invariant: entries [0, count) are sorted by vpn, strictly increasing.
 */
export class PageTable {
  constructor(
    private readonly cpu: CpuView,
    readonly capacity: number,
  ) {}

  count(): number {
    return this.cpu.load32(GLOBALS_VA + G_PT_COUNT);
  }

  /** Index of `vpn`, or -(insertion point) - 1. One charged load per probe. */
  find(vpn: number): number {
    const cpu = this.cpu;
    cpu.exec(COSTS["exos.pt.search.setup"]);
    let lo = 0;
    let hi = cpu.load32(GLOBALS_VA + G_PT_COUNT);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      // exos.pt.search.step's first instruction after the load shifts it (srl 12); its
      // independent instructions already fill its branches' slots: a load-delay nop.
      const v = cpu.load32Used(PT_VA + mid * PT_ENTRY_BYTES) >>> 12;
      cpu.exec(COSTS["exos.pt.search.step"]);
      if (v === vpn) return mid;
      if (v < vpn) lo = mid + 1;
      else hi = mid;
    }
    return -lo - 1;
  }

  word0(i: number): number {
    return this.cpu.load32(PT_VA + i * PT_ENTRY_BYTES) >>> 0;
  }

  /** `word0`, for a caller whose next instruction tests the flags (the load-delay slot's nop). */
  word0Used(i: number): number {
    return this.cpu.load32Used(PT_VA + i * PT_ENTRY_BYTES) >>> 0;
  }

  /** The entry count, for insert's set-up whose first instruction (addu count + k) uses it. */
  #countUsed(): number {
    return this.cpu.load32Used(GLOBALS_VA + G_PT_COUNT);
  }

  cap(i: number): number {
    return this.cpu.load32(PT_VA + i * PT_ENTRY_BYTES + 4) >>> 0;
  }

  setWord0(i: number, w: number): void {
    this.cpu.store32(PT_VA + i * PT_ENTRY_BYTES, w);
  }

  setCap(i: number, cap: number): void {
    this.cpu.store32(PT_VA + i * PT_ENTRY_BYTES + 4, cap);
  }

  /**
   * Inserts `k` entries for vpns vpn0..vpn0+k-1 at insertion point `at` (from `find`), all
   * with `flags` and capability `cap`, moving the tail up k slots. The caller has checked
   * that no entry lies in the range. Returns false when the table would overflow (nothing
   * changes).
   */
  insertRun(at: number, vpn0: number, k: number, flags: number, cap: number): boolean {
    const cpu = this.cpu;
    const n = this.#countUsed();
    if (n + k > this.capacity) return false;
    cpu.exec(COSTS["exos.pt.insert"]);
    // Move entries [at, n) up by k, from the end, one entry per copy (overlap-safe).
    for (let j = n - 1; j >= at; j--) {
      cpu.copy(PT_VA + (j + k) * PT_ENTRY_BYTES, PT_VA + j * PT_ENTRY_BYTES, PT_ENTRY_BYTES);
      cpu.exec(COSTS["exos.pt.move.step"]);
    }
    for (let j = 0; j < k; j++) {
      cpu.store32(PT_VA + (at + j) * PT_ENTRY_BYTES, (((vpn0 + j) << 12) | flags) >>> 0);
      cpu.store32(PT_VA + (at + j) * PT_ENTRY_BYTES + 4, cap);
      cpu.exec(COSTS["exos.pt.fill.step"]);
    }
    cpu.store32(GLOBALS_VA + G_PT_COUNT, n + k);
    return true;
  }

  /**
   * Inserts `k` entries read from `src` (same 8-byte format, sorted, vpns absent from the
   * table and all below the entry at `at`) at insertion point `at`, each first word passed
   * through `flags` (the caller's rewrite of the flags it does not trust).
   */
  insertImage(at: number, src: number, k: number, flags: (w0: number) => number): boolean {
    const cpu = this.cpu;
    const n = this.#countUsed();
    if (n + k > this.capacity) return false;
    cpu.exec(COSTS["exos.pt.insert"]);
    for (let j = n - 1; j >= at; j--) {
      cpu.copy(PT_VA + (j + k) * PT_ENTRY_BYTES, PT_VA + j * PT_ENTRY_BYTES, PT_ENTRY_BYTES);
      cpu.exec(COSTS["exos.pt.move.step"]);
    }
    for (let j = 0; j < k; j++) {
      const e = PT_VA + (at + j) * PT_ENTRY_BYTES;
      cpu.store32(e, flags(cpu.load32(src + j * PT_ENTRY_BYTES) >>> 0));
      cpu.store32(e + 4, cpu.load32(src + j * PT_ENTRY_BYTES + 4));
      cpu.exec(COSTS["exos.pt.move.step"]);
    }
    cpu.store32(GLOBALS_VA + G_PT_COUNT, n + k);
    return true;
  }

  /** Removes entries [i, i+k), moving the tail down (a forward copy is overlap-safe). */
  removeRun(i: number, k: number): void {
    const cpu = this.cpu;
    const n = this.count();
    cpu.exec(COSTS["exos.pt.remove"]);
    const tail = n - i - k;
    if (tail > 0) {
      cpu.copy(PT_VA + i * PT_ENTRY_BYTES, PT_VA + (i + k) * PT_ENTRY_BYTES, tail * PT_ENTRY_BYTES);
      cpu.exec(COSTS["exos.pt.move.step"], tail);
    }
    cpu.store32(GLOBALS_VA + G_PT_COUNT, n - k);
  }
}
