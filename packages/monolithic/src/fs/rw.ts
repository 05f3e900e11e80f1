import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { FRAME_NULLPT, kseg0 } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { SLEEP } from "../sched/sleep.js";
import { copyUser } from "../vm/useracc.js";
import {
  B,
  B_DONE,
  bawrite,
  bdwrite,
  binval,
  bread,
  brelse,
  bufDataVa,
  clrbuf,
  getblk,
  hdrVa,
  NOWAIT,
  noteLookup,
} from "./bio.js";
import { FOFFSET, findFreeBlock, I, inoVa, MAXFILEBLOCKS, NDADDR, sbVa, takeBlock } from "./fs.js";

const BSIZE = 4096;

export function offsetVa(k: MonolithicKernel, f: number): number {
  return sbVa(k, FOFFSET + f * 4);
}

/**
 * bmap for reading: the disk block of logical block `lbn` of `ino` (0: a hole), or SLEEP
 * (its indirect block is being read).
 */
export function bmap(k: MonolithicKernel, p: Proc, ino: number, lbn: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["ufs.bmap"]);
  if (lbn < NDADDR) return cpu.load32(inoVa(k, ino, I.DB + lbn * 4));
  cpu.exec(COSTS["ufs.bmap.indir"]);
  const ib = cpu.load32(inoVa(k, ino, I.IB));
  if (ib === 0) return 0;
  const b = bread(k, p, ib, ino);
  if (b < 0) return b;
  const v = cpu.load32(bufDataVa(k, b) + (lbn - NDADDR) * 4);
  brelse(k, b);
  return v;
}

/**
 * ufs_read of file-table entry `f` (inode `ino`) into the user buffer, as a resumable step:
 * block by block through the buffer cache from the file's offset, up to its size; `done`
 * bytes (and the offset) survive a sleep. Holes read as zeros. Returns the bytes read, SLEEP
 * or -EFAULT (nothing read).
 */
export function ufsReader(
  k: MonolithicKernel,
  p: Proc,
  f: number,
  ino: number,
  buf: number,
  n: number,
): () => number {
  let done = 0;
  return () => {
    const cpu = k.cpu;
    cpu.exec(COSTS["ufs.rw"]);
    while (done < n) {
      const off = cpu.load32(offsetVa(k, f));
      const size = cpu.load32(inoVa(k, ino, I.SIZE));
      if (off >= size) break;
      cpu.exec(COSTS["ufs.rw.block"]);
      const boff = off & (BSIZE - 1);
      const len = Math.min(BSIZE - boff, n - done, size - off);
      const addr = bmap(k, p, ino, off >>> 12);
      if (addr < 0) return addr;
      cpu.exec(COSTS.uiomove);
      let ok: boolean;
      if (addr === 0) {
        // A hole: zeros (copied from the kernel's page of zeros).
        ok = copyUser(k, buf + done, kseg0(FRAME_NULLPT, boff), len);
      } else {
        const b = bread(k, p, addr, ino, true);
        if (b < 0) return b;
        ok = copyUser(k, buf + done, bufDataVa(k, b) + boff, len);
        brelse(k, b);
      }
      if (!ok) return done > 0 ? done : -Errno.EFAULT;
      done += len;
      cpu.store32(offsetVa(k, f), off + len);
    }
    return done;
  };
}

/**
 * A block for writing logical block `lbn`: the buffer (owned; `fresh` set when the block was
 * just allocated), SLEEP, or -ENOSPC / -EFBIG. Allocation (balloc) takes the bitmap bit and
 * records the address only once a buffer for the new block is in hand, so that no sleep
 * comes between allocating a block and initialising it: a sleeping writer holds no buffer
 * and has changed nothing it would not redo.
 */
const got = { fresh: false };
function bufForWrite(
  k: MonolithicKernel,
  p: Proc,
  ino: number,
  lbn: number,
  full: boolean,
): number {
  const cpu = k.cpu;
  got.fresh = false;
  if (lbn >= MAXFILEBLOCKS) return -Errno.EFBIG;
  // The indirect block itself, first (its address lives in the in-core inode).
  if (lbn >= NDADDR && cpu.load32(inoVa(k, ino, I.IB)) === 0) {
    cpu.exec(COSTS["ufs.balloc"]);
    const nb = findFreeBlock(k);
    if (nb === 0) return -Errno.ENOSPC;
    const ib = getblk(k, p, nb, ino);
    if (ib < 0) return ib;
    clrbuf(k, ib);
    takeBlock(k, nb);
    cpu.store32(inoVa(k, ino, I.IB), nb);
    bdwrite(k, ib);
  }
  let held = -1;
  let slot = 0;
  let addr: number;
  if (lbn < NDADDR) {
    slot = inoVa(k, ino, I.DB + lbn * 4);
    addr = cpu.load32(slot);
  } else {
    held = bread(k, p, cpu.load32(inoVa(k, ino, I.IB)), ino);
    if (held < 0) return held;
    slot = bufDataVa(k, held) + (lbn - NDADDR) * 4;
    addr = cpu.load32(slot);
  }
  if (addr !== 0) {
    if (held >= 0) brelse(k, held);
    if (!full) return bread(k, p, addr, ino, true);
    const b = getblk(k, p, addr, ino);
    if (b >= 0) noteLookup(k, (k.cpu.load32(hdrVa(k, b) + B.FLAGS) & B_DONE) !== 0, true);
    return b;
  }
  cpu.exec(COSTS["ufs.balloc"]);
  const nb = findFreeBlock(k);
  if (nb === 0) {
    if (held >= 0) brelse(k, held);
    return -Errno.ENOSPC;
  }
  const b = getblk(k, p, nb, ino, held < 0);
  if (b === NOWAIT) {
    // Would sleep while holding the indirect block: release it and try again from the top.
    brelse(k, held);
    const b2 = getblk(k, p, nb, ino);
    if (b2 < 0) return b2;
    binval(k, b2);
    return bufForWrite(k, p, ino, lbn, full);
  }
  if (b < 0) return b;
  noteLookup(k, false, true);
  if (!full) clrbuf(k, b);
  takeBlock(k, nb);
  cpu.store32(slot, nb);
  if (held >= 0) bdwrite(k, held);
  got.fresh = true;
  return b;
}

/**
 * ufs_write as a resumable step: block by block from the file's offset, allocating blocks as
 * needed; a whole block is written at once (bawrite, as 4.4BSD's ufs_write), a partial one
 * is left dirty (bdwrite). Returns the bytes written, SLEEP, or -errno (EFBIG past the largest
 * file, ENOSPC, EFAULT) when nothing was written.
 */
export function ufsWriter(
  k: MonolithicKernel,
  p: Proc,
  f: number,
  ino: number,
  buf: number,
  n: number,
): () => number {
  let done = 0;
  return () => {
    const cpu = k.cpu;
    cpu.exec(COSTS["ufs.rw"]);
    while (done < n) {
      const off = cpu.load32(offsetVa(k, f));
      cpu.exec(COSTS["ufs.rw.block"]);
      const boff = off & (BSIZE - 1);
      const len = Math.min(BSIZE - boff, n - done);
      const full = boff === 0 && len === BSIZE;
      const b = bufForWrite(k, p, ino, off >>> 12, full);
      if (b === SLEEP) return SLEEP;
      if (b < 0) return done > 0 ? done : b;
      const fresh = got.fresh;
      const h = hdrVa(k, b);
      const wasValid = (cpu.load32(h + B.FLAGS) & B_DONE) !== 0;
      cpu.exec(COSTS.uiomove);
      if (!copyUser(k, bufDataVa(k, b) + boff, buf + done, len)) {
        // The copy stopped part way: a new block is zeroed (nothing of another block's
        // contents may reach this file), a buffer that held no valid data is dropped.
        if (fresh) {
          clrbuf(k, b);
          bdwrite(k, b);
        } else if (!wasValid) binval(k, b);
        else bdwrite(k, b);
        return done > 0 ? done : -Errno.EFAULT;
      }
      cpu.store32(h + B.FLAGS, cpu.load32(h + B.FLAGS) | B_DONE);
      const size = cpu.load32(inoVa(k, ino, I.SIZE));
      if (off + len > size) cpu.store32(inoVa(k, ino, I.SIZE), off + len);
      if (full) bawrite(k, b);
      else bdwrite(k, b);
      done += len;
      cpu.store32(offsetVa(k, f), off + len);
    }
    return done;
  };
}
