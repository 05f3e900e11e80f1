import { KUSEG_END } from "@exolab/machine";
import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import type { Proc } from "../proc/proc.js";
import { ONFAULT, useracc } from "../vm/useracc.js";
import { bread, brelse, bufDataVa } from "./bio.js";
import {
  DIRENT_BYTES,
  DIRENTS_PER_BLOCK,
  DIRSIZ,
  I,
  IFDIR,
  inoVa,
  MAXPATHLEN,
  NDADDR,
  ROOTINO,
  sbVa,
} from "./fs.js";

/** The kernel's pathname buffer (namei's, from malloc in 4.4BSD): in the superblock frame. */
export const PATHBUF = 2048;

/**
 * copyinstr of a pathname into the kernel's buffer, then split into components (host-side
 * mirror of bytes the kernel loaded and stored). Returns the components (each padded to the
 * 7 words of a directory entry's name) or -errno: EFAULT (not readable), ENAMETOOLONG (no
 * NUL in MAXPATHLEN bytes, or a component longer than DIRSIZ), ENOENT (empty path).
 */
export function copyinPath(k: MonolithicKernel, p: Proc, va: number): number[][] | number {
  const cpu = k.cpu;
  const bytes: number[] = [];
  const outer = k.onfault;
  k.onfault = true;
  try {
    for (let i = 0; i < MAXPATHLEN; i++) {
      const a = va + i;
      if (a >= KUSEG_END) return -Errno.EFAULT;
      if ((i === 0 || (a & 4095) === 0) && !useracc(k, p, a, 1, false)) return -Errno.EFAULT;
      cpu.exec(COSTS["copyinstr.byte"]);
      const c = cpu.load8(a);
      cpu.store8(sbVa(k, PATHBUF + i), c);
      if (c === 0) break;
      bytes.push(c);
      if (i === MAXPATHLEN - 1) return -Errno.ENAMETOOLONG;
    }
  } catch (e) {
    if (e === ONFAULT) return -Errno.EFAULT;
    throw e;
  } finally {
    k.onfault = outer;
  }
  if (bytes.length === 0) return -Errno.ENOENT;
  const comps: number[][] = [];
  let cur: number[] = [];
  const flush = (): boolean => {
    if (cur.length === 0) return true;
    if (cur.length > DIRSIZ) return false;
    const words = new Array<number>(7).fill(0);
    cur.forEach((c, j) => {
      words[j >>> 2] = (words[j >>> 2]! | (c << ((j & 3) * 8))) >>> 0;
    });
    comps.push(words);
    cur = [];
    return true;
  };
  for (const c of bytes) {
    if (c === 0x2f) {
      if (!flush()) return -Errno.ENAMETOOLONG;
    } else cur.push(c);
  }
  if (!flush()) return -Errno.ENAMETOOLONG;
  return comps;
}

/** Where dirlookup found the name, and the first free entry it passed (for direnter). */
export const lookupSlot = { blkno: 0, off: 0, freeBlkno: 0, freeOff: -1 };

/**
 * ufs_lookup of one name in directory `dir`: its inode, 0 if absent, SLEEP (a block is
 * being read; the system call runs again) or -errno. Sets lookupSlot. Holds no buffer on
 * return.
 */
export function dirlookup(k: MonolithicKernel, p: Proc, dir: number, name: number[]): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["namei.component"]);
  if (cpu.load32(inoVa(k, dir, I.MODE)) !== IFDIR) return -Errno.ENOTDIR;
  const size = cpu.load32(inoVa(k, dir, I.SIZE));
  lookupSlot.freeOff = -1;
  const nblk = Math.ceil(size / 4096);
  for (let lbn = 0; lbn < nblk && lbn < NDADDR; lbn++) {
    const blkno = cpu.load32(inoVa(k, dir, I.DB + lbn * 4));
    const b = bread(k, p, blkno, dir);
    if (b < 0) return b;
    const base = bufDataVa(k, b);
    const entries = Math.min(DIRENTS_PER_BLOCK, (size - lbn * 4096) / DIRENT_BYTES);
    for (let e = 0; e < entries; e++) {
      cpu.exec(COSTS["ufs.lookup.entry"]);
      const ev = base + e * DIRENT_BYTES;
      const ino = cpu.load32(ev);
      if (ino === 0) {
        if (lookupSlot.freeOff < 0) {
          lookupSlot.freeBlkno = blkno;
          lookupSlot.freeOff = e * DIRENT_BYTES;
        }
        continue;
      }
      let w = 0;
      while (w < 7 && cpu.load32(ev + 4 + w * 4) === name[w]) w++;
      if (w === 7) {
        lookupSlot.blkno = blkno;
        lookupSlot.off = e * DIRENT_BYTES;
        brelse(k, b);
        return ino;
      }
    }
    brelse(k, b);
  }
  return 0;
}

/**
 * namei: walks `comps` from the root. With `parent`, stops at the last component's
 * directory and returns it (the caller looks the last name up); else returns the inode the
 * whole path names. SLEEP or -errno (ENOENT, ENOTDIR) otherwise.
 */
export function namei(k: MonolithicKernel, p: Proc, comps: number[][], parent: boolean): number {
  k.cpu.exec(COSTS.namei);
  let ino = ROOTINO;
  const n = parent ? comps.length - 1 : comps.length;
  for (let i = 0; i < n; i++) {
    const next = dirlookup(k, p, ino, comps[i]!);
    if (next < 0) return next;
    if (next === 0) return -Errno.ENOENT;
    ino = next;
  }
  return ino;
}
