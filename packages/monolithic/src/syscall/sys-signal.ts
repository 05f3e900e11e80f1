import {
  CANTMASK,
  DEFAULT_IGNORED,
  Errno,
  NSIG,
  SC,
  SIG,
  SIG_DFL,
  SIG_IGN,
  SIGACTION_BYTES,
  SIGCONTEXT_BYTES,
  sigmask,
} from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { EF, efReg, P, U } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { SLEEP, sleep } from "../sched/sleep.js";
import { SOMASK } from "../signal/deliver.js";
import { useracc } from "../vm/useracc.js";
import { JUSTRETURN, type SysArgs } from "./table.js";

/**
 * sigaction(sig, act, oact) (4.3BSD sigvec: {handler, mask, flags}). EINVAL for a bad
 * signal or an attempt to catch/ignore SIGKILL/SIGSTOP; EFAULT for an unreadable act or
 * unwritable oact (both checked before anything changes).
 */
export function sysSigaction(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.sigaction"]);
  const sig = a[0]!;
  const act = a[1]!;
  const oact = a[2]!;
  if (sig === 0 || sig >= NSIG) return -Errno.EINVAL;
  if (act !== 0 && (sig === SIG.KILL || sig === SIG.STOP)) return -Errno.EINVAL;
  if (act !== 0 && ((act & 3) !== 0 || !useracc(k, p, act, SIGACTION_BYTES, false)))
    return -Errno.EFAULT;
  if (oact !== 0 && ((oact & 3) !== 0 || !useracc(k, p, oact, SIGACTION_BYTES, true)))
    return -Errno.EFAULT;
  let h = 0;
  let m = 0;
  let fl = 0;
  if (act !== 0) {
    h = cpu.load32(act);
    m = cpu.load32(act + 4);
    fl = cpu.load32(act + 8);
  }
  const sa = k.uva(p) + U.SIGACT + (sig - 1) * 12;
  if (oact !== 0) {
    cpu.store32(oact, cpu.load32(sa));
    cpu.store32(oact + 4, cpu.load32(sa + 4));
    cpu.store32(oact + 8, cpu.load32(sa + 8));
  }
  if (act === 0) return 0;
  cpu.store32(sa, h);
  cpu.store32(sa + 4, (m & ~CANTMASK) >>> 0);
  cpu.store32(sa + 8, fl);
  const bit = sigmask(sig);
  const pv = p.procVa;
  let catchw = cpu.load32(pv + P.SIGCATCH);
  let ign = cpu.load32(pv + P.SIGIGNORE);
  if (h === SIG_IGN || (h === SIG_DFL && (bit & DEFAULT_IGNORED) !== 0)) {
    cpu.store32(pv + P.SIG, (cpu.load32(pv + P.SIG) & ~bit) >>> 0);
  }
  if (h === SIG_IGN) {
    ign |= bit;
    catchw &= ~bit;
  } else if (h === SIG_DFL) {
    ign &= ~bit;
    catchw &= ~bit;
  } else {
    ign &= ~bit;
    catchw |= bit;
  }
  cpu.store32(pv + P.SIGCATCH, catchw >>> 0);
  cpu.store32(pv + P.SIGIGNORE, ign >>> 0);
  return 0;
}

/**
 * sigreturn(scp): restores the context saved by sendsig (all general registers, HI/LO, pc)
 * and the signal mask. EFAULT if scp is unaligned or not readable. Never touches the status
 * register (a handler cannot give itself kernel mode).
 */
export function sysSigreturn(k: MonolithicKernel, p: Proc, a: SysArgs, frame: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.sigreturn"]);
  const scp = a[0]!;
  if ((scp & 3) !== 0 || !useracc(k, p, scp, SIGCONTEXT_BYTES, false)) return -Errno.EFAULT;
  cpu.store32(p.procVa + P.SIGMASK, (cpu.load32(scp + SC.MASK) & ~CANTMASK) >>> 0);
  const pc = cpu.load32(scp + SC.PC);
  cpu.store32(frame + EF.EPC, pc);
  k.sigreturnPc = pc;
  // sc_regs[1..31] back into the frame (the k0/k1 slots too: the exception exit never reloads them).
  cpu.exec(COSTS["sigreturn.reg"], 31);
  for (let r = 1; r < 32; r++) cpu.store32(frame + efReg(r), cpu.load32(scp + SC.REGS + r * 4));
  cpu.store32(frame + efReg(32), cpu.load32(scp + SC.MDHI));
  cpu.store32(frame + efReg(33), cpu.load32(scp + SC.MDLO));
  return JUSTRETURN;
}

export function sysSigblock(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.sigmask"]);
  const old = cpu.load32(p.procVa + P.SIGMASK);
  cpu.store32(p.procVa + P.SIGMASK, (old | (a[0]! & ~CANTMASK)) >>> 0);
  return old;
}

export function sysSigsetmask(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.sigmask"]);
  const old = cpu.load32(p.procVa + P.SIGMASK);
  cpu.store32(p.procVa + P.SIGMASK, (a[0]! & ~CANTMASK) >>> 0);
  return old;
}

/**
 * sigpause(mask): installs `mask` and sleeps until a signal is delivered; returns EINTR.
 * The old mask is restored when the handler returns (u_oldmask, SOMASK).
 */
export function sysSigpause(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.sigpause"]);
  const pv = p.procVa;
  cpu.store32(k.uva(p) + U.OLDMASK, cpu.load32(pv + P.SIGMASK));
  cpu.store32(pv + P.FLAG, cpu.load32(pv + P.FLAG) | SOMASK);
  const mask = (a[0]! & ~CANTMASK) >>> 0;
  cpu.store32(pv + P.SIGMASK, mask);
  const step = (): number => {
    if ((cpu.load32(pv + P.SIG) & ~cpu.load32(pv + P.SIGMASK)) !== 0) return -Errno.EINTR;
    return sleep(k, p, p.pauseChan);
  };
  const r = step();
  if (r === SLEEP) p.cont = step;
  return r;
}
