import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { kseg0, PAGE, PG_PFN, ptBase, U } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { tlbUnmap } from "./tlbops.js";

/** 4 MiB of user space per page-table page (1024 PTEs of 4 bytes). */
export const ROOT_SHIFT = 22;

/** Page-table pages a range needs that the process does not have yet. */
export function ptPagesNeeded(p: Proc, startVa: number, endVa: number): number {
  if (endVa <= startVa) return 0;
  let n = 0;
  for (let r = startVa >>> ROOT_SHIFT; r <= (endVa - 1) >>> ROOT_SHIFT; r++) {
    if (!p.ptFrames.has(r)) n++;
  }
  return n;
}

/** Zeroes a frame through kseg0 (bzero: one store per word plus the loop). */
export function zeroFrame(k: MonolithicKernel, frame: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["copy.call"]);
  cpu.exec(COSTS["copy.loop"], PAGE / 16);
  cpu.zero(kseg0(frame), PAGE);
}

/**
 * Gives a process the page-table pages that cover [startVa, endVa): allocates and zeroes
 * each missing one, enters it in the root table in the u-area, and drops any kseg2 TLB
 * entry that still maps the window page to the null page-table page.
 * Caller checked that enough frames are free.
 */
export function ensurePt(k: MonolithicKernel, p: Proc, startVa: number, endVa: number): void {
  if (endVa <= startVa) return;
  const cpu = k.cpu;
  for (let r = startVa >>> ROOT_SHIFT; r <= (endVa - 1) >>> ROOT_SHIFT; r++) {
    if (p.ptFrames.has(r)) continue;
    cpu.exec(COSTS["vm.memall"]);
    const f = k.frames.alloc();
    if (f < 0) k.panic("ensurePt: no frame (caller must check)");
    zeroFrame(k, f);
    cpu.exec(COSTS["pt.alloc"]);
    cpu.store32(k.uva(p) + U.ROOT + r * 4, ((f << 12) | 1) >>> 0);
    tlbUnmap(k, (ptBase(p.index) >>> 12) + r, 0);
    p.ptFrames.set(r, f);
  }
}

/** Releases every page-table page of a process (exit). */
export function freePt(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  for (const [r, f] of p.ptFrames) {
    cpu.exec(COSTS["pt.alloc"]);
    cpu.store32(k.uva(p) + U.ROOT + r * 4, 0);
    tlbUnmap(k, (ptBase(p.index) >>> 12) + r, 0);
    cpu.exec(COSTS["vm.memall"]);
    k.frames.free(f);
  }
  p.ptFrames.clear();
}

export function ptePfn(pte: number): number {
  return (pte & PG_PFN) >>> 12;
}
