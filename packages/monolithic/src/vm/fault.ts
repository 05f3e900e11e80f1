import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { PG_ALLOC, PG_D, PG_NOREAD, PG_NOWRITE, PG_V, pteVa } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { zeroFrame } from "./pagetable.js";
import { tlbDropin } from "./tlbops.js";
import { inSegment, loadBounds } from "./useracc.js";

export const FAULT_OK = 0;
/** Protection or segmentation violation: SIGSEGV. */
export const FAULT_SEGV = 1;
/** No frame left for a demand-zero page (no swap): the process is killed. */
export const FAULT_NOMEM = 2;

/**
 * The page-fault path for a user address (TLBL/TLBS on an invalid entry, or Mod): reads the
 * PTE from the linear page table in kseg2. An allocated page either violates its protection
 * (SIGSEGV) or had a stale TLB entry (re-dropped). A page not allocated is filled with zeros
 * on demand if it lies in the data or stack segment and its protection allows the access.
 */
export function vmFault(k: MonolithicKernel, p: Proc, va: number, store: boolean): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["vm.fault"]);
  const vpn = va >>> 12;
  const ptva = pteVa(p.index, vpn);
  const pte = cpu.load32(ptva);
  const deny = store ? PG_NOWRITE | PG_NOREAD : PG_NOREAD;
  if ((pte & PG_ALLOC) !== 0) {
    if ((pte & deny) !== 0) return FAULT_SEGV;
    tlbDropin(k, vpn, p.asid, pte);
    return FAULT_OK;
  }
  const b = loadBounds(k, p);
  if (!inSegment(b, va) || (pte & deny) !== 0) return FAULT_SEGV;
  cpu.exec(COSTS["vm.memall"]);
  const f = k.frames.alloc();
  if (f < 0) return FAULT_NOMEM;
  p.residentPages++;
  k.counts.demandZeroFills++;
  zeroFrame(k, f);
  const soft = pte & (PG_NOREAD | PG_NOWRITE);
  const npte =
    ((f << 12) |
      PG_ALLOC |
      soft |
      ((soft & PG_NOREAD) === 0 ? PG_V : 0) |
      ((soft & (PG_NOWRITE | PG_NOREAD)) === 0 ? PG_D : 0)) >>>
    0;
  cpu.exec(COSTS["vm.fill"]);
  cpu.store32(ptva, npte);
  tlbDropin(k, vpn, p.asid, npte);
  return FAULT_OK;
}
