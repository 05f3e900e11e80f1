import { SYS, SYSCALL_SLOTS } from "../abi.js";
import { sysFsync, sysLseek, sysMkdir, sysOpen, sysUnlink } from "../fs/sys-fs.js";
import type { MonolithicKernel } from "../kernel.js";
import type { Proc } from "../proc/proc.js";
import { sysClose, sysPipeCall, sysRead, sysWrite } from "./sys-io.js";
import { sysBind, sysConnect, sysRecvfrom, sysSendto, sysSocket } from "./sys-net.js";
import { sysExit, sysForkCall, sysGetpid, sysKill, sysWaitCall } from "./sys-proc.js";
import { shmat, shmctl, shmdt, shmget } from "./sys-shm.js";
import {
  sysSigaction,
  sysSigblock,
  sysSigpause,
  sysSigreturn,
  sysSigsetmask,
} from "./sys-signal.js";
import { sysMprotect, sysSbrk } from "./sys-vm.js";

/** Arguments as copied into u_arg (unsigned 32-bit words). */
export type SysArgs = readonly number[];

/**
 * A system call body: returns a value >= 0, -errno, SLEEP (it went to sleep; its
 * continuation finishes it) or JUSTRETURN (it set the frame itself: sigreturn).
 */
export type SysFn = (k: MonolithicKernel, p: Proc, args: SysArgs, frame: number) => number;

export interface SysEnt {
  readonly name: string;
  readonly narg: number;
  readonly fn: SysFn;
}

/** sysent[] lives after the exception jump table (16 words) in FRAME_JUMPTABLE: {narg, sy_call}. */
export const SYSENT_OFFSET = 64;
export const SYSENT_BYTES = 8;

/** sysent[]: indexed by call number; missing entries are nosys (ENOSYS). */
export const SYSENT: readonly (SysEnt | undefined)[] = (() => {
  const t: (SysEnt | undefined)[] = new Array(SYSCALL_SLOTS).fill(undefined);
  const add = (n: number, name: string, narg: number, fn: SysFn) => {
    t[n] = Object.freeze({ name, narg, fn });
  };
  add(SYS.exit, "exit", 1, sysExit);
  add(SYS.fork, "fork", 0, sysForkCall);
  add(SYS.read, "read", 3, sysRead);
  add(SYS.write, "write", 3, sysWrite);
  add(SYS.close, "close", 1, sysClose);
  add(SYS.wait, "wait", 1, sysWaitCall);
  add(SYS.getpid, "getpid", 0, sysGetpid);
  add(SYS.kill, "kill", 2, sysKill);
  add(SYS.pipe, "pipe", 1, sysPipeCall);
  add(SYS.sbrk, "sbrk", 1, sysSbrk);
  add(SYS.mprotect, "mprotect", 3, sysMprotect);
  add(SYS.sigreturn, "sigreturn", 1, sysSigreturn);
  add(SYS.sigaction, "sigaction", 3, sysSigaction);
  add(SYS.sigblock, "sigblock", 1, sysSigblock);
  add(SYS.sigsetmask, "sigsetmask", 1, sysSigsetmask);
  add(SYS.sigpause, "sigpause", 1, sysSigpause);
  add(SYS.shmget, "shmget", 3, shmget);
  add(SYS.shmat, "shmat", 3, shmat);
  add(SYS.shmdt, "shmdt", 1, shmdt);
  add(SYS.shmctl, "shmctl", 2, shmctl);
  // The network (src/net/): sendto and recvfrom take 6 arguments (two from the user stack).
  add(SYS.socket, "socket", 3, sysSocket);
  add(SYS.bind, "bind", 3, sysBind);
  add(SYS.connect, "connect", 3, sysConnect);
  add(SYS.sendto, "sendto", 6, sysSendto);
  add(SYS.recvfrom, "recvfrom", 6, sysRecvfrom);
  // The file system (issue 14).
  add(SYS.open, "open", 2, sysOpen);
  add(SYS.lseek, "lseek", 3, sysLseek);
  add(SYS.fsync, "fsync", 1, sysFsync);
  add(SYS.mkdir, "mkdir", 1, sysMkdir);
  add(SYS.unlink, "unlink", 1, sysUnlink);
  return Object.freeze(t);
})();
