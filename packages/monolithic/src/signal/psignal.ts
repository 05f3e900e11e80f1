import { CANTMASK, DEFAULT_IGNORED, SIG, sigmask } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { P, SSLEEP, U } from "../layout.js";
import { exitProc, waitStatusSignal } from "../proc/exit.js";
import type { Proc } from "../proc/proc.js";
import { setrun } from "../sched/sleep.js";

/**
 * psignal(p, sig): posts a signal. Ignored signals (and signals whose default action is to
 * ignore, left at SIG_DFL) are discarded at once; a sleeping process is woken unless the
 * signal is blocked (SIGKILL always wakes it). Delivery happens on the way back to user mode.
 */
export function psignal(k: MonolithicKernel, q: Proc, sig: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.psignal);
  const bit = sigmask(sig);
  const ignored = cpu.load32(q.procVa + P.SIGIGNORE);
  if ((ignored & bit) !== 0 && sig !== SIG.KILL) return;
  const mask = cpu.load32(q.procVa + P.SIGMASK);
  const caught = cpu.load32(q.procVa + P.SIGCATCH);
  const held = (mask & bit) !== 0 && (bit & CANTMASK) === 0;
  if (!held && (caught & bit) === 0 && (bit & DEFAULT_IGNORED) !== 0) return;
  cpu.store32(q.procVa + P.SIG, (cpu.load32(q.procVa + P.SIG) | bit) >>> 0);
  k.counts.signalsPosted++;
  const stat = cpu.load32(q.procVa + P.STAT);
  if (stat === SSLEEP && !held) {
    cpu.exec(COSTS["psignal.setrun"]);
    setrun(k, q);
  }
}

/**
 * A signal caused by the process's own instruction (fault, overflow). If the process catches
 * it and does not block it, it is posted (and delivered on the way out of the trap); else the
 * default action applies at once: re-executing the instruction would only fault again.
 * Returns false when the process was killed.
 */
export function trapsignal(k: MonolithicKernel, p: Proc, sig: number, code: number): boolean {
  const cpu = k.cpu;
  const bit = sigmask(sig);
  const caught = cpu.load32(p.procVa + P.SIGCATCH);
  const mask = cpu.load32(p.procVa + P.SIGMASK);
  cpu.store32(k.uva(p) + U.CODE, code);
  if ((caught & bit) !== 0 && (mask & bit) === 0) {
    psignal(k, p, sig);
    return true;
  }
  exitProc(k, p, waitStatusSignal(sig));
  return false;
}
