import type { MonolithicKernel } from "../kernel.js";
import { P } from "../layout.js";
import type { Proc } from "../proc/proc.js";

/** ISSIG as sleep() checks it on wakeup (PCATCH): an unblocked signal is pending. */
export function sigpendingCheck(k: MonolithicKernel, p: Proc): boolean {
  const cpu = k.cpu;
  return (cpu.load32(p.procVa + P.SIG) & ~cpu.load32(p.procVa + P.SIGMASK)) !== 0;
}
