import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { P, SZOMB } from "../layout.js";
import { SLEEP, sleep } from "../sched/sleep.js";
import { useracc } from "../vm/useracc.js";
import { reap } from "./exit.js";
import type { Proc } from "./proc.js";

/**
 * wait(&status): collects a zombie child (its pid; its status word stored at statusVa when
 * that is not 0), ECHILD when the process has no children, else sleeps until one exits.
 */
export function sysWait(k: MonolithicKernel, p: Proc, statusVa: number): number {
  k.cpu.exec(COSTS["sys.wait"]);
  if (statusVa !== 0 && ((statusVa & 3) !== 0 || !useracc(k, p, statusVa, 4, true)))
    return -Errno.EFAULT;
  const step = (): number => waitStep(k, p, statusVa);
  const r = step();
  if (r === SLEEP) p.cont = step;
  return r;
}

function waitStep(k: MonolithicKernel, p: Proc, statusVa: number): number {
  const cpu = k.cpu;
  let children = 0;
  for (const c of k.procs) {
    if (c === null) continue;
    cpu.exec(COSTS["wait.scan"]);
    if (cpu.load32(c.procVa + P.PPID) !== p.pid) continue;
    children++;
    if (cpu.load32(c.procVa + P.STAT) !== SZOMB) continue;
    const status = cpu.load32(c.procVa + P.XSTAT);
    if (statusVa !== 0) cpu.store32(statusVa, status);
    const pid = c.pid;
    reap(k, c);
    return pid;
  }
  if (children === 0) return -Errno.ECHILD;
  return sleep(k, p, p.waitChan);
}
