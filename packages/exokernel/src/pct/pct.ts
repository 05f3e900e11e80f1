import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import { Result } from "../result.js";
import { entryContext, live } from "../sched/contexts.js";

export const PCT_SYNC = 0;
export const PCT_ASYNC = 1;

/**
 * Protected control transfer (kernel side, inside the Sys trap; the paper's 30
 * instructions). Registers are untouched: they are the message. Atomic: every check comes
 * first; on success the caller's stub yields and the dispatcher resumes the callee.
 *
 * - Synchronous to an env parked on the caller: the reply. The parked context resumes
 *   (its `yield* pct` returns Ok); the replying context is left runnable and its own
 *   `yield* pct` returns Ok when its env next runs.
 * - Synchronous otherwise: a call. The caller's context parks on the target (the rest of
 *   this slice and the caller's future slices are donated down the chain); the target's
 *   sync entry starts afresh with the caller's id. Refused (Busy) if the target is itself
 *   parked or still serving another parked caller.
 * - Asynchronous: the target's async entry starts afresh and gets the rest of this slice;
 *   the caller's context stays runnable and its `yield*` returns Ok at its next turn.
 */
export function transfer(k: Kernel, caller: Env, targetId: number, kind: number): number {
  const cpu = k.cpu;
  const path = kind === PCT_SYNC ? COSTS["aegis.pct.sync"] : COSTS["aegis.pct.async"];
  cpu.exec(path);
  const ctx = k.machine.current;
  if (ctx === null || cpu.exceptionDepth - k.baseDepth > 1) return Result.Refused;
  if (kind !== PCT_SYNC && kind !== PCT_ASYNC) return Result.Invalid;
  const target = k.lookupEnv(targetId);
  if (target === null) return Result.NoEnv;
  if (target === caller) return Result.Invalid;
  if (kind === PCT_SYNC && target.parkedOn === caller) {
    // The reply: the parked caller runs next (the scheduler's handoff), registers intact.
    const parked = target.parkedCtx;
    if (parked !== null) k.transferResult.set(parked, Result.Ok);
    k.transferResult.set(ctx, Result.Ok);
    target.parkedOn = null;
    target.parkedCtx = null;
    if (caller.servingFor === target) caller.servingFor = null;
    if (parked !== null) k.sched.handoff(parked);
    k.stats.pcts++;
    return Result.Ok;
  }
  if (target.parkedOn !== null) return Result.Busy;
  if (kind === PCT_SYNC) {
    const entry = target.syncEntry;
    if (entry === undefined) return Result.Refused;
    const serving = target.servingFor;
    if (serving !== null && serving.parkedOn === target) return Result.Busy;
    const callerId = caller.id;
    // The context first (a call), then the links (stores): a host error cannot leave the
    // caller parked on a target with no entry running.
    const callee = entryContext(k, target, "sync", () => entry(callerId));
    target.syncCtx = callee;
    caller.parkedOn = target;
    caller.parkedCtx = ctx;
    target.servingFor = caller;
    // The callee runs next, with the registers as the caller left them.
    k.sched.handoff(callee);
  } else {
    const entry = target.asyncEntry;
    if (entry === undefined) return Result.Refused;
    if (live(target.asyncCtx) !== null) return Result.Busy;
    const callerId = caller.id;
    target.asyncCtx = entryContext(k, target, "async", () => entry(callerId));
    k.sched.giveRestTo(target);
    k.transferResult.set(ctx, Result.Ok);
  }
  k.stats.pcts++;
  return Result.Ok;
}

/** Directed yield (the PCT path): the rest of the slice goes to `targetId`'s contexts. */
export function yieldTo(k: Kernel, caller: Env, targetId: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sched.yieldTo"]);
  const ctx = k.machine.current;
  if (ctx === null || cpu.exceptionDepth - k.baseDepth > 1) return Result.Refused;
  const target = k.lookupEnv(targetId);
  if (target === null) return Result.NoEnv;
  if (target === caller) return Result.Invalid;
  if (target.parkedOn !== null) return Result.Busy;
  k.sched.giveRestTo(target);
  k.transferResult.set(ctx, Result.Ok);
  return Result.Ok;
}

export function yieldSlice(k: Kernel): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sched.yieldSlice"]);
  const ctx = k.machine.current;
  if (ctx === null || cpu.exceptionDepth - k.baseDepth > 1) return Result.Refused;
  k.sched.endSlice();
  k.transferResult.set(ctx, Result.Ok);
  return Result.Ok;
}
