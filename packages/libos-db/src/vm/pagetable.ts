import type { CpuView } from "@exolab/exokernel";
import { APP_BASE, PT_ENTRY_BYTES, PT_VA } from "../layout.js";

/**
 * A linear page table in simulated memory: one 4-byte entry per application page from
 * APP_BASE. An entry is NONE (not mapped), DEMAND (mapped, no frame yet: the first touch
 * gets one), or a capability name plus FRAME_BIAS (the frame the page lives in). Every read
 * and write is a charged load or store.
 */
export const NONE = 0;
export const DEMAND = 1;
const FRAME_BIAS = 2;

/** The entry of a page whose frame is the capability `cap`. */
export const frameEntry = (cap: number): number => cap + FRAME_BIAS;
/** The capability name an entry holds, or -1 for NONE and DEMAND. */
export const capOf = (entry: number): number => (entry >= FRAME_BIAS ? entry - FRAME_BIAS : -1);

export class PageTable {
  constructor(
    private readonly cpu: CpuView,
    /** Entries: application pages covered. */
    readonly pages: number,
  ) {}

  /** The entry index of `va`, or -1 outside the application region. Charges nothing. */
  index(va: number): number {
    const v = va >>> 0;
    if (v < APP_BASE) return -1;
    const i = (v - APP_BASE) >>> 12;
    return i < this.pages ? i : -1;
  }

  /** Entry `i` (a charged load). */
  read(i: number): number {
    return this.cpu.load32(PT_VA + i * PT_ENTRY_BYTES) >>> 0;
  }

  /** Sets entry `i` (a charged store). */
  write(i: number, entry: number): void {
    this.cpu.store32(PT_VA + i * PT_ENTRY_BYTES, entry);
  }
}
