import { SIG } from "../abi.js";
import { mapWired } from "../boot.js";
import { COSTS } from "../costs.js";
import { closeAll } from "../ipc/file.js";
import { detachAll } from "../ipc/shm.js";
import type { MonolithicKernel } from "../kernel.js";
import { KSTACK_VA, P, PAGE, PG_ALLOC, PG_SHM, pteVa, SSLEEP, SZOMB } from "../layout.js";
import { unsleep, wakeup } from "../sched/sleep.js";
import { psignal } from "../signal/psignal.js";
import { freePt, ptePfn } from "../vm/pagetable.js";
import { tlbFlushAsid } from "../vm/tlbops.js";
import type { DeathCause, Proc } from "./proc.js";

export function roundPage(v: number): number {
  return Math.ceil(v / PAGE) * PAGE;
}

/** wait status words (4.3BSD): exit code in bits 8..15, or the terminating signal. */
export function waitStatusExit(code: number): number {
  return (code & 0xff) << 8;
}
export function waitStatusSignal(sig: number): number {
  return sig & 0x7f;
}

/** Frees the private pages of [start, end) (walking the PTEs); shm pages stay with their segment. */
export function freeRange(
  k: MonolithicKernel,
  p: Proc,
  start: number,
  end: number,
  clear: boolean,
): void {
  const cpu = k.cpu;
  for (let va = start; va < end; va += PAGE) {
    cpu.exec(COSTS["exit.page"]);
    const ptva = pteVa(p.index, va >>> 12);
    const pte = cpu.load32(ptva);
    if ((pte & PG_ALLOC) !== 0 && (pte & PG_SHM) === 0) {
      cpu.exec(COSTS["vm.memall"]);
      k.frames.free(ptePfn(pte));
      p.residentPages--;
    }
    if (clear && pte !== 0) cpu.store32(ptva, 0);
  }
}

/**
 * exit(): releases everything the process holds except its proc entry and u-area (the
 * zombie keeps them until its parent collects the status): descriptors (pipe ends), shm
 * attachments, private frames, page-table pages, its TLB entries (so the ASID can be reused).
 * Children are handed to no one (their zombies are freed at once); the parent is sent
 * SIGCHLD and woken. `cause` is what the death hook is told (by default: exit for an exit
 * status, signal for a signal's).
 */
export function exitProc(
  k: MonolithicKernel,
  p: Proc,
  status: number,
  cause: DeathCause = (status & 0x7f) === 0 ? "exit" : "signal",
): void {
  const cpu = k.cpu;
  k.counts.exits++;
  k.noteDeath(p, status, cause);
  cpu.exec(COSTS["sys.exit"]);
  closeAll(k, p);
  detachAll(k, p);
  freeRange(k, p, p.dataStart, roundPage(p.brk), false);
  freeRange(k, p, p.stackLow, p.stackTop, false);
  freePt(k, p);
  tlbFlushAsid(k, p.asid);
  if (k.fpOwner === p) k.fpOwner = null;
  cpu.store32(p.procVa + P.XSTAT, status);
  cpu.store32(p.procVa + P.STAT, SZOMB);
  cpu.store32(p.procVa + P.SIG, 0);
  p.stat = SZOMB;
  p.exitStatus = status;
  p.cont = null;
  p.syscallPending = false;
  for (const c of k.procs) {
    if (c === null || c.ppid !== p.pid) continue;
    c.ppid = 0;
    cpu.store32(c.procVa + P.PPID, 0);
    if (c.stat === SZOMB && c !== k.cur) reap(k, c);
  }
  const parent = p.ppid !== 0 ? k.procByPid(p.ppid) : null;
  if (parent !== null && parent.stat !== SZOMB) {
    psignal(k, parent, SIG.CHLD);
    wakeup(k, parent.waitChan);
  } else {
    p.ppid = 0;
  }
}

/**
 * Terminates a process as SIGKILL does, for `cause`, from the kernel's side (the dispatcher,
 * the end of its context): off its sleep queue if it slept in a call, then exit().
 */
export function terminate(k: MonolithicKernel, p: Proc, cause: DeathCause): void {
  if (p.stat === SSLEEP) unsleep(k, p);
  exitProc(k, p, waitStatusSignal(SIG.KILL), cause);
}

/**
 * Frees a zombie's proc entry, u-area and kernel stack (by its parent's wait, or at once when
 * it has none). If the wired entries still map them, they are pointed at proc0's first.
 */
export function reap(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  if (k.wired === p) {
    cpu.exec(COSTS["tlb.wired"]);
    mapWired(k, k.proc0UFrame, k.proc0KFrame);
    k.wired = null;
    k.kernelSp = KSTACK_VA + PAGE;
  }
  cpu.exec(COSTS["vm.memall"]);
  k.frames.free(p.uframe);
  cpu.exec(COSTS["vm.memall"]);
  k.frames.free(p.kframe);
  cpu.store32(p.procVa + P.STAT, 0);
  cpu.store32(p.procVa + P.PID, 0);
  p.stat = 0;
  k.procs[p.index] = null;
  if (k.cur === p) k.cur = null;
}
