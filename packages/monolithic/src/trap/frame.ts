import { Category } from "@exolab/machine";
import { SR_IEP, SR_KUP } from "@exolab/machine/privileged";
import { COSTS, type CostLabel } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  EF,
  EF_BYTES,
  efReg,
  FRAME_JUMPTABLE,
  KSTACK_VA,
  kseg0,
  PAGE,
  SAVED_REGS,
} from "../layout.js";

/**
 * Ultrix's common exception entry: the general vector decodes Cause through a jump table in
 * kernel memory, switches to the kernel stack (from user mode) or pushes a frame below the
 * current one (from kernel mode), and saves the full user context: 29 general registers,
 * HI/LO, and SR/EPC/Cause/BadVAddr. Returns the frame's virtual address.
 * Invariant: k.kernelSp is the innermost frame while kernel code runs.
 */
export function trapEnter(k: MonolithicKernel, code: number, fromUser: boolean): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["exc.vector"]);
  cpu.load32(kseg0(FRAME_JUMPTABLE, code * 4));
  let frame: number;
  if (fromUser) {
    cpu.exec(COSTS["exc.kstack.user"]);
    frame = KSTACK_VA + PAGE - EF_BYTES;
  } else {
    cpu.exec(COSTS["exc.kstack.kernel"]);
    frame = k.kernelSp - EF_BYTES;
  }
  for (let i = 0; i < SAVED_REGS.length; i++) {
    const r = SAVED_REGS[i]!;
    cpu.storeReg(frame + r * 4, r);
  }
  cpu.exec(COSTS["exc.save.special"]);
  cpu.storeReg(frame + efReg(32), 32);
  cpu.storeReg(frame + efReg(33), 33);
  cpu.store32(frame + EF.SR, cpu.status);
  cpu.store32(frame + EF.EPC, cpu.epc);
  cpu.store32(frame + EF.CAUSE, cpu.cause);
  cpu.store32(frame + EF.BADVADDR, cpu.badVaddr);
  cpu.exec(COSTS["exc.callc"]);
  k.kernelSp = frame;
  return frame;
}

/**
 * The common exception exit: restores HI/LO, the general registers and SR from the frame,
 * loads EPC and returns with `j k0; rfe`. Pops the frame.
 */
export function restoreFrame(k: MonolithicKernel, frame: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["exc.restore.special"]);
  cpu.loadReg(frame + efReg(32), 32);
  cpu.loadReg(frame + efReg(33), 33);
  for (let i = 0; i < SAVED_REGS.length; i++) {
    const r = SAVED_REGS[i]!;
    cpu.loadReg(frame + r * 4, r);
  }
  cpu.setStatus(cpu.load32(frame + EF.SR));
  cpu.load32(frame + EF.EPC);
  k.kernelSp = frame + EF_BYTES;
  cpu.rfe();
}

/** Pushes the KU/IE stack as an exception does (for the AST entry the kernel takes at a safepoint). */
export function pushStatus(status: number): number {
  return ((status & ~0x3f) | ((status << 2) & 0x3c)) >>> 0;
}

/**
 * The hardware side of an exception the machine has no vector for (the AST of a process
 * preempted at its safepoint): the pipeline cost of an exception and the status push.
 */
export function astHardwareEntry(k: MonolithicKernel): void {
  const cpu = k.cpu;
  cpu.status = pushStatus(cpu.status);
  const label: CostLabel = "ast.entry";
  cpu.charge(cpu.profile.exceptionEntryCycles, Category.TrapEntry, label);
}

export const IN_KERNEL_BITS = SR_KUP | SR_IEP;
