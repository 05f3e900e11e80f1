import { Reg } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { Result } from "../result.js";
import { isCycle, isWord, WORD_SPAN } from "../syscall/abi.js";
import { readVector } from "../syscall/vector.js";
import type { Env } from "./env.js";

/** An environment's syscall stubs, by argument shape (each returns the kernel's v0). */
export interface Stubs {
  call0(call: number): number;
  call1(call: number, a0: unknown): number;
  call3(call: number, a0: unknown, a1: unknown, a2: unknown): number;
  call4(call: number, a0: unknown, a1: unknown, a2: unknown, a3: unknown): number;
  /** A call taking a function (handler, entry; null clears) and `nargs` of a0, a1. */
  callFn(call: number, a0: unknown, a1: unknown, fn: unknown, nargs: number): number;
  /**
   * A call taking a vector of `width`-word entries (at most `maxEntries`): a0 = the entry
   * count, the words copied once beside the registers.
   */
  callVector(call: number, entries: unknown, width: number, maxEntries: number): number;
  /** A call taking a cycle number (a non-negative integer below 2^53): a0 low word, a1 high. */
  callCycle(call: number, cycle: unknown): number;
  /** A call answering a cycle number in v0 (low word) and v1 (high word; -1: v0 is a Result). */
  callReadCycle(call: number): number;
}

/**
 * The syscall stubs of `env`'s handle. Each:
 *   1. returns Dead if the env is destroyed (or doomed);
 *   2. reads each argument once and checks its type (`isWord`, `typeof fn`) with no
 *      coercion — a hostile object's getters and valueOf are never run;
 *   3. refuses (Refused) unless this env's code is the code on the CPU: its running context,
 *      or a host window opened for it (`Aegis.actAs`, `boot`). With nothing running — a
 *      `setTimeout`, promise or microtask callback a libOS left behind — it gets nothing;
 *   4. charges the stub (li v0; moves; syscall), fills v0/a0..a2 and traps. The kernel
 *      validates the decoded registers and answers in v0.
 */
export function makeStubs(k: Kernel, env: Env): Stubs {
  const enter = (fn: () => number): number => enterAs(k, env, fn);
  const trap = (call: number, nargs: number, a0: number, a1: number, a2: number, fn?: unknown) =>
    trapNow(k, call, nargs, a0, a1, a2, fn);
  const trap4 = (call: number, a0: number, a1: number, a2: number, a3: number) =>
    trapNow(k, call, 4, a0, a1, a2, undefined, undefined, a3);
  return {
    call0: (call) => enter(() => trap(call, 0, 0, 0, 0)),
    call1: (call, a0) => {
      if (!env.alive) return Result.Dead;
      if (!isWord(a0)) return Result.Invalid;
      return enter(() => trap(call, 1, a0, 0, 0));
    },
    call3: (call, a0, a1, a2) => {
      if (!env.alive) return Result.Dead;
      if (!isWord(a0) || !isWord(a1) || !isWord(a2)) return Result.Invalid;
      return enter(() => trap(call, 3, a0, a1, a2));
    },
    call4: (call, a0, a1, a2, a3) => {
      if (!env.alive) return Result.Dead;
      if (!isWord(a0) || !isWord(a1) || !isWord(a2) || !isWord(a3)) return Result.Invalid;
      return enter(() => trap4(call, a0, a1, a2, a3));
    },
    callFn: (call, a0, a1, fn, nargs) => {
      if (!env.alive) return Result.Dead;
      if (!isWord(a0) || !isWord(a1)) return Result.Invalid;
      if (fn !== null && typeof fn !== "function") return Result.Invalid;
      return enter(() => trap(call, nargs, a0, a1, 0, fn));
    },
    // Read only for the env whose code is running (another's call reads nothing); a Proxy
    // trap may end the env while it is read (then Dead, nothing trapped).
    callVector: (call, entries, width, maxEntries) =>
      enter(() => {
        const v = readVector(entries, width, maxEntries);
        if (!env.alive) return Result.Dead;
        if (typeof v === "number") return v;
        return trapNow(k, call, 2, v.count, 0, 0, undefined, v.words);
      }),
    callCycle: (call, cycle) => {
      if (!env.alive) return Result.Dead;
      if (!isCycle(cycle)) return Result.Invalid;
      const hi = (cycle - (cycle % WORD_SPAN)) / WORD_SPAN;
      return enter(() => trap(call, 2, (cycle % WORD_SPAN) | 0, hi, 0));
    },
    callReadCycle: (call) =>
      enter(() => {
        const lo = trap(call, 0, 0, 0, 0);
        const hi = k.cpu.regs[Reg.v1]!;
        return hi < 0 ? lo : hi * WORD_SPAN + (lo >>> 0);
      }),
  };
}

/** Runs `fn` if `env`'s code is the one on the CPU; else Refused (Dead if destroyed). */
export function enterAs(k: Kernel, env: Env, fn: () => number): number {
  if (!env.alive) return Result.Dead;
  const act = k.activeEnv();
  // A host error recorded on the running code's kernel call (its hook could not run).
  if (k.cpu.hostThrowPending && act !== null) {
    k.noteHostThrow(act);
    if (!env.alive) return Result.Dead;
  }
  if (act !== env) return Result.Refused;
  return fn();
}

/**
 * The stub: its instructions (an interrupt, and with it an end-of-slice upcall that makes
 * calls of its own, may be taken inside them), then the registers and the function
 * argument are set and `syscall` traps at once (interrupts are off from the trap on).
 */
export function trapNow(
  k: Kernel,
  call: number,
  nargs: number,
  a0: number,
  a1: number,
  a2: number,
  fn: unknown = undefined,
  vector: Int32Array | undefined = undefined,
  a3 = 0,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.abi.stub"]);
  cpu.exec(COSTS["aegis.abi.arg"], nargs);
  const regs = cpu.regs;
  regs[Reg.v0] = call;
  if (nargs > 0) regs[Reg.a0] = a0;
  if (nargs > 1) regs[Reg.a1] = a1;
  if (nargs > 2) regs[Reg.a2] = a2;
  if (nargs > 3) regs[Reg.a3] = a3;
  k.pendingFn = fn;
  k.pendingVector = vector;
  cpu.syscall();
  return regs[Reg.v0]!;
}
