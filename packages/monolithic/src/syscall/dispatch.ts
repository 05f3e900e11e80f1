import { Reg, Resolution } from "@exolab/machine";
import { ExcCode } from "@exolab/machine/privileged";
import { Errno, SYSCALL_SLOTS } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { EF, efReg, FRAME_JUMPTABLE, kseg0, U } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { SLEEP } from "../sched/sleep.js";
import { trapC, trapEnter } from "../trap/frame.js";
import { returnToUserOrAbort } from "../trap/return.js";
import { EJUSTRETURN, JUSTRETURN } from "./justreturn.js";
import { SYSENT, SYSENT_BYTES, SYSENT_OFFSET } from "./table.js";

const args: number[] = [0, 0, 0, 0];

/**
 * The one system-call path (handlers[ExcCode.Sys]): full save on the kernel stack, decode
 * v0 through sysent, copy the arguments from the frame into u_arg, call, store the result
 * (MIPS convention: v0 = value or errno, a3 = 0 or 1), then the way back to user mode
 * (signals, reschedule, restore, rfe). A call that sleeps leaves its frame on the kernel
 * stack; the scheduler finishes it (sched/swtch.ts).
 */
export function syscallTrap(k: MonolithicKernel): Resolution {
  const cpu = k.cpu;
  const p = k.cur;
  if (p === null || (cpu.status & 0x8) === 0)
    k.panic("syscall from kernel mode or with no process");
  k.counts.syscalls++;
  const canYield = p.canYield;
  p.canYield = false;
  const frame = trapEnter(k, ExcCode.Sys, true);
  trapC(k);
  cpu.exec(COSTS["syscall.decode"]);
  const code = cpu.load32(frame + efReg(Reg.v0));
  const slot = code < SYSCALL_SLOTS ? code : 0;
  const ent = code < SYSCALL_SLOTS ? SYSENT[code] : undefined;
  cpu.load32(kseg0(FRAME_JUMPTABLE, SYSENT_OFFSET + slot * SYSENT_BYTES));
  const u = k.uva(p);
  let r: number;
  if (ent === undefined) {
    cpu.exec(COSTS["syscall.nosys"]);
    r = -Errno.ENOSYS;
  } else {
    // trap.c copies a0..a3 whatever the call's narg (sendto and recvfrom copy their fifth and
    // sixth from the user stack themselves: syscall/sys-net.ts).
    cpu.exec(COSTS["syscall.args"]);
    for (let i = 0; i < 4; i++) {
      const v = cpu.load32(frame + efReg(Reg.a0 + i));
      cpu.store32(u + U.ARG + i * 4, v);
      args[i] = v;
    }
    cpu.exec(COSTS["syscall.qsave"]);
    cpu.exec(COSTS["syscall.call"]);
    cpu.store32(u + U.ERROR, 0);
    cpu.store32(u + U.RVAL1, 0);
    cpu.store32(u + U.RVAL2, cpu.load32(frame + efReg(Reg.v1)));
    cpu.load32(kseg0(FRAME_JUMPTABLE, SYSENT_OFFSET + slot * SYSENT_BYTES + 4));
    r = ent.fn(k, p, args, frame);
  }
  if (r === SLEEP) return sleepInSyscall(k, p);
  sysReturn(k, p, frame, r);
  returnToUserOrAbort(k, p, frame, true, canYield);
  return Resolution.Retry;
}

/**
 * The end of a system call body and syscall()'s epilogue, as 4.3BSD: the body leaves its
 * value in u.u_r.r_val1 (a second one in r_val2, e.g. getpid's ppid) or its errno in
 * u.u_error (sigreturn: EJUSTRETURN); syscall() then tests u_error and copies r_val1/r_val2
 * into v0/v1 with a3 = 0, or the errno into v0 with a3 = 1, and moves EPC past the syscall.
 * `r` is the body's JS result (>= 0, -errno or JUSTRETURN); every word goes through the u-area.
 */
export function sysReturn(k: MonolithicKernel, p: Proc, frame: number, r: number): void {
  const cpu = k.cpu;
  const u = k.uva(p);
  if (r >= 0) cpu.store32(u + U.RVAL1, r);
  else cpu.store32(u + U.ERROR, r === JUSTRETURN ? EJUSTRETURN : -r);
  const error = cpu.load32(u + U.ERROR);
  if (error === EJUSTRETURN) return;
  if (error !== 0) {
    cpu.exec(COSTS["syscall.error"]);
    cpu.store32(frame + efReg(Reg.v0), error);
    cpu.store32(frame + efReg(Reg.a3), 1);
  } else {
    cpu.exec(COSTS["syscall.result"]);
    cpu.store32(frame + efReg(Reg.v0), cpu.load32(u + U.RVAL1));
    cpu.store32(frame + efReg(Reg.v1), cpu.load32(u + U.RVAL2));
    cpu.store32(frame + efReg(Reg.a3), 0);
  }
  cpu.store32(frame + EF.EPC, cpu.load32(frame + EF.EPC) + 4);
}

/**
 * The process sleeps inside its system call. In Ultrix, sleep() calls swtch() right here;
 * on this machine a handler must end in rfe and a switch happens only when the context
 * yields, so the handler returns (rfe, one cycle Ultrix does not spend here) and the stub
 * yields at once; the scheduler does the switch (costs: COSTS.md). The process is logically
 * in the kernel until then: an interrupt in between nests below its frame (trap/interrupt.ts).
 */
function sleepInSyscall(k: MonolithicKernel, p: Proc): Resolution {
  const cpu = k.cpu;
  p.syscallPending = true;
  k.machine.requestSwitch();
  cpu.rfe();
  return Resolution.Retry;
}
