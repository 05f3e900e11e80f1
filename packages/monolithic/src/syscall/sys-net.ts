import { Reg } from "@exolab/machine";
import { AF_INET, Errno, IPPROTO_UDP, SOCK_DGRAM, SOCK_STREAM, SOCKADDR_IN_BYTES } from "../abi.js";
import { COSTS } from "../costs.js";
import { fileVa, findFreeFds, findFreeFiles, getf } from "../ipc/file.js";
import type { MonolithicKernel } from "../kernel.js";
import { efReg, F, FREAD, FTYPE_SOCKET, FWRITE, U } from "../layout.js";
import { inPcbBind, inPcbConnect, inPcbDisconnect } from "../net/in_pcb.js";
import {
  mbufVa,
  type NetFrames,
  NM,
  SO,
  SS_ISCONNECTED,
  sockVa,
  UDP_MAX_PAYLOAD,
} from "../net/layout.js";
import { mFree, mGet } from "../net/mbuf.js";
import { type FromArg, socreate, soreceiveDgram, sosendChain } from "../net/socket.js";
import { udpSend } from "../net/udp_output.js";
import type { Proc } from "../proc/proc.js";
import { SLEEP } from "../sched/sleep.js";
import { copyUser, useracc } from "../vm/useracc.js";
import type { SysArgs } from "./table.js";

/**
 * The socket system calls of the UDP stack (4.4BSD kern/uipc_syscalls.c 8.4). Each decodes
 * and checks every argument — the descriptor (EBADF, ENOTSOCK), the address's length, family
 * and memory (EINVAL, EAFNOSUPPORT, EFAULT), the buffer (EFAULT) — before it changes
 * anything. sendto and recvfrom take six arguments: the fifth and sixth come from the user
 * stack (16(sp), 20(sp)), copied in as trap.c does for a call with more than four.
 */

/** socket(domain, type, protocol): AF_INET, SOCK_DGRAM, 0 or IPPROTO_UDP. */
export function sysSocket(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS["sys.socket"]);
  const nf = k.net;
  if (nf === null || a[0] !== AF_INET) return -Errno.EAFNOSUPPORT;
  const type = a[1]!;
  const proto = a[2]!;
  if (type !== SOCK_DGRAM && type !== SOCK_STREAM) return -Errno.EPROTONOSUPPORT;
  if (type === SOCK_STREAM) return -Errno.EPROTONOSUPPORT; // TCP is not built (README)
  if (proto !== 0 && proto !== IPPROTO_UDP) return -Errno.EPROTONOSUPPORT;
  const fds = findFreeFds(k, p, 1);
  if (fds === null) return -Errno.EMFILE;
  const files = findFreeFiles(k, 1);
  if (files === null) return -Errno.ENFILE;
  const s = socreate(k, nf);
  if (s < 0) return s;
  const cpu = k.cpu;
  const fv = fileVa(files[0]!);
  cpu.store32(fv + F.TYPE, FTYPE_SOCKET);
  cpu.store32(fv + F.FLAG, FREAD | FWRITE);
  cpu.store32(fv + F.COUNT, 1);
  cpu.store32(fv + F.PIPE, s);
  cpu.store32(k.uva(p) + U.OFILE + fds[0]! * 4, files[0]! + 1);
  return fds[0]!;
}

/** getsock: the socket behind a descriptor, or -EBADF / -ENOTSOCK. */
export function getsock(k: MonolithicKernel, p: Proc, fd: number, mode = 0): number {
  const f = getf(k, p, fd | 0, mode);
  if (f < 0) return f;
  const cpu = k.cpu;
  if (cpu.load32(fileVa(f) + F.TYPE) !== FTYPE_SOCKET) return -Errno.ENOTSOCK;
  return cpu.load32(fileVa(f) + F.PIPE);
}

/**
 * sockargs: a sockaddr_in copied in from user memory into an mbuf, its family checked:
 * [port, addr] (network order) or -errno.
 */
function sockargs(
  k: MonolithicKernel,
  p: Proc,
  nf: NetFrames,
  va: number,
  len: number,
): [number, number] | number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.sockargs"]);
  if (len !== SOCKADDR_IN_BYTES) return -Errno.EINVAL;
  if (!useracc(k, p, va, len, false)) return -Errno.EFAULT;
  const m = mGet(k, nf, 3, false);
  if (m === 0) return -Errno.ENOBUFS;
  const mv = mbufVa(nf, m) + NM.DAT;
  const ok = copyUser(k, mv, va, len);
  const family = cpu.load16(mv);
  const port = cpu.load16(mv + 2);
  const addr = cpu.load32(mv + 4);
  mFree(k, nf, m);
  if (!ok) return -Errno.EFAULT;
  if (family !== AF_INET) return -Errno.EAFNOSUPPORT;
  return [port, addr];
}

/** bind(s, name, namelen). */
export function sysBind(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS["sys.bind"]);
  const s = getsock(k, p, a[0]!);
  if (s < 0) return s;
  const nf = k.net!;
  const sa = sockargs(k, p, nf, a[1]!, a[2]!);
  if (typeof sa === "number") return sa;
  return inPcbBind(k, nf, s, sa[1], sa[0]);
}

/** connect(s, name, namelen): a connected UDP socket may connect again elsewhere (sodisconnect first). */
export function sysConnect(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS["sys.connect"]);
  const s = getsock(k, p, a[0]!);
  if (s < 0) return s;
  const nf = k.net!;
  const sa = sockargs(k, p, nf, a[1]!, a[2]!);
  if (typeof sa === "number") return sa;
  const cpu = k.cpu;
  const so = sockVa(nf, s);
  const state = cpu.load32(so + SO.STATE);
  // sodisconnect of a connected socket, undone if the new connect is refused.
  const oldF = cpu.load32(so + SO.FADDR);
  const oldP = cpu.load32(so + SO.FPORT);
  if ((state & SS_ISCONNECTED) !== 0) inPcbDisconnect(k, nf, s);
  const r = inPcbConnect(k, nf, s, sa[1], sa[0]);
  if (r < 0) {
    if ((state & SS_ISCONNECTED) !== 0) {
      cpu.store32(so + SO.FADDR, oldF);
      cpu.store32(so + SO.FPORT, oldP);
    }
    return r;
  }
  cpu.store32(so + SO.STATE, state | SS_ISCONNECTED);
  return 0;
}

/** The fifth and sixth arguments, copied in from 16(sp) of the caller's frame (trap.c). */
function args56(k: MonolithicKernel, p: Proc, frame: number): [number, number] | null {
  const cpu = k.cpu;
  const sp = cpu.load32(frame + efReg(Reg.sp));
  const u = k.uva(p) + U.ARG + 16;
  if (!useracc(k, p, sp + 16, 8, false) || !copyUser(k, u, sp + 16, 8)) return null;
  return [cpu.load32(u), cpu.load32(u + 4)];
}

/** sendto(s, buf, len, flags, to, tolen): to = 0 on a connected socket. */
export function sysSendto(k: MonolithicKernel, p: Proc, a: SysArgs, frame: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.sendto"]);
  const extra = args56(k, p, frame);
  if (extra === null) return -Errno.EFAULT;
  return sendit(k, p, a[0]!, a[1]!, a[2]! | 0, a[3]!, extra[0], extra[1]);
}

function sendit(
  k: MonolithicKernel,
  p: Proc,
  fd: number,
  buf: number,
  n: number,
  flags: number,
  to: number,
  tolen: number,
): number {
  const s = getsock(k, p, fd);
  if (s < 0) return s;
  const nf = k.net!;
  if (n < 0 || flags !== 0) return -Errno.EINVAL;
  // ip_output would fragment a larger datagram; fragmentation is not modelled (README).
  if (n > UDP_MAX_PAYLOAD) return -Errno.EMSGSIZE;
  if (!useracc(k, p, buf, n, false)) return -Errno.EFAULT;
  let dst: { addr: number; port: number } | null = null;
  if (to !== 0) {
    const sa = sockargs(k, p, nf, to, tolen);
    if (typeof sa === "number") return sa;
    dst = { addr: sa[1], port: sa[0] };
  }
  const m = sosendChain(k, nf, s, buf, n);
  if (m < 0) return m;
  const r = udpSend(k, nf, s, m, n, dst);
  return r < 0 ? r : n;
}

/** recvfrom(s, buf, len, flags, from, fromlenaddr): may sleep until a datagram comes. */
export function sysRecvfrom(k: MonolithicKernel, p: Proc, a: SysArgs, frame: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.recvfrom"]);
  const extra = args56(k, p, frame);
  if (extra === null) return -Errno.EFAULT;
  const s = getsock(k, p, a[0]!);
  if (s < 0) return s;
  const buf = a[1]!;
  const n = a[2]! | 0;
  if (n < 0 || a[3] !== 0) return -Errno.EINVAL;
  if (!useracc(k, p, buf, n, true)) return -Errno.EFAULT;
  let from: FromArg | null = null;
  const [fromVa, lenVa] = extra;
  if (lenVa !== 0) {
    const u = k.uva(p) + U.ARG + 24;
    if (!useracc(k, p, lenVa, 4, true) || !copyUser(k, u, lenVa, 4)) return -Errno.EFAULT;
    const len = cpu.load32(u) | 0;
    if (len < 0) return -Errno.EINVAL;
    if (fromVa !== 0 && !useracc(k, p, fromVa, Math.min(len, SOCKADDR_IN_BYTES), true))
      return -Errno.EFAULT;
    from = { va: fromVa, len: fromVa === 0 ? 0 : len, lenVa };
  }
  return recvLoop(k, p, s, buf, n, from);
}

/** read(2) on a socket: soreceive with no address (sys-io.ts). */
export function soRead(k: MonolithicKernel, p: Proc, s: number, buf: number, n: number): number {
  return recvLoop(k, p, s, buf, n, null);
}

/** write(2) on a connected socket: sosend to the pcb's foreign address (sys-io.ts). */
export function soWrite(k: MonolithicKernel, s: number, buf: number, n: number): number {
  const nf = k.net!;
  if (n > UDP_MAX_PAYLOAD) return -Errno.EMSGSIZE;
  const m = sosendChain(k, nf, s, buf, n);
  if (m < 0) return m;
  const r = udpSend(k, nf, s, m, n, null);
  return r < 0 ? r : n;
}

function recvLoop(
  k: MonolithicKernel,
  p: Proc,
  s: number,
  buf: number,
  n: number,
  from: FromArg | null,
): number {
  const nf = k.net!;
  const step = (): number => soreceiveDgram(k, p, nf, s, buf, n, from);
  const r = step();
  if (r === SLEEP) p.cont = step;
  return r;
}
