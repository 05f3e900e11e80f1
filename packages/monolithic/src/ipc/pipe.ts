import { Errno, SIG } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  F,
  FRAME_PIPES,
  FREAD,
  FTYPE_PIPE,
  FWRITE,
  kseg0,
  M,
  M_FREE,
  MBUFS_PER_PIPE,
  MLEN,
  MSIZE,
  MT_DATA,
  PI,
  PIPE_BYTES,
  PIPE_WANTR,
  PIPE_WANTW,
  U,
} from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { sleep, wakeup } from "../sched/sleep.js";
import { psignal } from "../signal/psignal.js";
import { copyUser, kcopy, useracc } from "../vm/useracc.js";
import { fileVa, findFreeFds, findFreeFiles } from "./file.js";

/**
 * Pipes as 4.3/4.4BSD build them: a pair of connected UNIX-domain stream sockets. A write goes
 * write → soo_write → sosend: an mbuf from the pipe's pool (MGET: malloc with its statistics),
 * uiomove (copyin) into it, PRU_SEND → sbappend/sbcompress onto the reading socket's receive
 * buffer (into the last mbuf when it has room), the send buffer's back-pressure marks, and
 * sorwakeup (selwakeup, and wakeup of a reader waiting in sbwait). A read goes soo_read →
 * soreceive: uiomove (copyout) from the chain's mbufs, sbfree and MFREE of each one emptied,
 * PRU_RCVD and sowwakeup. spl calls are real calls. The header (layout.ts PI) holds the receive
 * buffer (sb_cc, sb_mb, sb_mbcnt); every mbuf field is read and written with charged accesses.
 * Readers of an empty pipe and writers to a full one sleep in sbwait; an atomic write
 * (n <= the high-water mark, policy.pipeBufferBytes) waits until all of it fits (PIPE_BUF).
 */
export function pipeVa(pi: number): number {
  return kseg0(FRAME_PIPES, pi * PIPE_BYTES);
}

/** The kernel address of mbuf `m` (1..MBUFS_PER_PIPE) of pipe `pi` (mtod's pointer). */
function mbufVa(k: MonolithicKernel, pi: number, m: number): number {
  const f = m >>> 5 === 0 ? k.pipeFrames[pi]! : k.pipeFrames2[pi]!;
  return kseg0(f, (m & 31) * MSIZE);
}

export function sysPipe(k: MonolithicKernel, p: Proc, fdsVa: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.pipe"]);
  if (!useracc(k, p, fdsVa, 8, true)) return -Errno.EFAULT;
  const fds = findFreeFds(k, p, 2);
  if (fds === null) return -Errno.EMFILE;
  const files = findFreeFiles(k, 2);
  if (files === null) return -Errno.ENFILE;
  let pi = -1;
  for (let i = 0; i < k.policy.maxPipes; i++) {
    cpu.exec(COSTS["falloc.scan"]);
    if (cpu.load32(pipeVa(i) + PI.FRAME) === 0) {
      pi = i;
      break;
    }
  }
  if (pi < 0) return -Errno.ENFILE;
  if (k.frames.freeCount < 2) return -Errno.ENOMEM;
  cpu.exec(COSTS["vm.memall"]);
  const buf = k.frames.alloc();
  cpu.exec(COSTS["vm.memall"]);
  const buf2 = k.frames.alloc();
  k.pipeFrames[pi] = buf;
  k.pipeFrames2[pi] = buf2;
  const h = pipeVa(pi);
  cpu.store32(h + PI.COUNT, 0);
  cpu.store32(h + PI.MB, 0);
  cpu.store32(h + PI.MBCNT, 0);
  cpu.store32(h + PI.READERS, 1);
  cpu.store32(h + PI.WRITERS, 1);
  cpu.store32(h + PI.STATE, 0);
  cpu.store32(h + PI.FRAME, buf);
  cpu.store32(h + PI.FRAME2, buf2);
  // The mbuf free list: 1 -> 2 -> ... -> MBUFS_PER_PIPE.
  cpu.exec(COSTS["mbuf.poolinit"], MBUFS_PER_PIPE);
  for (let m = 1; m <= MBUFS_PER_PIPE; m++) {
    cpu.store32(mbufVa(k, pi, m) + M.NEXT, m < MBUFS_PER_PIPE ? m + 1 : 0);
  }
  cpu.store32(kseg0(buf, M_FREE), 1);
  const modes = [FREAD, FWRITE];
  for (let i = 0; i < 2; i++) {
    const fv = fileVa(files[i]!);
    cpu.store32(fv + F.TYPE, FTYPE_PIPE);
    cpu.store32(fv + F.FLAG, modes[i]!);
    cpu.store32(fv + F.COUNT, 1);
    cpu.store32(fv + F.PIPE, pi);
    cpu.store32(k.uva(p) + U.OFILE + fds[i]! * 4, files[i]! + 1);
  }
  cpu.store32(fdsVa, fds[0]!);
  cpu.store32(fdsVa + 4, fds[1]!);
  return 0;
}

/** MGET: an mbuf off the pool's free list (malloc of MSIZE with its statistics), or 0. */
function mget(k: MonolithicKernel, pi: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["mbuf.get"]);
  cpu.exec(COSTS["spl.call"], 4);
  const head = kseg0(k.pipeFrames[pi]!, M_FREE);
  const m = cpu.load32(head);
  if (m === 0) return 0;
  const mv = mbufVa(k, pi, m);
  cpu.store32(head, cpu.load32(mv + M.NEXT));
  cpu.store32(mv + M.NEXT, 0);
  cpu.store32(mv + M.NEXTPKT, 0);
  cpu.store32(mv + M.DATA, M.DAT);
  cpu.store32(mv + M.TYPE, MT_DATA);
  return m;
}

/** MFREE: the mbuf back on the pool's free list (free() with its statistics); returns m_next. */
function mfree(k: MonolithicKernel, pi: number, m: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["mbuf.free"]);
  cpu.exec(COSTS["spl.call"], 4);
  const mv = mbufVa(k, pi, m);
  const next = cpu.load32(mv + M.NEXT);
  const head = kseg0(k.pipeFrames[pi]!, M_FREE);
  cpu.store32(mv + M.NEXT, cpu.load32(head));
  cpu.store32(head, m);
  return next;
}

/** sowakeup (selwakeup, then a sleeper in sbwait on `chan` woken if its SB_WAIT flag is set). */
function sowakeup(k: MonolithicKernel, h: number, flag: number, chan: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.sowakeup);
  cpu.exec(COSTS.selwakeup);
  const state = cpu.load32(h + PI.STATE);
  if ((state & flag) !== 0) {
    cpu.store32(h + PI.STATE, state & ~flag);
    wakeup(k, chan);
  }
}

/** sbwait: the SB_WAIT flag set and tsleep on the buffer (the caller unlocked it). */
function sbwait(k: MonolithicKernel, p: Proc, h: number, flag: number, chan: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.sbwait);
  cpu.exec(COSTS["spl.call"]);
  cpu.store32(h + PI.STATE, cpu.load32(h + PI.STATE) | flag);
  return sleep(k, p, chan);
}

/** One pass of a pipe read (soo_read → soreceive): copies out what is there, or sleeps. */
export function pipeReadStep(
  k: MonolithicKernel,
  p: Proc,
  pi: number,
  buf: number,
  n: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["soo.rw"]);
  cpu.exec(COSTS.soreceive);
  cpu.exec(COSTS["spl.call"]);
  const h = pipeVa(pi);
  let m = cpu.load32(h + PI.MB);
  if (m === 0) {
    cpu.exec(COSTS["spl.call"]);
    if (cpu.load32(h + PI.WRITERS) === 0) return 0;
    return sbwait(k, p, h, PIPE_WANTR, h);
  }
  let done = 0;
  while (m !== 0 && done < n) {
    cpu.exec(COSTS["soreceive.mbuf"]);
    const mv = mbufVa(k, pi, m);
    const mlen = cpu.load32(mv + M.LEN);
    const off = cpu.load32(mv + M.DATA);
    const len = Math.min(n - done, mlen);
    // splx; uiomove (copyout; a page that cannot be filled ends the read); splnet
    cpu.exec(COSTS["spl.call"], 2);
    cpu.exec(COSTS.uiomove);
    if (!copyUser(k, buf + done, mv + off, len)) {
      cpu.exec(COSTS["spl.call"]);
      return done > 0 ? done : -Errno.EFAULT;
    }
    done += len;
    const cc = cpu.load32(h + PI.COUNT);
    cpu.store32(h + PI.COUNT, cc - len);
    if (len === mlen) {
      // sbfree, MFREE(m, so_rcv.sb_mb)
      cpu.store32(h + PI.MBCNT, cpu.load32(h + PI.MBCNT) - MSIZE);
      m = mfree(k, pi, m);
      cpu.store32(h + PI.MB, m);
    } else {
      cpu.store32(mv + M.DATA, off + len);
      cpu.store32(mv + M.LEN, mlen - len);
    }
  }
  // PRU_RCVD: the writer's back-pressure marks, sowwakeup.
  cpu.exec(COSTS["uipc.rcvd"]);
  sowakeup(k, h, PIPE_WANTW, h + 4);
  cpu.exec(COSTS["spl.call"]);
  return done;
}

/**
 * sbappend + sbcompress of one mbuf on the receive buffer: walks the chain to its last mbuf;
 * when that one has room for the data (M_TRAILINGSPACE), the data is copied into it and the
 * new mbuf freed, else the mbuf is linked at the end (sballoc: sb_cc, sb_mbcnt).
 */
function sbappend(k: MonolithicKernel, pi: number, h: number, m: number, len: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.sbappend);
  let last = cpu.load32(h + PI.MB);
  if (last !== 0) {
    for (;;) {
      cpu.exec(COSTS["sbappend.walk"]);
      const next = cpu.load32(mbufVa(k, pi, last) + M.NEXT);
      if (next === 0) break;
      last = next;
    }
  }
  cpu.exec(COSTS.sbcompress);
  const cc = cpu.load32(h + PI.COUNT);
  if (last !== 0) {
    const lv = mbufVa(k, pi, last);
    const llen = cpu.load32(lv + M.LEN);
    const loff = cpu.load32(lv + M.DATA);
    if (loff + llen + len <= MSIZE) {
      kcopy(k, lv + loff + llen, mbufVa(k, pi, m) + M.DAT, len);
      cpu.store32(lv + M.LEN, llen + len);
      cpu.store32(h + PI.COUNT, cc + len);
      mfree(k, pi, m);
      return;
    }
    cpu.store32(lv + M.NEXT, m);
  } else {
    cpu.store32(h + PI.MB, m);
  }
  cpu.store32(h + PI.COUNT, cc + len);
  cpu.store32(h + PI.MBCNT, cpu.load32(h + PI.MBCNT) + MSIZE);
}

/** A pipe write as a resumable loop (soo_write → sosend): `done` bytes survive a sleep. */
export function pipeWriter(
  k: MonolithicKernel,
  p: Proc,
  pi: number,
  buf: number,
  n: number,
): () => number {
  let done = 0;
  const hiwat = k.policy.pipeBufferBytes;
  return () => {
    const cpu = k.cpu;
    const h = pipeVa(pi);
    cpu.exec(COSTS["soo.rw"]);
    cpu.exec(COSTS.sosend);
    cpu.exec(COSTS["spl.call"]);
    for (;;) {
      cpu.exec(COSTS["sosend.mbuf"]);
      if (cpu.load32(h + PI.READERS) === 0) {
        cpu.exec(COSTS["spl.call"]);
        psignal(k, p, SIG.PIPE);
        return done > 0 ? done : -Errno.EPIPE;
      }
      const space = hiwat - cpu.load32(h + PI.COUNT);
      const need = n - done;
      if (space <= 0 || (n <= hiwat && space < need)) {
        cpu.exec(COSTS["spl.call"]);
        return sbwait(k, p, h, PIPE_WANTW, h + 4);
      }
      const m = mget(k, pi);
      if (m === 0) {
        cpu.exec(COSTS["spl.call"]);
        return sbwait(k, p, h, PIPE_WANTW, h + 4);
      }
      const mv = mbufVa(k, pi, m);
      const len = Math.min(MLEN, need, space);
      cpu.exec(COSTS.uiomove);
      // copyin: a page that cannot be filled ends the write (EFAULT, or what was written).
      if (!copyUser(k, mv + M.DAT, buf + done, len)) {
        mfree(k, pi, m);
        cpu.exec(COSTS["spl.call"]);
        return done > 0 ? done : -Errno.EFAULT;
      }
      cpu.store32(mv + M.LEN, len);
      // PRU_SEND: sbappend on the reader's receive buffer, back-pressure, sorwakeup.
      cpu.exec(COSTS["uipc.send"]);
      sbappend(k, pi, h, m, len);
      sowakeup(k, h, PIPE_WANTR, h);
      done += len;
      if (done === n) {
        cpu.exec(COSTS["spl.call"]);
        return n;
      }
    }
  };
}

/** The last close of one end: the other side is woken (EOF or EPIPE); the last end frees it. */
export function pipeClose(k: MonolithicKernel, pi: number, mode: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["pipe.close"]);
  const h = pipeVa(pi);
  if ((mode & FREAD) !== 0) {
    const r = cpu.load32(h + PI.READERS) - 1;
    cpu.store32(h + PI.READERS, r);
    if (r === 0) wakeup(k, h + 4);
  }
  if ((mode & FWRITE) !== 0) {
    const w = cpu.load32(h + PI.WRITERS) - 1;
    cpu.store32(h + PI.WRITERS, w);
    if (w === 0) wakeup(k, h);
  }
  if (cpu.load32(h + PI.READERS) === 0 && cpu.load32(h + PI.WRITERS) === 0) {
    cpu.exec(COSTS["vm.memall"]);
    k.frames.free(cpu.load32(h + PI.FRAME));
    cpu.exec(COSTS["vm.memall"]);
    k.frames.free(cpu.load32(h + PI.FRAME2));
    cpu.store32(h + PI.FRAME, 0);
    cpu.store32(h + PI.FRAME2, 0);
    k.pipeFrames[pi] = 0;
    k.pipeFrames2[pi] = 0;
  }
}
