import {
  ContextAbort,
  ExcCode,
  type ExecutionContext,
  KERNEL_OWNER,
  SR_IM_MASK,
} from "@exolab/machine/privileged";
import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  EF_BYTES,
  FRAME_QUEUES,
  KSTACK_VA,
  kseg0,
  P,
  PAGE,
  PCB_REGS,
  ptBase,
  Q_CURPROC,
  Q_RUNRUN,
  SRUN,
  SZOMB,
  U,
  UADDR,
} from "../layout.js";
import { reap, terminate } from "../proc/exit.js";
import type { DeathCause, Proc } from "../proc/proc.js";
import { sigpendingCheck } from "../signal/pending.js";
import { sysReturn } from "../syscall/dispatch.js";
import { astHardwareEntry, trapC, trapEnter } from "../trap/frame.js";
import { returnToUser } from "../trap/return.js";
import { mapWired } from "../vm/wired.js";
import { remrqHead, setrq } from "./runq.js";
import { SLEEP } from "./sleep.js";

const PCB_SR = 44;
/** The run queue of a process at user priority PUSER (50): whichqs bit 50 >> 2 = 12. */
const USER_QUEUE = 12;

/**
 * swtch(): the scheduler, run by the dispatcher at every switch point. Every process that
 * is not running is "in the kernel" with its user context in its exception frame:
 * - a process that yielded at a safepoint (end of its slice) takes an AST here: the
 *   exception entry and full save, and goes to the tail of the run queue;
 * - a process that slept in a system call already saved its frame;
 * Then the head of the run queue is switched in (savectx of the old, resume of the new:
 * wired u-area entries, ASID, PTEBase, PCB), finishes its sleeping call if it had one, and
 * returns to user mode through userret (signals), restore and rfe. Returns its context,
 * or null to idle.
 */
export function swtch(k: MonolithicKernel): ExecutionContext | null {
  const cpu = k.cpu;
  cpu.setOwner(KERNEL_OWNER);
  k.pollHostThrow();
  k.deliverDeaths();
  let prev = k.cur;
  if (prev !== null && prev.stat !== 0 && prev.stat !== SZOMB && prev.doomed !== null) {
    // It was doomed while it ran (its own throw, the stack, a host error on its behalf):
    // terminated here, at the dispatcher, where nothing of its is half done.
    cpu.status = k.inKernelStatus();
    kill(k, prev, prev.doomed);
  } else if (prev !== null && prev.stat === SZOMB && !prev.ctx.finished) {
    // It caught the ContextAbort of its own death and went on to a yield: its code never
    // runs again.
    cpu.status = k.inKernelStatus();
    abortContext(prev.ctx, `pid ${prev.pid} is dead`);
  } else if (
    k.steppedByWorld &&
    prev !== null &&
    prev.stat === SRUN &&
    !prev.syscallPending &&
    prev.atSafepoint &&
    k.machine.memory.read32(FRAME_QUEUES * PAGE + Q_RUNRUN) === 0
  ) {
    // A World's quantum ended while it ran (bench glue/udp.ts makes its safepoints due):
    // no reschedule was asked in the simulated machine, so nothing happens there; it goes on.
    prev.atSafepoint = false;
    return prev.ctx;
  } else if (prev !== null && prev.stat === SRUN && !prev.syscallPending) {
    prev.atSafepoint = false;
    k.counts.asts++;
    astHardwareEntry(k);
    trapEnter(k, ExcCode.Int, true);
    trapC(k);
    setrq(k, prev);
  } else {
    cpu.status = k.inKernelStatus();
  }
  for (;;) {
    const next = remrqHead(k);
    if (next !== prev) {
      if (prev !== null && prev.stat !== SZOMB && prev.stat !== 0) savectx(k, prev);
      if (prev !== null && prev.stat === SZOMB && prev.ppid === 0) reap(k, prev);
      if (next === null) return idle(k);
      resume(k, next);
    } else if (next === null) {
      return idle(k);
    }
    k.cur = next;
    const ctx = finishInKernel(k, next);
    if (ctx !== null) return ctx;
    prev = next;
  }
}

/** Runs the kernel half of a switched-in process up to its return to user mode. */
function finishInKernel(k: MonolithicKernel, p: Proc): ExecutionContext | null {
  const cpu = k.cpu;
  const frame = KSTACK_VA + PAGE - EF_BYTES;
  k.kernelSp = frame;
  const kernelStatus = cpu.status;
  try {
    if (p.preempted) {
      // Switched out by want_resched on its way back to user mode: mi_switch returns into
      // trap(), which finishes the return.
      p.preempted = false;
      p.syscallPending = false;
      if (!returnToUser(k, p, frame, true, false, true)) {
        abortContext(p.ctx, "killed by a signal");
        return null;
      }
      p.ctx.status = cpu.status;
      return p.ctx;
    }
    if (p.syscallPending) {
      cpu.exec(COSTS["sleep.resume"]);
      cpu.exec(COSTS["spl.call"]);
      let r: number;
      if (sigpendingCheck(k, p)) r = -Errno.EINTR;
      else r = p.cont!();
      if (r === SLEEP) return null;
      p.cont = null;
      p.syscallPending = false;
      sysReturn(k, p, frame, r);
    }
    if (!returnToUser(k, p, frame)) {
      abortContext(p.ctx, "killed by a signal");
      return null;
    }
  } catch (e) {
    // The exception frames the throw unwound restored the mode of their entry (the process's
    // user mode): the kernel goes on in its own.
    cpu.status = kernelStatus;
    cpu.exceptionDepth = 0;
    cpu.setOwner(KERNEL_OWNER);
    // A kernel's ContextAbort (the process was killed; a signal handler's throw becomes one,
    // see signal/deliver.ts) or a host error on its behalf: either way it dies here. Nothing
    // of the value is inspected but its brand.
    const abort = ContextAbort.is(e);
    if (!abort && p.doomed === null) {
      k.hostErrors++;
      p.doomed = "host-error";
    }
    if (p.stat !== SZOMB && p.stat !== 0) kill(k, p, p.doomed ?? "threw");
    abortContext(p.ctx, abort ? e.reason : "host error");
    return null;
  }
  p.ctx.status = cpu.status;
  return p.ctx;
}

function abortContext(ctx: ExecutionContext, reason: string): void {
  ctx.state = "aborted";
  ctx.abortReason = reason;
}

/** Terminates the process (proc/exit.ts); its context is never resumed. */
function kill(k: MonolithicKernel, p: Proc, cause: DeathCause): void {
  terminate(k, p, cause);
  abortContext(p.ctx, `pid ${p.pid} killed (${cause})`);
}

/** savectx: the kernel context of the outgoing process into its PCB. */
function savectx(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["swtch.save"]);
  const pcb = (p === k.wired ? UADDR : p.uVa) + U.PCB;
  for (let i = 0; i < PCB_REGS.length; i++) cpu.storeReg(pcb + i * 4, PCB_REGS[i]!);
  cpu.store32(pcb + PCB_SR, cpu.status);
}

/**
 * resume(): maps the new process's u-area and kernel stack with the wired entries, sets its
 * ASID and its page-table base in Context, records curproc, reloads its PCB.
 */
function resume(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  k.counts.contextSwitches++;
  // mi_switch (kern_synch.c 8.1): run-time accounting between two microtime() calls (each
  // under splhigh/splx), the CPU limit, cnt.v_swtch; then cpu_switch (locore.s 8.1): the
  // run-queue scan (whichqs from bit 0 to the user priorities' queue), remrq, the ASID.
  cpu.exec(COSTS["swtch.mi"]);
  cpu.exec(COSTS["spl.call"], 4);
  cpu.exec(COSTS["swtch.cpu"]);
  cpu.exec(COSTS["swtch.ffs"], USER_QUEUE + 1);
  cpu.exec(COSTS["swtch.asid"]);
  cpu.exec(COSTS["swtch.resume"]);
  cpu.exec(COSTS["tlb.wired"]);
  const uf = cpu.load32(p.procVa + P.UFRAME);
  const kf = cpu.load32(p.procVa + P.KFRAME);
  mapWired(k, uf, kf);
  k.wired = p;
  cpu.setAsid(cpu.load32(p.procVa + P.ASID));
  cpu.context = ptBase(p.index);
  cpu.store32(kseg0(FRAME_QUEUES, Q_CURPROC), p.procVa);
  const pcb = UADDR + U.PCB;
  for (let i = 0; i < PCB_REGS.length; i++) cpu.loadReg(pcb + i * 4, PCB_REGS[i]!);
  cpu.load32(pcb + PCB_SR);
  cpu.setStatus(cpu.status);
}

/** Nothing to run: the idle loop (the run loop idles the CPU to the next event). */
function idle(k: MonolithicKernel): null {
  const cpu = k.cpu;
  cpu.exec(COSTS["swtch.idle"]);
  k.cur = null;
  cpu.status = SR_IM_MASK >>> 0;
  return null;
}
