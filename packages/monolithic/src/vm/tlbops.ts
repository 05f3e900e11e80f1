import { entryHi } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { PG_G } from "../layout.js";

/** tlbdropin: installs a PTE for (vpn, asid), replacing the entry that maps it if any. */
export function tlbDropin(k: MonolithicKernel, vpn: number, asid: number, pte: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["tlb.dropin"]);
  const i = cpu.tlbProbe(vpn, asid);
  if (i >= 0) cpu.tlbWriteIndexed(i, entryHi(vpn, asid), pte);
  else cpu.tlbWriteRandom(entryHi(vpn, asid), pte);
}

/** unmaptlb: drops the entry for (vpn, asid) if the TLB holds one (tlbp, then tlbwi). */
export function tlbUnmap(k: MonolithicKernel, vpn: number, asid: number): void {
  k.cpu.exec(COSTS["tlb.unmap"]);
  k.cpu.tlbInvalidate(vpn, asid);
}

/**
 * Flushes every non-global entry of `asid` (before the ASID is reused): reads all 64 entries
 * (tlbr, charged as instructions) and rewrites the matching ones invalid (tlbwi).
 */
export function tlbFlushAsid(k: MonolithicKernel, asid: number): void {
  const cpu = k.cpu;
  const tlb = k.machine.tlb;
  cpu.exec(COSTS["tlb.flushpid.entry"], tlb.size);
  for (let i = tlb.wired; i < tlb.size; i++) {
    const lo = tlb.lo[i]!;
    if ((lo & PG_G) === 0 && ((tlb.hi[i]! >>> 6) & 63) === asid && tlb.hi[i]! < 0x80000000) {
      cpu.tlbWriteIndexed(i, entryHi(0x80000 + i, 0), 0);
    }
  }
}
