import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  FRAME_QUEUES,
  kseg0,
  P,
  Q_KRUNHEAD,
  Q_KRUNTAIL,
  Q_RUNHEAD,
  Q_RUNRUN,
  Q_RUNTAIL,
} from "../layout.js";
import type { Proc } from "../proc/proc.js";

/**
 * The run queues: FIFOs of proc entries linked through p_link in kernel memory. Every process
 * runs at the same user priority here, so 4.3BSD's 32 queues reduce to two: the user queue,
 * and the queue of processes woken from a sleep (`kernelPri`), which still hold the kernel
 * priority their sleep gave them (PSOCK, PPIPE, PWAIT... all below PUSER: tsleep sets
 * p_priority, setrunqueue files the process by it) until they return to user mode. cpu_switch
 * scans whichqs from bit 0, so it takes a woken process before any process of the user queue;
 * its `ffs` scan is charged whole either way (sched/swtch.ts). Among equal priorities 4.3BSD
 * is round robin as this is.
 */
export function setrq(k: MonolithicKernel, p: Proc, kernelPri = false): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.setrq);
  const link = p.index + 1;
  const headOff = kernelPri ? Q_KRUNHEAD : Q_RUNHEAD;
  const tailOff = kernelPri ? Q_KRUNTAIL : Q_RUNTAIL;
  const tail = cpu.load32(kseg0(FRAME_QUEUES, tailOff));
  if (tail === 0) cpu.store32(kseg0(FRAME_QUEUES, headOff), link);
  else cpu.store32(k.procs[tail - 1]!.procVa + P.LINK, link);
  cpu.store32(kseg0(FRAME_QUEUES, tailOff), link);
  cpu.store32(p.procVa + P.LINK, 0);
  if (kernelPri) k.kernelQueued++;
}

/**
 * swtch()'s choice: takes the head of the first non-empty queue (or null) and clears runrun.
 * `k.kernelQueued` is the bit of whichqs the scan finds for the woken processes' queue.
 */
export function remrqHead(k: MonolithicKernel): Proc | null {
  const cpu = k.cpu;
  cpu.exec(COSTS["swtch.pick"]);
  const kernelPri = k.kernelQueued > 0;
  const headOff = kernelPri ? Q_KRUNHEAD : Q_RUNHEAD;
  const head = cpu.load32(kseg0(FRAME_QUEUES, headOff));
  if (head === 0) return null;
  if (kernelPri) k.kernelQueued--;
  const p = k.procs[head - 1]!;
  const next = cpu.load32(p.procVa + P.LINK);
  cpu.store32(kseg0(FRAME_QUEUES, headOff), next);
  if (next === 0) cpu.store32(kseg0(FRAME_QUEUES, kernelPri ? Q_KRUNTAIL : Q_RUNTAIL), 0);
  cpu.store32(kseg0(FRAME_QUEUES, Q_RUNRUN), 0);
  return p;
}
