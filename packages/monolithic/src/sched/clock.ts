import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { FRAME_QUEUES, kseg0, Q_RUNRUN, Q_SLICE_LEFT, Q_TICKS } from "../layout.js";

/**
 * hardclock(): counts the tick and, every `quantumTicks` ticks, does 4.3BSD's roundrobin():
 * sets runrun so that the running process is switched at its next return to user mode (here:
 * its next safepoint, where the kernel takes the AST).
 */
export function hardclock(k: MonolithicKernel): void {
  const cpu = k.cpu;
  k.counts.clockTicks++;
  cpu.exec(COSTS.hardclock);
  const t = kseg0(FRAME_QUEUES, Q_TICKS);
  cpu.store32(t, (cpu.load32(t) + 1) >>> 0);
  const s = kseg0(FRAME_QUEUES, Q_SLICE_LEFT);
  const left = cpu.load32(s);
  if (left <= 1) {
    cpu.store32(s, k.policy.quantumTicks);
    if (k.cur !== null) {
      cpu.store32(kseg0(FRAME_QUEUES, Q_RUNRUN), 1);
      k.machine.requestSwitch();
    }
  } else {
    cpu.store32(s, left - 1);
  }
}
