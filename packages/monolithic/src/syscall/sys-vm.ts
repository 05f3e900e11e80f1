import { KUSEG_END } from "@exolab/machine";
import { Errno, PROT_EXEC, PROT_READ, PROT_WRITE } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  PAGE,
  PG_ALLOC,
  PG_D,
  PG_NOREAD,
  PG_NOWRITE,
  PG_V,
  pteVa,
  U,
  USHM_RDONLY,
} from "../layout.js";
import { freeRange, roundPage } from "../proc/exit.js";
import type { Proc } from "../proc/proc.js";
import { mapProtect } from "../vm/map.js";
import { ensurePt, ptPagesNeeded } from "../vm/pagetable.js";
import { tlbUnmap, tlbUpdate } from "../vm/tlbops.js";
import { loadBounds } from "../vm/useracc.js";
import type { SysArgs } from "./table.js";

/**
 * mprotect(addr, len, prot) (vm_mmap.c 8.1 → vm_map_protect): locks the process's map,
 * clips its entries at the range's ends, sets their protection and, for each entry changed,
 * pmap_protect rewrites every page's PTE and writes its translation into the TLB (tlbp, then
 * tlbwi or tlbwr); unlocks. ENOMEM also when the map has no entry left for the clips.
 * EINVAL: addr not page aligned, unknown prot bits, or a range past the user space.
 * ENOMEM: part of the range is not mapped (outside the data, stack and shm segments).
 * EACCES: write permission asked for a segment attached SHM_RDONLY.
 * Write implies read on the R3000 (PROT_WRITE alone gives read and write); PROT_EXEC is
 * accepted and has no effect (no execute permission in the R3000 TLB).
 */
export function sysMprotect(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.mprotect"]);
  const addr = a[0]!;
  const len = a[1]!;
  const prot = a[2]!;
  if ((addr & (PAGE - 1)) !== 0) return -Errno.EINVAL;
  if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0) return -Errno.EINVAL;
  if (len === 0) return 0;
  const end = addr + roundPage(len);
  if (addr >= KUSEG_END || end > KUSEG_END) return -Errno.EINVAL;
  const b = loadBounds(k, p);
  cpu.exec(COSTS["mprotect.segment"], 2);
  const inData = addr >= b.dataStart && end <= roundPage(b.brk);
  const inStack = addr >= b.stackLow && end <= b.stackTop;
  if (!inData && !inStack) {
    const seg = shmSegmentOf(k, p, addr, end);
    if (seg === NO_SEGMENT) return -Errno.ENOMEM;
    if (seg === RDONLY_SEGMENT && (prot & PROT_WRITE) !== 0) return -Errno.EACCES;
  }
  const soft =
    (prot & (PROT_READ | PROT_WRITE)) === 0
      ? PG_NOREAD | PG_NOWRITE
      : (prot & PROT_WRITE) === 0
        ? PG_NOWRITE
        : 0;
  const ok = mapProtect(k, p, addr, end, mapProt(prot), (from, to) => {
    // pmap_protect over the part of the entry inside the range.
    const lo = Math.max(from, addr);
    const hi = Math.min(to, end);
    if (hi > lo) pmapProtect(k, p, lo, hi, soft);
  });
  return ok ? 0 : -Errno.ENOMEM;
}

/** The map's protection for an mprotect prot (write implies read on the R3000). */
function mapProt(prot: number): number {
  if ((prot & PROT_WRITE) !== 0) return PROT_READ | PROT_WRITE;
  return prot & PROT_READ;
}

/**
 * pmap_protect (pmap.c 8.1) over [from, to): each page's PTE rewritten with the new
 * protection, and its translation written into the TLB (MachTLBUpdate: tlbp, then tlbwi when
 * the page is there, tlbwr when it is not — so mprotect fills the TLB with the range's pages).
 * A page not yet filled has no translation (PG_V clear in 4.4BSD's pmap): its PTE keeps the
 * protection bits and nothing goes to the TLB. A PROT_NONE page is removed from the TLB
 * (pmap_remove: MachTLBFlushAddr, tlbp then an invalid tlbwi when present).
 */
function pmapProtect(k: MonolithicKernel, p: Proc, from: number, to: number, soft: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["pmap.protect"]);
  const pages = (to - from) / PAGE;
  cpu.exec(COSTS["pmap.protect.page"], pages);
  for (let i = 0; i < pages; i++) {
    const vpn = (from >>> 12) + i;
    const ptva = pteVa(p.index, vpn);
    const pte = cpu.load32(ptva);
    let npte = (pte & ~(PG_NOREAD | PG_NOWRITE | PG_V | PG_D)) | soft;
    const filled = (pte & PG_ALLOC) !== 0;
    if (filled) {
      if ((soft & PG_NOREAD) === 0) npte |= PG_V;
      if (soft === 0) npte |= PG_D;
    }
    cpu.store32(ptva, npte >>> 0);
    if (!filled) continue;
    if ((soft & PG_NOREAD) !== 0) tlbUnmap(k, vpn, p.asid);
    else tlbUpdate(k, vpn, p.asid, npte >>> 0);
  }
}

const NO_SEGMENT = 0;
const RW_SEGMENT = 1;
const RDONLY_SEGMENT = 2;

/**
 * Which shm attachment holds [addr, end): walks the u-area's attachment table (SHMSEG
 * slots, charged loads); NO_SEGMENT when none does, RDONLY_SEGMENT for a SHM_RDONLY one.
 */
function shmSegmentOf(k: MonolithicKernel, p: Proc, addr: number, end: number): number {
  const cpu = k.cpu;
  const table = k.uva(p) + U.SHM;
  for (let i = 0; i < k.policy.shmPerProcess; i++) {
    cpu.exec(COSTS["fd.scan"]);
    const at = cpu.load32(table + i * 12);
    if (at === 0) continue;
    cpu.exec(COSTS["mprotect.segment"]);
    const pages = cpu.load32(table + i * 12 + 4);
    if (addr < at || end > at + pages * PAGE) continue;
    const rdonly = (cpu.load32(table + i * 12 + 8) & USHM_RDONLY) !== 0;
    return rdonly ? RDONLY_SEGMENT : RW_SEGMENT;
  }
  return NO_SEGMENT;
}

/** Whether an shm attachment overlaps [start, end) (a walk of the u-area's table, charged). */
function shmOverlaps(k: MonolithicKernel, p: Proc, start: number, end: number): boolean {
  const cpu = k.cpu;
  const table = k.uva(p) + U.SHM;
  for (let i = 0; i < k.policy.shmPerProcess; i++) {
    cpu.exec(COSTS["fd.scan"]);
    const at = cpu.load32(table + i * 12);
    if (at === 0) continue;
    cpu.exec(COSTS["mprotect.segment"]);
    if (at < end && at + cpu.load32(table + i * 12 + 4) * PAGE > start) return true;
  }
  return false;
}

/**
 * sbrk(incr): moves the break by a signed byte count and returns the old break. Growing
 * gives demand-zero pages (and the page-table pages they need); shrinking frees the
 * private pages past the new break. EINVAL below the data start; ENOMEM past the data
 * limit, into the stack or an shm attachment, or when page tables cannot be allocated.
 */
export function sysSbrk(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.sbrk"]);
  const incr = a[0]! | 0;
  const u = k.uva(p);
  const old = cpu.load32(u + U.BRK);
  const start = cpu.load32(u + U.DATASTART);
  const nb = old + incr;
  if (nb < start) return -Errno.EINVAL;
  if (nb - start > k.policy.maxDataBytes || nb > cpu.load32(u + U.STACKLOW)) return -Errno.ENOMEM;
  if (incr > 0) {
    if (shmOverlaps(k, p, old, roundPage(nb))) return -Errno.ENOMEM;
    if (k.frames.freeCount < ptPagesNeeded(p, old, nb)) return -Errno.ENOMEM;
    ensurePt(k, p, old, nb);
  } else if (incr < 0) {
    const from = roundPage(nb);
    const to = roundPage(old);
    freeRange(k, p, from, to, true);
    for (let va = from; va < to; va += PAGE) tlbUnmap(k, va >>> 12, p.asid);
  }
  cpu.store32(u + U.BRK, nb);
  p.brk = nb;
  return old;
}
