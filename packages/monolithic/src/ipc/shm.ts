import { KUSEG_END } from "@exolab/machine";
import { Errno, IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, SHM_BASE, SHM_RDONLY } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  FRAME_SHM,
  kseg0,
  PAGE,
  PG_ALLOC,
  PG_D,
  PG_NOWRITE,
  PG_SHM,
  PG_V,
  pteVa,
  SH,
  SHM_ALLOC,
  SHM_BYTES,
  SHM_DEST,
  U,
  USHM_RDONLY,
} from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { ensurePt, ptPagesNeeded, zeroFrame } from "../vm/pagetable.js";
import { tlbUnmap } from "../vm/tlbops.js";

/**
 * System V shared memory. A segment's frames are allocated and zeroed at shmget; its page
 * list lives in its own kernel frame. shmat enters the frames in the caller's page table
 * (PG_SHM: never freed with the process); shmdt removes them; the segment is freed when it
 * is marked removed (IPC_RMID) and no process has it attached. Ids carry a sequence number
 * so that a stale id fails with EINVAL. Permissions (uid/gid modes) are not modelled.
 */
export function shmVa(slot: number): number {
  return kseg0(FRAME_SHM, slot * SHM_BYTES);
}

export interface Attachment {
  addr: number;
  pages: number;
  slot: number;
  rdonly: boolean;
}

/** The table slot of a live id, or -1 (free, stale sequence, or removed with IPC_RMID). */
function decodeId(k: MonolithicKernel, id: number): number {
  const cpu = k.cpu;
  const slot = id & 0xff;
  if (slot >= k.policy.shmMaxSegments) return -1;
  const flags = cpu.load32(shmVa(slot) + SH.FLAGS);
  if ((flags & SHM_ALLOC) === 0 || (flags & SHM_DEST) !== 0) return -1;
  if (cpu.load32(shmVa(slot) + SH.SEQ) !== id >>> 8) return -1;
  return slot;
}

export function sysShmget(
  k: MonolithicKernel,
  _p: Proc,
  key: number,
  size: number,
  flg: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.shmget"]);
  let free = -1;
  for (let s = 0; s < k.policy.shmMaxSegments; s++) {
    cpu.exec(COSTS["falloc.scan"]);
    const va = shmVa(s);
    const flags = cpu.load32(va + SH.FLAGS);
    if ((flags & SHM_ALLOC) === 0) {
      if (free < 0) free = s;
      continue;
    }
    if (key !== IPC_PRIVATE && (flags & SHM_DEST) === 0 && cpu.load32(va + SH.KEY) === key) {
      if ((flg & IPC_CREAT) !== 0 && (flg & IPC_EXCL) !== 0) return -Errno.EEXIST;
      if (size > cpu.load32(va + SH.SIZE)) return -Errno.EINVAL;
      return ((cpu.load32(va + SH.SEQ) << 8) | s) >>> 0;
    }
  }
  if (key !== IPC_PRIVATE && (flg & IPC_CREAT) === 0) return -Errno.ENOENT;
  if (size < k.policy.shmMinBytes || size > k.policy.shmMaxBytes) return -Errno.EINVAL;
  if (free < 0) return -Errno.ENOSPC;
  const pages = Math.ceil(size / PAGE);
  if (k.frames.freeCount < pages + 1) return -Errno.ENOMEM;
  cpu.exec(COSTS["vm.memall"]);
  const list = k.frames.alloc();
  const frames: number[] = [];
  for (let i = 0; i < pages; i++) {
    cpu.exec(COSTS["vm.memall"]);
    const f = k.frames.alloc();
    zeroFrame(k, f);
    cpu.store32(kseg0(list, i * 4), f);
    frames.push(f);
  }
  k.shmFrames[free] = [list, ...frames];
  const va = shmVa(free);
  const seq = (cpu.load32(va + SH.SEQ) + 1) & 0xffffff;
  cpu.store32(va + SH.KEY, key);
  cpu.store32(va + SH.SIZE, size);
  cpu.store32(va + SH.PAGES, pages);
  cpu.store32(va + SH.FRAMES, list);
  cpu.store32(va + SH.NATTCH, 0);
  cpu.store32(va + SH.FLAGS, SHM_ALLOC);
  cpu.store32(va + SH.SEQ, seq);
  return ((seq << 8) | free) >>> 0;
}

function overlaps(p: Proc, start: number, end: number): boolean {
  if (start < p.brk && end > p.dataStart) return true;
  if (start < p.stackTop && end > p.stackLow) return true;
  for (const a of p.shm) {
    if (a !== null && start < a.addr + a.pages * PAGE && end > a.addr) return true;
  }
  return false;
}

export function sysShmat(
  k: MonolithicKernel,
  p: Proc,
  id: number,
  addr: number,
  flg: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.shmat"]);
  const slot = decodeId(k, id);
  if (slot < 0) return -Errno.EINVAL;
  const va = shmVa(slot);
  const pages = cpu.load32(va + SH.PAGES);
  let at = -1;
  for (let i = 0; i < k.policy.shmPerProcess; i++) {
    cpu.exec(COSTS["fd.scan"]);
    if (cpu.load32(k.uva(p) + U.SHM + i * 12) === 0) {
      at = i;
      break;
    }
  }
  if (at < 0) return -Errno.EMFILE;
  let base = addr;
  if (base === 0) {
    base = SHM_BASE;
    for (;;) {
      const clash = p.shm.find(
        (a) => a !== null && base < a.addr + a.pages * PAGE && base + pages * PAGE > a.addr,
      );
      if (clash === undefined || clash === null) break;
      base = clash.addr + clash.pages * PAGE;
    }
  }
  if ((base & (PAGE - 1)) !== 0) return -Errno.EINVAL;
  const end = base + pages * PAGE;
  if (base === 0 || end > KUSEG_END || overlaps(p, base, end)) return -Errno.EINVAL;
  if (k.frames.freeCount < ptPagesNeeded(p, base, end)) return -Errno.ENOMEM;
  ensurePt(k, p, base, end);
  const rdonly = (flg & SHM_RDONLY) !== 0;
  const list = cpu.load32(va + SH.FRAMES);
  for (let i = 0; i < pages; i++) {
    cpu.exec(COSTS["shm.page"]);
    const f = cpu.load32(kseg0(list, i * 4));
    const pte = (f << 12) | PG_ALLOC | PG_SHM | PG_V | (rdonly ? PG_NOWRITE : PG_D);
    const vpn = (base >>> 12) + i;
    cpu.store32(pteVa(p.index, vpn), pte >>> 0);
    tlbUnmap(k, vpn, p.asid);
  }
  cpu.store32(va + SH.NATTCH, cpu.load32(va + SH.NATTCH) + 1);
  const u = k.uva(p) + U.SHM + at * 12;
  cpu.store32(u, base);
  cpu.store32(u + 4, pages);
  cpu.store32(u + 8, (slot + 1) | (rdonly ? USHM_RDONLY : 0));
  p.shm[at] = { addr: base, pages, slot, rdonly };
  return base;
}

/** Removes one attachment from the address space; frees the segment if it was the last. */
export function detach(k: MonolithicKernel, p: Proc, at: number): void {
  const cpu = k.cpu;
  const a = p.shm[at]!;
  for (let i = 0; i < a.pages; i++) {
    cpu.exec(COSTS["shm.page"]);
    const vpn = (a.addr >>> 12) + i;
    cpu.store32(pteVa(p.index, vpn), 0);
    tlbUnmap(k, vpn, p.asid);
  }
  cpu.store32(k.uva(p) + U.SHM + at * 12, 0);
  p.shm[at] = null;
  const va = shmVa(a.slot);
  const n = cpu.load32(va + SH.NATTCH) - 1;
  cpu.store32(va + SH.NATTCH, n);
  if (n === 0 && (cpu.load32(va + SH.FLAGS) & SHM_DEST) !== 0) freeSegment(k, a.slot);
}

function freeSegment(k: MonolithicKernel, slot: number): void {
  const cpu = k.cpu;
  for (const f of k.shmFrames[slot]!) {
    cpu.exec(COSTS["vm.memall"]);
    k.frames.free(f);
  }
  k.shmFrames[slot] = null;
  cpu.store32(shmVa(slot) + SH.FLAGS, 0);
  cpu.store32(shmVa(slot) + SH.KEY, 0);
}

export function sysShmdt(k: MonolithicKernel, p: Proc, addr: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.shmdt"]);
  for (let i = 0; i < k.policy.shmPerProcess; i++) {
    cpu.exec(COSTS["fd.scan"]);
    if (cpu.load32(k.uva(p) + U.SHM + i * 12) === addr && addr !== 0 && p.shm[i] != null) {
      detach(k, p, i);
      return 0;
    }
  }
  return -Errno.EINVAL;
}

export function sysShmctl(k: MonolithicKernel, _p: Proc, id: number, cmd: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.shmctl"]);
  if (cmd !== IPC_RMID) return -Errno.EINVAL;
  const slot = decodeId(k, id);
  if (slot < 0) return -Errno.EINVAL;
  const va = shmVa(slot);
  cpu.store32(va + SH.FLAGS, cpu.load32(va + SH.FLAGS) | SHM_DEST);
  if (cpu.load32(va + SH.NATTCH) === 0) freeSegment(k, slot);
  return 0;
}

/** exit: detach everything. fork: the child shares every attachment (nattch + 1). */
export function detachAll(k: MonolithicKernel, p: Proc): void {
  for (let i = 0; i < p.shm.length; i++) if (p.shm[i] != null) detach(k, p, i);
}
