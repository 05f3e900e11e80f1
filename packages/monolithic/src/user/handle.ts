import { ArgumentError, Reg, type Thread } from "@exolab/machine";
import { ContextAbort } from "@exolab/machine/privileged";
import {
  Errno,
  HANDLER_TEXT_BASE,
  LIBC_SCRATCH_BYTES,
  SIG_DFL,
  SIG_IGN,
  SYS,
  USRDATA,
  USRSTACK,
} from "../abi.js";
import { COSTS } from "../costs.js";
import { HandlerBlockError } from "../errors.js";
import type { MonolithicKernel, UserMain } from "../kernel.js";
import type { Proc, SignalHandler } from "../proc/proc.js";
import { UserCpu } from "./cpu-view.js";
import { freezeClass } from "./freeze.js";
import { enterFromProcess } from "./guard.js";

/** A refusal of an ill-typed JS argument, decided before any trap: the errno to return. */
const BAD = -1;

/** An address argument: an integer in [0, 2^32); anything else is EFAULT. */
function addr(v: unknown): number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : BAD;
}
/** A count or signed integer argument: an integer in [-2^31, 2^32); anything else is EINVAL. */
function int(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff
    ? v
    : null;
}

/**
 * The process's side of the system-call ABI: each method is the libc stub of one call. It
 * reads each JS argument once into a primitive (ill-typed values get the errno the kernel
 * would give, without trapping), puts the call number in v0 and the arguments in a0..a3,
 * executes `syscall`, and returns v0, or -errno when a3 says the call failed.
 * Blocking calls (read, write, wait, sigpause) are generators: `yield* h.read(...)`.
 * Every method first checks the kernel stack reserve and that the kernel is running this
 * very process (as the CPU view does, see cpu-view.ts): a handle used by another process, by
 * a host callback after `run` returned, or by a dead process throws NotRunningError before
 * anything happens; a doomed process's call unwinds it.
 */
export class ProcessHandle {
  readonly pid: number;
  /** The CPU as this process sees it. */
  readonly cpu: UserCpu;
  readonly #k: MonolithicKernel;
  readonly #p: Proc;

  constructor(k: MonolithicKernel, p: Proc) {
    this.#k = k;
    this.#p = p;
    this.pid = p.pid;
    this.cpu = new UserCpu(k, p);
    Object.freeze(this);
  }

  /** Whether the process exists and has not exited. */
  get alive(): boolean {
    return this.#p.stat !== 0 && this.#p.stat !== 5;
  }
  /** First data address the program may use (the start of the data segment is libc's). */
  get heapBase(): number {
    return USRDATA + LIBC_SCRATCH_BYTES;
  }
  get stackTop(): number {
    return USRSTACK;
  }

  /** The checks every call makes first (user/guard.ts). */
  #check(): void {
    enterFromProcess(this.#k, this.#p);
  }

  #trap(num: number, nargs: number, a0 = 0, a1 = 0, a2 = 0, a3?: number): void {
    const cpu = this.#k.cpu;
    cpu.exec(COSTS["libc.stub"]);
    cpu.exec(COSTS["libc.arg"], nargs);
    cpu.setReg(Reg.v0, num);
    cpu.setReg(Reg.a0, a0 | 0);
    cpu.setReg(Reg.a1, a1 | 0);
    cpu.setReg(Reg.a2, a2 | 0);
    if (a3 !== undefined) cpu.setReg(Reg.a3, a3 | 0);
    cpu.syscall();
  }

  #result(): number {
    const cpu = this.#k.cpu;
    const v0 = cpu.reg(Reg.v0);
    return cpu.reg(Reg.a3) !== 0 ? -v0 : v0;
  }

  /** A call that does not block (the caller has run #check). */
  #call(num: number, nargs: number, a0 = 0, a1 = 0, a2 = 0): number {
    this.#trap(num, nargs, a0, a1, a2);
    return this.#result();
  }

  /** A call that may sleep (the caller has run #check). */
  *#callBlocking(num: number, nargs: number, a0 = 0, a1 = 0, a2 = 0): Generator<unknown, number> {
    if (this.#p.handlerDepth > 0) {
      throw new HandlerBlockError("a signal handler cannot make a blocking call");
    }
    this.#p.canYield = true;
    this.#trap(num, nargs, a0, a1, a2);
    this.#p.canYield = false;
    while (this.#p.syscallPending) yield;
    return this.#result();
  }

  /**
   * The indirect system call (4.3BSD syscall(2), libc's `syscall`): any call number with raw
   * register arguments, so a program can reach every slot of sysent (an unknown number gets
   * ENOSYS) and hand the kernel arbitrary register values. A generator because the call may
   * sleep: `yield* h.syscall(n, a0, a1, a2)`. Refused from a signal handler like every
   * blocking stub. fork through it has no child body: EINVAL.
   */
  *syscall(
    number: unknown,
    a0: unknown = 0,
    a1: unknown = 0,
    a2: unknown = 0,
  ): Generator<unknown, number> {
    this.#check();
    const n = int(number);
    const r0 = int(a0);
    const r1 = int(a1);
    const r2 = int(a2);
    if (n === null || n < 0 || r0 === null || r1 === null || r2 === null) return -Errno.EINVAL;
    return yield* this.#callBlocking(n, 3, r0, r1, r2);
  }

  /** A null procedure call: jal to a function that returns at once. */
  nullCall(): void {
    this.#check();
    this.#k.cpu.exec(COSTS["user.nullcall"]);
  }

  getpid(): number {
    this.#check();
    return this.#call(SYS.getpid, 0);
  }

  mprotect(address: unknown, length: unknown, prot: unknown): number {
    this.#check();
    const a = addr(address);
    if (a === BAD) return -Errno.EFAULT;
    const l = int(length);
    const pr = int(prot);
    if (l === null || l < 0 || pr === null) return -Errno.EINVAL;
    return this.#call(SYS.mprotect, 3, a, l, pr);
  }

  sbrk(increment: unknown): number {
    this.#check();
    const n = int(increment);
    if (n === null || n > 0x7fffffff) return -Errno.EINVAL;
    return this.#call(SYS.sbrk, 1, n);
  }

  /** fork(): the child runs `child(childHandle)` with a copy of this address space. */
  fork(child: UserMain): number {
    this.#check();
    if (typeof child !== "function") return -Errno.EINVAL;
    this.#k.pendingForkBody = child;
    const r = this.#call(SYS.fork, 0);
    this.#k.pendingForkBody = null;
    return r;
  }

  /** exit(status): does not return (the process's code is unwound). */
  exit(status: unknown = 0): never {
    this.#check();
    const s = int(status) ?? 0;
    this.#call(SYS.exit, 1, s);
    throw new ContextAbort("exit returned");
  }

  /** wait(&status): the pid of a child that exited; its status word at statusVa (if not 0). */
  *wait(statusVa: unknown = 0): Generator<unknown, number> {
    this.#check();
    const a = addr(statusVa);
    if (a === BAD) return -Errno.EFAULT;
    return yield* this.#callBlocking(SYS.wait, 1, a);
  }

  kill(pid: unknown, sig: unknown): number {
    this.#check();
    const p = int(pid);
    if (p === null) return -Errno.ESRCH;
    const s = int(sig);
    if (s === null || s < 0) return -Errno.EINVAL;
    return this.#call(SYS.kill, 2, p, s);
  }

  /** pipe(fds): fds[0] the read end, fds[1] the write end, stored at fdsVa. */
  pipe(fdsVa: unknown): number {
    this.#check();
    const a = addr(fdsVa);
    if (a === BAD) return -Errno.EFAULT;
    return this.#call(SYS.pipe, 1, a);
  }

  // ---- sockets (src/net/): addresses are struct sockaddr_in in user memory (abi.ts SIN) ----

  /** socket(domain, type, protocol): a descriptor (AF_INET, SOCK_DGRAM, 0 or IPPROTO_UDP). */
  socket(domain: unknown, type: unknown, protocol: unknown = 0): number {
    this.#check();
    const d = int(domain);
    const t = int(type);
    const pr = int(protocol);
    if (d === null || t === null || pr === null) return -Errno.EINVAL;
    return this.#call(SYS.socket, 3, d, t, pr);
  }

  /** bind(s, name, namelen): the local address and port of a socket. */
  bind(s: unknown, nameVa: unknown, nameLen: unknown): number {
    return this.#sockaddrCall(SYS.bind, s, nameVa, nameLen);
  }

  /** connect(s, name, namelen): a datagram socket's default peer. */
  connect(s: unknown, nameVa: unknown, nameLen: unknown): number {
    return this.#sockaddrCall(SYS.connect, s, nameVa, nameLen);
  }

  #sockaddrCall(num: number, s: unknown, nameVa: unknown, nameLen: unknown): number {
    this.#check();
    const f = int(s);
    if (f === null) return -Errno.EBADF;
    const a = addr(nameVa);
    if (a === BAD) return -Errno.EFAULT;
    const l = int(nameLen);
    if (l === null) return -Errno.EINVAL;
    return this.#call(num, 3, f, a, l);
  }

  /**
   * sendto(s, buf, len, flags, to, tolen): one datagram (to = 0: the connected peer). The
   * fifth and sixth arguments go on the stack at 16(sp) and 20(sp), as the MIPS calling
   * convention puts them.
   */
  sendto(
    s: unknown,
    bufVa: unknown,
    n: unknown,
    flags: unknown = 0,
    toVa: unknown = 0,
    toLen: unknown = 0,
  ): number {
    this.#check();
    const f = int(s);
    if (f === null) return -Errno.EBADF;
    const b = addr(bufVa);
    const t = addr(toVa);
    if (b === BAD || t === BAD) return -Errno.EFAULT;
    const c = int(n);
    const fl = int(flags);
    const tl = int(toLen);
    if (c === null || fl === null || tl === null) return -Errno.EINVAL;
    this.#stackArgs(t, tl);
    this.#trap(SYS.sendto, 6, f, b, c, fl);
    return this.#result();
  }

  /**
   * recvfrom(s, buf, len, flags, from, fromlenaddr): sleeps until a datagram is there; its
   * bytes (at most len) at buf, the sender's sockaddr_in at `from` (when fromlenaddr is not 0:
   * the word there says how many bytes `from` holds, and gets how many were written).
   */
  *recvfrom(
    s: unknown,
    bufVa: unknown,
    n: unknown,
    flags: unknown = 0,
    fromVa: unknown = 0,
    fromLenVa: unknown = 0,
  ): Generator<unknown, number> {
    this.#check();
    const f = int(s);
    if (f === null) return -Errno.EBADF;
    const b = addr(bufVa);
    const fr = addr(fromVa);
    const fl = addr(fromLenVa);
    if (b === BAD || fr === BAD || fl === BAD) return -Errno.EFAULT;
    const c = int(n);
    const g = int(flags);
    if (c === null || g === null) return -Errno.EINVAL;
    if (this.#p.handlerDepth > 0) {
      throw new HandlerBlockError("a signal handler cannot make a blocking call");
    }
    this.#stackArgs(fr, fl);
    this.#p.canYield = true;
    this.#trap(SYS.recvfrom, 6, f, b, c, g);
    this.#p.canYield = false;
    while (this.#p.syscallPending) yield;
    return this.#result();
  }

  /** The fifth and sixth arguments stored at 16(sp) and 20(sp) (user stores, translated). */
  #stackArgs(a4: number, a5: number): void {
    const cpu = this.#k.cpu;
    const sp = cpu.reg(Reg.sp);
    cpu.store32(sp + 16, a4 | 0);
    cpu.store32(sp + 20, a5 | 0);
  }

  *read(fd: unknown, bufVa: unknown, n: unknown): Generator<unknown, number> {
    this.#check();
    const f = int(fd);
    if (f === null) return -Errno.EBADF;
    const b = addr(bufVa);
    if (b === BAD) return -Errno.EFAULT;
    const c = int(n);
    if (c === null) return -Errno.EINVAL;
    return yield* this.#callBlocking(SYS.read, 3, f, b, c);
  }

  *write(fd: unknown, bufVa: unknown, n: unknown): Generator<unknown, number> {
    this.#check();
    const f = int(fd);
    if (f === null) return -Errno.EBADF;
    const b = addr(bufVa);
    if (b === BAD) return -Errno.EFAULT;
    const c = int(n);
    if (c === null) return -Errno.EINVAL;
    return yield* this.#callBlocking(SYS.write, 3, f, b, c);
  }

  // ---- the file system (issue 14) ------------------------------------------------------

  /** open(path, flags): a descriptor. `path` is the address of a NUL-terminated string. */
  *open(pathVa: unknown, flags: unknown): Generator<unknown, number> {
    this.#check();
    const a = addr(pathVa);
    if (a === BAD) return -Errno.EFAULT;
    const f = int(flags);
    if (f === null) return -Errno.EINVAL;
    return yield* this.#callBlocking(SYS.open, 2, a, f);
  }

  /** lseek(fd, offset, whence): the new offset. */
  lseek(fd: unknown, offset: unknown, whence: unknown): number {
    this.#check();
    const f = int(fd);
    if (f === null) return -Errno.EBADF;
    const o = int(offset);
    const w = int(whence);
    if (o === null || w === null) return -Errno.EINVAL;
    return this.#call(SYS.lseek, 3, f, o, w);
  }

  /** fsync(fd): returns when the file's data and metadata are on the disk. */
  *fsync(fd: unknown): Generator<unknown, number> {
    this.#check();
    const f = int(fd);
    if (f === null) return -Errno.EBADF;
    return yield* this.#callBlocking(SYS.fsync, 1, f);
  }

  *mkdir(pathVa: unknown): Generator<unknown, number> {
    this.#check();
    const a = addr(pathVa);
    if (a === BAD) return -Errno.EFAULT;
    return yield* this.#callBlocking(SYS.mkdir, 1, a);
  }

  *unlink(pathVa: unknown): Generator<unknown, number> {
    this.#check();
    const a = addr(pathVa);
    if (a === BAD) return -Errno.EFAULT;
    return yield* this.#callBlocking(SYS.unlink, 1, a);
  }

  close(fd: unknown): number {
    this.#check();
    const f = int(fd);
    if (f === null) return -Errno.EBADF;
    return this.#call(SYS.close, 1, f);
  }

  /** sigaction(sig, act, oact): act/oact point to struct sigaction {handler, mask, flags}. */
  sigaction(sig: unknown, actVa: unknown, oactVa: unknown = 0): number {
    this.#check();
    const s = int(sig);
    if (s === null) return -Errno.EINVAL;
    const a = addr(actVa);
    const o = addr(oactVa);
    if (a === BAD || o === BAD) return -Errno.EFAULT;
    return this.#call(SYS.sigaction, 3, s, a, o);
  }

  /**
   * The text address of a handler function (no kernel involvement: what the linker gives a
   * function). The same function always gets the same address.
   */
  handlerAddress(fn: SignalHandler): number {
    this.#check();
    if (typeof fn !== "function") throw new ArgumentError("handlerAddress: a function is required");
    const i = this.#handlerIndex(fn);
    if (i < 0) {
      throw new ArgumentError(
        `handlerAddress: a process may register at most ${this.#k.policy.maxHandlers} handlers`,
      );
    }
    return HANDLER_TEXT_BASE + 16 * i;
  }

  /** The handler's index in the process's "text" (registered on first use), or -1 when full. */
  #handlerIndex(fn: SignalHandler): number {
    const list = this.#p.handlers;
    const i = list.indexOf(fn);
    if (i >= 0) return i;
    if (list.length >= this.#k.policy.maxHandlers) return -1;
    list.push(fn);
    return list.length - 1;
  }

  /**
   * libc signal(): builds a struct sigaction in libc's scratch area of the data segment
   * (charged user stores) and calls sigaction. `handler` is a function, SIG_DFL or SIG_IGN.
   */
  signal(
    sig: unknown,
    handler: SignalHandler | 0 | 1,
    mask: unknown = 0,
    flags: unknown = 0,
  ): number {
    this.#check();
    const s = int(sig);
    const m = int(mask);
    const f = int(flags);
    if (s === null || m === null || f === null) return -Errno.EINVAL;
    let h = -1;
    if (handler === SIG_DFL || handler === SIG_IGN) h = handler;
    else if (typeof handler === "function") {
      const i = this.#handlerIndex(handler);
      if (i >= 0) h = HANDLER_TEXT_BASE + 16 * i;
    }
    if (h < 0) return -Errno.EINVAL;
    const cpu = this.cpu;
    cpu.store32(USRDATA, h);
    cpu.store32(USRDATA + 4, m);
    cpu.store32(USRDATA + 8, f);
    return this.sigaction(s, USRDATA, 0);
  }

  sigreturn(scpVa: unknown): number {
    this.#check();
    const a = addr(scpVa);
    if (a === BAD) return -Errno.EFAULT;
    return this.#call(SYS.sigreturn, 1, a);
  }

  sigblock(mask: unknown): number {
    this.#check();
    const m = int(mask);
    if (m === null) return -Errno.EINVAL;
    return this.#call(SYS.sigblock, 1, m);
  }

  sigsetmask(mask: unknown): number {
    this.#check();
    const m = int(mask);
    if (m === null) return -Errno.EINVAL;
    return this.#call(SYS.sigsetmask, 1, m);
  }

  /** sigpause(mask): waits for a signal with `mask` installed; returns -EINTR after its handler. */
  *sigpause(mask: unknown): Generator<unknown, number> {
    this.#check();
    const m = int(mask);
    if (m === null) return -Errno.EINVAL;
    return yield* this.#callBlocking(SYS.sigpause, 1, m);
  }

  shmget(key: unknown, size: unknown, flags: unknown): number {
    this.#check();
    const k = int(key);
    const s = int(size);
    const f = int(flags);
    if (k === null || s === null || f === null || s < 0) return -Errno.EINVAL;
    return this.#call(SYS.shmget, 3, k, s, f);
  }

  shmat(id: unknown, address: unknown = 0, flags: unknown = 0): number {
    this.#check();
    const i = int(id);
    const f = int(flags);
    if (i === null || f === null) return -Errno.EINVAL;
    const a = addr(address);
    if (a === BAD) return -Errno.EINVAL;
    return this.#call(SYS.shmat, 3, i, a, f);
  }

  shmdt(address: unknown): number {
    this.#check();
    const a = addr(address);
    if (a === BAD) return -Errno.EINVAL;
    return this.#call(SYS.shmdt, 1, a);
  }

  shmctl(id: unknown, cmd: unknown): number {
    this.#check();
    const i = int(id);
    const c = int(cmd);
    if (i === null || c === null) return -Errno.EINVAL;
    return this.#call(SYS.shmctl, 2, i, c);
  }

  /** A preemption point for long loops: yields only when the kernel asked for a switch. */
  *safepoint(): Thread {
    if (this.cpu.switchPending) {
      this.#p.atSafepoint = true;
      yield;
      this.#p.atSafepoint = false;
    }
  }
}

freezeClass(ProcessHandle);
