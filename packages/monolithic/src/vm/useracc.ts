import { KUSEG_END } from "@exolab/machine";
import { ContextAbort } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { PG_ALLOC, PG_NOREAD, PG_NOWRITE, pteVa, U } from "../layout.js";
import type { Proc } from "../proc/proc.js";

export interface Bounds {
  dataStart: number;
  brk: number;
  stackLow: number;
  stackTop: number;
}

const scratch: Bounds = { dataStart: 0, brk: 0, stackLow: 0, stackTop: 0 };

/** Loads the segment bounds from the u-area (four charged loads). */
export function loadBounds(k: MonolithicKernel, p: Proc): Bounds {
  const cpu = k.cpu;
  const u = k.uva(p);
  cpu.exec(COSTS["vm.segcheck"]);
  scratch.dataStart = cpu.load32(u + U.DATASTART);
  scratch.brk = cpu.load32(u + U.BRK);
  scratch.stackLow = cpu.load32(u + U.STACKLOW);
  scratch.stackTop = cpu.load32(u + U.STACKTOP);
  return scratch;
}

/** Whether a page lies in the data or stack segment (shm pages are always allocated). */
export function inSegment(b: Bounds, va: number): boolean {
  return (va >= b.dataStart && va < b.brk) || (va >= b.stackLow && va < b.stackTop);
}

/**
 * useracc(): may the process access [va, va+len) for reading (or writing)? Checks each
 * page's PTE (charged kseg2 loads): an allocated page by its protection bits, a page not yet
 * allocated by the segment it would be filled in. Nothing is changed.
 */
export function useracc(
  k: MonolithicKernel,
  p: Proc,
  va: number,
  len: number,
  write: boolean,
): boolean {
  const cpu = k.cpu;
  cpu.exec(COSTS.useracc);
  if (len === 0) return true;
  if (va >= KUSEG_END || len > KUSEG_END - va) return false;
  const b = loadBounds(k, p);
  const deny = write ? PG_NOWRITE | PG_NOREAD : PG_NOREAD;
  const first = va >>> 12;
  const last = (va + len - 1) >>> 12;
  cpu.exec(COSTS["useracc.page"], last - first + 1);
  for (let vpn = first; vpn <= last; vpn++) {
    const pte = cpu.load32(pteVa(p.index, vpn));
    if ((pte & deny) !== 0) return false;
    if ((pte & PG_ALLOC) === 0 && !inSegment(b, vpn << 12)) return false;
  }
  return true;
}

/** bcopy of `bytes` between kernel addresses (call overhead, loop, the charged word accesses). */
export function kcopy(k: MonolithicKernel, dst: number, src: number, bytes: number): void {
  if (bytes <= 0) return;
  const cpu = k.cpu;
  cpu.exec(COSTS["copy.call"]);
  cpu.exec(COSTS["copy.loop"], Math.ceil(bytes / 16));
  cpu.copy(dst, src, bytes);
}

/**
 * The unwinding from a fault a copy could not survive to the copy's error exit (4.3BSD:
 * pcb_onfault). A kernel-private ContextAbort (the machine lets a ContextAbort cross an
 * exception frame without taking it for a host error); only copyUser catches it.
 */
export const ONFAULT = Object.freeze(new ContextAbort("copyin/copyout fault"));

/**
 * copyin/copyout: a kcopy with one side in the current process's user space, run with
 * pcb_onfault set (its two stores are in copy.call). The range was checked with useracc; if
 * a page still cannot be filled (no frame left), the fault handler ends the copy here and
 * this returns false: the caller fails with EFAULT. Returns true when all was copied.
 */
export function copyUser(k: MonolithicKernel, dst: number, src: number, bytes: number): boolean {
  const outer = k.onfault;
  k.onfault = true;
  try {
    kcopy(k, dst, src, bytes);
  } catch (e) {
    k.onfault = outer;
    if (e === ONFAULT) return false;
    throw e;
  }
  k.onfault = outer;
  return true;
}
