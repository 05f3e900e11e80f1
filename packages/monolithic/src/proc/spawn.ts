import { Reg } from "@exolab/machine";
import { ContextAbort, SR_IM_MASK, type Thread } from "@exolab/machine/privileged";
import { USRDATA, USRSTACK, USRTEXT } from "../abi.js";
import { SpawnError } from "../errors.js";
import type { MonolithicKernel, UserMain } from "../kernel.js";
import { EF, EF_BYTES, efReg, kseg0, P, PAGE, SRUN, U } from "../layout.js";
import { setrq } from "../sched/runq.js";
import { IN_KERNEL_BITS } from "../trap/frame.js";
import { ProcessHandle } from "../user/handle.js";
import { mapInit } from "../vm/map.js";
import { ensurePt, ptPagesNeeded, zeroFrame } from "../vm/pagetable.js";
import { Proc } from "./proc.js";

/** A free proc slot, or -1 (a scan of the proc table). */
export function freeSlot(k: MonolithicKernel): number {
  return k.procs.indexOf(null);
}

/**
 * The body of every process context: the program, then exit(0) as crt0 does when main
 * returns. exit never returns (the kernel unwinds the context with ContextAbort, which goes
 * on to the run loop: the context ends aborted).
 *
 * Everything the program throws stops here: an Error, a number, a revoked Proxy, a main that
 * is not a generator function or returns something that is not an iterator. The thrown value
 * is kept for the death hook and never inspected (a brand check tells a kernel's abort
 * apart, running nothing of the value); the process is doomed, and its context ends: the
 * dispatcher then terminates it (sched/dispatcher.ts) and the others go on.
 */
export function* processBody(p: Proc, main: UserMain): Thread {
  try {
    // `yield*` drives whatever main returned; any throw of its protocol is the program's own.
    yield* main(p.handle) as Iterable<unknown>;
    if (p.stat === SRUN && p.doomed === null) p.handle.exit(0);
  } catch (e) {
    if (ContextAbort.is(e)) throw e;
    if (p.doomed === null) {
      p.doomed = "threw";
      p.thrown = e;
    }
  }
}

/**
 * Creates the first image of a process from the host: proc entry, zeroed u-area and kernel
 * stack, page-table pages for a demand-zero data segment and stack, an exception frame from
 * which the first switch "returns" to user mode, and a place on the run queue.
 */
export function spawnProcess(k: MonolithicKernel, name: string, main: UserMain): ProcessHandle {
  const cpu = k.cpu;
  const pol = k.policy;
  const idx = freeSlot(k);
  if (idx < 0) throw new SpawnError(`spawn: the process table is full (${pol.maxProcesses})`);
  const dataEnd = USRDATA + pol.initialDataBytes;
  const stackLow = USRSTACK - pol.maxStackBytes;
  if (k.frames.freeCount < 4) throw new SpawnError("spawn: out of memory");
  const uframe = k.frames.alloc();
  const kframe = k.frames.alloc();
  zeroFrame(k, uframe);
  zeroFrame(k, kframe);
  const pid = k.nextPid++;
  const owner = k.registerProcessOwner(pid, name);
  const p = new Proc(idx, pid, 0, owner, name, uframe, kframe);
  k.procs[idx] = p;
  mapInit(k, p);
  const pv = p.procVa;
  for (let off = 0; off < 128; off += 4) cpu.store32(pv + off, 0);
  cpu.store32(pv + P.PID, pid);
  cpu.store32(pv + P.ASID, p.asid);
  cpu.store32(pv + P.UFRAME, uframe);
  cpu.store32(pv + P.KFRAME, kframe);
  const u = kseg0(uframe);
  cpu.store32(u + U.DATASTART, USRDATA);
  cpu.store32(u + U.BRK, dataEnd);
  cpu.store32(u + U.STACKLOW, stackLow);
  cpu.store32(u + U.STACKTOP, USRSTACK);
  p.dataStart = USRDATA;
  p.brk = dataEnd;
  p.stackLow = stackLow;
  p.stackTop = USRSTACK;
  p.shm = new Array(pol.shmPerProcess).fill(null);
  if (
    k.frames.freeCount <
    ptPagesNeeded(p, USRDATA, dataEnd) + ptPagesNeeded(p, stackLow, USRSTACK)
  )
    throw new SpawnError("spawn: out of memory");
  ensurePt(k, p, USRDATA, dataEnd);
  ensurePt(k, p, stackLow, USRSTACK);
  const frame = kseg0(kframe, PAGE - EF_BYTES);
  cpu.store32(frame + efReg(Reg.sp), USRSTACK - 64);
  cpu.store32(frame + EF.SR, (SR_IM_MASK | IN_KERNEL_BITS) >>> 0);
  cpu.store32(frame + EF.EPC, USRTEXT);
  cpu.store32(pv + P.STAT, SRUN);
  p.stat = SRUN;
  setrq(k, p);
  p.handle = new ProcessHandle(k, p);
  p.ctx = k.machine.createContext(name, owner, processBody(p, main));
  p.ctx.tag = p;
  return p.handle;
}
