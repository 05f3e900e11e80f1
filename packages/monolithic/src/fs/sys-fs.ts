import { Errno, O_ACCMODE, O_CREAT, O_EXCL, SEEK_CUR, SEEK_END, SEEK_SET } from "../abi.js";
import { COSTS } from "../costs.js";
import { fileVa, findFreeFds, findFreeFiles, getf } from "../ipc/file.js";
import type { MonolithicKernel } from "../kernel.js";
import { F, FTYPE_VNODE, FWRITE, U } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { SLEEP, sleep } from "../sched/sleep.js";
import type { SysArgs } from "../syscall/table.js";
import {
  B,
  B_BUSY,
  B_DELWRI,
  B_WANTED,
  bawrite,
  bdwrite,
  binval,
  bread,
  brelse,
  bufDataVa,
  clrbuf,
  fillbuf,
  getblk,
  hdrVa,
  incore,
} from "./bio.js";
import {
  DIRENT_BYTES,
  findFreeBlock,
  findFreeInode,
  freeBlock,
  freeInode,
  I,
  IFDIR,
  IFREG,
  inodeBlock,
  inoVa,
  NDADDR,
  NINDIR,
  sbVa,
  takeBlock,
  takeInode,
} from "./fs.js";
import { copyinPath, dirlookup, lookupSlot, namei } from "./namei.js";
import { offsetVa } from "./rw.js";

/**
 * A file-table entry of a vnode keeps its inode in the F.PIPE word with this bit set (pipes
 * keep their pipe index there): read, write and close tell the two apart by the word they
 * already load, as 4.4BSD's f_ops would.
 */
export const F_VNODE = 0x80000000;

/** Runs a system call's step now and, if it sleeps, again after each wakeup. */
function resumable(p: Proc, step: () => number): number {
  const r = step();
  if (r === SLEEP) p.cont = step;
  return r;
}

/**
 * open(path, flags): O_RDONLY / O_WRONLY / O_RDWR, O_CREAT (a new empty file in an existing
 * directory), O_EXCL. Checks, in order: flags (EINVAL), the path (EFAULT, ENAMETOOLONG,
 * ENOENT, ENOTDIR), a directory opened for writing (EISDIR), a descriptor and a file-table
 * entry (EMFILE, ENFILE), then for a new file a free inode and, when the directory must grow,
 * a free block (ENOSPC); then changes.
 */
export function sysOpen(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS["sys.open"]);
  const pathVa = a[0]!;
  const flags = a[1]! | 0;
  if ((flags & ~(O_ACCMODE | O_CREAT | O_EXCL)) !== 0 || (flags & O_ACCMODE) === O_ACCMODE)
    return -Errno.EINVAL;
  const mode = (flags & O_ACCMODE) + 1; // FREAD, FWRITE or both (FFLAGS)
  return resumable(p, () => openStep(k, p, pathVa, flags, mode));
}

function openStep(k: MonolithicKernel, p: Proc, pathVa: number, flags: number, mode: number) {
  const cpu = k.cpu;
  const comps = copyinPath(k, p, pathVa);
  if (typeof comps === "number") return comps;
  let ino: number;
  if (comps.length === 0) {
    ino = namei(k, p, comps, false); // the root
    if ((flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0) return -Errno.EEXIST;
  } else {
    const dir = namei(k, p, comps, true);
    if (dir < 0) return dir;
    ino = dirlookup(k, p, dir, comps[comps.length - 1]!);
    if (ino < 0) return ino;
    if (ino !== 0 && (flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0) return -Errno.EEXIST;
    if (ino === 0) {
      if ((flags & O_CREAT) === 0) return -Errno.ENOENT;
      const fds = findFreeFds(k, p, 1);
      if (fds === null) return -Errno.EMFILE;
      const files = findFreeFiles(k, 1);
      if (files === null) return -Errno.ENFILE;
      const r = direnter(k, p, dir, comps[comps.length - 1]!, IFREG);
      if (r < 0) return r;
      return falloc(k, p, fds[0]!, files[0]!, r, mode);
    }
  }
  if (cpu.load32(inoVa(k, ino, I.MODE)) === IFDIR && (mode & FWRITE) !== 0) return -Errno.EISDIR;
  const fds = findFreeFds(k, p, 1);
  if (fds === null) return -Errno.EMFILE;
  const files = findFreeFiles(k, 1);
  if (files === null) return -Errno.ENFILE;
  return falloc(k, p, fds[0]!, files[0]!, ino, mode);
}

/** The descriptor and file-table entry of an open vnode (offset 0). */
function falloc(k: MonolithicKernel, p: Proc, fd: number, f: number, ino: number, mode: number) {
  const cpu = k.cpu;
  const fv = fileVa(f);
  cpu.store32(fv + F.TYPE, FTYPE_VNODE);
  cpu.store32(fv + F.FLAG, mode);
  cpu.store32(fv + F.COUNT, 1);
  cpu.store32(fv + F.PIPE, (ino | F_VNODE) >>> 0);
  cpu.store32(offsetVa(k, f), 0);
  cpu.store32(k.uva(p) + U.OFILE + fd * 4, f + 1);
  return fd;
}

/**
 * direnter + ialloc: a new inode of `mode` entered under `name` in `dir` (the name was looked
 * up and is absent: lookupSlot has the first free entry). Everything that may sleep or fail
 * comes first (the entry's block, a free inode, a free block when the directory grows);
 * then the changes, with no sleep between them. Returns the new inode, SLEEP or -errno.
 */
function direnter(k: MonolithicKernel, p: Proc, dir: number, name: number[], mode: number) {
  const cpu = k.cpu;
  cpu.exec(COSTS["ufs.direnter"]);
  const ino = findFreeInode(k);
  if (ino === 0) return -Errno.ENOSPC;
  let b: number;
  let off: number;
  let newBlock = 0;
  const size = cpu.load32(inoVa(k, dir, I.SIZE));
  if (lookupSlot.freeOff >= 0) {
    off = lookupSlot.freeOff;
    b = bread(k, p, lookupSlot.freeBlkno, dir);
    if (b < 0) return b;
  } else if ((size & 4095) !== 0) {
    off = size & 4095;
    b = bread(k, p, cpu.load32(inoVa(k, dir, I.DB + (size >>> 12) * 4)), dir);
    if (b < 0) return b;
  } else {
    if (size >>> 12 >= NDADDR) return -Errno.ENOSPC; // a directory has direct blocks only
    cpu.exec(COSTS["ufs.balloc"]);
    newBlock = findFreeBlock(k);
    if (newBlock === 0) return -Errno.ENOSPC;
    b = getblk(k, p, newBlock, dir);
    if (b < 0) return b;
    clrbuf(k, b);
    off = 0;
  }
  // The changes: nothing below sleeps or fails.
  if (newBlock !== 0) {
    takeBlock(k, newBlock);
    cpu.store32(inoVa(k, dir, I.DB + (size >>> 12) * 4), newBlock);
  }
  takeInode(k, ino, mode);
  const ev = bufDataVa(k, b) + off;
  cpu.store32(ev, ino);
  for (let w = 0; w < 7; w++) cpu.store32(ev + 4 + w * 4, name[w]!);
  if (lookupSlot.freeOff < 0) cpu.store32(inoVa(k, dir, I.SIZE), size + DIRENT_BYTES);
  bdwrite(k, b);
  return ino;
}

/** The inode behind a descriptor of an open vnode, or -EBADF / -ESPIPE (a pipe). */
function vnodeOf(k: MonolithicKernel, p: Proc, fd: number, mode: number): number {
  const f = getf(k, p, fd, mode);
  if (f < 0) return f;
  const w = k.cpu.load32(fileVa(f) + F.PIPE);
  if ((w & F_VNODE) === 0) return -Errno.ESPIPE;
  return f;
}

/** lseek(fd, offset, whence): the new offset. EBADF, ESPIPE (a pipe), EINVAL (whence, < 0). */
export function sysLseek(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.lseek"]);
  const f = vnodeOf(k, p, a[0]! | 0, 0);
  if (f < 0) return f;
  const off = a[1]! | 0;
  const whence = a[2]! | 0;
  let base: number;
  if (whence === SEEK_SET) base = 0;
  else if (whence === SEEK_CUR) base = cpu.load32(offsetVa(k, f));
  else if (whence === SEEK_END) {
    const ino = (cpu.load32(fileVa(f) + F.PIPE) & ~F_VNODE) >>> 0;
    base = cpu.load32(inoVa(k, ino, I.SIZE));
  } else return -Errno.EINVAL;
  const to = base + off;
  if (to < 0 || to > 0x7fffffff) return -Errno.EINVAL;
  cpu.store32(offsetVa(k, f), to);
  return to;
}

/**
 * fsync(fd): every delayed-write buffer of the file is written (bawrite), then its inode's
 * block and the bitmap (from the in-core tables), and the call sleeps until none of those
 * buffers is still being written. EBADF, ESPIPE.
 */
export function sysFsync(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS["sys.fsync"]);
  const f = vnodeOf(k, p, a[0]! | 0, 0);
  if (f < 0) return f;
  const ino = (k.cpu.load32(fileVa(f) + F.PIPE) & ~F_VNODE) >>> 0;
  let phase = 0;
  return resumable(p, () => {
    const r = phase === 0 ? fsyncIssue(k, p, ino) : 0;
    if (r < 0) return r;
    phase = 1;
    return fsyncWait(k, p, ino);
  });
}

/** The metadata blocks fsync writes: the inode's block and every bitmap block. */
function metaBlocks(k: MonolithicKernel, ino: number): number[] {
  const s = k.fs;
  const out = [inodeBlock(k, ino)];
  for (let i = 0; i < s.bmapFrames.length; i++) out.push(s.bmapStart + i);
  return out;
}

function fsyncIssue(k: MonolithicKernel, p: Proc, ino: number): number {
  const cpu = k.cpu;
  const bio = k.bio;
  for (let b = 0; b < bio.nbuf; b++) {
    cpu.exec(COSTS["fsync.scan"]);
    const h = hdrVa(k, b);
    if (cpu.load32(h + B.INO) !== ino) continue;
    const fl = cpu.load32(h + B.FLAGS);
    if ((fl & B_DELWRI) === 0 || (fl & B_BUSY) !== 0) continue;
    const got = getblk(k, p, cpu.load32(h + B.BLKNO), ino);
    if (got < 0) return got;
    bawrite(k, got);
  }
  const s = k.fs;
  for (const blk of metaBlocks(k, ino)) {
    const b = getblk(k, p, blk, 0);
    if (b < 0) return b;
    const src =
      blk >= s.itabStart
        ? inoVa(k, (blk - s.itabStart) * 64, 0)
        : bmapFrameVa(k, blk - s.bmapStart);
    fillbuf(k, b, src);
    bawrite(k, b);
  }
  return 0;
}

function bmapFrameVa(k: MonolithicKernel, i: number): number {
  return (0x80000000 + k.fs.bmapFrames[i]! * 4096) >>> 0;
}

function fsyncWait(k: MonolithicKernel, p: Proc, ino: number): number {
  const cpu = k.cpu;
  const meta = metaBlocks(k, ino);
  for (let b = 0; b < k.bio.nbuf; b++) {
    cpu.exec(COSTS["fsync.scan"]);
    const h = hdrVa(k, b);
    const tag = cpu.load32(h + B.INO);
    const fl = cpu.load32(h + B.FLAGS);
    if ((fl & B_BUSY) === 0) continue;
    if (tag !== ino && !(tag === 0 && meta.includes(cpu.load32(h + B.BLKNO)))) continue;
    cpu.store32(h + B.FLAGS, fl | B_WANTED);
    return sleep(k, p, h);
  }
  return 0;
}

/**
 * mkdir(path): a new empty directory. EFAULT, ENAMETOOLONG, ENOENT, ENOTDIR (a component),
 * EEXIST, ENOSPC.
 */
export function sysMkdir(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS["sys.mkdir"]);
  const pathVa = a[0]!;
  return resumable(p, () => {
    const comps = copyinPath(k, p, pathVa);
    if (typeof comps === "number") return comps;
    if (comps.length === 0) return -Errno.EEXIST;
    const dir = namei(k, p, comps, true);
    if (dir < 0) return dir;
    const ino = dirlookup(k, p, dir, comps[comps.length - 1]!);
    if (ino < 0) return ino;
    if (ino !== 0) return -Errno.EEXIST;
    const r = direnter(k, p, dir, comps[comps.length - 1]!, IFDIR);
    return Math.min(r, 0); // the new inode's number is not the result
  });
}

/**
 * unlink(path): removes the name; the file (or empty directory) is freed with its blocks.
 * EFAULT, ENAMETOOLONG, ENOENT, ENOTDIR, EBUSY (the root, or a file still open: 4.4BSD
 * would free it at the last close), ENOTEMPTY (a directory with entries).
 */
export function sysUnlink(k: MonolithicKernel, p: Proc, a: SysArgs): number {
  k.cpu.exec(COSTS["sys.unlink"]);
  const pathVa = a[0]!;
  return resumable(p, () => unlinkStep(k, p, pathVa));
}

function unlinkStep(k: MonolithicKernel, p: Proc, pathVa: number): number {
  const cpu = k.cpu;
  const comps = copyinPath(k, p, pathVa);
  if (typeof comps === "number") return comps;
  if (comps.length === 0) return -Errno.EBUSY;
  const dir = namei(k, p, comps, true);
  if (dir < 0) return dir;
  const ino = dirlookup(k, p, dir, comps[comps.length - 1]!);
  if (ino < 0) return ino;
  if (ino === 0) return -Errno.ENOENT;
  const entBlk = lookupSlot.blkno;
  const entOff = lookupSlot.off;
  if (cpu.load32(inoVa(k, ino, I.MODE)) === IFDIR) {
    const r = dirEmpty(k, p, ino);
    if (r < 0) return r;
    if (r === 0) return -Errno.ENOTEMPTY;
  }
  for (let f = 0; f < k.policy.maxFiles; f++) {
    cpu.exec(COSTS["falloc.scan"]);
    const fv = fileVa(f);
    if (cpu.load32(fv + F.COUNT) !== 0 && cpu.load32(fv + F.PIPE) === (ino | F_VNODE) >>> 0)
      return -Errno.EBUSY;
  }
  // Buffers to hold through the changes: the entry's block, then the indirect block.
  const db = bread(k, p, entBlk, dir);
  if (db < 0) return db;
  const ibno = cpu.load32(inoVa(k, ino, I.IB));
  let ib = -1;
  if (ibno !== 0) {
    ib = bread(k, p, ibno, ino);
    if (ib < 0) {
      // It sleeps: the entry's block must not stay held.
      return releaseThen(k, db, ib);
    }
  }
  // The changes: nothing below sleeps or fails.
  cpu.exec(COSTS["ufs.dirremove"]);
  cpu.store32(bufDataVa(k, db) + entOff, 0);
  bdwrite(k, db);
  itrunc(k, ino, ib);
  freeInode(k, ino);
  return 0;
}

function releaseThen(k: MonolithicKernel, held: number, r: number): number {
  // bread returned SLEEP after queueing its read: the held buffer goes back first.
  brelse(k, held);
  return r;
}

/** 1 if directory `ino` has no entry, 0 if it has one, SLEEP. */
function dirEmpty(k: MonolithicKernel, p: Proc, ino: number): number {
  const cpu = k.cpu;
  const size = cpu.load32(inoVa(k, ino, I.SIZE));
  for (let lbn = 0; lbn * 4096 < size; lbn++) {
    const b = bread(k, p, cpu.load32(inoVa(k, ino, I.DB + lbn * 4)), ino);
    if (b < 0) return b;
    const n = Math.min(128, (size - lbn * 4096) / DIRENT_BYTES);
    for (let e = 0; e < n; e++) {
      cpu.exec(COSTS["ufs.lookup.entry"]);
      if (cpu.load32(bufDataVa(k, b) + e * DIRENT_BYTES) !== 0) {
        brelse(k, b);
        return 0;
      }
    }
    brelse(k, b);
  }
  return 1;
}

/**
 * itrunc to 0: every block of the inode back to the bitmap, its cached buffers dropped
 * (a buffer being written is left to finish). `ib` is the indirect block's buffer, held.
 */
function itrunc(k: MonolithicKernel, ino: number, ib: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["ufs.itrunc"]);
  // A freed block's cached buffer is dropped (taken as getblk takes it, then invalidated);
  // one being written is left to finish.
  const drop = (blk: number) => {
    freeBlock(k, blk);
    if (incore(k, blk) < 0) return;
    const got = getblk(k, k.cur!, blk, 0, false);
    if (got >= 0) binval(k, got);
  };
  for (let i = 0; i < NDADDR; i++) {
    const blk = cpu.load32(inoVa(k, ino, I.DB + i * 4));
    if (blk !== 0) drop(blk);
    cpu.store32(inoVa(k, ino, I.DB + i * 4), 0);
  }
  if (ib >= 0) {
    const base = bufDataVa(k, ib);
    for (let i = 0; i < NINDIR; i++) {
      const blk = cpu.load32(base + i * 4);
      if (blk !== 0) drop(blk);
    }
    freeBlock(k, cpu.load32(inoVa(k, ino, I.IB)));
    binval(k, ib);
  }
  cpu.store32(inoVa(k, ino, I.IB), 0);
  cpu.store32(inoVa(k, ino, I.SIZE), 0);
}

/** read/write of a vnode (sys-io.ts calls these when F.PIPE has F_VNODE). */
export { ufsReader, ufsWriter } from "./rw.js";
/** sbVa re-exported for tests that read the superblock's counts. */
export { sbVa };
