import {
  type Cost,
  type Cpu,
  EXC_NAMES,
  ExcCode,
  KernelContractError,
  KSEG0,
  Reg,
  Resolution,
} from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { type Env, REFILL_INDEX } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import { MathMax, MathMin, TypedArrayLength, Uint8ArrayCtor } from "../intrinsics.js";
import { Resume } from "../result.js";
import { killActive, upcall } from "./upcall.js";

/**
 * Exception dispatch to user level (the paper's 18 instructions): check the nesting bound
 * and progress, store t0..t2 into the handler's save area (through kseg0: the area is a
 * guaranteed-mapped page of the env, translated when the handler was installed), load
 * t0 = EPC, t1 = BadVAddr, t2 = Cause, rfe and call the handler in user mode as the libOS.
 *
 * Bounds (threat model): exception depth above policy.maxExceptionDepth, or the same fault
 * (EPC, BadVAddr, code) repeated policy.faultRepeatLimit times in a row, destroys the env;
 * so does an exception the env has no handler (or no usable save area) for.
 */
export function dispatchToUser(
  k: Kernel,
  cpu: Cpu,
  code: number,
  index: number,
  path: Cost,
): Resolution {
  const env = k.activeEnv();
  if (env === null) {
    throw new KernelContractError(
      `exception ${EXC_NAMES[code] ?? code} at ${cpu.epc} with no environment running`,
    );
  }
  // A doomed env's code that went on (it caught the error of a failed kernel call): unwind.
  if (!env.alive) throw k.abortActive(env.deathReason);
  k.stats.exceptions++;
  const epc = cpu.epc;
  const bad = cpu.badVaddr;
  if (cpu.exceptionDepth - k.baseDepth > k.policy.maxExceptionDepth) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(k, env, `exception nesting above ${k.policy.maxExceptionDepth}`);
  }
  if (!noteProgress(k, env, cpu.exceptionDepth - k.baseDepth, epc, bad)) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(
      k,
      env,
      `no progress: ${EXC_NAMES[code] ?? code} at ${epc >>> 0} keeps faulting`,
    );
  }
  const handler = env.handlers[index];
  const pa = env.saveAreaPa[index]!;
  if (handler === undefined || pa < 0 || !saveAreaLive(k, env, index)) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(k, env, `unhandled exception ${EXC_NAMES[code] ?? code}`);
  }
  const base = (KSEG0 + pa) >>> 0;
  cpu.storeReg(base, Reg.t0);
  cpu.storeReg(base + 4, Reg.t1);
  cpu.storeReg(base + 8, Reg.t2);
  cpu.exec(path);
  cpu.setReg(Reg.t0, epc | 0);
  cpu.setReg(Reg.t1, bad | 0);
  cpu.setReg(Reg.t2, cpu.cause | 0);
  const h = env.handle;
  // A block copy cannot be emulated: inside one, Emulated counts as Retry (and a handler
  // that does not fix the fault then meets the progress bound).
  const inBlock = k.blockAccess;
  const r = upcall(
    k,
    cpu,
    env,
    index === REFILL_INDEX ? "a refill handler" : "an exception handler",
    () => handler(h as EnvHandle),
  );
  if (r === Resume.Emulated && !inBlock) {
    cpu.emulatedValue = cpu.regs[Reg.v0]!;
    return Resolution.Emulated;
  }
  // Retry: the access re-executes at EPC (the libOS jumped back to it).
  cpu.pc = epc;
  return Resolution.Retry;
}

/**
 * Progress detection. A retried access faults again at the same EPC. The same (EPC,
 * BadVAddr) `faultRepeatLimit` times in a row, whatever the exception code (a handler that
 * alternates two faults on one access), or `faultsPerInstructionLimit` faults at one EPC
 * (a block copy faults once per page, so this bound is large), is no progress. The record
 * is kept per nesting level (1 = a fault of the code itself, 2 = a fault inside its
 * handler, …): a fault at one level discards the records of the deeper levels (they belong
 * to handler runs that are over), and a handler's own faults never touch the record of the
 * access it will retry.
 */
function noteProgress(k: Kernel, env: Env, level: number, epc: number, bad: number): boolean {
  const top = TypedArrayLength(env.lastFaultEpc) - 1;
  const l = MathMax(0, MathMin(level, top));
  for (let d = l + 1; d <= top; d++) env.lastFaultEpc[d] = -1;
  const e = epc | 0;
  const b = bad | 0;
  if (env.lastFaultEpc[l] === e) {
    env.faultsAtEpc[l]!++;
    if (env.faultsAtEpc[l]! >= k.policy.faultsPerInstructionLimit) return false;
    if (env.lastFaultBad[l] === b) {
      env.faultRepeats[l]!++;
      return env.faultRepeats[l]! < k.policy.faultRepeatLimit;
    }
  } else {
    env.faultsAtEpc[l] = 0;
  }
  env.lastFaultEpc[l] = e;
  env.lastFaultBad[l] = b;
  env.faultRepeats[l] = 0;
  return true;
}

function saveAreaLive(k: Kernel, env: Env, index: number): boolean {
  const frame = env.saveAreaPa[index]! >>> 12;
  return k.frames.gen[frame] === env.saveFrameGen[index] && k.frames.owner[frame] !== 0;
}

/** Exceptions dispatched to user handlers through the general vector. */
const DISPATCHED_LIST = [
  ExcCode.Mod,
  ExcCode.AdEL,
  ExcCode.AdES,
  ExcCode.DBE,
  ExcCode.Bp,
  ExcCode.RI,
  ExcCode.CpU,
  ExcCode.Ov,
];
/** `DISPATCHED[code] === 1` for those codes (a typed table: no Array method, no prototype). */
export const DISPATCHED = new Uint8ArrayCtor(16);
for (let i = 0; i < DISPATCHED_LIST.length; i++) DISPATCHED[DISPATCHED_LIST[i]!] = 1;

/** Whether `code` (an int32 from a register) is a dispatched exception code. */
export function isDispatched(code: number): boolean {
  return code >= 0 && code < 16 && DISPATCHED[code] === 1;
}

/** Installs the general-vector handlers for the dispatched exceptions. */
export function installDispatch(k: Kernel): void {
  for (let i = 0; i < DISPATCHED_LIST.length; i++) {
    const code = DISPATCHED_LIST[i]!;
    k.machine.setExceptionHandler(code, (cpu) =>
      dispatchToUser(k, cpu, code, code, COSTS["aegis.exc.dispatch"]),
    );
  }
}
