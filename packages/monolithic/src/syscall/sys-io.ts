import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import { F_VNODE, ufsReader, ufsWriter } from "../fs/sys-fs.js";
import { closef } from "../ipc/close.js";
import { fileVa, getf } from "../ipc/file.js";
import { pipeReadStep, pipeWriter, sysPipe } from "../ipc/pipe.js";
import type { MonolithicKernel } from "../kernel.js";
import { F, FREAD, FTYPE_SOCKET, FWRITE, U } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { SLEEP } from "../sched/sleep.js";
import { useracc } from "../vm/useracc.js";
import { soRead, soWrite } from "./sys-net.js";
import type { SysArgs } from "./table.js";

export function sysPipeCall(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  if ((a[0]! & 3) !== 0) return -Errno.EFAULT;
  return sysPipe(k, p, a[0]!);
}

/**
 * read(fd, buf, n) / write(fd, buf, n) on a pipe, a socket or a file. Order of checks, as
 * rwuio(): EBADF (no such descriptor or wrong mode), EINVAL (n < 0), EFAULT (buffer not
 * accessible), then the transfer, which may sleep.
 */
export function sysRead(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS.rwuio);
  const f = getf(k, p, a[0]! | 0, FREAD);
  if (f < 0) return f;
  const buf = a[1]!;
  const n = a[2]! | 0;
  if (n < 0) return -Errno.EINVAL;
  if (!useracc(k, p, buf, n, true)) return -Errno.EFAULT;
  const pi = k.cpu.load32(fileVa(f) + F.PIPE);
  // soo_read: a socket's read is soreceive (a datagram, even of 0 bytes, is consumed).
  if (k.cpu.load32(fileVa(f) + F.TYPE) === FTYPE_SOCKET) return soRead(k, p, pi, buf, n);
  if (n === 0) return 0;
  // A vnode (fs/sys-fs.ts: F_VNODE in the word pipes keep their index in): ufs_read.
  const step =
    (pi & F_VNODE) !== 0
      ? ufsReader(k, p, f, (pi & ~F_VNODE) >>> 0, buf, n)
      : (): number => pipeReadStep(k, p, pi, buf, n);
  const r = step();
  if (r === SLEEP) p.cont = step;
  return r;
}

export function sysWrite(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS.rwuio);
  const f = getf(k, p, a[0]! | 0, FWRITE);
  if (f < 0) return f;
  const buf = a[1]!;
  const n = a[2]! | 0;
  if (n < 0) return -Errno.EINVAL;
  if (!useracc(k, p, buf, n, false)) return -Errno.EFAULT;
  const pi = k.cpu.load32(fileVa(f) + F.PIPE);
  // soo_write: a datagram to the connected socket's peer.
  if (k.cpu.load32(fileVa(f) + F.TYPE) === FTYPE_SOCKET) return soWrite(k, pi, buf, n);
  if (n === 0) return 0;
  const step =
    (pi & F_VNODE) !== 0
      ? ufsWriter(k, p, f, (pi & ~F_VNODE) >>> 0, buf, n)
      : pipeWriter(k, p, pi, buf, n);
  const r = step();
  if (r === SLEEP) p.cont = step;
  return r;
}

export function sysClose(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS["sys.close"]);
  const fd = a[0]! | 0;
  const f = getf(k, p, fd, 0);
  if (f < 0) return f;
  k.cpu.store32(k.uva(p) + U.OFILE + fd * 4, 0);
  closef(k, f);
  return 0;
}
