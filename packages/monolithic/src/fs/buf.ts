import type { MonolithicKernel } from "../kernel.js";
import { kseg0 } from "../layout.js";

/**
 * The buffer header and the cache's globals (4.4BSD buf.h's part this kernel uses): what the
 * disk driver (dev/rz.ts) and the buffer cache (fs/bio.ts) both read. Layout only.
 */
export const BUF_BYTES = 32;
export const B = {
  FLAGS: 0,
  BLKNO: 4,
  /** The owner tag: the inode whose data, indirect or directory block it holds (0: metadata). */
  INO: 8,
  HNEXT: 12,
  FNEXT: 16,
  FPREV: 20,
  ACTF: 24,
  FRAME: 28,
} as const;
export const B_BUSY = 1;
export const B_DONE = 2;
export const B_DELWRI = 4;
export const B_READ = 8;
export const B_ASYNC = 16;
export const B_WANTED = 32;
export const B_HASHED = 64;
/** 4.4BSD BUFHSZ. */
export const BUFHSZ = 64;
/** Globals in the bio frame: hash heads, then these words. Links are buffer index + 1. */
export const G = {
  FREEHEAD: BUFHSZ * 4,
  FREETAIL: BUFHSZ * 4 + 4,
  ACTHEAD: BUFHSZ * 4 + 8,
  ACTTAIL: BUFHSZ * 4 + 12,
  /** needbuffer: a process sleeps for a free buffer. */
  NEEDBUF: BUFHSZ * 4 + 16,
  /** The buffer the disk works on (index + 1; 0: idle). */
  ACTIVE: BUFHSZ * 4 + 20,
} as const;
/** getblk(..., wait = false) that would have had to sleep (on BioState.waitChan). */
export const NOWAIT = -2;
/** FS block = 8 disk sectors of 512 bytes. */
export const SECTORS_PER_BLOCK = 8;

/** Host-side view of the cache: where its frames are, and event counts (uncharged). */
export class BioState {
  globalsFrame = -1;
  readonly hdrFrames: number[] = [];
  readonly dataFrames: number[] = [];
  nbuf = 0;
  /** The channel a NOWAIT getblk would have slept on. */
  waitChan = 0;
  /** The block whose read a process sleeps for: its lookup after the wakeup is not counted. */
  skipBlk = -1;
  readonly stats = {
    lookups: 0,
    hits: 0,
    misses: 0,
    /** Hits and misses of file data blocks read or written by ufs_read/ufs_write. */
    dataHits: 0,
    dataMisses: 0,
    diskReads: 0,
    diskWrites: 0,
  };

  /** Every frame the cache holds (for the frame-ownership checks of tests). */
  frames(): number[] {
    return [this.globalsFrame, ...this.hdrFrames, ...this.dataFrames];
  }
}

export function hdrVa(k: MonolithicKernel, b: number): number {
  return kseg0(k.bio.hdrFrames[b >>> 7]!, (b & 127) * BUF_BYTES);
}
export function bufDataVa(k: MonolithicKernel, b: number): number {
  return kseg0(k.bio.dataFrames[b]!);
}
export function gva(k: MonolithicKernel, off: number): number {
  return kseg0(k.bio.globalsFrame, off);
}
