import { type Cpu, entryHi, Resolution } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  FRAME_NULLPT,
  kseg0,
  P,
  PG_D,
  PG_G,
  PG_PFN,
  PG_V,
  PT_BASE,
  PT_WINDOW_BYTES,
  procVa,
  U,
} from "../layout.js";

/**
 * The UTLB-miss handler, as Ultrix's utlbmiss: Context already holds PTEBase | BadVPN<<2 (the
 * address of the PTE in the current process's linear page table in kseg2), so the handler
 * loads the PTE and writes it into a random TLB slot; EntryHi was set by the hardware. No
 * register is saved and no check is made: an invalid PTE goes into the TLB as is, and the
 * retried access takes the general exception (TLBL/TLBS) that handles real faults.
 * A miss on the page-table page itself nests into the general vector (kseg2Miss).
 */
export function makeRefillHandler(k: MonolithicKernel): (cpu: Cpu) => Resolution {
  const counts = k.counts;
  return (cpu) => {
    counts.utlbRefills++;
    cpu.exec(COSTS["utlb.refill"]);
    const pte = cpu.load32(cpu.context);
    cpu.tlbWriteRandom(cpu.entryHi, pte);
    cpu.rfe();
    return Resolution.Retry;
  };
}

/**
 * A TLB miss in kseg2 on a user page-table page (from the UTLB handler's load, or from the
 * kernel touching a PTE): maps the page-table page from the process's root table in its
 * u-area, or the shared page of zeros (read-only) where the process has none, with a global
 * entry. Short path: k0/k1 only, no frame saved. EntryHi is restored for the interrupted
 * UTLB handler (recomputed from BadVAddr: the PTE's offset in the window is 4 x the user VPN).
 */
export function kseg2Miss(k: MonolithicKernel, va: number): Resolution {
  const cpu = k.cpu;
  k.counts.kseg2Misses++;
  cpu.exec(COSTS["ktlb.miss"]);
  const off = (va - PT_BASE) >>> 0;
  const index = Math.floor(off / PT_WINDOW_BYTES);
  if (index >= k.policy.maxProcesses || k.procs[index] === null) {
    k.panic(`kernel TLB miss at ${va.toString(16)} outside any page-table window`);
  }
  const uframe = cpu.load32(procVa(index) + P.UFRAME);
  const r = (off >>> 12) & 511;
  const root = cpu.load32(kseg0(uframe, U.ROOT + r * 4));
  const lo =
    root !== 0
      ? ((root & PG_PFN) | PG_V | PG_D | PG_G) >>> 0
      : ((FRAME_NULLPT << 12) | PG_V | PG_G) >>> 0;
  cpu.tlbWriteRandom(entryHi(va >>> 12, 0), lo);
  // The nested exception overwrote EntryHi; the UTLB handler it interrupted writes its entry
  // with EntryHi, so restore it: the user VPN is the PTE's offset in the window / 4.
  cpu.entryHi = entryHi((off & (PT_WINDOW_BYTES - 1)) >>> 2, cpu.asid);
  cpu.rfe();
  return Resolution.Retry;
}
