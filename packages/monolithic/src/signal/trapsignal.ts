import { sigmask } from "../abi.js";
import type { MonolithicKernel } from "../kernel.js";
import { P, U } from "../layout.js";
import { exitProc, waitStatusSignal } from "../proc/exit.js";
import type { Proc } from "../proc/proc.js";
import { psignal } from "./psignal.js";

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
