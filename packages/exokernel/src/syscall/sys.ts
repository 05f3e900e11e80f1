import { type Cpu, ExcCode, KSEG0, Reg, Resolution } from "@exolab/machine/privileged";
import { allocFrame, dropCap, frameOf, freeFrame, grant } from "../caps/calls.js";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { allocExtent, diskRequest, extentOf, freeExtent, grantExtent } from "../disk/disk.js";
import { type Env, REFILL_INDEX } from "../env/env.js";
import { exitEnv } from "../env/lifecycle.js";
import { isDispatched } from "../exc/dispatch.js";
import { Int32ArrayCtor } from "../intrinsics.js";
import { bindBatch } from "../mem/batch.js";
import { guarantee, tlbDelete, tlbWrite } from "../mem/bindings.js";
import { deleteFilter, downloadAsh, insertFilter, netSend } from "../net/calls.js";
import { PCT_ASYNC, PCT_SYNC, transfer, yieldSlice, yieldTo } from "../pct/pct.js";
import { Result } from "../result.js";
import { cancelAlarm, setAlarm, setInterruptHandler } from "../sched/alarm.js";
import { releaseSlices, reserveSlices } from "../sched/reserve.js";
import { Call, REFILL_CODE, WORD_SPAN } from "./abi.js";

/**
 * The Sys exception handler: decode v0 (call number) and a0..a3, validate, invoke, put the
 * result in v0, rfe. Three paths:
 * - `Null`: the path with no stack (one kernel/user crossing, the paper's 18 instructions);
 * - `PctSync`/`PctAsync`/`YieldTo`: the protected-control-transfer path (30 instructions);
 * - everything else: the crossing plus the path with a kernel stack (save sp, ra, gp, fp on
 *   the kernel stack in kseg0, call the body, restore).
 * A function argument (handlers, entries) travels beside the registers in `k.pendingFn`.
 */
export function sys(k: Kernel, cpu: Cpu): Resolution {
  const regs = cpu.regs;
  const call = regs[Reg.v0]!;
  const fn = k.pendingFn;
  k.pendingFn = undefined;
  const vector = k.pendingVector;
  k.pendingVector = undefined;
  k.stats.syscalls++;
  const env = k.activeEnv();
  let r: number;
  if (env === null || !env.alive) {
    cpu.exec(COSTS["aegis.sys.crossing"]);
    if (call === Call.ReadCycles) regs[Reg.v1] = -1;
    r = Result.Refused;
  } else if (call === Call.Null) {
    cpu.exec(COSTS["aegis.sys.crossing"]);
    r = Result.Ok;
  } else if (call === Call.ReadCycles) {
    // The no-stack path: the counter register, the kernel's high word, v0/v1.
    cpu.exec(COSTS["aegis.sys.crossing"]);
    const c = k.machine.timer.readCounter();
    cpu.exec(COSTS["aegis.sys.readCycles"]);
    regs[Reg.v1] = (c - (c % WORD_SPAN)) / WORD_SPAN;
    r = (c % WORD_SPAN) | 0;
  } else if (call === Call.PctSync || call === Call.PctAsync) {
    r = transfer(k, env, regs[Reg.v1]!, call === Call.PctSync ? PCT_SYNC : PCT_ASYNC);
  } else if (call === Call.YieldTo) {
    r = yieldTo(k, env, regs[Reg.v1]!);
  } else {
    cpu.exec(COSTS["aegis.sys.crossing"]);
    const sp = (KSEG0 + k.kernelStackTopPa) >>> 0;
    cpu.storeReg(sp, Reg.sp);
    cpu.storeReg(sp + 4, Reg.ra);
    cpu.storeReg(sp + 8, Reg.gp);
    cpu.storeReg(sp + 12, Reg.fp);
    cpu.exec(COSTS["aegis.sys.stack"]);
    r = body(k, env, call, regs[Reg.a0]!, regs[Reg.a1]!, regs[Reg.a2]!, regs[Reg.a3]!, fn, vector);
    cpu.loadReg(sp, Reg.sp);
    cpu.loadReg(sp + 4, Reg.ra);
    cpu.loadReg(sp + 8, Reg.gp);
    cpu.loadReg(sp + 12, Reg.fp);
  }
  regs[Reg.v0] = r;
  cpu.rfe();
  return Resolution.Retry;
}

function body(
  k: Kernel,
  env: Env,
  call: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  fn: unknown,
  vector: Int32Array | undefined,
): number {
  switch (call) {
    case Call.NullStack:
      return Result.Ok;
    case Call.AllocFrame:
      return allocFrame(k, env, a0);
    case Call.FrameOf:
      return frameOf(k, env, a0);
    case Call.FreeFrame:
      return freeFrame(k, env, a0);
    case Call.Grant:
      return grant(k, env, a0, a1, a2);
    case Call.DropCap:
      return dropCap(k, env, a0);
    case Call.TlbWrite:
      return tlbWrite(k, env, a0, a1, a2);
    case Call.TlbDelete:
      return tlbDelete(k, env, a0);
    case Call.Guarantee:
      return guarantee(k, env, a0, a1, a2);
    case Call.BindBatch:
      return bindBatch(k, env, a0, vector ?? EMPTY_VECTOR);
    case Call.SetHandler:
      return setHandler(k, env, a0, a1, fn);
    case Call.OnEndOfSlice:
    case Call.OnStartOfSlice:
    case Call.OnRevoke:
    case Call.SetEntry:
      return setUpcall(k, env, call, a0, fn);
    case Call.AllocSlice:
      k.cpu.exec(COSTS["aegis.sys.allocSlice"]);
      return k.sched.allocSlice(env, a0);
    case Call.FreeSlice:
      k.cpu.exec(COSTS["aegis.sys.freeSlice"]);
      return k.sched.freeSlice(env, a0);
    case Call.Repossessed:
      k.cpu.exec(COSTS["aegis.sys.repossessed"]);
      return env.repossessed.length;
    case Call.YieldSlice:
      return yieldSlice(k);
    case Call.Exit:
      return exitEnv(k, env, a0);
    case Call.SetInterruptHandler:
      return setInterruptHandler(k, env, a0, a1, fn);
    case Call.SetAlarm:
      return setAlarm(k, env, a0, a1);
    case Call.CancelAlarm:
      return cancelAlarm(k, env);
    case Call.ReserveSlices:
      return reserveSlices(k, env, a0, vector ?? EMPTY_VECTOR);
    case Call.ReleaseSlices:
      return releaseSlices(k, env, a0);
    case Call.AllocExtent:
      return allocExtent(k, env, a0, a1);
    case Call.FreeExtent:
      return freeExtent(k, env, a0);
    case Call.ExtentOf:
      return extentOf(k, env, a0);
    case Call.GrantExtent:
      return grantExtent(k, env, a0, a1, a2);
    case Call.DiskRead:
    case Call.DiskWrite:
      return diskRequest(k, env, call === Call.DiskWrite, a0, a1, a2, a3);
    case Call.InsertFilter:
      return insertFilter(k, env, a1, a0, vector ?? EMPTY_VECTOR);
    case Call.DeleteFilter:
      return deleteFilter(k, env, a0);
    case Call.NetSend:
      return netSend(k, env, a0, a1, a2);
    case Call.DownloadAsh:
      return downloadAsh(k, env, a1, a2, a0, vector ?? EMPTY_VECTOR);
    default:
      return Result.Invalid;
  }
}

/** The vector of a call that came without one (a count over the policy's maximum). */
const EMPTY_VECTOR = new Int32ArrayCtor(0);

function isHandler(fn: unknown): boolean {
  return fn === null || typeof fn === "function";
}

/**
 * Installs (or, with a null handler, removes) a user exception handler. The save area must
 * lie, 12 bytes and word aligned, inside a writable guaranteed mapping of the env: the
 * kernel records its physical address and stores t0..t2 there through kseg0.
 */
function setHandler(k: Kernel, env: Env, code: number, va: number, fn: unknown): number {
  k.cpu.exec(COSTS["aegis.sys.setHandler"]);
  const index = code === REFILL_CODE ? REFILL_INDEX : code;
  if (index !== REFILL_INDEX && !isDispatched(code)) return Result.Invalid;
  if (!isHandler(fn)) return Result.Invalid;
  if (fn === null) {
    env.handlers[index] = undefined;
    env.saveAreaVa[index] = -1;
    env.saveAreaPa[index] = -1;
    return Result.Ok;
  }
  if (va < 0 || (va & 3) !== 0 || (va & 0xfff) > 4096 - 12) return Result.Invalid;
  const b = env.bindings.get(va >>> 12);
  if (b === undefined || !b.guaranteed || !b.writable) return Result.Fault;
  env.handlers[index] = fn as (typeof env.handlers)[number];
  env.saveAreaVa[index] = va;
  env.saveAreaPa[index] = b.frame * 4096 + (va & 0xfff);
  env.saveFrameGen[index] = k.frames.gen[b.frame]!;
  return Result.Ok;
}

function setUpcall(k: Kernel, env: Env, call: number, a0: number, fn: unknown): number {
  k.cpu.exec(COSTS["aegis.sys.setUpcall"]);
  if (!isHandler(fn)) return Result.Invalid;
  const f = fn === null ? undefined : (fn as never);
  switch (call) {
    case Call.OnEndOfSlice:
      env.endOfSlice = f;
      return Result.Ok;
    case Call.OnStartOfSlice:
      env.startOfSlice = f;
      return Result.Ok;
    case Call.OnRevoke:
      env.revokeHandler = f;
      return Result.Ok;
    default:
      if (a0 === PCT_SYNC) env.syncEntry = f;
      else if (a0 === PCT_ASYNC) env.asyncEntry = f;
      else return Result.Invalid;
      return Result.Ok;
  }
}

export function installSys(k: Kernel): void {
  k.machine.setExceptionHandler(ExcCode.Sys, (cpu) => sys(k, cpu));
}
