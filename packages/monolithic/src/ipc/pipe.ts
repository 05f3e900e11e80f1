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
  PI,
  PIPE_BYTES,
  PIPE_WANTR,
  PIPE_WANTW,
  U,
} from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { sleep, wakeup } from "../sched/sleep.js";
import { psignal } from "../signal/psignal.js";
import { copyUser, useracc } from "../vm/useracc.js";
import { fileVa, findFreeFds, findFreeFiles } from "./file.js";

/**
 * Pipes: a kernel ring buffer of `policy.pipeBufferBytes` in its own frame, with a 32-byte
 * header (count, read and write offsets, reader and writer counts, WANTR/WANTW) in kernel
 * memory. Data is copied in from the writer's buffer and out to the reader's, with charged
 * word copies. Readers of an empty pipe and writers to a full one sleep on the header; an
 * atomic write (n <= buffer size) waits until all of it fits, as PIPE_BUF requires.
 * (4.3BSD builds pipes from socket pairs and mbufs; see COSTS.md for what that difference means.)
 */
export function pipeVa(pi: number): number {
  return kseg0(FRAME_PIPES, pi * PIPE_BYTES);
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
  if (k.frames.freeCount < 1) return -Errno.ENOMEM;
  cpu.exec(COSTS["vm.memall"]);
  const buf = k.frames.alloc();
  k.pipeFrames[pi] = buf;
  const h = pipeVa(pi);
  cpu.store32(h + PI.COUNT, 0);
  cpu.store32(h + PI.RPOS, 0);
  cpu.store32(h + PI.WPOS, 0);
  cpu.store32(h + PI.READERS, 1);
  cpu.store32(h + PI.WRITERS, 1);
  cpu.store32(h + PI.STATE, 0);
  cpu.store32(h + PI.FRAME, buf);
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

/** One pass of a pipe read: copies out what is there, or sleeps on an empty pipe. */
export function pipeReadStep(
  k: MonolithicKernel,
  p: Proc,
  pi: number,
  buf: number,
  n: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["pipe.read"]);
  const h = pipeVa(pi);
  const count = cpu.load32(h + PI.COUNT);
  if (count === 0) {
    if (cpu.load32(h + PI.WRITERS) === 0) return 0;
    cpu.store32(h + PI.STATE, cpu.load32(h + PI.STATE) | PIPE_WANTR);
    return sleep(k, p, h);
  }
  const size = k.policy.pipeBufferBytes;
  const m = Math.min(n, count);
  const rpos = cpu.load32(h + PI.RPOS);
  const frame = cpu.load32(h + PI.FRAME);
  const first = Math.min(m, size - rpos);
  // copyout: a page that cannot be filled fails the read (EFAULT), the pipe untouched.
  if (!copyUser(k, buf, kseg0(frame, rpos), first)) return -Errno.EFAULT;
  if (m > first && !copyUser(k, buf + first, kseg0(frame, 0), m - first)) return -Errno.EFAULT;
  cpu.store32(h + PI.RPOS, (rpos + m) % size);
  cpu.store32(h + PI.COUNT, count - m);
  const state = cpu.load32(h + PI.STATE);
  if ((state & PIPE_WANTW) !== 0) {
    cpu.store32(h + PI.STATE, state & ~PIPE_WANTW);
    wakeup(k, h + 4);
  }
  return m;
}

/** A pipe write as a resumable loop: `done` bytes survive a sleep in the closure. */
export function pipeWriter(
  k: MonolithicKernel,
  p: Proc,
  pi: number,
  buf: number,
  n: number,
): () => number {
  let done = 0;
  const size = k.policy.pipeBufferBytes;
  return () => {
    const cpu = k.cpu;
    const h = pipeVa(pi);
    for (;;) {
      cpu.exec(COSTS["pipe.write"]);
      if (cpu.load32(h + PI.READERS) === 0) {
        psignal(k, p, SIG.PIPE);
        return done > 0 ? done : -Errno.EPIPE;
      }
      const count = cpu.load32(h + PI.COUNT);
      const space = size - count;
      const need = n - done;
      if (space === 0 || (n <= size && space < need)) {
        cpu.store32(h + PI.STATE, cpu.load32(h + PI.STATE) | PIPE_WANTW);
        return sleep(k, p, h + 4);
      }
      const m = Math.min(space, need);
      const wpos = cpu.load32(h + PI.WPOS);
      const frame = cpu.load32(h + PI.FRAME);
      const first = Math.min(m, size - wpos);
      // copyin: a page that cannot be filled ends the write (EFAULT, or what was written).
      if (
        !copyUser(k, kseg0(frame, wpos), buf + done, first) ||
        (m > first && !copyUser(k, kseg0(frame, 0), buf + done + first, m - first))
      ) {
        return done > 0 ? done : -Errno.EFAULT;
      }
      cpu.store32(h + PI.WPOS, (wpos + m) % size);
      cpu.store32(h + PI.COUNT, count + m);
      const state = cpu.load32(h + PI.STATE);
      if ((state & PIPE_WANTR) !== 0) {
        cpu.store32(h + PI.STATE, state & ~PIPE_WANTR);
        wakeup(k, h);
      }
      done += m;
      if (done === n) return n;
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
    cpu.store32(h + PI.FRAME, 0);
    k.pipeFrames[pi] = 0;
  }
}
