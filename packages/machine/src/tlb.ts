import { ArgumentError } from "./errors.js";
import type { SeededRandom } from "./rng.js";

/** EntryLo bits (R3000): PFN in 31..12, then N (uncached), D (writable), V (valid), G (global). */
export const TLB_N = 1 << 11;
export const TLB_D = 1 << 10;
export const TLB_V = 1 << 9;
export const TLB_G = 1 << 8;
/** EntryHi: VPN in 31..12, ASID in 11..6. */
export const ASID_SHIFT = 6;

export function entryHi(vpn: number, asid: number): number {
  return ((vpn << 12) | (asid << ASID_SHIFT)) >>> 0;
}
export function entryLo(pfn: number, flags: number): number {
  return ((pfn << 12) | (flags & 0xf00)) >>> 0;
}

/** Positions in the host index (a power of two); two Int32 per position: 32 KiB. */
export const FAST_POSITIONS = 4096;

/** The host index position of key (asid << 20 | vpn), already doubled (key at p, value at p + 1). */
export function fastPosition(key: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> 20) << 1;
}

/**
 * The R3000's software-managed TLB: 64 entries, each a (EntryHi, EntryLo) pair, matched on
 * VPN and on ASID unless the entry is global; when several match, the lowest slot wins.
 * Entries below `wired` are never chosen by random replacement.
 *
 * The host index (`fast`), invisible by construction: a direct-mapped table from key
 * (asid << 20 | vpn) to the physical page base of the matching slot, with bit 0 set when the
 * entry is writable. Invariant: the index holds key K only while K's lowest matching slot is a
 * valid, non-global entry whose frame lies in memory, and then holds that slot's page. Every
 * write to a slot removes the old and the new key from the index; a lookup that finds a unique
 * answer by probing puts it back. So the index answers only what the 64-entry TLB would, and
 * refills, cycles and the trace are identical with it disabled (`useFastIndex = false`).
 */
export class Tlb {
  readonly size: number;
  readonly wired: number;
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  /** Derived per slot: physical frame base (pfn * 4096, up to 2^32 - 4096), or -1 when invalid. */
  readonly pageBase: Float64Array;
  readonly writable: Uint8Array;
  /** Derived per slot: 1 when the entry's N bit makes its page uncached. */
  readonly uncached: Uint8Array;
  /** [key, pageBase | writable] per position; key -1 is empty. */
  readonly fast = new Int32Array(2 * FAST_POSITIONS).fill(-1);
  /** The index position each slot occupies, or -1; and the slot at each position, or -1. */
  readonly #slotPosition: Int32Array;
  readonly #positionSlot = new Int8Array(FAST_POSITIONS).fill(-1);
  useFastIndex = true;

  constructor(
    size: number,
    wired: number,
    private readonly rng: SeededRandom,
    private readonly memoryBytes: number,
  ) {
    this.size = size;
    this.wired = wired;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.pageBase = new Float64Array(size).fill(-1);
    this.writable = new Uint8Array(size);
    this.uncached = new Uint8Array(size);
    this.#slotPosition = new Int32Array(size).fill(-1);
    // Reset state: every entry invalid, with distinct VPNs in kseg0 (which never matches a
    // mapped address), as a boot loader leaves it.
    for (let i = 0; i < size; i++) this.hi[i] = entryHi(0x80000 + i, 0);
  }

  /** Keys currently in the host index (for the memory report). */
  get indexedEntries(): number {
    let n = 0;
    for (let p = 0; p < this.fast.length; p += 2) if (this.fast[p] !== -1) n++;
    return n;
  }

  /** Slot matching (vpn, asid), or -1. The hardware's parallel match; the lowest index wins. */
  probe(vpn: number, asid: number): number {
    const want = (vpn << 12) >>> 0;
    for (let i = 0; i < this.size; i++) {
      const h = this.hi[i]!;
      if (
        (h & 0xfffff000) >>> 0 === want &&
        ((this.lo[i]! & TLB_G) !== 0 || ((h >>> ASID_SHIFT) & 63) === asid)
      ) {
        return i;
      }
    }
    return -1;
  }

  /** Finds the slot for a mapped access (slow path: probes, then indexes the answer). */
  lookup(vpn: number, asid: number): number {
    const slot = this.probe(vpn, asid);
    if (slot >= 0 && this.useFastIndex) this.#index((asid << 20) | vpn, slot);
    return slot;
  }

  /** tlbwi: writes slot `index`. Throws ArgumentError (before any change) on a bad index. */
  writeIndexed(index: number, hi: number, lo: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new ArgumentError(
        `TLB index must be an integer in [0, ${this.size}), got ${String(index)}`,
      );
    }
    this.#unindexVpn(this.hi[index]! >>> 12);
    this.hi[index] = hi >>> 0;
    this.lo[index] = lo >>> 0;
    this.pageBase[index] = (lo & TLB_V) !== 0 ? (lo >>> 12) * 4096 : -1;
    this.writable[index] = (lo & TLB_D) !== 0 ? 1 : 0;
    this.uncached[index] = (lo & TLB_N) !== 0 ? 1 : 0;
    this.#unindexVpn(hi >>> 12);
  }

  /** tlbwr: writes a slot chosen at random among the non-wired ones (seeded). Returns it. */
  writeRandom(hi: number, lo: number): number {
    const index = this.wired + this.rng.below(this.size - this.wired);
    this.writeIndexed(index, hi, lo);
    return index;
  }

  /** Invalidates every entry for `asid` (non-global ones), as a kernel does by rewriting them. */
  invalidateAsid(asid: number): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      if (
        (this.lo[i]! & TLB_V) !== 0 &&
        (this.lo[i]! & TLB_G) === 0 &&
        ((this.hi[i]! >>> ASID_SHIFT) & 63) === asid
      ) {
        this.writeIndexed(i, entryHi(0x80000 + i, 0), 0);
        n++;
      }
    }
    return n;
  }

  /**
   * Puts key -> slot into the index if the slot is valid, non-global, cached (the fast path
   * charges a cache hit) and inside memory.
   */
  #index(key: number, slot: number): void {
    const base = this.pageBase[slot]!;
    if (base < 0 || (this.lo[slot]! & (TLB_G | TLB_N)) !== 0 || base + 4096 > this.memoryBytes)
      return;
    const p = fastPosition(key);
    if (this.fast[p] !== -1) this.#forgetPosition(p);
    const old = this.#slotPosition[slot]!;
    if (old >= 0) this.#forgetPosition(old);
    this.fast[p] = key;
    this.fast[p + 1] = base | this.writable[slot]!;
    this.#slotPosition[slot] = p;
    this.#positionSlot[p >>> 1] = slot;
  }

  /** Removes from the index every key whose VPN is `vpn` (the slots that could match it). */
  #unindexVpn(vpn: number): void {
    for (let i = 0; i < this.size; i++) {
      const p = this.#slotPosition[i]!;
      if (p >= 0 && (this.fast[p]! & 0xfffff) === vpn) this.#forgetPosition(p);
    }
  }

  #forgetPosition(p: number): void {
    this.fast[p] = -1;
    const slot = this.#positionSlot[p >>> 1]!;
    if (slot >= 0) this.#slotPosition[slot] = -1;
    this.#positionSlot[p >>> 1] = -1;
  }
}
