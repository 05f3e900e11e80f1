import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { F, FILE_BYTES, FRAME_FILES, FREAD, FWRITE, kseg0, U } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { pipeClose } from "./pipe.js";

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

/** closef(): drops one reference; the last one closes the pipe end. */
export function closef(k: MonolithicKernel, f: number): void {
  const cpu = k.cpu;
  const va = fileVa(f);
  const c = cpu.load32(va + F.COUNT);
  cpu.store32(va + F.COUNT, c - 1);
  if (c - 1 !== 0) return;
  const flag = cpu.load32(va + F.FLAG);
  const pi = cpu.load32(va + F.PIPE);
  cpu.store32(va + F.TYPE, 0);
  cpu.store32(va + F.FLAG, 0);
  pipeClose(k, pi, flag & (FREAD | FWRITE));
}

/** Closes every descriptor of a process (exit). */
export function closeAll(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  const u = k.uva(p);
  for (let fd = 0; fd < k.policy.maxOpenFiles; fd++) {
    cpu.exec(COSTS["fd.scan"]);
    const slot = cpu.load32(u + U.OFILE + fd * 4);
    if (slot === 0) continue;
    cpu.store32(u + U.OFILE + fd * 4, 0);
    closef(k, slot - 1);
  }
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
