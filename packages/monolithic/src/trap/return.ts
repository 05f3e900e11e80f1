import { ContextAbort } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { FRAME_QUEUES, kseg0, P, Q_RUNRUN } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { setrq } from "../sched/runq.js";
import { KILLED, postsig, runHandler } from "../signal/deliver.js";
import { restoreFrame, trapExit } from "./frame.js";

/**
 * The way back to user mode (4.3BSD userret + the exception exit): checks for a pending
 * unblocked signal and acts on it (terminate, or set up its handler), notes a reschedule
 * request (runrun), restores the frame and returns from the exception. A handler set up
 * here runs after the return, in user mode. Returns false when the process was killed (the
 * caller then unwinds its context).
 */
export function returnToUser(
  k: MonolithicKernel,
  p: Proc,
  frame: number,
  viaTrap = true,
  preemptible = false,
  resumed = false,
): boolean {
  const cpu = k.cpu;
  cpu.exec(resumed ? COSTS["userret.resched"] : COSTS.userret);
  const sig = cpu.load32(p.procVa + P.SIG);
  const mask = cpu.load32(p.procVa + P.SIGMASK);
  const pending = (sig & ~mask) >>> 0;
  let d = null;
  if (pending !== 0) {
    const r = postsig(k, p, frame, sig, pending);
    if (r === KILLED) return false;
    d = r;
  }
  if (cpu.load32(kseg0(FRAME_QUEUES, Q_RUNRUN)) !== 0) {
    if (preemptible && d === null && p.handlerDepth === 0) {
      preempt(k, p);
      return true;
    }
    k.machine.requestSwitch();
  }
  if (viaTrap) trapExit(k);
  restoreFrame(k, frame);
  if (d !== null) runHandler(k, p, d);
  return true;
}

/**
 * trap()'s want_resched on the way back to user mode (trap.c 7.20): splstatclock, the process
 * back on the run queue (setrunqueue), ru_nivcsw++, mi_switch. Here the switch is made at the
 * yield the blocking stub makes right after the exception (its `rfe`, one cycle, as a
 * sleeping call's); switched back in, the return finishes (sched/swtch.ts finishInKernel).
 */
function preempt(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  k.counts.preemptions++;
  cpu.exec(COSTS["trap.resched"]);
  cpu.exec(COSTS["spl.call"]);
  setrq(k, p);
  p.preempted = true;
  p.syscallPending = true;
  k.machine.requestSwitch();
  cpu.rfe();
}

/** returnToUser from inside an exception handler: a killed process's code is unwound. */
export function returnToUserOrAbort(
  k: MonolithicKernel,
  p: Proc,
  frame: number,
  viaTrap = true,
  preemptible = false,
): void {
  if (!returnToUser(k, p, frame, viaTrap, preemptible))
    throw new ContextAbort(`pid ${p.pid} killed by a signal`);
}
