import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { F, FILE_BYTES, FRAME_FILES, kseg0, U } from "../layout.js";
import type { Proc } from "../proc/proc.js";

export function fileVa(i: number): number {
  return kseg0(FRAME_FILES, i * FILE_BYTES);
}

/**
 * getf(fd): the file-table index behind a descriptor, checked for the access mode
 * (FREAD/FWRITE, or 0 for any), or -EBADF.
 */
export function getf(k: MonolithicKernel, p: Proc, fd: number, mode: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.getf);
  if (fd < 0 || fd >= k.policy.maxOpenFiles) return -Errno.EBADF;
  const slot = cpu.load32(k.uva(p) + U.OFILE + fd * 4);
  if (slot === 0) return -Errno.EBADF;
  const f = slot - 1;
  const flag = cpu.load32(fileVa(f) + F.FLAG);
  if (mode !== 0 && (flag & mode) === 0) return -Errno.EBADF;
  return f;
}

/** Finds `n` free descriptor slots (lowest first), or null. Nothing is changed. */
export function findFreeFds(k: MonolithicKernel, p: Proc, n: number): number[] | null {
  const cpu = k.cpu;
  const out: number[] = [];
  const u = k.uva(p);
  for (let fd = 0; fd < k.policy.maxOpenFiles && out.length < n; fd++) {
    cpu.exec(COSTS["fd.scan"]);
    if (cpu.load32(u + U.OFILE + fd * 4) === 0) out.push(fd);
  }
  return out.length === n ? out : null;
}

/** Finds `n` free file-table entries (f_count 0), or null. Nothing is changed. */
export function findFreeFiles(k: MonolithicKernel, n: number): number[] | null {
  const cpu = k.cpu;
  const out: number[] = [];
  for (let i = 0; i < k.policy.maxFiles && out.length < n; i++) {
    cpu.exec(COSTS["falloc.scan"]);
    if (cpu.load32(fileVa(i) + F.COUNT) === 0) out.push(i);
  }
  return out.length === n ? out : null;
}

/** fork: the child shares its parent's open files (f_count + 1 for each descriptor). */
export function dupAll(k: MonolithicKernel, child: Proc): void {
  const cpu = k.cpu;
  const u = k.uva(child);
  for (let fd = 0; fd < k.policy.maxOpenFiles; fd++) {
    cpu.exec(COSTS["fd.scan"]);
    const slot = cpu.load32(u + U.OFILE + fd * 4);
    if (slot === 0) continue;
    const va = fileVa(slot - 1) + F.COUNT;
    cpu.store32(va, cpu.load32(va) + 1);
  }
}
