import type { MonolithicKernel } from "../../src/index.js";
import { FIRST_FREE_FRAME, PAGE, PG_ALLOC, PG_PFN, PG_SHM, SZOMB } from "../../src/layout.js";

/**
 * The kernel's invariants as the fuzz checks them from the host (uncharged reads of physical
 * memory and of the kernel's host tables): every frame is either free or owned by exactly one
 * kernel object (shm pages may be mapped by several page tables, and are owned by their
 * segment), and the two add up to the whole memory. Returns what is wrong (empty: all holds).
 */
export function frameProblems(k: MonolithicKernel): string[] {
  const mem = k.machine.memory;
  const total = mem.frames;
  const owner = new Int32Array(total).fill(-1);
  const problems: string[] = [];
  const own = (f: number, who: number, what: string) => {
    if (!Number.isInteger(f) || f < FIRST_FREE_FRAME || f >= total) {
      problems.push(`${what}: frame ${f} out of range`);
      return;
    }
    if (k.frames.isFree(f)) problems.push(`${what}: frame ${f} is on the free list`);
    if (owner[f] !== -1) problems.push(`${what}: frame ${f} owned twice`);
    owner[f] = who;
  };
  own(k.proc0UFrame, 0, "proc0 u-area");
  own(k.proc0KFrame, 0, "proc0 kernel stack");
  for (const f of k.bio.frames()) own(f, 0, "buffer cache");
  for (const f of k.fs.frames()) own(f, 0, "file system tables");
  const shmFrames = new Set<number>();
  k.shmFrames.forEach((s, slot) => {
    if (s === null) return;
    for (const f of s) {
      own(f, 1, `shm segment ${slot}`);
      shmFrames.add(f);
    }
  });
  k.pipeFrames.forEach((f, i) => {
    if (f > 0) own(f, 2, `pipe ${i}`);
  });
  k.pipeFrames2.forEach((f, i) => {
    if (f > 0) own(f, 2, `pipe ${i} (second mbuf frame)`);
  });
  for (const p of k.procs) {
    if (p === null) continue;
    const who = 3 + p.index;
    own(p.uframe, who, `pid ${p.pid} u-area`);
    own(p.kframe, who, `pid ${p.pid} kernel stack`);
    if (p.stat === SZOMB && p.ptFrames.size > 0) problems.push(`zombie ${p.pid} kept page tables`);
    for (const [, pt] of p.ptFrames) {
      own(pt, who, `pid ${p.pid} page table`);
      for (let i = 0; i < PAGE / 4; i++) {
        const pte = mem.read32(pt * PAGE + i * 4);
        if ((pte & PG_ALLOC) === 0) continue;
        const f = (pte & PG_PFN) >>> 12;
        if ((pte & PG_SHM) !== 0) {
          if (!shmFrames.has(f)) problems.push(`pid ${p.pid} maps shm frame ${f} of no segment`);
        } else own(f, who, `pid ${p.pid} page`);
      }
    }
  }
  let owned = 0;
  for (let f = FIRST_FREE_FRAME; f < total; f++) if (owner[f] !== -1) owned++;
  const accounted = owned + k.frames.freeCount;
  if (accounted !== total - FIRST_FREE_FRAME) {
    problems.push(`${total - FIRST_FREE_FRAME - accounted} frames neither free nor owned (leaked)`);
  }
  return problems;
}

/** Frames held by System V shm segments (they outlive their creators until IPC_RMID). */
export function shmFrameCount(k: MonolithicKernel): number {
  let n = 0;
  for (const s of k.shmFrames) if (s !== null) n += s.length;
  return n;
}
