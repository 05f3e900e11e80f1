import { ContextAbort } from "@exolab/machine/privileged";
import { Errno, NSIG } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { FRAME_QUEUES, kseg0, P, Q_CURPROC, SZOMB, U } from "../layout.js";
import { exitProc, waitStatusExit } from "../proc/exit.js";
import { sysFork } from "../proc/fork.js";
import type { Proc } from "../proc/proc.js";
import { sysWait } from "../proc/wait.js";
import { psignal } from "../signal/psignal.js";
import type { SysArgs } from "./table.js";

/**
 * getpid(): v0 = pid, v1 = ppid (as 4.3BSD/MIPS returns both): r_val1 = p_pid (stored by
 * the dispatcher from the returned value), r_val2 = p_ppid.
 */
export function sysGetpid(k: MonolithicKernel, p: Proc): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.getpid"]);
  const pv = cpu.load32(kseg0(FRAME_QUEUES, Q_CURPROC));
  const pid = cpu.load32(pv + P.PID);
  cpu.store32(k.uva(p) + U.RVAL2, cpu.load32(pv + P.PPID));
  return pid;
}

/** exit(status): never returns; the process's code is unwound. */
export function sysExit(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  exitProc(k, p, waitStatusExit(a[0]!));
  throw new ContextAbort(`pid ${p.pid} exited`);
}

export function sysForkCall(k: MonolithicKernel, p: Proc): number {
  return sysFork(k, p);
}

export function sysWaitCall(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  return sysWait(k, p, a[0]!);
}

/**
 * kill(pid, sig): EINVAL for a signal number out of range or pid <= 0 (process groups are
 * not modelled), ESRCH when no such live process; sig 0 only checks existence.
 */
export function sysKill(k: MonolithicKernel, _p: Proc, a: SysArgs): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.kill"]);
  const pid = a[0]! | 0;
  const sig = a[1]!;
  if (sig >= NSIG) return -Errno.EINVAL;
  if (pid <= 0) return -Errno.EINVAL;
  let target: Proc | null = null;
  let scanned = 0;
  for (const q of k.procs) {
    if (q === null) continue;
    scanned++;
    if (cpu.load32(q.procVa + P.PID) === pid) {
      target = q;
      break;
    }
  }
  cpu.exec(COSTS["pfind.entry"], scanned);
  if (target === null || cpu.load32(target.procVa + P.STAT) === SZOMB) return -Errno.ESRCH;
  if (sig === 0) return 0;
  psignal(k, target, sig);
  return 0;
}
