import { Reg } from "@exolab/machine";
import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import { dupAll } from "../ipc/file.js";
import { shmVa } from "../ipc/shm.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  EF,
  EF_BYTES,
  efReg,
  kseg0,
  P,
  PAGE,
  PG_ALLOC,
  PG_PFN,
  PG_SHM,
  pteVa,
  SH,
  SRUN,
  U,
} from "../layout.js";
import { setrq } from "../sched/runq.js";
import { ProcessHandle } from "../user/handle.js";
import { ensurePt } from "../vm/pagetable.js";
import { kcopy } from "../vm/useracc.js";
import { roundPage } from "./exit.js";
import { Proc } from "./proc.js";
import { freeSlot, processBody } from "./spawn.js";

/**
 * fork(): a new process with a COPY of the parent's address space, as Ultrix 4.2 does
 * (no copy-on-write): every private page the parent has filled is copied word by word into a
 * new frame; shm attachments are shared; pages not yet filled stay demand-zero. The u-area
 * and kernel stack (UPAGES) are copied, so the child returns from the same system call with
 * v0 = parent pid, v1 = 1; the parent gets the child's pid. Descriptors are shared.
 * Refusals (checked before anything changes): EAGAIN (process table full), ENOMEM (frames).
 */
export function sysFork(k: MonolithicKernel, p: Proc): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["sys.fork"]);
  const main = k.pendingForkBody;
  k.pendingForkBody = null;
  if (main === null) return -Errno.EINVAL;
  const idx = freeSlot(k);
  if (idx < 0) return -Errno.EAGAIN;
  const dataEnd = roundPage(p.brk);
  let pt = 0;
  for (const r of p.ptFrames.keys()) if (r >= 0) pt++;
  if (k.frames.freeCount < 2 + pt + p.residentPages) return -Errno.ENOMEM;
  k.counts.forks++;
  const uframe = k.frames.alloc();
  const kframe = k.frames.alloc();
  const pid = k.nextPid++;
  // The program's name and the pid (not the parent's whole name: a chain of forks would
  // make names grow without bound).
  const name = `${p.progName}.${pid}`;
  const owner = k.registerProcessOwner(pid, name);
  const c = new Proc(idx, pid, p.pid, owner, name, uframe, kframe, p.progName);
  k.procs[idx] = c;
  // UPAGES: the u-area (PCB, sigactions, segment bounds, descriptors, shm table) and kernel stack.
  kcopy(k, kseg0(uframe), k.uva(p), PAGE);
  kcopy(k, kseg0(kframe), k.userFrameVa(p) + EF_BYTES - PAGE, PAGE);
  cpu.zero(kseg0(uframe, U.ROOT), 2048);
  // proc entry
  const pv = c.procVa;
  const ppv = p.procVa;
  cpu.store32(pv + P.PID, pid);
  cpu.store32(pv + P.PPID, p.pid);
  cpu.store32(pv + P.SIG, 0);
  cpu.store32(pv + P.SIGMASK, cpu.load32(ppv + P.SIGMASK));
  cpu.store32(pv + P.SIGIGNORE, cpu.load32(ppv + P.SIGIGNORE));
  cpu.store32(pv + P.SIGCATCH, cpu.load32(ppv + P.SIGCATCH));
  cpu.store32(pv + P.WCHAN, 0);
  cpu.store32(pv + P.ASID, c.asid);
  cpu.store32(pv + P.UFRAME, uframe);
  cpu.store32(pv + P.KFRAME, kframe);
  cpu.store32(pv + P.FLAG, 0);
  cpu.store32(pv + P.XSTAT, 0);
  c.dataStart = p.dataStart;
  c.brk = p.brk;
  c.stackLow = p.stackLow;
  c.stackTop = p.stackTop;
  c.handlers.push(...p.handlers);
  c.shm = p.shm.map((a) => (a === null ? null : { ...a }));
  // address space
  for (const r of p.ptFrames.keys()) ensurePt(k, c, r * 0x400000, (r + 1) * 0x400000);
  copyRange(k, p, c, p.dataStart, dataEnd);
  copyRange(k, p, c, p.stackLow, p.stackTop);
  for (const a of c.shm) {
    if (a === null) continue;
    copyRange(k, p, c, a.addr, a.addr + a.pages * PAGE);
    const sv = shmVa(a.slot) + SH.NATTCH;
    cpu.store32(sv, cpu.load32(sv) + 1);
  }
  dupAll(k, c);
  // the child's return from fork
  const cf = kseg0(kframe, PAGE - EF_BYTES);
  cpu.store32(cf + efReg(Reg.v0), p.pid);
  cpu.store32(cf + efReg(Reg.v1), 1);
  cpu.store32(cf + efReg(Reg.a3), 0);
  cpu.store32(cf + EF.EPC, cpu.load32(cf + EF.EPC) + 4);
  cpu.store32(k.uva(p) + U.RVAL2, 0);
  cpu.store32(pv + P.STAT, SRUN);
  c.stat = SRUN;
  setrq(k, c);
  c.handle = new ProcessHandle(k, c);
  c.ctx = k.machine.createContext(name, owner, processBody(c, main));
  c.ctx.tag = c;
  return pid;
}

/** vmdup over a range: copies filled private pages, shares shm pages, keeps protections. */
function copyRange(k: MonolithicKernel, p: Proc, c: Proc, start: number, end: number): void {
  const cpu = k.cpu;
  for (let va = start; va < end; va += PAGE) {
    cpu.exec(COSTS["fork.page"]);
    const vpn = va >>> 12;
    const pte = cpu.load32(pteVa(p.index, vpn));
    if (pte === 0) continue;
    let npte = pte;
    if ((pte & PG_ALLOC) !== 0 && (pte & PG_SHM) === 0) {
      cpu.exec(COSTS["vm.memall"]);
      const f = k.frames.alloc();
      kcopy(k, kseg0(f), kseg0((pte & PG_PFN) >>> 12), PAGE);
      npte = ((pte & ~PG_PFN) | (f << 12)) >>> 0;
      c.residentPages++;
    }
    cpu.store32(pteVa(c.index, vpn), npte);
  }
}
