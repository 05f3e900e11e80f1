import { Reg } from "@exolab/machine";
import { ContextAbort, checkStackReserve } from "@exolab/machine/privileged";
import {
  CANTMASK,
  DEFAULT_IGNORED,
  HANDLER_TEXT_BASE,
  SC,
  SC_MAGIC,
  SIG,
  SIG_DFL,
  SIG_IGN,
  SIGCONTEXT_BYTES,
  SIGTRAMP_VA,
  SYS,
  sigmask,
} from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { EF, efReg, P, SRUN, U } from "../layout.js";
import { exitProc, waitStatusSignal } from "../proc/exit.js";
import type { Proc, SignalHandler } from "../proc/proc.js";
import { copyUser, kcopy, useracc } from "../vm/useracc.js";

/** P_FLAG bit: sigpause saved the mask in u_oldmask (4.3BSD SOMASK). */
export const SOMASK = 0x200;

/** A handler set up by sendsig, to be called once the kernel has returned to user mode. */
export interface Delivery {
  fn: SignalHandler;
  sig: number;
  code: number;
  scp: number;
}

export const KILLED = 1;

/**
 * psig(): takes the lowest pending unblocked signal and acts on it: ignore, the default
 * action (terminate), or set up the user handler with sendsig. Returns the delivery, null
 * when nothing is to be run, or KILLED.
 */
export function postsig(
  k: MonolithicKernel,
  p: Proc,
  frame: number,
  sigword: number,
  pending: number,
): Delivery | null | typeof KILLED {
  const cpu = k.cpu;
  let word = sigword;
  let pend = pending;
  while (pend !== 0) {
    cpu.exec(COSTS.psig);
    const sig = 31 - Math.clz32(pend & -pend) + 1;
    const bit = sigmask(sig);
    const u = k.uva(p);
    const sa = u + U.SIGACT + (sig - 1) * 12;
    const handler = cpu.load32(sa);
    const saMask = cpu.load32(sa + 4);
    word = (word & ~bit) >>> 0;
    pend = (pend & ~bit) >>> 0;
    cpu.store32(p.procVa + P.SIG, word);
    if (handler === SIG_IGN) continue;
    if (handler === SIG_DFL) {
      if ((bit & DEFAULT_IGNORED) !== 0 && sig !== SIG.KILL) continue;
      exitProc(k, p, waitStatusSignal(sig));
      return KILLED;
    }
    const fn = p.handlers[(handler - HANDLER_TEXT_BASE) / 16];
    if ((handler - HANDLER_TEXT_BASE) % 16 !== 0 || fn === undefined) {
      // The process jumps into something that is not code: it dies of it (SIGSEGV).
      exitProc(k, p, waitStatusSignal(SIG.SEGV));
      return KILLED;
    }
    const flag = cpu.load32(p.procVa + P.FLAG);
    let returnMask: number;
    if ((flag & SOMASK) !== 0) {
      returnMask = cpu.load32(u + U.OLDMASK);
      cpu.store32(p.procVa + P.FLAG, (flag & ~SOMASK) >>> 0);
    } else {
      returnMask = cpu.load32(p.procVa + P.SIGMASK);
    }
    cpu.store32(p.procVa + P.SIGMASK, ((returnMask | saMask | bit) & ~CANTMASK) >>> 0);
    const code = cpu.load32(u + U.CODE);
    const scp = sendsig(k, p, frame, sig, code, handler, returnMask);
    if (scp < 0) {
      exitProc(k, p, waitStatusSignal(SIG.ILL));
      return KILLED;
    }
    return { fn, sig, code, scp };
  }
  return null;
}

/**
 * sendsig() (4.4BSD pmax machdep.c 8.1): builds the whole struct sigcontext in a `ksc` on the
 * kernel stack — onstack, mask, pc, the magic word in sc_regs[0], the frame's registers 1..31
 * and HI/LO bcopied in (33 words), sc_ownedfp — then copies it out to the user stack in one
 * copyout (the whole struct), and rewrites the frame so that the return to user mode enters
 * the signal trampoline with (sig, code, scp, handler) in a0..a3 and sp = scp. Returns scp,
 * or -1 when the stack is not writable (the process then gets SIGILL, as 4.3BSD).
 */
export function sendsig(
  k: MonolithicKernel,
  p: Proc,
  frame: number,
  sig: number,
  code: number,
  handler: number,
  returnMask: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.sendsig);
  const sp = cpu.load32(frame + efReg(Reg.sp));
  const scp = ((sp - SIGCONTEXT_BYTES) & ~7) >>> 0;
  if (!useracc(k, p, scp, SIGCONTEXT_BYTES, true)) return -1;
  const ksc = kscAddress(frame);
  cpu.store32(ksc + SC.ONSTACK, 0);
  cpu.store32(ksc + SC.MASK, returnMask);
  cpu.store32(ksc + SC.PC, cpu.load32(frame + EF.EPC));
  cpu.store32(ksc + SC.REGS, SC_MAGIC);
  // bcopy(&regs[1], &ksc.sc_regs[1], ...): registers 1..31 and HI/LO, 33 words.
  kcopy(k, ksc + SC.REGS + 4, frame + efReg(1), 31 * 4);
  cpu.store32(ksc + SC.MDHI, cpu.load32(frame + efReg(32)));
  cpu.store32(ksc + SC.MDLO, cpu.load32(frame + efReg(33)));
  cpu.store32(ksc + SC.OWNEDFP, 0);
  cpu.store32(ksc + SC.CAUSE, cpu.load32(frame + EF.CAUSE));
  cpu.store32(ksc + SC.BADVADDR, cpu.load32(frame + EF.BADVADDR));
  cpu.store32(ksc + SC.BADPADDR, 0);
  // ksc is a local of sendsig's C frame: a fault taken during the copyout (a user stack page
  // filled on demand) pushes its exception frame below it.
  const sp0 = k.kernelSp;
  k.kernelSp = ksc;
  const copied = copyUser(k, scp, ksc, SIGCONTEXT_BYTES);
  k.kernelSp = sp0;
  if (!copied) return -1;
  cpu.store32(frame + efReg(Reg.a0), sig);
  cpu.store32(frame + efReg(Reg.a1), code);
  cpu.store32(frame + efReg(Reg.a2), scp);
  cpu.store32(frame + efReg(Reg.a3), handler);
  cpu.store32(frame + efReg(Reg.sp), scp);
  cpu.store32(frame + EF.EPC, SIGTRAMP_VA);
  return scp;
}

/**
 * Where sendsig and sigreturn keep their `struct sigcontext ksc`: a local of the C function,
 * on the kernel stack below the trap frame and the C frames of trap(), psig() and sendsig().
 */
export function kscAddress(frame: number): number {
  return frame - KSC_BELOW_FRAME_BYTES - SIGCONTEXT_BYTES;
}
const KSC_BELOW_FRAME_BYTES = 96;

/** The unwinding of a process whose handler threw, or which had no stack for one (frozen: shared). */
const HANDLER_THREW = Object.freeze(new ContextAbort("signal handler threw"));
const NO_STACK = Object.freeze(new ContextAbort("no stack left for a signal handler"));

/**
 * Runs a handler set up by sendsig, once the kernel has returned to user mode: the libc
 * trampoline calls it as the process (synchronously: it cannot block), then issues
 * sigreturn(scp), whose own return to user mode restores the interrupted context.
 *
 * The handler is the process's code run from inside a kernel path. Before it, the kernel
 * stack reserve is checked (a chain of handlers, each delivered on the way back from the
 * previous one's sigreturn, nests kernel paths). Whatever it throws is the process's death:
 * doomed (the value kept, never inspected), the kernel path is unwound with a ContextAbort.
 * A kernel's ContextAbort (the handler's own call killed it) goes on as it is. The access the
 * interrupted instruction made (k.lastAccess, its decode) is kept across the handler's own.
 */
export function runHandler(k: MonolithicKernel, p: Proc, d: Delivery): void {
  try {
    checkStackReserve();
  } catch {
    if (p.doomed === null) p.doomed = "stack";
    throw NO_STACK;
  }
  const cpu = k.cpu;
  k.counts.signalsDelivered++;
  const prevOwner = cpu.setOwner(p.owner);
  cpu.exec(COSTS["libc.sigtramp"]);
  const at = k.lastAccess;
  const size = at.size;
  const store = at.store;
  const value = at.value;
  const block = at.block;
  p.handlerDepth++;
  try {
    d.fn(d.sig, d.code, d.scp, p.handle);
  } catch (e) {
    if (ContextAbort.is(e)) throw e;
    if (p.doomed === null) {
      p.doomed = "threw";
      p.thrown = e;
    }
    throw HANDLER_THREW;
  }
  p.handlerDepth--;
  // A handler that caught the unwinding of its own death and returned goes no further.
  if (p.doomed !== null || p.stat !== SRUN) throw HANDLER_THREW;
  at.size = size;
  at.store = store;
  at.value = value;
  at.block = block;
  cpu.setReg(Reg.a0, d.scp);
  cpu.setReg(Reg.v0, SYS.sigreturn);
  cpu.syscall();
  cpu.setOwner(prevOwner);
}
