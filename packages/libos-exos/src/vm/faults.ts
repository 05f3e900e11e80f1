import { ExcCode, Reg, Resume } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import {
  G_EXC_DEPTH,
  G_FRAMES,
  GLOBALS_VA,
  MAX_EXC_DEPTH,
  SAVE_LIVE_BYTES,
  SAVE_SLOT_BYTES,
} from "../layout.js";
import { cowCopy, installWritable, zeroFill } from "./frames.js";
import { F } from "./pagetable.js";
import { userRange } from "./ranges.js";
import type { VmState } from "./state.js";
import { FaultAction, FaultExit, FaultKind, PAGE_MASK, type TrapHandler } from "./types.js";

/**
 * The library's exception handlers: the TLB refill / TLB modify handler (refill,
 * demand-zero, dirty tracking, copy-on-write), address errors, other traps, and the
 * delivery of a fault to the application's handler on an exception frame. They run
 * synchronously on the faulting thread, with t0..t2 in the save slot `save` (the
 * kernel's dispatch) and v0/a0..a2 kept there too (`saveLive`), and restore them all.
 */

/** TLB refill (software-TLB miss upcall), TLB modify, and invalid-entry faults. */
export function onTlbFault(s: VmState, save: number): Resume {
  const env = s.env;
  const cpu = env.cpu;
  cpu.exec(COSTS["exos.fault.decode"]);
  saveLive(s, save);
  const va = cpu.reg(Reg.t1) >>> 0;
  const code = (cpu.reg(Reg.t2) >>> 2) & 31;
  const write = code === ExcCode.TLBS || code === ExcCode.Mod;
  if (!userRange(va & ~PAGE_MASK, 1)) return deliver(s, save, va, write, FaultKind.Segv);
  s.stats.refills++;
  const page = (va & ~PAGE_MASK) >>> 0;
  const i = s.pt.find(va >>> 12);
  if (i < 0) return deliver(s, save, va, write, FaultKind.Segv);
  let w = s.pt.word0Used(i); // exos.fault.check's first instruction tests it
  cpu.exec(COSTS["exos.fault.check"]);
  if ((w & (write ? F.WRITE : F.READ)) === 0) {
    s.stats.protectionFaults++;
    return deliver(s, save, va, write, FaultKind.Protection);
  }
  if ((w & F.ZERO) !== 0) {
    if (zeroFill(s, i, w) < 0) return deliver(s, save, va, write, FaultKind.NoMemory);
    w = s.pt.word0(i);
  }
  if (write && (w & F.COW) !== 0) {
    if (cowCopy(s, i, page, w, true) < 0) return deliver(s, save, va, write, FaultKind.NoMemory);
    return restore(s, save, Resume.Retry);
  }
  // A first store marks the page dirty. Without dirty tracking, any writable page that is
  // installed counts as dirty (it is installed writable, so later stores go unseen).
  const untracked = !s.policy.trackDirty && (w & F.WRITE) !== 0 && (w & F.COW) === 0;
  if ((write || untracked) && (w & F.DIRTY) === 0) {
    w |= F.DIRTY;
    s.pt.setWord0(i, w);
    if (write) s.stats.dirtyFaults++;
  }
  cpu.exec(COSTS["exos.fault.install"]);
  if (env.tlbWrite(page, s.pt.cap(i), installWritable(s, w)) < 0)
    return deliver(s, save, va, write, FaultKind.Segv);
  return restore(s, save, Resume.Retry);
}

/** Unaligned or kernel-segment access: a segmentation fault for the application. */
export function onAddressError(s: VmState, save: number): Resume {
  const cpu = s.env.cpu;
  cpu.exec(COSTS["exos.fault.decode"]);
  saveLive(s, save);
  const code = (cpu.reg(Reg.t2) >>> 2) & 31;
  return deliver(s, save, cpu.reg(Reg.t1) >>> 0, code === ExcCode.AdES, FaultKind.Segv);
}

/** A trap that is not a memory fault (Ov, CpU, Bp, RI), for the application's handler `fn`. */
export function onTrap(s: VmState, save: number, code: number, fn: TrapHandler): Resume {
  const cpu = s.env.cpu;
  cpu.exec(COSTS["exos.trap.decode"]);
  saveLive(s, save);
  const epc = cpu.reg(Reg.t0) >>> 0;
  const bad = cpu.reg(Reg.t1) >>> 0;
  const depth = cpu.load32(GLOBALS_VA + G_EXC_DEPTH);
  if (depth >= MAX_EXC_DEPTH) return restore(s, save, Resume.Emulated);
  return upcall(s, save, depth, () => fn(code, epc, bad));
}

/**
 * Keeps v0 and a0..a2 in the save slot: the handler's system calls (their stubs load the
 * call number and arguments into those registers) would otherwise clobber the
 * application's values.
 */
function saveLive(s: VmState, save: number): void {
  const cpu = s.env.cpu;
  cpu.store32(save + 12, cpu.reg(Reg.v0));
  cpu.store32(save + 16, cpu.reg(Reg.a0));
  cpu.store32(save + 20, cpu.reg(Reg.a1));
  cpu.store32(save + 24, cpu.reg(Reg.a2));
}

/** Restores t0..t2, v0 and a0..a2 from a save slot or frame (charged loads) and resumes. */
function restore(s: VmState, save: number, how: Resume): Resume {
  const cpu = s.env.cpu;
  cpu.setReg(Reg.t0, cpu.load32(save));
  cpu.setReg(Reg.t1, cpu.load32(save + 4));
  cpu.setReg(Reg.t2, cpu.load32(save + 8));
  cpu.setReg(Reg.v0, cpu.load32(save + 12));
  cpu.setReg(Reg.a0, cpu.load32(save + 16));
  cpu.setReg(Reg.a1, cpu.load32(save + 20));
  cpu.setReg(Reg.a2, cpu.load32(save + 24));
  cpu.exec(COSTS["exos.fault.return"]);
  return how;
}

/**
 * Runs the application's handler for a fault. The saved registers move to an exception
 * frame first (the handler may fault again and reuse the save slot). An emulated load
 * takes the value the handler left in v0. Without a handler (or with faults nested past
 * MAX_EXC_DEPTH), the UNIX default action: the process ends (`exit` with FaultExit), and
 * the exokernel unwinds the application's code; the faulting access never completes.
 */
function deliver(s: VmState, save: number, va: number, write: boolean, kind: FaultKind): Resume {
  const cpu = s.env.cpu;
  s.stats.lastFaultVa = va;
  const handler = (kind === FaultKind.Protection ? s.faultHandler : null) ?? s.segvHandler;
  const depth = cpu.load32(GLOBALS_VA + G_EXC_DEPTH);
  if (handler === null || depth >= MAX_EXC_DEPTH) {
    s.stats.segv++;
    s.env.exit(kind === FaultKind.NoMemory ? FaultExit.NoMemory : FaultExit.Segv);
    // Not reached: exit returns only if the environment is already gone.
    return Resume.Retry;
  }
  if (kind !== FaultKind.Protection) s.stats.segv++;
  return upcall(s, save, depth, () => handler(va, write, kind));
}

/**
 * Calls application code from a handler: the save slot's live registers move to the
 * exception frame of this depth first (the application may fault again), and come back
 * from it afterwards; an emulated access keeps the v0 the application left.
 */
function upcall(s: VmState, save: number, depth: number, call: () => FaultAction): Resume {
  const cpu = s.env.cpu;
  const frame = GLOBALS_VA + G_FRAMES + depth * SAVE_SLOT_BYTES;
  cpu.copy(frame, save, SAVE_LIVE_BYTES);
  cpu.store32(GLOBALS_VA + G_EXC_DEPTH, depth + 1);
  cpu.exec(COSTS["exos.fault.upcall"]);
  const action = call();
  cpu.store32(GLOBALS_VA + G_EXC_DEPTH, depth);
  if (action !== FaultAction.Emulate) return restore(s, frame, Resume.Retry);
  const value = cpu.reg(Reg.v0);
  restore(s, frame, Resume.Emulated);
  cpu.setReg(Reg.v0, value);
  return Resume.Emulated;
}
