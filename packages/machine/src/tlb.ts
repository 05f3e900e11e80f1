import { ArgumentError } from "./errors.js";
import { isInteger } from "./intrinsics.js";
import { HOST_MAP_WORDS, MEMORY_OFFSET_BYTES } from "./memory.js";
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

/** A host map word: the page's byte offset in the host buffer | MAP_WRITABLE (EntryLo D). */
export const MAP_WRITABLE = 1;
/** kuseg VPNs (below 0x80000000) are the ones the host map covers. */
const KUSEG_PAGES = HOST_MAP_WORDS;

/**
 * The R3000's software-managed TLB: 64 entries, each a (EntryHi, EntryLo) pair, matched on
 * VPN and on ASID unless the entry is global; when several match, the lowest slot wins.
 * Entries below `wired` are never chosen by random replacement.
 *
 * The TLB also keeps the current address-space id (`asid`; Cpu.setAsid sets it) and, for it,
 * the host map, invisible by construction: one word per kuseg VPN in the host buffer
 * (`PhysicalMemory.host`, words [0, 2^19)). Invariant, for every kuseg VPN v:
 *   map[v] = host byte offset of the page | D   when the lowest slot matching (v, asid) is
 *                                               valid, cached (N clear) and inside memory,
 *   map[v] = 0                                  otherwise.
 * A word changes only when a slot holding its VPN is written or the ASID changes, and both
 * recompute it from the slots; so the map answers only what the 64-entry TLB would, and
 * refills, cycles and the trace are identical with it off (`new Machine({ fastTlbIndex:
 * false })`). Its size is fixed (2 MiB) whatever the number of address spaces: only the
 * current one is mapped, and a switch rewrites at most 64 words each way.
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
  /** False when the machine was built without the host map (for the invisibility tests). */
  readonly useFastIndex: boolean;
  readonly #map: Uint32Array;
  #asid = 0;

  constructor(
    size: number,
    wired: number,
    private readonly rng: SeededRandom,
    private readonly memoryBytes: number,
    host: Uint32Array,
    hostMap = true,
  ) {
    this.size = size;
    this.wired = wired;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.pageBase = new Float64Array(size).fill(-1);
    this.writable = new Uint8Array(size);
    this.uncached = new Uint8Array(size);
    this.useFastIndex = hostMap;
    this.#map = host.subarray(0, HOST_MAP_WORDS);
    // Reset state: every entry invalid, with distinct VPNs in kseg0 (which never matches a
    // mapped address), as a boot loader leaves it.
    for (let i = 0; i < size; i++) this.hi[i] = entryHi(0x80000 + i, 0);
  }

  /** The current address-space id: the one translations use and the host map holds. */
  get asid(): number {
    return this.#asid;
  }

  /**
   * Switches the current ASID and the host map with it: clears the words the slots' VPNs may
   * hold and refills them for `asid`. The CPU's `asid` is this one (Cpu.setAsid calls this
   * and also updates EntryHi), so translations on both paths always use the map's ASID.
   */
  setAsid(asid: number): void {
    if (!isInteger(asid) || asid < 0 || asid > 63) {
      throw new ArgumentError(`ASID must be an integer in [0, 63], got ${String(asid)}`);
    }
    if (asid === this.#asid) return;
    for (let i = 0; i < this.size; i++) {
      const vpn = this.hi[i]! >>> 12;
      if (vpn < KUSEG_PAGES) this.#map[vpn] = 0;
    }
    this.#asid = asid;
    if (!this.useFastIndex) return;
    // Highest slot first, so that the lowest slot matching a VPN writes its word last.
    for (let i = this.size - 1; i >= 0; i--) {
      const vpn = this.hi[i]! >>> 12;
      if (vpn < KUSEG_PAGES && this.#matches(i, asid)) this.#map[vpn] = this.#word(i);
    }
  }

  /** Kuseg pages with a word in the host map (for the memory report and the tests). */
  get indexedEntries(): number {
    const seen = new Set<number>();
    for (let i = 0; i < this.size; i++) {
      const vpn = this.hi[i]! >>> 12;
      if (vpn < KUSEG_PAGES && this.#map[vpn] !== 0) seen.add(vpn);
    }
    return seen.size;
  }

  /** Bytes of host memory the map takes (fixed). */
  get hostMapBytes(): number {
    return this.#map.byteLength;
  }

  /** Slot matching (vpn, asid), or -1. The hardware's parallel match; the lowest index wins. */
  probe(vpn: number, asid: number): number {
    const want = (vpn << 12) >>> 0;
    for (let i = 0; i < this.size; i++) {
      if ((this.hi[i]! & 0xfffff000) >>> 0 === want && this.#matches(i, asid)) return i;
    }
    return -1;
  }

  /** tlbwi: writes slot `index`. Throws ArgumentError (before any change) on a bad index. */
  writeIndexed(index: number, hi: number, lo: number): void {
    if (!isInteger(index) || index < 0 || index >= this.size) {
      throw new ArgumentError(
        `TLB index must be an integer in [0, ${this.size}), got ${String(index)}`,
      );
    }
    const oldVpn = this.hi[index]! >>> 12;
    this.hi[index] = hi >>> 0;
    this.lo[index] = lo >>> 0;
    this.pageBase[index] = (lo & TLB_V) !== 0 ? (lo >>> 12) * 4096 : -1;
    this.writable[index] = (lo & TLB_D) !== 0 ? 1 : 0;
    this.uncached[index] = (lo & TLB_N) !== 0 ? 1 : 0;
    this.#refresh(oldVpn);
    this.#refresh(hi >>> 12);
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

  /** Slot i matches address space `asid` (global, or tagged with it); the VPN is not checked. */
  #matches(i: number, asid: number): boolean {
    return (this.lo[i]! & TLB_G) !== 0 || ((this.hi[i]! >>> ASID_SHIFT) & 63) === asid;
  }

  /** The map word slot i gives: its page's host offset | D, or 0 (the slow path decides). */
  #word(i: number): number {
    const base = this.pageBase[i]!;
    if (base < 0 || this.uncached[i] !== 0 || base + 4096 > this.memoryBytes) return 0;
    return (MEMORY_OFFSET_BYTES + base) | (this.writable[i] === 1 ? MAP_WRITABLE : 0);
  }

  /** Recomputes the map word of `vpn` from the slots (the invariant above). */
  #refresh(vpn: number): void {
    if (vpn >= KUSEG_PAGES || !this.useFastIndex) return;
    const slot = this.probe(vpn, this.#asid);
    this.#map[vpn] = slot < 0 ? 0 : this.#word(slot);
  }
}
