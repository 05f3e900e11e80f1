import { Reg } from "@exolab/machine";
import { ContextAbort, checkStackReserve } from "@exolab/machine/privileged";
import {
  CANTMASK,
  DEFAULT_IGNORED,
  HANDLER_TEXT_BASE,
  SC,
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
import { useracc } from "../vm/useracc.js";

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
 * sendsig(): builds a struct sigcontext on the user stack from the exception frame (charged
 * stores into user memory) and rewrites the frame so that the return to user mode enters
 * the signal trampoline with (sig, code, scp, handler) in a0..a3 and sp = scp.
 * Returns scp, or -1 when the stack is not writable (the process then gets SIGILL, as 4.3BSD).
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
  cpu.store32(scp + SC.ONSTACK, 0);
  cpu.store32(scp + SC.MASK, returnMask);
  cpu.store32(scp + SC.PC, cpu.load32(frame + EF.EPC));
  // The frame's whole register area (slots 0..31) into sc_regs; sc_regs[0] is the zero register.
  cpu.exec(COSTS["sendsig.reg"], 32);
  for (let r = 0; r < 32; r++) {
    const v = cpu.load32(frame + efReg(r));
    cpu.store32(scp + SC.REGS + r * 4, r === 0 ? 0 : v);
  }
  cpu.store32(scp + SC.OWNEDFP, 0);
  cpu.store32(scp + SC.MDHI, cpu.load32(frame + efReg(32)));
  cpu.store32(scp + SC.MDLO, cpu.load32(frame + efReg(33)));
  cpu.store32(scp + SC.CAUSE, cpu.load32(frame + EF.CAUSE));
  cpu.store32(scp + SC.BADVADDR, cpu.load32(frame + EF.BADVADDR));
  cpu.store32(scp + SC.BADPADDR, 0);
  cpu.store32(frame + efReg(Reg.a0), sig);
  cpu.store32(frame + efReg(Reg.a1), code);
  cpu.store32(frame + efReg(Reg.a2), scp);
  cpu.store32(frame + efReg(Reg.a3), handler);
  cpu.store32(frame + efReg(Reg.sp), scp);
  cpu.store32(frame + EF.EPC, SIGTRAMP_VA);
  return scp;
}

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
