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
import { ensurePt, ptPagesNeeded } from "../vm/pagetable.js";
import { tlbUnmap } from "../vm/tlbops.js";
import { loadBounds } from "../vm/useracc.js";
import type { SysArgs } from "./table.js";

/**
 * mprotect(addr, len, prot): changes the protection of every page of the range with one
 * pass over the linear page table (load, rewrite, store each PTE) and drops each page's TLB
 * entry (tlbp, tlbwi when present) so the next access refills the new PTE.
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
  const pages = (end - addr) / PAGE;
  cpu.exec(COSTS["mprotect.page"], pages);
  for (let i = 0; i < pages; i++) {
    const vpn = (addr >>> 12) + i;
    const ptva = pteVa(p.index, vpn);
    const pte = cpu.load32(ptva);
    let npte = (pte & ~(PG_NOREAD | PG_NOWRITE | PG_V | PG_D)) | soft;
    if ((pte & PG_ALLOC) !== 0) {
      if ((soft & PG_NOREAD) === 0) npte |= PG_V;
      if (soft === 0) npte |= PG_D;
    }
    cpu.store32(ptva, npte >>> 0);
    tlbUnmap(k, vpn, p.asid);
  }
  return 0;
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
