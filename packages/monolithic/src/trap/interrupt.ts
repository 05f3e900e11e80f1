import { IRQ, Resolution } from "@exolab/machine";
import { ExcCode, SR_KUP } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import { leintr } from "../dev/le.js";
import { rzintr, rzstart } from "../dev/rz.js";
import { biodone } from "../fs/bio.js";
import type { MonolithicKernel } from "../kernel.js";
import { EF } from "../layout.js";
import { netisr } from "../net/if_ether.js";
import { hardclock } from "../sched/clock.js";
import { restoreFrame, trapEnter } from "./frame.js";
import { returnToUserOrAbort } from "./return.js";

/**
 * The interrupt path (handlers[ExcCode.Int]): full save, interrupt() finds the line, the
 * clock's handler acknowledges the timer and runs hardclock; an interrupt of user mode goes
 * back through userret (signals, reschedule request), one of the kernel (the idle loop) just
 * restores.
 */
export function interruptTrap(k: MonolithicKernel): Resolution {
  const cpu = k.cpu;
  // A process whose system call sleeps is in the kernel even though the machine is back in
  // user mode until its stub yields: its frame stays, this one nests below it.
  const fromUser = (cpu.status & SR_KUP) !== 0 && k.cur !== null && !k.cur.syscallPending;
  k.counts.interrupts++;
  const frame = trapEnter(k, ExcCode.Int, fromUser);
  cpu.exec(COSTS["intr.dispatch"]);
  const cause = cpu.load32(frame + EF.CAUSE);
  if ((cause & (1 << (8 + IRQ.Timer))) !== 0) {
    k.machine.timer.acknowledge();
    hardclock(k);
  }
  // The LANCE (dev/le.ts), then the soft-net interrupt as the hardware one returns (ipintr).
  if ((cause & (1 << (8 + IRQ.Network))) !== 0) leintr(k);
  if (k.net !== null) netisr(k, k.net);
  if ((cause & (1 << (8 + IRQ.Disk))) !== 0) {
    cpu.exec(COSTS["intr.disk"]);
    const bp = rzintr(k);
    if (bp >= 0) biodone(k, bp);
    rzstart(k);
  }
  if (fromUser) returnToUserOrAbort(k, k.cur!, frame, false);
  else restoreFrame(k, frame);
  return Resolution.Retry;
}
