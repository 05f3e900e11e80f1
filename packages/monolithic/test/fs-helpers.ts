import { I, inoVa } from "../src/fs/fs.js";
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
