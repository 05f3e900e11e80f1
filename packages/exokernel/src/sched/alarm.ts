import { type Cpu, KSEG0, Reg, Resolution } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { diskPending, SOFT_DISK, setDiskHandler } from "../disk/disk.js";
import { ALARM_INDEX, type Env } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import { killActive, upcall } from "../exc/upcall.js";
import { setNetHandler } from "../net/calls.js";
import { postNet } from "../net/receive.js";
import { Result } from "../result.js";
import { DEVICE_ALARM, DEVICE_DISK, DEVICE_NET, WORD_SPAN } from "../syscall/abi.js";

/**
 * Per-environment alarms, multiplexed by the kernel on the one interval timer, which stays
 * the slice clock.
 *
 * - Each env has one alarm: an absolute cycle (`env.alarmAtCycle`, -1 when disarmed).
 *   Re-arming replaces it; a cycle at or before now is due at once.
 * - The timer is programmed (absolute cycles, `IntervalTimer.startAt`) for the earlier of
 *   the next slice boundary and the earliest armed alarm (the scheduler's `program`), so
 *   slice boundaries never move: they stay `start + k * sliceCycles` whatever alarms do.
 * - Expiry (the timer interrupt at that cycle): the alarm is disarmed and becomes pending
 *   for its owner (`alarmPendingCycle`). If the owner's code is the code on the CPU, the
 *   kernel posts software interrupt IP0 at once: it is taken at the `rfe` that ends the
 *   timer interrupt, on the interrupted thread. Otherwise the dispatcher posts it when it
 *   next resumes one of the owner's contexts (before any of its code runs).
 * - Delivery (the IP0 interrupt): the dispatch path of an exception — bounds, save area,
 *   t0..t2 stored there, t0 = EPC, t1 = the alarm's cycle (low word), t2 = Cause — then the
 *   handler runs synchronously in user mode as the owner (charged to it). A pending alarm
 *   with no handler installed is dropped (counted); one whose save area is gone is fatal,
 *   as for an exception.
 *
 * Invariants: `k.alarmsArmed` counts the live envs with `alarmAtCycle >= 0`; an armed alarm
 * is always in the future (at most `now` during the interrupt that expires it); IP0 is set
 * only while the env that will take it is on the CPU, and a stale IP0 (its env gone) is
 * cleared and ignored.
 */

/** Cause.IP0, the first software interrupt: the kernel's "alarm pending" doorbell. */
export const SOFT_ALARM = 1 << 8;

/** `setInterruptHandler(device, handler, saveAreaVa)`: the same save-area rules as setHandler. */
export function setInterruptHandler(
  k: Kernel,
  env: Env,
  device: number,
  va: number,
  fn: unknown,
): number {
  k.cpu.exec(COSTS["aegis.sys.setInterruptHandler"]);
  if (fn !== null && typeof fn !== "function") return Result.Invalid;
  if (device === DEVICE_DISK) return setDiskHandler(k, env, va, fn);
  if (device === DEVICE_NET) return setNetHandler(k, env, va, fn);
  if (device !== DEVICE_ALARM) return Result.Invalid;
  if (fn === null) {
    env.alarmHandler = undefined;
    env.saveAreaVa[ALARM_INDEX] = -1;
    env.saveAreaPa[ALARM_INDEX] = -1;
    return Result.Ok;
  }
  if (va < 0 || (va & 3) !== 0 || (va & 0xfff) > 4096 - 12) return Result.Invalid;
  const b = env.bindings.get(va >>> 12);
  if (b === undefined || !b.guaranteed || !b.writable) return Result.Fault;
  env.alarmHandler = fn as (h: EnvHandle) => void;
  env.saveAreaVa[ALARM_INDEX] = va;
  env.saveAreaPa[ALARM_INDEX] = b.frame * 4096 + (va & 0xfff);
  env.saveFrameGen[ALARM_INDEX] = k.frames.gen[b.frame]!;
  return Result.Ok;
}

/** `setAlarm`: the cycle arrives as two words (a0 low, a1 high), checked by the stub. */
export function setAlarm(k: Kernel, env: Env, lo: number, hi: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.setAlarm"]);
  if (hi < 0 || hi >= 0x200000) return Result.Invalid;
  const at = hi * WORD_SPAN + (lo >>> 0);
  disarm(k, env);
  if (at <= cpu.now) {
    // Due at once: pending now, taken at this call's `rfe` (the caller is on the CPU).
    env.alarmPendingCycle = at;
    cpu.cause = (cpu.cause | SOFT_ALARM) >>> 0;
    return Result.Ok;
  }
  cpu.exec(COSTS["aegis.alarm.walk"], earlierAlarms(k, at));
  env.alarmAtCycle = at;
  k.alarmsArmed++;
  k.sched.program();
  return Result.Ok;
}

/** `cancelAlarm`: disarms the alarm and drops one that expired and was not yet delivered. */
export function cancelAlarm(k: Kernel, env: Env): number {
  k.cpu.exec(COSTS["aegis.sys.setAlarm"]);
  const was = env.alarmAtCycle;
  disarm(k, env);
  env.alarmPendingCycle = -1;
  if (was >= 0) k.sched.program();
  return Result.Ok;
}

/** Disarms `env`'s alarm (no reprogramming: the caller does it if it must). */
export function disarm(k: Kernel, env: Env): void {
  if (env.alarmAtCycle < 0) return;
  env.alarmAtCycle = -1;
  k.alarmsArmed--;
}

/** Armed alarms due before `at` (the sorted list's walk to insert it). */
function earlierAlarms(k: Kernel, at: number): number {
  let n = 0;
  for (let a = 1; a < 64; a++) {
    const e = k.asids[a];
    if (e === null || e === undefined || !e.alive) continue;
    if (e.alarmAtCycle >= 0 && e.alarmAtCycle < at) n++;
  }
  return n;
}

/** The earliest armed alarm's cycle, or -1. */
export function earliestAlarm(k: Kernel): number {
  if (k.alarmsArmed === 0) return -1;
  let best = -1;
  for (let a = 1; a < 64; a++) {
    const e = k.asids[a];
    if (e === null || e === undefined || !e.alive) continue;
    const at = e.alarmAtCycle;
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

/**
 * The timer interrupt's alarm part (kernel mode, interrupts off): every armed alarm at or
 * before now expires — pending for its owner, and IP0 posted when the owner is on the CPU.
 */
export function expireAlarms(k: Kernel, cpu: Cpu): void {
  if (k.alarmsArmed === 0) return;
  const now = cpu.now;
  const active = k.activeEnv();
  for (let a = 1; a < 64; a++) {
    const e = k.asids[a];
    if (e === null || e === undefined || !e.alive) continue;
    const at = e.alarmAtCycle;
    if (at < 0 || at > now) continue;
    cpu.exec(COSTS["aegis.alarm.expire"]);
    disarm(k, e);
    e.alarmPendingCycle = at;
    k.stats.alarmsExpired++;
    if (e === active) cpu.cause = (cpu.cause | SOFT_ALARM) >>> 0;
  }
}

/**
 * The IP0 interrupt: delivers the running env's pending alarm to its handler (the dispatch
 * path of an exception, with its bounds and save-area rules), or, for a stale doorbell,
 * clears it and returns.
 */
export function alarmInterrupt(k: Kernel, cpu: Cpu): Resolution {
  cpu.cause = (cpu.cause & ~SOFT_ALARM) >>> 0;
  const env = k.activeEnv();
  if (env === null || !env.alive || env.alarmPendingCycle < 0) {
    cpu.rfe();
    return Resolution.Retry;
  }
  const at = env.alarmPendingCycle;
  env.alarmPendingCycle = -1;
  const handler = env.alarmHandler;
  if (handler === undefined) {
    k.stats.alarmsDropped++;
    cpu.rfe();
    return Resolution.Retry;
  }
  if (cpu.exceptionDepth - k.baseDepth > k.policy.maxExceptionDepth) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(k, env, `exception nesting above ${k.policy.maxExceptionDepth}`);
  }
  const pa = env.saveAreaPa[ALARM_INDEX]!;
  if (pa < 0 || !saveAreaLive(k, env, pa)) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(k, env, "alarm with no usable save area");
  }
  const base = (KSEG0 + pa) >>> 0;
  cpu.storeReg(base, Reg.t0);
  cpu.storeReg(base + 4, Reg.t1);
  cpu.storeReg(base + 8, Reg.t2);
  cpu.exec(COSTS["aegis.int.alarmDispatch"]);
  cpu.setReg(Reg.t0, cpu.epc | 0);
  cpu.setReg(Reg.t1, at | 0);
  cpu.setReg(Reg.t2, cpu.cause | 0);
  k.stats.alarmsDelivered++;
  const h = env.handle as EnvHandle;
  upcall(k, cpu, env, "an alarm handler", () => handler(h));
  return Resolution.Retry;
}

function saveAreaLive(k: Kernel, env: Env, pa: number): boolean {
  const frame = pa >>> 12;
  return k.frames.gen[frame] === env.saveFrameGen[ALARM_INDEX] && k.frames.owner[frame] !== 0;
}

/** The dispatcher resumes one of `env`'s contexts: post its pending alarm (IP0), if any. */
export function postPending(k: Kernel, env: Env): void {
  const cpu = k.cpu;
  if (env.alarmPendingCycle >= 0) {
    cpu.exec(COSTS["aegis.int.alarmPost"]);
    cpu.cause = (cpu.cause | SOFT_ALARM) >>> 0;
  } else if ((cpu.cause & SOFT_ALARM) !== 0) {
    cpu.cause = (cpu.cause & ~SOFT_ALARM) >>> 0;
  }
  if (diskPending(k, env)) {
    cpu.exec(COSTS["aegis.int.diskPost"]);
    cpu.cause = (cpu.cause | SOFT_DISK) >>> 0;
  } else if (postNet(k, env)) {
    // IP1 posted for the network's upcall.
  } else if ((cpu.cause & SOFT_DISK) !== 0) {
    cpu.cause = (cpu.cause & ~SOFT_DISK) >>> 0;
  }
}
