import { type Cpu, KSEG0 } from "@exolab/machine/privileged";

/**
 * The software TLB: `entries` x 8 bytes, direct-mapped, in kernel physical memory (frames
 * from `baseFrame`), read and written through kseg0 with charged loads and stores, as Aegis
 * keeps it in unmapped physical memory.
 *
 * Entry i: word 0 = tag `(vpn << 12) | (asid << 6) | 1` (bit 0 = valid), word 1 = EntryLo.
 * Index = (vpn ^ (asid << 6)) & (entries - 1).
 */
export class SoftwareTlb {
  readonly entries: number;
  readonly basePa: number;
  readonly #mask: number;

  constructor(entries: number, basePa: number) {
    this.entries = entries;
    this.basePa = basePa;
    this.#mask = entries - 1;
  }

  index(vpn: number, asid: number): number {
    return (vpn ^ (asid << 6)) & this.#mask;
  }

  static tag(vpn: number, asid: number): number {
    return ((vpn << 12) | (asid << 6) | 1) >>> 0;
  }

  /** kseg0 address of entry i's tag word. */
  entryVa(i: number): number {
    return (KSEG0 + this.basePa + i * 8) >>> 0;
  }

  /** Charged: one load (the tag word). True when the entry is (vpn, asid)'s. */
  probeTag(cpu: Cpu, vpn: number, asid: number): boolean {
    return cpu.load32(this.entryVa(this.index(vpn, asid))) === SoftwareTlb.tag(vpn, asid);
  }

  /** Charged: one load of the EntryLo word of the entry for (vpn, asid). */
  loadLo(cpu: Cpu, vpn: number, asid: number): number {
    return cpu.load32(this.entryVa(this.index(vpn, asid)) + 4);
  }

  /** Charged: two stores. */
  write(cpu: Cpu, vpn: number, asid: number, lo: number): void {
    const va = this.entryVa(this.index(vpn, asid));
    cpu.store32(va, SoftwareTlb.tag(vpn, asid));
    cpu.store32(va + 4, lo);
  }

  /** Charged: one load, and one store when the entry is (vpn, asid)'s. */
  invalidate(cpu: Cpu, vpn: number, asid: number): void {
    const va = this.entryVa(this.index(vpn, asid));
    if (cpu.load32(va) === SoftwareTlb.tag(vpn, asid)) cpu.store32(va, 0);
  }
}
