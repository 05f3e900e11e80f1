import { ConfigError } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { kseg0, PAGE } from "../layout.js";

/**
 * The file system's on-disk format and in-core tables: a small UFS-like file system in 4 KiB
 * blocks (8 sectors) at the start of the disk.
 *
 *   block 0                  superblock (SB)
 *   blocks 1 ..              the block-allocation bitmap (1 bit a block; 1 = in use)
 *   then                     the inode table (64-byte inodes, 64 to a block; inode 0 unused,
 *                            inode 1 the root directory)
 *   then                     data blocks
 *
 * An inode: mode (0 free, IFREG, IFDIR), nlink, size in bytes, NDADDR direct block numbers
 * and one indirect block (1024 block numbers): files up to (12 + 1024) * 4 KiB. A directory's
 * data is an array of 32-byte entries {ino, name (up to 27 bytes, NUL-padded)}; ino 0 is a
 * free entry. There are no "." and ".." entries (no cwd: every path starts at the root).
 *
 * In core (as the superblock of early UFS and the cylinder-group summaries of FFS are): the
 * superblock, the whole bitmap and the whole inode table live in kernel frames, read from the
 * disk at mount and written back to it by fsync (their blocks go out through the buffer cache).
 * This differs from 4.4BSD, whose inodes are cached per vnode and read through the buffer
 * cache on the first open: here an inode costs no disk read and no buffer (README, known gaps).
 */
export const FS_MAGIC = 0x011954;
export const SB = {
  MAGIC: 0,
  NBLOCKS: 4,
  NINODES: 8,
  BMAP_START: 12,
  BMAP_BLOCKS: 16,
  ITAB_START: 20,
  ITAB_BLOCKS: 24,
  DATA_START: 28,
  /** Free data blocks and free inodes (kept up to date by balloc/bfree/ialloc/ifree). */
  FREE_BLOCKS: 32,
  FREE_INODES: 36,
} as const;
/** In the superblock frame after the superblock: f_offset of every file-table entry. */
export const FOFFSET = 1024;
export const INODE_BYTES = 64;
export const INODES_PER_BLOCK = PAGE / INODE_BYTES;
export const NDADDR = 12;
export const NINDIR = PAGE / 4;
export const I = { MODE: 0, NLINK: 4, SIZE: 8, DB: 12, IB: 12 + NDADDR * 4 } as const;
export const IFREG = 1;
export const IFDIR = 2;
export const ROOTINO = 1;
export const DIRENT_BYTES = 32;
export const DIRSIZ = 27;
export const DIRENTS_PER_BLOCK = PAGE / DIRENT_BYTES;
export const MAXFILEBLOCKS = NDADDR + NINDIR;
export const MAXPATHLEN = 256;

/** Host-side view: where the in-core tables are (frames allocated at boot). */
export class FsState {
  sbFrame = -1;
  readonly bmapFrames: number[] = [];
  readonly itabFrames: number[] = [];
  nblocks = 0;
  ninodes = 0;
  bmapStart = 0;
  itabStart = 0;
  dataStart = 0;

  frames(): number[] {
    return [this.sbFrame, ...this.bmapFrames, ...this.itabFrames];
  }
}

export function sbVa(k: MonolithicKernel, off: number): number {
  return kseg0(k.fs.sbFrame, off);
}
/** The in-core inode `ino`'s field at `off`. */
export function inoVa(k: MonolithicKernel, ino: number, off = 0): number {
  const s = k.fs;
  return kseg0(s.itabFrames[ino >>> 6]!, (ino & 63) * INODE_BYTES + off);
}
function bmapWordVa(k: MonolithicKernel, word: number): number {
  return kseg0(k.fs.bmapFrames[word >>> 10]!, (word & 1023) * 4);
}

/**
 * Mount at boot (uncharged, like the rest of boot): reads the superblock, bitmap and inode
 * table from the disk (host reads of the backing store: the boot-time mount is not measured);
 * an unformatted disk (no magic) is first formatted as newfs would (policy.fsBlocks,
 * policy.fsInodes), written to the disk without timing.
 */
export function fsmount(k: MonolithicKernel): void {
  const s = new FsState();
  const disk = k.machine.disk;
  const mem = k.machine.memory;
  const nblocks = k.policy.fsBlocks;
  const ninodes = k.policy.fsInodes;
  const bmapBlocks = Math.ceil(nblocks / (PAGE * 8));
  const itabBlocks = ninodes / INODES_PER_BLOCK;
  s.nblocks = nblocks;
  s.ninodes = ninodes;
  s.bmapStart = 1;
  s.itabStart = 1 + bmapBlocks;
  s.dataStart = s.itabStart + itabBlocks;
  if (k.frames.freeCount < 1 + bmapBlocks + itabBlocks + 8)
    throw new ConfigError("the file system's in-core tables do not fit in the machine's memory");
  const got = k.frames.allocHigh(1 + bmapBlocks + itabBlocks)!;
  s.sbFrame = got[0]!;
  s.bmapFrames.push(...got.slice(1, 1 + bmapBlocks));
  s.itabFrames.push(...got.slice(1 + bmapBlocks));
  for (const f of s.frames()) mem.zeroFrame(f);
  (k as { fs: FsState }).fs = s;
  const sector = (b: number) => b * 8;
  const sb = disk.inspect(0, 8);
  const view = new DataView(sb.buffer);
  const formatted =
    view.getUint32(SB.MAGIC, true) === FS_MAGIC &&
    view.getUint32(SB.NBLOCKS, true) === nblocks &&
    view.getUint32(SB.NINODES, true) === ninodes;
  if (!formatted) newfs(k);
  else {
    mem.u8.set(sb, s.sbFrame * PAGE);
    for (let i = 0; i < bmapBlocks; i++)
      mem.u8.set(disk.inspect(sector(s.bmapStart + i), 8), s.bmapFrames[i]! * PAGE);
    for (let i = 0; i < itabBlocks; i++)
      mem.u8.set(disk.inspect(sector(s.itabStart + i), 8), s.itabFrames[i]! * PAGE);
  }
  // f_offset of every file-table entry starts at 0 (no file is open at boot).
  for (let i = 0; i < k.policy.maxFiles; i++) mem.write32(s.sbFrame * PAGE + FOFFSET + i * 4, 0);
}

/** newfs: the superblock, a bitmap with the metadata blocks in use, an empty root directory. */
function newfs(k: MonolithicKernel): void {
  const s = k.fs;
  const mem = k.machine.memory;
  const sb = s.sbFrame * PAGE;
  mem.write32(sb + SB.MAGIC, FS_MAGIC);
  mem.write32(sb + SB.NBLOCKS, s.nblocks);
  mem.write32(sb + SB.NINODES, s.ninodes);
  mem.write32(sb + SB.BMAP_START, s.bmapStart);
  mem.write32(sb + SB.BMAP_BLOCKS, s.bmapFrames.length);
  mem.write32(sb + SB.ITAB_START, s.itabStart);
  mem.write32(sb + SB.ITAB_BLOCKS, s.itabFrames.length);
  mem.write32(sb + SB.DATA_START, s.dataStart);
  mem.write32(sb + SB.FREE_BLOCKS, s.nblocks - s.dataStart);
  mem.write32(sb + SB.FREE_INODES, s.ninodes - 2);
  // Metadata blocks in use; bits past the end of the file system set (never allocated).
  const bits = s.bmapFrames.length * PAGE * 8;
  for (let b = 0; b < bits; b++) {
    if (b < s.dataStart || b >= s.nblocks) {
      const a = s.bmapFrames[b >>> 15]! * PAGE + ((b >>> 3) & (PAGE - 1));
      mem.u8[a] = mem.u8[a]! | (1 << (b & 7));
    }
  }
  const root = s.itabFrames[0]! * PAGE + ROOTINO * INODE_BYTES;
  mem.write32(root + I.MODE, IFDIR);
  mem.write32(root + I.NLINK, 1);
  mem.write32(root + I.SIZE, 0);
  // Inode 0 is never handed out: marked in use.
  mem.write32(s.itabFrames[0]! * PAGE + I.MODE, IFDIR);
  const disk = k.machine.disk;
  disk.preload(0, mem.u8.slice(sb, sb + PAGE));
  for (let i = 0; i < s.bmapFrames.length; i++) {
    const f = s.bmapFrames[i]! * PAGE;
    disk.preload((s.bmapStart + i) * 8, mem.u8.slice(f, f + PAGE));
  }
  for (let i = 0; i < s.itabFrames.length; i++) {
    const f = s.itabFrames[i]! * PAGE;
    disk.preload((s.itabStart + i) * 8, mem.u8.slice(f, f + PAGE));
  }
}

/**
 * Finds a free data block in the bitmap (first fit from the data area), or 0 if none is
 * left. Nothing is changed (balloc's search: the caller takes it with takeBlock).
 */
export function findFreeBlock(k: MonolithicKernel): number {
  const cpu = k.cpu;
  const s = k.fs;
  if (cpu.load32(sbVa(k, SB.FREE_BLOCKS)) === 0) return 0;
  const words = Math.ceil(s.nblocks / 32);
  for (let w = s.dataStart >>> 5; w < words; w++) {
    cpu.exec(COSTS["ufs.balloc.scan"]);
    const v = cpu.load32(bmapWordVa(k, w));
    if (v === 0xffffffff) continue;
    for (let bit = 0; bit < 32; bit++) if ((v & (1 << bit)) === 0) return w * 32 + bit;
  }
  return 0;
}

/** Marks block `b` in use (its bit, the free count). */
export function takeBlock(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  const a = bmapWordVa(k, b >>> 5);
  cpu.store32(a, cpu.load32(a) | (1 << (b & 31)));
  const f = sbVa(k, SB.FREE_BLOCKS);
  cpu.store32(f, cpu.load32(f) - 1);
}

/** Frees block `b` (its bit, the free count). */
export function freeBlock(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["ufs.bfree"]);
  const a = bmapWordVa(k, b >>> 5);
  cpu.store32(a, cpu.load32(a) & ~(1 << (b & 31)));
  const f = sbVa(k, SB.FREE_BLOCKS);
  cpu.store32(f, cpu.load32(f) + 1);
}

/** A free inode number, or 0. Nothing is changed. */
export function findFreeInode(k: MonolithicKernel): number {
  const cpu = k.cpu;
  if (cpu.load32(sbVa(k, SB.FREE_INODES)) === 0) return 0;
  for (let ino = 2; ino < k.fs.ninodes; ino++) {
    cpu.exec(COSTS["ufs.ialloc.scan"]);
    if (cpu.load32(inoVa(k, ino, I.MODE)) === 0) return ino;
  }
  return 0;
}

/** Initialises inode `ino` as an empty file of `mode` (ialloc's second half). */
export function takeInode(k: MonolithicKernel, ino: number, mode: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["ufs.ialloc"]);
  cpu.store32(inoVa(k, ino, I.MODE), mode);
  cpu.store32(inoVa(k, ino, I.NLINK), 1);
  cpu.store32(inoVa(k, ino, I.SIZE), 0);
  for (let i = 0; i <= NDADDR; i++) cpu.store32(inoVa(k, ino, I.DB + i * 4), 0);
  const f = sbVa(k, SB.FREE_INODES);
  cpu.store32(f, cpu.load32(f) - 1);
}

/** Frees inode `ino` (its blocks were freed first). */
export function freeInode(k: MonolithicKernel, ino: number): void {
  const cpu = k.cpu;
  cpu.store32(inoVa(k, ino, I.MODE), 0);
  cpu.store32(inoVa(k, ino, I.NLINK), 0);
  const f = sbVa(k, SB.FREE_INODES);
  cpu.store32(f, cpu.load32(f) + 1);
}

/** The disk block of the in-core inode table's page that holds `ino`. */
export function inodeBlock(k: MonolithicKernel, ino: number): number {
  return k.fs.itabStart + (ino >>> 6);
}
