import { Category } from "./accounting.js";
import { CpuBlock } from "./cpu/block.js";
import { SR_IEC } from "./cpu-defs.js";
import { ArgumentError } from "./errors.js";

export { type ExceptionHandler, hex, MAX_EXCEPTION_DEPTH } from "./cpu/constants.js";

const { isInteger } = Number;

/**
 * The R3000 core: registers, coprocessor 0, translated loads and stores, exceptions,
 * `exec`, and the cycle counter with its attribution.
 *
 * One class built in layers, one mechanism per file (each layer extends the one before and
 * shares its state; one object, so the hot path reads its fields directly):
 * - `cpu/clock.ts`: registers, coprocessor 0, owner and attribution, the clock, the budget
 *   of deferred fast accesses, charging;
 * - `cpu/traps.ts`: exception entry and return, trapping instructions, interrupts, the
 *   stack-reserve guard;
 * - `cpu/exec.ts`: counted work (`charge`, `exec`, `execUnder`, coprocessor 1);
 * - `cpu/access.ts`: translated loads and stores, fast and slow;
 * - `cpu/block.ts`: block copy and zeroing;
 * - this file: the TLB instructions.
 *
 * Invariants:
 * - A translated access never throws for a simulated reason. Alignment, segment, TLB and
 *   bus faults raise the architectural exception through the handler table; the handler
 *   runs on the spot; the access is retried (or emulated) afterwards.
 * - An access is atomic: its cycles are charged whole, then the events due are taken (an
 *   interrupt falls between instructions). `exec` is split at the exact cycle of an event.
 * - Every cycle lands in `attr[owner * CATEGORY_COUNT + category]`.
 *
 * The hot path (a load or store that hits the TLB): the TLB's host map gives the page of a
 * kuseg address in the current address space in one read, and the access spends one unit of
 * the budget word (the number of cached accesses that can complete before the next event).
 * Map, budget and memory are one typed array (`PhysicalMemory.host`), so a hit is three reads
 * and one write of it. The hits' cycles, their Memory attribution and the PC advance are
 * added in bulk by `sync()` whenever anything reads or changes the clock, the PC or the
 * owner: the figures are exactly those of charging each access on its own (a test compares
 * the two with the map off).
 */
export class Cpu extends CpuBlock {
  // ---- TLB instructions ----------------------------------------------------------------

  /** tlbwr: EntryHi/EntryLo into a random non-wired slot. */
  tlbWriteRandom(hi: number, lo: number): number {
    this.entryHi = hi >>> 0;
    this.entryLo = lo >>> 0;
    this.chargeCycles(this.profile.cp0OpCycles * 3, Category.Tlb, "");
    return this.tlb.writeRandom(hi, lo);
  }

  /** tlbwi: EntryHi/EntryLo into slot `index` (a bad index is refused before anything changes). */
  tlbWriteIndexed(index: number, hi: number, lo: number): void {
    if (!isInteger(index) || index < 0 || index >= this.tlb.size) {
      throw new ArgumentError(
        `TLB index must be an integer in [0, ${this.tlb.size}), got ${String(index)}`,
      );
    }
    this.entryHi = hi >>> 0;
    this.entryLo = lo >>> 0;
    this.index = index << 8;
    this.chargeCycles(this.profile.cp0OpCycles * 3, Category.Tlb, "");
    this.tlb.writeIndexed(index, hi, lo);
  }

  /** tlbp: the slot matching (vpn, asid), or -1 (Index.P set). */
  tlbProbe(vpn: number, asid: number): number {
    this.chargeCycles(this.profile.cp0OpCycles * 2, Category.Tlb, "");
    const i = this.tlb.probe(vpn, asid);
    this.index = i < 0 ? 0x80000000 : i << 8;
    return i;
  }

  /** Invalidates one mapping if present (tlbp, then tlbwi of an invalid entry). */
  tlbInvalidate(vpn: number, asid: number): boolean {
    const i = this.tlbProbe(vpn, asid);
    if (i < 0) return false;
    this.tlbWriteIndexed(i, ((0x80000 + i) << 12) >>> 0, 0);
    return true;
  }

  /** Current mode and interrupt-enable, for tests and kernels. */
  get interruptsEnabled(): boolean {
    return (this.status & SR_IEC) !== 0;
  }
}
