import { Errno, FD_PEERCAP, FD_VA, FdKind, type FdTable } from "./fd.js";
import type { Windows } from "./window.js";

/**
 * Shared memory between two processes: one page mapped by both (a window entered in each
 * page table). Ping-pong over it uses the scheduler's directed yield (`sched.yieldTo`).
 */
export class SharedMemory {
  constructor(
    private readonly fds: FdTable,
    private readonly windows: Windows,
  ) {}

  /** Creates a zeroed page shared read-write with `peer`; returns a descriptor. */
  create(peer: number): number {
    const fd = this.fds.free();
    if (fd < 0) return fd;
    const w = this.windows.create(peer);
    if (typeof w === "number") return w;
    this.fds.set(fd, FdKind.Shm, w[0], peer, w[1]);
    return fd;
  }

  /** Maps a page the peer shared with us (capability `cap`); returns a descriptor. */
  attach(cap: number, peer: number, writable = true): number {
    const fd = this.fds.free();
    if (fd < 0) return fd;
    const va = this.windows.attach(cap, writable);
    if (va < 0) return va;
    this.fds.set(fd, FdKind.Shm, va, peer, -1);
    return fd;
  }

  /** The address the segment is mapped at. */
  address(fd: number): number {
    return this.fds.kind(fd) === FdKind.Shm ? this.fds.field(fd, FD_VA) >>> 0 : Errno.BadFd;
  }

  /** The capability granted to the peer (for the creator). */
  peerCap(fd: number): number {
    return this.fds.kind(fd) === FdKind.Shm ? this.fds.field(fd, FD_PEERCAP) | 0 : Errno.BadFd;
  }

  /** Unmaps the segment (the creator's frame is freed; the peer's mapping then goes stale). */
  close(fd: number): number {
    if (this.fds.kind(fd) !== FdKind.Shm) return Errno.BadFd;
    const va = this.fds.field(fd, FD_VA) >>> 0;
    this.fds.clear(fd);
    return this.windows.release(va);
  }
}
