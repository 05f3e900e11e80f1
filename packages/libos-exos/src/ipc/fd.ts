import type { CpuView } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { FD_BYTES, FD_COUNT, G_FDS, GLOBALS_VA } from "../layout.js";

/** ExOS error codes, beyond the kernel's Result codes (all negative). */
export const Errno = {
  /** Not an open descriptor of the right kind. */
  BadFd: -20,
  /** Write to a pipe whose reader is gone. */
  BrokenPipe: -21,
  /** No free descriptor. */
  TooManyFiles: -22,
  /** No free IPC window. */
  NoWindow: -23,
  /** Nothing to receive now (a non-blocking receive). */
  WouldBlock: -24,
} as const;

/** What a descriptor names. */
export const FdKind = { Free: 0, PipeRead: 1, PipeWrite: 2, Shm: 3 } as const;
export type FdKind = (typeof FdKind)[keyof typeof FdKind];

/** Word offsets in a descriptor entry. */
export const FD_KIND = 0;
export const FD_VA = 4;
export const FD_PEER = 8;
export const FD_PEERCAP = 12;
/** A pipe's ring size, kept private: the shared header is writable by the peer. */
export const FD_SIZE = 16;

/**
 * The descriptor table: FD_COUNT entries of 32 bytes in the globals page (kind, window
 * address, peer environment, capability granted to the peer, ring size). Lookups are
 * charged loads.
 */
export class FdTable {
  constructor(private readonly cpu: CpuView) {}

  /**
   * Address of entry `fd` if it is open with kind `kind`, else 0 (charged: 1 load). The kind
   * compare follows the load at once (the bound test and the entry address precede it): the
   * load-delay slot holds a nop.
   */
  lookup(fd: number, kind: FdKind): number {
    this.cpu.exec(COSTS["exos.fd.lookup"]);
    if (!Number.isInteger(fd) || fd < 0 || fd >= FD_COUNT) return 0;
    const e = GLOBALS_VA + G_FDS + fd * FD_BYTES;
    return this.cpu.load32Used(e + FD_KIND) === kind ? e : 0;
  }

  /** Kind of `fd` (Free if out of range). */
  kind(fd: number): FdKind {
    if (!Number.isInteger(fd) || fd < 0 || fd >= FD_COUNT) return FdKind.Free;
    return this.cpu.load32(GLOBALS_VA + G_FDS + fd * FD_BYTES + FD_KIND) as FdKind;
  }

  /** The lowest free descriptor, or TooManyFiles. */
  free(): number {
    for (let fd = 0; fd < FD_COUNT; fd++) {
      this.cpu.exec(COSTS["exos.fd.scan"]);
      if (this.cpu.load32(GLOBALS_VA + G_FDS + fd * FD_BYTES + FD_KIND) === FdKind.Free) return fd;
    }
    return Errno.TooManyFiles;
  }

  set(fd: number, kind: FdKind, va: number, peer: number, peerCap: number, size = 0): void {
    const e = GLOBALS_VA + G_FDS + fd * FD_BYTES;
    this.cpu.store32(e + FD_SIZE, size);
    this.cpu.store32(e + FD_VA, va);
    this.cpu.store32(e + FD_PEER, peer);
    this.cpu.store32(e + FD_PEERCAP, peerCap);
    this.cpu.store32(e + FD_KIND, kind);
  }

  field(fd: number, off: number): number {
    return this.cpu.load32(GLOBALS_VA + G_FDS + fd * FD_BYTES + off);
  }

  /** `field`, for a caller whose next instruction uses the value (the load-delay slot's nop). */
  fieldUsed(fd: number, off: number): number {
    return this.cpu.load32Used(GLOBALS_VA + G_FDS + fd * FD_BYTES + off);
  }

  clear(fd: number): void {
    this.cpu.store32(GLOBALS_VA + G_FDS + fd * FD_BYTES + FD_KIND, FdKind.Free);
  }
}
