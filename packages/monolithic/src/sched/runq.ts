import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { FRAME_QUEUES, kseg0, P, Q_RUNHEAD, Q_RUNRUN, Q_RUNTAIL } from "../layout.js";
import type { Proc } from "../proc/proc.js";

/**
 * The run queue: one FIFO of proc entries linked through p_link in kernel memory (every
 * process runs at the same user priority here, so 4.3BSD's 32 queues reduce to one; among
 * equal priorities 4.3BSD is round robin as this is).
 */
export function setrq(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.setrq);
  const link = p.index + 1;
  const tail = cpu.load32(kseg0(FRAME_QUEUES, Q_RUNTAIL));
  if (tail === 0) cpu.store32(kseg0(FRAME_QUEUES, Q_RUNHEAD), link);
  else cpu.store32(k.procs[tail - 1]!.procVa + P.LINK, link);
  cpu.store32(kseg0(FRAME_QUEUES, Q_RUNTAIL), link);
  cpu.store32(p.procVa + P.LINK, 0);
}

/** swtch()'s choice: takes the head of the run queue (or null) and clears runrun. */
export function remrqHead(k: MonolithicKernel): Proc | null {
  const cpu = k.cpu;
  cpu.exec(COSTS["swtch.pick"]);
  const head = cpu.load32(kseg0(FRAME_QUEUES, Q_RUNHEAD));
  if (head === 0) return null;
  const p = k.procs[head - 1]!;
  const next = cpu.load32(p.procVa + P.LINK);
  cpu.store32(kseg0(FRAME_QUEUES, Q_RUNHEAD), next);
  if (next === 0) cpu.store32(kseg0(FRAME_QUEUES, Q_RUNTAIL), 0);
  cpu.store32(kseg0(FRAME_QUEUES, Q_RUNRUN), 0);
  return p;
}
