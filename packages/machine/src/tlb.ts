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

/** Size of the host-side index; a power of two. 3 Int32Arrays of this length: 48 KiB. */
const FAST_SIZE = 4096;
const FAST_MASK = FAST_SIZE - 1;

/**
 * The R3000's software-managed TLB: 64 entries, each a (EntryHi, EntryLo) pair, matched
 * on VPN and on ASID unless the entry is global. Entries below `wired` are never chosen by
 * random replacement.
 *
 * Host-side speed-up (invisible by construction): `fast*` is a direct-mapped index from
 * (asid, vpn) to a TLB slot, verified on every use against the slot's generation, which
 * changes on every write to the slot. A hit in the index is therefore only possible while the
 * 64-entry TLB holds the matching entry, so refills, cycles and the trace are identical with
 * the index disabled (`useFastIndex = false`), as a test shows.
 */
export class Tlb {
  readonly size: number;
  readonly wired: number;
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  /** Derived per slot, for the hot path: physical frame base (pfn << 12), or -1 when invalid. */
  readonly pageBase: Int32Array;
  readonly writable: Uint8Array;
  /** Bumped on every write to a slot; the fast index stores the generation it saw. */
  readonly generation: Int32Array;
  readonly fastKey = new Int32Array(FAST_SIZE).fill(-1);
  readonly fastSlot = new Int32Array(FAST_SIZE);
  readonly fastGen = new Int32Array(FAST_SIZE);
  useFastIndex = true;

  constructor(
    size: number,
    wired: number,
    private readonly rng: SeededRandom,
  ) {
    this.size = size;
    this.wired = wired;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.pageBase = new Int32Array(size).fill(-1);
    this.writable = new Uint8Array(size);
    this.generation = new Int32Array(size);
    // Reset state: every entry invalid, with distinct VPNs in kseg0 (which never matches a
    // mapped address), as a boot loader leaves it.
    for (let i = 0; i < size; i++) this.hi[i] = entryHi(0x80000 + i, 0);
  }

  static fastHash(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> 20;
  }

  /** Slot matching (vpn, asid), or -1. Linear, as the hardware's parallel match; lowest index wins. */
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

  /** Finds the slot for a mapped access, through the fast index when allowed. */
  lookup(vpn: number, asid: number): number {
    const key = (asid << 20) | vpn;
    const h = Tlb.fastHash(key) & FAST_MASK;
    if (
      this.useFastIndex &&
      this.fastKey[h] === key &&
      this.generation[this.fastSlot[h]!] === this.fastGen[h]
    ) {
      return this.fastSlot[h]!;
    }
    const slot = this.probe(vpn, asid);
    if (slot >= 0 && this.useFastIndex && this.pageBase[slot]! >= 0) {
      this.fastKey[h] = key;
      this.fastSlot[h] = slot;
      this.fastGen[h] = this.generation[slot]!;
    }
    return slot;
  }

  /** tlbwi: writes slot `index`. */
  writeIndexed(index: number, hi: number, lo: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new ArgumentError(`TLB index must be in [0, ${this.size}), got ${String(index)}`);
    }
    this.hi[index] = hi >>> 0;
    this.lo[index] = lo >>> 0;
    this.pageBase[index] = (lo & TLB_V) !== 0 ? (lo >>> 12) << 12 : -1;
    this.writable[index] = (lo & TLB_D) !== 0 ? 1 : 0;
    this.generation[index] = (this.generation[index]! + 1) | 0;
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
}
