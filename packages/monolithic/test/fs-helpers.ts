import { I, inoVa, SB, sbVa } from "../src/fs/fs.js";
import type { MonolithicKernel, ProcessHandle } from "../src/index.js";

/** Stores a NUL-terminated string at `va` (user code, before a call that takes a path). */
export function putStr(h: ProcessHandle, va: number, s: string): number {
  for (let i = 0; i < s.length; i++) h.cpu.store8(va + i, s.charCodeAt(i));
  h.cpu.store8(va + s.length, 0);
  return va;
}

/** The disk block of logical block `lbn` (direct) of inode `ino`, read from the in-core table (host). */
export function directBlock(k: MonolithicKernel, ino: number, lbn: number): number {
  return k.machine.memory.read32((inoVa(k, ino, I.DB + lbn * 4) & 0x1fffffff) >>> 0);
}

/** An inode's size, from the in-core table (host). */
export function inodeSize(k: MonolithicKernel, ino: number): number {
  return k.machine.memory.read32((inoVa(k, ino, I.SIZE) & 0x1fffffff) >>> 0);
}

/**
 * The file system's invariants, read from the host: the superblock's free-block count is the
 * number of clear bits of the bitmap below fsBlocks, its free-inode count the number of free
 * inodes, and no block is referenced by two inodes (direct pointers). Returns what is wrong.
 */
export function fsProblems(k: MonolithicKernel): string[] {
  const mem = k.machine.memory;
  const pa = (va: number) => (va & 0x1fffffff) >>> 0;
  const s = k.fs;
  const out: string[] = [];
  let clear = 0;
  for (let b = 0; b < s.nblocks; b++) {
    const byte = mem.u8[s.bmapFrames[b >>> 15]! * 4096 + ((b >>> 3) & 4095)]!;
    if ((byte & (1 << (b & 7))) === 0) clear++;
  }
  const freeBlocks = mem.read32(pa(sbVa(k, SB.FREE_BLOCKS)));
  if (freeBlocks !== clear)
    out.push(`superblock says ${freeBlocks} free blocks, the bitmap ${clear}`);
  let freeInodes = 0;
  const owner = new Map<number, number>();
  for (let ino = 1; ino < s.ninodes; ino++) {
    if (mem.read32(pa(inoVa(k, ino, I.MODE))) === 0) {
      freeInodes++;
      continue;
    }
    for (let i = 0; i <= 12; i++) {
      const blk = mem.read32(pa(inoVa(k, ino, I.DB + i * 4)));
      if (blk === 0) continue;
      if (owner.has(blk)) out.push(`block ${blk} in inodes ${owner.get(blk)} and ${ino}`);
      owner.set(blk, ino);
    }
  }
  const fi = mem.read32(pa(sbVa(k, SB.FREE_INODES)));
  if (fi !== freeInodes) out.push(`superblock says ${fi} free inodes, the table ${freeInodes}`);
  return out;
}
