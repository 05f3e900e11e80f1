import { type EnvHandle, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import type { ExosPolicy } from "../policy.js";
import type { Scheduler } from "../sched/threads.js";
import { Errno, FD_PEER, FD_PEERCAP, FD_SIZE, FD_VA, FdKind, type FdTable } from "./fd.js";
import type { Windows } from "./window.js";

/** Ring header (word offsets in the shared page) and where the data begins. */
const R_HEAD = 0;
const R_TAIL = 4;
const R_WCLOSED = 8;
const R_RCLOSED = 12;
const R_SIZE = 16;
const R_DATA = 64;
/** Largest ring: its data must end inside the page. */
const MAX_RING_BYTES = 2048;

/** Which end a process holds. */
export const PipeEnd = { Read: 0, Write: 1 } as const;
export type PipeEnd = (typeof PipeEnd)[keyof typeof PipeEnd];

type Gen<T> = Generator<unknown, T, unknown>;

/**
 * Pipes over a shared-memory circular buffer (the paper's ExOS). The ring lives in a page
 * both processes map; head and tail are free-running byte counts. A write to a full ring
 * or a read from an empty one does a directed yield to the other process.
 */
export class Pipes {
  constructor(
    private readonly env: EnvHandle,
    private readonly policy: ExosPolicy,
    private readonly fds: FdTable,
    private readonly windows: Windows,
    private readonly sched: Scheduler,
  ) {}

  /**
   * Creates a pipe shared with `peer`; this process holds end `end`. Returns the descriptor;
   * `peerCap(fd)` gives the capability to send the peer for `attach`.
   */
  create(peer: number, end: PipeEnd): number {
    if (end !== PipeEnd.Read && end !== PipeEnd.Write) return Errno.BadFd;
    const fd = this.fds.free();
    if (fd < 0) return fd;
    const w = this.windows.create(peer);
    if (typeof w === "number") return w;
    const [va, cap] = w;
    const size = this.policy.pipeRingBytes;
    this.env.cpu.store32(va + R_SIZE, size);
    this.fds.set(
      fd,
      end === PipeEnd.Read ? FdKind.PipeRead : FdKind.PipeWrite,
      va,
      peer,
      cap,
      size,
    );
    return fd;
  }

  /** Attaches to a pipe the peer created (its capability `cap`), holding end `end`. */
  attach(cap: number, peer: number, end: PipeEnd): number {
    if (end !== PipeEnd.Read && end !== PipeEnd.Write) return Errno.BadFd;
    const fd = this.fds.free();
    if (fd < 0) return fd;
    const va = this.windows.attach(cap, true);
    if (va < 0) return va;
    // The creator wrote the size; check it once and keep it privately.
    const size = this.env.cpu.load32Used(va + R_SIZE); // checked at once, then stored
    if (size < 8 || size > MAX_RING_BYTES || (size & (size - 1)) !== 0) {
      this.windows.release(va);
      return Result.Invalid;
    }
    this.fds.set(fd, end === PipeEnd.Read ? FdKind.PipeRead : FdKind.PipeWrite, va, peer, -1, size);
    return fd;
  }

  /** The capability name granted to the peer when this process created the pipe. */
  peerCap(fd: number): number {
    const k = this.fds.kind(fd);
    if (k !== FdKind.PipeRead && k !== FdKind.PipeWrite) return Errno.BadFd;
    return this.fds.field(fd, FD_PEERCAP) | 0;
  }

  /** Writes `bytes` from `src` (blocking while the ring is full). Returns bytes written. */
  *write(fd: number, src: number, bytes: number): Gen<number> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.call"]);
    const e = this.fds.lookup(fd, FdKind.PipeWrite);
    if (e === 0) return Errno.BadFd;
    cpu.exec(COSTS["exos.pipe.args"]);
    if (!Number.isInteger(bytes) || bytes < 0) return Result.Invalid;
    if (bytes === 0) return 0;
    const ring = cpu.load32(e + FD_VA) >>> 0;
    const peer = cpu.load32(e + FD_PEER);
    const size = cpu.load32(e + FD_SIZE);
    let done = 0;
    while (done < bytes) {
      cpu.exec(COSTS["exos.pipe.write.step"]);
      if (cpu.load32(ring + R_RCLOSED) !== 0) return done > 0 ? done : Errno.BrokenPipe;
      const head = cpu.load32(ring + R_HEAD) >>> 0;
      const used = (head - (cpu.load32(ring + R_TAIL) >>> 0)) >>> 0;
      if (used >= size) {
        if (!(yield* this.sched.waitFor(peer))) return done > 0 ? done : Errno.BrokenPipe;
        continue;
      }
      const at = head & (size - 1);
      const n = Math.min(size - used, bytes - done, size - at);
      this.#copy(ring + R_DATA + at, src + done, n);
      cpu.store32(ring + R_HEAD, (head + n) >>> 0);
      done += n;
    }
    return done;
  }

  /** Reads up to `bytes` into `dst` (blocking while the ring is empty). 0 means end of file. */
  *read(fd: number, dst: number, bytes: number): Gen<number> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.call"]);
    const e = this.fds.lookup(fd, FdKind.PipeRead);
    if (e === 0) return Errno.BadFd;
    cpu.exec(COSTS["exos.pipe.args"]);
    if (!Number.isInteger(bytes) || bytes < 0) return Result.Invalid;
    if (bytes === 0) return 0;
    const ring = cpu.load32(e + FD_VA) >>> 0;
    const peer = cpu.load32(e + FD_PEER);
    const size = cpu.load32(e + FD_SIZE);
    for (;;) {
      cpu.exec(COSTS["exos.pipe.read.step"]);
      const tail = cpu.load32(ring + R_TAIL) >>> 0;
      const avail = ((cpu.load32(ring + R_HEAD) >>> 0) - tail) >>> 0;
      if (avail > 0) {
        const at = tail & (size - 1);
        const n = Math.min(avail, bytes, size - at);
        this.#copy(dst, ring + R_DATA + at, n);
        cpu.store32(ring + R_TAIL, (tail + n) >>> 0);
        return n;
      }
      if (cpu.load32(ring + R_WCLOSED) !== 0) return 0;
      if (!(yield* this.sched.waitFor(peer))) return 0;
    }
  }

  /** Closes a pipe end; the other side sees end of file or a broken pipe. */
  close(fd: number): number {
    const cpu = this.env.cpu;
    const kind = this.fds.kind(fd);
    if (kind !== FdKind.PipeRead && kind !== FdKind.PipeWrite) return Errno.BadFd;
    const ring = this.fds.fieldUsed(fd, FD_VA) >>> 0; // the next store's base
    const mine = kind === FdKind.PipeRead ? R_RCLOSED : R_WCLOSED;
    const theirs = kind === FdKind.PipeRead ? R_WCLOSED : R_RCLOSED;
    cpu.store32(ring + mine, 1);
    const both = cpu.load32(ring + theirs) !== 0;
    this.fds.clear(fd);
    if (both) this.windows.release(ring);
    return 0;
  }

  /** The inlined variant (pipe'): the descriptor decoded once, word-sized transfers. */
  inline(fd: number): InlinePipe | number {
    const kind = this.fds.kind(fd);
    if (kind !== FdKind.PipeRead && kind !== FdKind.PipeWrite) return Errno.BadFd;
    return new InlinePipe(
      this.env,
      this.sched,
      this.fds.field(fd, FD_VA) >>> 0,
      this.fds.field(fd, FD_PEER),
      this.fds.field(fd, FD_SIZE),
      kind === FdKind.PipeWrite,
    );
  }

  /** bcopy: the loads and stores are charged by the copy; the loop overhead here. */
  #copy(dst: number, src: number, n: number): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.bcopy.setup"]);
    cpu.copy(dst, src, n);
    cpu.exec(COSTS["exos.bcopy.word"], Math.ceil(n / 4));
  }
}

/**
 * pipe': read and write inlined at the call site for one word (the paper's variant): no
 * descriptor lookup, no procedure call, no copy loop; the same ring and the same directed
 * yield. Holds the ring address and peer decoded once.
 */
export class InlinePipe {
  /** Set when `get` found the ring empty and the writer gone. */
  eof = false;

  constructor(
    private readonly env: EnvHandle,
    private readonly sched: Scheduler,
    readonly ring: number,
    readonly peer: number,
    readonly size: number,
    readonly writer: boolean,
  ) {}

  /** Writes one word; returns 0, or BrokenPipe. */
  *put(value: number): Gen<number> {
    const cpu = this.env.cpu;
    const ring = this.ring;
    for (;;) {
      cpu.exec(COSTS["exos.pipe1.put"]);
      if (cpu.load32(ring + R_RCLOSED) !== 0) return Errno.BrokenPipe;
      const head = cpu.load32(ring + R_HEAD) >>> 0;
      const size = this.size;
      if (((head - (cpu.load32(ring + R_TAIL) >>> 0)) >>> 0) + 4 <= size) {
        cpu.store32(ring + R_DATA + (head & (size - 1) & ~3), value);
        cpu.store32(ring + R_HEAD, (head + 4) >>> 0);
        return 0;
      }
      if (!(yield* this.sched.waitFor(this.peer))) return Errno.BrokenPipe;
    }
  }

  /** Reads one word (0 with `eof` set at end of file). */
  *get(): Gen<number> {
    const cpu = this.env.cpu;
    const ring = this.ring;
    for (;;) {
      cpu.exec(COSTS["exos.pipe1.get"]);
      const tail = cpu.load32(ring + R_TAIL) >>> 0;
      if (cpu.load32(ring + R_HEAD) >>> 0 !== tail) {
        const v = cpu.load32(ring + R_DATA + (tail & (this.size - 1) & ~3));
        cpu.store32(ring + R_TAIL, (tail + 4) >>> 0);
        return v;
      }
      if (cpu.load32(ring + R_WCLOSED) !== 0 || !(yield* this.sched.waitFor(this.peer))) {
        this.eof = true;
        return 0;
      }
    }
  }
}
