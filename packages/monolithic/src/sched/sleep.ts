import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { FRAME_QUEUES, kseg0, P, Q_RUNRUN, Q_SLPQUE, SQSIZE, SRUN, SSLEEP } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { setrq } from "./runq.js";

/** The sentinel a system call returns when it went to sleep (its continuation will finish it). */
export const SLEEP = -0x10000;

function bucketVa(chan: number): number {
  return kseg0(FRAME_QUEUES, Q_SLPQUE + ((chan >>> 5) & (SQSIZE - 1)) * 4);
}

/**
 * sleep(chan): the process records its wait channel, goes on the hashed sleep queue, and
 * becomes SSLEEP. The switch itself happens when the system call returns SLEEP (see
 * syscall/dispatch.ts and sched/swtch.ts). Every sleep here is interruptible (PCATCH).
 */
export function sleep(k: MonolithicKernel, p: Proc, chan: number): number {
  const cpu = k.cpu;
  k.counts.sleeps++;
  cpu.exec(COSTS.sleep);
  cpu.exec(COSTS["spl.call"]);
  cpu.store32(p.procVa + P.WCHAN, chan);
  const b = bucketVa(chan);
  cpu.store32(p.procVa + P.LINK, cpu.load32(b));
  cpu.store32(b, p.index + 1);
  cpu.store32(p.procVa + P.STAT, SSLEEP);
  p.stat = SSLEEP;
  return SLEEP;
}

/** wakeup(chan): every process sleeping on `chan` becomes runnable (walks the hash bucket). */
export function wakeup(k: MonolithicKernel, chan: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.wakeup);
  cpu.exec(COSTS["spl.call"], 2);
  const b = bucketVa(chan);
  let prevLink = b;
  let cur = cpu.load32(b);
  while (cur !== 0) {
    cpu.exec(COSTS["wakeup.scan"]);
    const q = k.procs[cur - 1]!;
    const w = cpu.load32(q.procVa + P.WCHAN);
    const next = cpu.load32(q.procVa + P.LINK);
    if (w === chan) {
      cpu.exec(COSTS["wakeup.match"]);
      k.counts.wakeups++;
      cpu.store32(prevLink, next);
      cpu.store32(q.procVa + P.WCHAN, 0);
      cpu.store32(q.procVa + P.STAT, SRUN);
      q.stat = SRUN;
      setrq(k, q, true);
      // need_resched(): want_resched = 1 (and astpending): the running process is switched
      // out on its way back to user mode (kern_synch.c 8.1: always, as curpriority is a user
      // priority and a sleeper's is a kernel one).
      cpu.store32(kseg0(FRAME_QUEUES, Q_RUNRUN), 1);
    } else {
      prevLink = q.procVa + P.LINK;
    }
    cur = next;
  }
}

/** unsleep + setrun: takes one sleeping process off its queue and makes it runnable. */
export function setrun(k: MonolithicKernel, q: Proc): void {
  unsleep(k, q);
  const cpu = k.cpu;
  cpu.store32(q.procVa + P.STAT, SRUN);
  q.stat = SRUN;
  setrq(k, q, true);
}

/** unsleep(): takes a sleeping process off its sleep queue and clears its wait channel. */
export function unsleep(k: MonolithicKernel, q: Proc): void {
  const cpu = k.cpu;
  const chan = cpu.load32(q.procVa + P.WCHAN);
  const b = bucketVa(chan);
  let prevLink = b;
  let cur = cpu.load32(b);
  while (cur !== 0) {
    cpu.exec(COSTS["wakeup.scan"]);
    const r = k.procs[cur - 1]!;
    const next = cpu.load32(r.procVa + P.LINK);
    if (r === q) {
      cpu.store32(prevLink, next);
      break;
    }
    prevLink = r.procVa + P.LINK;
    cur = next;
  }
  cpu.store32(q.procVa + P.WCHAN, 0);
}
