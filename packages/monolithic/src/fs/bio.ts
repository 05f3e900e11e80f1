import { ConfigError } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import { rzstrategy } from "../dev/rz.js";
import type { MonolithicKernel } from "../kernel.js";
import { PAGE } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { sleep, wakeup } from "../sched/sleep.js";
import { kcopy } from "../vm/useracc.js";
import {
  B,
  B_ASYNC,
  B_BUSY,
  B_DELWRI,
  B_DONE,
  B_HASHED,
  B_READ,
  B_WANTED,
  BioState,
  BUF_BYTES,
  BUFHSZ,
  bufDataVa,
  G,
  gva,
  hdrVa,
  NOWAIT,
} from "./buf.js";

/**
 * The buffer cache (4.4BSD vfs_bio.c reduced to one device and one buffer size): a fixed
 * number of 4 KiB buffers (policy.bufferCacheBlocks), each a kernel frame, with a header in
 * kernel memory (32 bytes, 128 to a frame), a hash of BUFHSZ chains by block number, and one
 * LRU free list (head: least recently released). Every header word is read and written with
 * charged accesses; the data moves with charged copies.
 *
 * Invariants: a buffer is on the free list iff it is not B_BUSY; a hashed buffer is on exactly
 * the chain of its block number; at most one buffer holds a block. A system call holds at most
 * the buffers it took with getblk/bread since its last sleep: before sleeping it releases
 * them all (so a sleeping process owns no buffer, and a signal or a kill leaves none busy).
 *
 * One difference from 4.4BSD, on purpose: a read or write that a process waits for is
 * released by biodone (put on the free list, valid) and the sleeper woken; on its wakeup the
 * system call looks the block up again (one more getblk, a hit, not counted in the hit
 * statistics). 4.4BSD's biowait returns with the buffer still owned. The extra lookup is
 * counted (bio.getblk); it is what keeps every sleep interruptible here (every sleep of this
 * kernel is).
 */
export * from "./buf.js";

function bucketVa(k: MonolithicKernel, blkno: number): number {
  return gva(k, (blkno & (BUFHSZ - 1)) * 4);
}

/** The number of buffers: the policy's, or (0) a tenth of physical memory, at least 4. */
export function nbufFor(k: MonolithicKernel): number {
  const n = k.policy.bufferCacheBlocks;
  return n !== 0 ? n : Math.max(4, Math.floor(k.machine.memory.frames / 10));
}

/**
 * bufinit (boot, uncharged like the rest of boot): the frames, every header on the free list
 * in order, no buffer hashed. Frames come from the top of memory so that processes get the
 * frames they got before the cache existed.
 */
export function bioinit(k: MonolithicKernel): void {
  const s = new BioState();
  const n = nbufFor(k);
  const mem = k.machine.memory;
  s.nbuf = n;
  const need = 1 + Math.ceil((n * BUF_BYTES) / PAGE) + n;
  if (k.frames.freeCount < need + 8)
    throw new ConfigError(
      `policy.bufferCacheBlocks: ${n} buffers need ${need} frames; the machine has ${k.frames.freeCount} free`,
    );
  const got = k.frames.allocHigh(need)!;
  s.globalsFrame = got[0]!;
  s.hdrFrames.push(...got.slice(1, need - n));
  s.dataFrames.push(...got.slice(need - n));
  // Headers and globals start zeroed; a buffer's data is never read before it is filled (a
  // read, clrbuf, or a whole-block write), so its frame is left as it is.
  mem.zeroFrame(s.globalsFrame);
  for (const f of s.hdrFrames) mem.zeroFrame(f);
  (k as { bio: BioState }).bio = s;
  const g = s.globalsFrame * PAGE;
  for (let b = 0; b < n; b++) {
    const h = s.hdrFrames[b >>> 7]! * PAGE + (b & 127) * BUF_BYTES;
    mem.write32(h + B.FRAME, s.dataFrames[b]!);
    mem.write32(h + B.FPREV, b);
    mem.write32(h + B.FNEXT, b + 1 < n ? b + 2 : 0);
  }
  mem.write32(g + G.FREEHEAD, 1);
  mem.write32(g + G.FREETAIL, n);
}

/** incore(): the buffer holding `blkno`, or -1 (walks its hash chain). */
export function incore(k: MonolithicKernel, blkno: number): number {
  const cpu = k.cpu;
  let l = cpu.load32(bucketVa(k, blkno));
  while (l !== 0) {
    cpu.exec(COSTS["bio.hash.step"]);
    const h = hdrVa(k, l - 1);
    if (cpu.load32(h + B.BLKNO) === blkno) return l - 1;
    l = cpu.load32(h + B.HNEXT);
  }
  return -1;
}

/** bremfree(): takes a buffer off the free list. */
function bremfree(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["bio.freelist"]);
  const h = hdrVa(k, b);
  const next = cpu.load32(h + B.FNEXT);
  const prev = cpu.load32(h + B.FPREV);
  if (prev === 0) cpu.store32(gva(k, G.FREEHEAD), next);
  else cpu.store32(hdrVa(k, prev - 1) + B.FNEXT, next);
  if (next === 0) cpu.store32(gva(k, G.FREETAIL), prev);
  else cpu.store32(hdrVa(k, next - 1) + B.FPREV, prev);
}

/** binstailfree() (or binsheadfree for an invalid buffer: it is reused first). */
function binsfree(k: MonolithicKernel, b: number, head: boolean): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["bio.freelist"]);
  const h = hdrVa(k, b);
  if (head) {
    const first = cpu.load32(gva(k, G.FREEHEAD));
    cpu.store32(h + B.FPREV, 0);
    cpu.store32(h + B.FNEXT, first);
    if (first === 0) cpu.store32(gva(k, G.FREETAIL), b + 1);
    else cpu.store32(hdrVa(k, first - 1) + B.FPREV, b + 1);
    cpu.store32(gva(k, G.FREEHEAD), b + 1);
    return;
  }
  const last = cpu.load32(gva(k, G.FREETAIL));
  cpu.store32(h + B.FNEXT, 0);
  cpu.store32(h + B.FPREV, last);
  if (last === 0) cpu.store32(gva(k, G.FREEHEAD), b + 1);
  else cpu.store32(hdrVa(k, last - 1) + B.FNEXT, b + 1);
  cpu.store32(gva(k, G.FREETAIL), b + 1);
}

/** bremhash(): takes a buffer off its hash chain. */
function bremhash(k: MonolithicKernel, b: number, blkno: number): void {
  const cpu = k.cpu;
  let link = bucketVa(k, blkno);
  let l = cpu.load32(link);
  while (l !== 0) {
    cpu.exec(COSTS["bio.hash.step"]);
    const h = hdrVa(k, l - 1);
    const next = cpu.load32(h + B.HNEXT);
    if (l - 1 === b) {
      cpu.store32(link, next);
      return;
    }
    link = h + B.HNEXT;
    l = next;
  }
}

/** Sleeps the process on `chan` (or, with wait false, records it and returns NOWAIT). */
function waitOn(k: MonolithicKernel, p: Proc, chan: number, wait: boolean): number {
  if (!wait) {
    k.bio.waitChan = chan;
    return NOWAIT;
  }
  return sleep(k, p, chan);
}

/**
 * getblk(blkno): the buffer of `blkno`, B_BUSY and owned by the caller (valid if B_DONE is
 * set), tagged with `ino`. A busy buffer is waited for (B_WANTED); a block not in the cache
 * takes the least recently used free buffer (getnewbuf): a delayed-write one is first written
 * (bawrite) and the next one taken; with no free buffer the caller waits (needbuffer).
 * Returns the buffer, SLEEP (the process sleeps) or, with `wait` false, NOWAIT (nothing
 * slept; BioState.waitChan says on what it would have).
 */
export function getblk(
  k: MonolithicKernel,
  p: Proc,
  blkno: number,
  ino: number,
  wait = true,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["bio.getblk"]);
  cpu.exec(COSTS["spl.call"], 2);
  k.bio.stats.lookups++;
  const found = incore(k, blkno);
  if (found >= 0) {
    const h = hdrVa(k, found);
    const f = cpu.load32(h + B.FLAGS);
    if ((f & B_BUSY) !== 0) {
      if (wait) cpu.store32(h + B.FLAGS, f | B_WANTED);
      return waitOn(k, p, h, wait);
    }
    bremfree(k, found);
    cpu.store32(h + B.FLAGS, f | B_BUSY);
    cpu.store32(h + B.INO, ino);
    return found;
  }
  for (;;) {
    cpu.exec(COSTS["bio.getnewbuf"]);
    const head = cpu.load32(gva(k, G.FREEHEAD));
    if (head === 0) {
      if (wait) cpu.store32(gva(k, G.NEEDBUF), 1);
      return waitOn(k, p, gva(k, G.NEEDBUF), wait);
    }
    const b = head - 1;
    const h = hdrVa(k, b);
    bremfree(k, b);
    const f = cpu.load32(h + B.FLAGS);
    if ((f & B_DELWRI) !== 0) {
      cpu.store32(h + B.FLAGS, f | B_BUSY);
      bawrite(k, b);
      continue;
    }
    if ((f & B_HASHED) !== 0) bremhash(k, b, cpu.load32(h + B.BLKNO));
    cpu.store32(h + B.BLKNO, blkno);
    cpu.store32(h + B.INO, ino);
    cpu.store32(h + B.FLAGS, B_BUSY | B_HASHED);
    const bucket = bucketVa(k, blkno);
    cpu.store32(h + B.HNEXT, cpu.load32(bucket));
    cpu.store32(bucket, b + 1);
    return b;
  }
}

/**
 * bread(blkno): the buffer, valid and owned, or SLEEP (the block is being read: the caller
 * runs again after biodone and finds it in the cache; that second lookup is not counted in
 * the statistics). `data` counts it as a file data block too.
 */
export function bread(k: MonolithicKernel, p: Proc, blkno: number, ino: number, data = false) {
  const cpu = k.cpu;
  cpu.exec(COSTS["bio.bread"]);
  const b = getblk(k, p, blkno, ino);
  if (b < 0) return b;
  const count = k.bio.skipBlk !== blkno;
  if (!count) k.bio.skipBlk = -1;
  const h = hdrVa(k, b);
  const f = cpu.load32(h + B.FLAGS);
  if ((f & B_DONE) !== 0) {
    if (count) noteLookup(k, true, data);
    return b;
  }
  if (count) noteLookup(k, false, data);
  cpu.store32(h + B.FLAGS, f | B_READ | B_WANTED);
  rzstrategy(k, b);
  cpu.exec(COSTS["bio.biowait"]);
  k.bio.skipBlk = blkno;
  return sleep(k, p, h);
}

/** Counts a lookup as a hit or a miss (host-side statistics). */
export function noteLookup(k: MonolithicKernel, hit: boolean, data: boolean): void {
  const s = k.bio.stats;
  if (hit) s.hits++;
  else s.misses++;
  if (data) {
    if (hit) s.dataHits++;
    else s.dataMisses++;
  }
}

/**
 * brelse(): the buffer back on the free list (at its tail: least recently used first; an
 * invalid one at its head), waking whoever waits for it or for any buffer.
 */
export function brelse(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["bio.brelse"]);
  cpu.exec(COSTS["spl.call"], 2);
  const h = hdrVa(k, b);
  const f = cpu.load32(h + B.FLAGS);
  if ((f & B_WANTED) !== 0) wakeup(k, h);
  if (cpu.load32(gva(k, G.NEEDBUF)) !== 0) {
    cpu.store32(gva(k, G.NEEDBUF), 0);
    wakeup(k, gva(k, G.NEEDBUF));
  }
  cpu.store32(h + B.FLAGS, f & ~(B_BUSY | B_WANTED | B_ASYNC | B_READ));
  binsfree(k, b, (f & B_DONE) === 0);
}

/** brelse of a buffer whose contents are dead (a freed block): invalid, reused first. */
export function binval(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  const h = hdrVa(k, b);
  cpu.store32(h + B.FLAGS, cpu.load32(h + B.FLAGS) & ~(B_DONE | B_DELWRI));
  brelse(k, b);
}

/** bawrite(): starts the write; biodone releases the buffer. */
export function bawrite(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["bio.bwrite"]);
  const h = hdrVa(k, b);
  const f = cpu.load32(h + B.FLAGS);
  cpu.store32(h + B.FLAGS, ((f & ~(B_DELWRI | B_READ)) | B_ASYNC | B_DONE) >>> 0);
  rzstrategy(k, b);
}

/**
 * bwrite(): starts the write and sleeps until biodone (B_WANTED: the wakeup). The caller runs
 * again after the wakeup (its buffer released by biodone).
 */
export function bwrite(k: MonolithicKernel, p: Proc, b: number): number {
  const cpu = k.cpu;
  const h = hdrVa(k, b);
  bawrite(k, b);
  cpu.store32(h + B.FLAGS, cpu.load32(h + B.FLAGS) | B_WANTED);
  cpu.exec(COSTS["bio.biowait"]);
  return sleep(k, p, h);
}

/** bdwrite(): marks the buffer dirty and releases it; it is written when evicted or synced. */
export function bdwrite(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["bio.bdwrite"]);
  const h = hdrVa(k, b);
  cpu.store32(h + B.FLAGS, cpu.load32(h + B.FLAGS) | B_DELWRI | B_DONE);
  brelse(k, b);
}

/** clrbuf(): zeroes a buffer's data (a block the file system has just allocated). */
export function clrbuf(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["copy.call"]);
  cpu.exec(COSTS["copy.loop"], PAGE / 16);
  cpu.zero(bufDataVa(k, b), PAGE);
  const h = hdrVa(k, b);
  cpu.store32(h + B.FLAGS, cpu.load32(h + B.FLAGS) | B_DONE);
}

/** Copies 4 KiB of kernel memory into a buffer (the in-core inode table or bitmap to its block). */
export function fillbuf(k: MonolithicKernel, b: number, srcVa: number): void {
  kcopy(k, bufDataVa(k, b), srcVa, PAGE);
  const h = hdrVa(k, b);
  k.cpu.store32(h + B.FLAGS, k.cpu.load32(h + B.FLAGS) | B_DONE);
}

/**
 * biodone() (from the disk interrupt): the transfer is over; the buffer is valid, released
 * (this kernel's one rule for reads and writes alike, see above), and a waiter woken.
 */
export function biodone(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["bio.biodone"]);
  const h = hdrVa(k, b);
  const f = cpu.load32(h + B.FLAGS);
  if ((f & B_READ) !== 0) k.bio.stats.diskReads++;
  else k.bio.stats.diskWrites++;
  cpu.store32(h + B.FLAGS, (f & ~B_READ) | B_DONE);
  brelse(k, b);
}
