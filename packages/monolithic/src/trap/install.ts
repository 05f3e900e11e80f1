import { KSEG0, Resolution } from "@exolab/machine";
import { ContextAbort, type Cpu, ExcCode, SR_CU1, SR_KUP } from "@exolab/machine/privileged";
import { FPE_INTOVF_TRAP, SIG } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { EF, KSEG2_BASE, U } from "../layout.js";
import { exitProc, waitStatusSignal } from "../proc/exit.js";
import type { Proc } from "../proc/proc.js";
import { trapsignal } from "../signal/psignal.js";
import { syscallTrap } from "../syscall/dispatch.js";
import { FAULT_NOMEM, FAULT_OK, vmFault } from "../vm/fault.js";
import { kseg2Miss, makeRefillHandler } from "../vm/refill.js";
import { ONFAULT } from "../vm/useracc.js";
import { restoreFrame, trapEnter } from "./frame.js";
import { interruptTrap } from "./interrupt.js";
import { returnToUserOrAbort } from "./return.js";
import { fixade } from "./unaligned.js";

/** Installs the kernel's handler for every exception the machine raises, and the refill vector. */
export function installHandlers(k: MonolithicKernel): void {
  const m = k.machine;
  m.setRefillHandler(makeRefillHandler(k));
  m.setExceptionHandler(ExcCode.Sys, () => syscallTrap(k));
  m.setExceptionHandler(ExcCode.Int, () => interruptTrap(k));
  m.setExceptionHandler(ExcCode.TLBL, (cpu) => tlbTrap(k, cpu, ExcCode.TLBL, false));
  m.setExceptionHandler(ExcCode.TLBS, (cpu) => tlbTrap(k, cpu, ExcCode.TLBS, true));
  m.setExceptionHandler(ExcCode.Mod, (cpu) => tlbTrap(k, cpu, ExcCode.Mod, true));
  m.setExceptionHandler(ExcCode.AdEL, (cpu) => addressTrap(k, cpu, ExcCode.AdEL));
  m.setExceptionHandler(ExcCode.AdES, (cpu) => addressTrap(k, cpu, ExcCode.AdES));
  m.setExceptionHandler(ExcCode.Ov, () => signalTrap(k, ExcCode.Ov, SIG.FPE, FPE_INTOVF_TRAP));
  m.setExceptionHandler(ExcCode.Bp, () => signalTrap(k, ExcCode.Bp, SIG.TRAP, 0));
  m.setExceptionHandler(ExcCode.RI, () => signalTrap(k, ExcCode.RI, SIG.ILL, 0));
  m.setExceptionHandler(ExcCode.DBE, (cpu) => signalTrap(k, ExcCode.DBE, SIG.BUS, cpu.badVaddr));
  m.setExceptionHandler(ExcCode.CpU, () => coprocessorTrap(k));
}

function userProc(k: MonolithicKernel, cpu: Cpu, what: string): Proc {
  const p = k.cur;
  if (p === null || (cpu.status & SR_KUP) === 0) k.panic(`${what} in kernel mode`);
  return p;
}

/**
 * TLBL/TLBS/Mod. A kseg2 address is a miss on a page-table page (short path). A user
 * address is a real fault (the UTLB handler already ran, or the entry was invalid or
 * read-only): vmFault fills a demand-zero page or reports a violation, which becomes
 * SIGSEGV with the faulting address as its code. A fault from kernel mode (copyin/copyout
 * on a page not yet filled) only fills; the kernel validated the range before copying, so
 * it fails only for want of memory (kernelFaultFailed).
 */
function tlbTrap(k: MonolithicKernel, cpu: Cpu, code: number, store: boolean): Resolution {
  const va = cpu.badVaddr;
  if (va >= KSEG2_BASE) {
    if (code === ExcCode.Mod) k.panic(`store to a missing page-table page at ${va.toString(16)}`);
    return kseg2Miss(k, va);
  }
  const epc = cpu.epc;
  if (va >= KSEG0) k.panic(`TLB exception on unmapped segment address ${va.toString(16)}`);
  const fromUser = (cpu.status & SR_KUP) !== 0;
  const p = k.cur;
  if (p === null) k.panic("user-space fault with no current process");
  const block = k.lastAccess.block;
  k.counts.tlbFaults++;
  const frame = trapEnter(k, code, fromUser);
  cpu.exec(COSTS["trap.decode"]);
  const r = vmFault(k, p, va, store);
  if (r !== FAULT_OK) k.counts.protectionFaults++;
  if (!fromUser) {
    if (r !== FAULT_OK) kernelFaultFailed(k, p, frame, r);
    restoreFrame(k, frame);
    return Resolution.Retry;
  }
  if (r === FAULT_NOMEM) {
    exitProc(k, p, waitStatusSignal(SIG.KILL), "out-of-memory");
    throw new ContextAbort(`pid ${p.pid} killed: out of memory`);
  }
  k.sigreturnPc = -1;
  if (r !== FAULT_OK) deliverFault(k, p, SIG.SEGV, va, epc, va);
  returnToUserOrAbort(k, p, frame);
  return afterHandler(k, epc, 0, block);
}

/**
 * A fault the kernel took on a user address in kernel mode and could not resolve (no frame
 * for a demand-zero page: the range itself was validated). Inside copyin/copyout (pcb_onfault
 * set) the copy is abandoned and the call fails with EFAULT, as 4.3BSD's trap() does: the
 * exception returns to the copy's error exit (the ONFAULT unwinding, caught by the copy). Any
 * other kernel access (a sigcontext, a status word) kills the process as its own fault would.
 */
function kernelFaultFailed(k: MonolithicKernel, p: Proc, frame: number, r: number): never {
  if (k.onfault) {
    restoreFrame(k, frame);
    k.cpu.exec(COSTS["trap.onfault"]);
    throw ONFAULT;
  }
  const sig = r === FAULT_NOMEM ? SIG.KILL : SIG.SEGV;
  exitProc(k, p, waitStatusSignal(sig), r === FAULT_NOMEM ? "out-of-memory" : "signal");
  throw new ContextAbort(`pid ${p.pid} killed: kernel access to its memory failed`);
}

/**
 * A fault the process's own instruction caused, as signal `sig` with `code`: posted for its
 * handler if it catches it, else its default action at once (trapsignal). Before that, the
 * model's one addition to 4.3BSD (policy.maxFaultRepeats): the same instruction faulting on
 * the same address again and again, its handler returning each time without curing it, is
 * a storm the process is killed for (an access here cannot be preempted; see README).
 */
function deliverFault(
  k: MonolithicKernel,
  p: Proc,
  sig: number,
  code: number,
  epc: number,
  va: number,
): void {
  if (p.faultPc === epc && p.faultVa === va) p.faultRepeats++;
  else {
    p.faultPc = epc;
    p.faultVa = va;
    p.faultRepeats = 1;
  }
  if (p.faultRepeats >= k.policy.maxFaultRepeats) {
    exitProc(k, p, waitStatusSignal(sig), "fault-storm");
    throw new ContextAbort(`pid ${p.pid} killed: fault storm at ${va.toString(16)}`);
  }
  if (!trapsignal(k, p, sig, code)) throw new ContextAbort(`pid ${p.pid} killed by signal ${sig}`);
}

/**
 * AdEL/AdES: an unaligned user access is fixed up in the kernel (as Ultrix does); a user
 * access to a kernel segment is SIGBUS (after a handler the access is skipped, its load
 * value 0). An inaccessible unaligned access is SIGSEGV (retried after a handler). A block
 * copy is never skipped nor emulated: after its handler it re-executes.
 */
function addressTrap(k: MonolithicKernel, cpu: Cpu, code: number): Resolution {
  const p = userProc(k, cpu, "address error");
  const va = cpu.badVaddr;
  const epc = cpu.epc;
  const block = k.lastAccess.block;
  const frame = trapEnter(k, code, true);
  cpu.exec(COSTS["trap.decode"]);
  if (va >= KSEG0) {
    deliverFault(k, p, SIG.BUS, va, epc, va);
    returnToUserOrAbort(k, p, frame);
    if (block) return Resolution.Retry;
    cpu.emulatedValue = 0;
    return Resolution.Emulated;
  }
  if (!block && fixade(k, p, va, frame)) {
    k.counts.unalignedFixups++;
    const v = cpu.emulatedValue;
    returnToUserOrAbort(k, p, frame);
    cpu.emulatedValue = v;
    return Resolution.Emulated;
  }
  k.sigreturnPc = -1;
  deliverFault(k, p, SIG.SEGV, va, epc, va);
  returnToUserOrAbort(k, p, frame);
  return afterHandler(k, epc, 0, block);
}

/**
 * Ov, Bp, RI, DBE: the instruction's signal, delivered to its handler (see afterHandler).
 */
function signalTrap(k: MonolithicKernel, code: number, sig: number, sigcode: number): Resolution {
  const cpu = k.cpu;
  const p = userProc(k, cpu, "exception");
  const epc = cpu.epc;
  const va = cpu.badVaddr;
  const operand = k.lastAccess.value;
  const frame = trapEnter(k, code, true);
  cpu.exec(COSTS["trap.decode"]);
  k.sigreturnPc = -1;
  deliverFault(k, p, sig, sigcode, epc, code === ExcCode.DBE ? va : -2);
  returnToUserOrAbort(k, p, frame);
  return afterHandler(k, epc, code === ExcCode.Ov ? operand : 0, false);
}

/**
 * Where the process resumes after its handler: the faulting instruction again (Retry), as
 * Ultrix does, unless the handler moved sc_pc (the usual way out of SIGFPE): then the
 * instruction is skipped (Emulated; a skipped load yields 0, a skipped add leaves its first
 * operand as the result: the destination register is not written on overflow). A block copy
 * (bcopy, bzero: a loop of loads and stores in libc) cannot be skipped as one instruction:
 * it re-executes.
 */
function afterHandler(
  k: MonolithicKernel,
  epc: number,
  skippedValue: number,
  block: boolean,
): Resolution {
  if (block || k.sigreturnPc === -1 || k.sigreturnPc === epc) return Resolution.Retry;
  k.cpu.emulatedValue = skippedValue;
  return Resolution.Emulated;
}

/**
 * CpU: Ultrix never delivers coprocessor-unusable to the user; for cp1 it gives the process
 * the FPU (lazy FP context switch: save the previous owner's FP state, load this one's) and
 * sets CU1 in its saved status. The previous owner loses CU1 in its saved status.
 */
function coprocessorTrap(k: MonolithicKernel): Resolution {
  const cpu = k.cpu;
  const p = userProc(k, cpu, "coprocessor unusable");
  const frame = trapEnter(k, ExcCode.CpU, true);
  cpu.exec(COSTS["trap.decode"]);
  const prev = k.fpOwner;
  if (prev !== p) {
    k.counts.fpuHandovers++;
    cpu.exec(COSTS["cpfault.fp"]);
    if (prev !== null && prev.stat !== 0) {
      // swc1 x 32 and the csr into the old owner's PCB; it loses CU1 in its saved SR.
      const save = k.uva(prev) + U.FPREGS;
      for (let i = 0; i < 33; i++) cpu.store32(save + i * 4, 0);
      const pf = k.userFrameVa(prev) + EF.SR;
      cpu.store32(pf, (cpu.load32(pf) & ~SR_CU1) >>> 0);
    }
    // lwc1 x 32 and the csr from this process's PCB.
    const load = k.uva(p) + U.FPREGS;
    for (let i = 0; i < 33; i++) cpu.load32(load + i * 4);
    k.fpOwner = p;
  }
  cpu.store32(frame + EF.SR, (cpu.load32(frame + EF.SR) | SR_CU1) >>> 0);
  returnToUserOrAbort(k, p, frame);
  return Resolution.Retry;
}
