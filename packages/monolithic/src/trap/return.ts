import { ContextAbort } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { FRAME_QUEUES, kseg0, P, Q_RUNRUN } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { KILLED, postsig, runHandler } from "../signal/deliver.js";
import { restoreFrame } from "./frame.js";

/**
 * The way back to user mode (4.3BSD userret + the exception exit): checks for a pending
 * unblocked signal and acts on it (terminate, or set up its handler), notes a reschedule
 * request (runrun), restores the frame and returns from the exception. A handler set up
 * here runs after the return, in user mode. Returns false when the process was killed (the
 * caller then unwinds its context).
 */
export function returnToUser(k: MonolithicKernel, p: Proc, frame: number): boolean {
  const cpu = k.cpu;
  cpu.exec(COSTS.userret);
  const sig = cpu.load32(p.procVa + P.SIG);
  const mask = cpu.load32(p.procVa + P.SIGMASK);
  const pending = (sig & ~mask) >>> 0;
  let d = null;
  if (pending !== 0) {
    const r = postsig(k, p, frame, sig, pending);
    if (r === KILLED) return false;
    d = r;
  }
  if (cpu.load32(kseg0(FRAME_QUEUES, Q_RUNRUN)) !== 0) k.machine.requestSwitch();
  restoreFrame(k, frame);
  if (d !== null) runHandler(k, p, d);
  return true;
}

/** returnToUser from inside an exception handler: a killed process's code is unwound. */
export function returnToUserOrAbort(k: MonolithicKernel, p: Proc, frame: number): void {
  if (!returnToUser(k, p, frame)) throw new ContextAbort(`pid ${p.pid} killed by a signal`);
}
