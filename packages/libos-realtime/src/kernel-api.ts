/**
 * The kernel calls the real-time library needs beyond the template's, behind one small
 * interface: the cycle counter, the per-environment alarm, slice reservations. Everything
 * else in the library calls this module, never the handle's new calls directly, so the
 * policy code is the same whichever kernel serves them.
 *
 * `kernelApi(env)` uses the handle's calls when the exokernel has them (readCycles,
 * setInterruptHandler("alarm"), setAlarm, cancelAlarm, reserveSlices, releaseSlices);
 * otherwise it falls back to what an older Aegis offers, stated honestly:
 * - the cycle counter: a null system call, charged as one (a kernel call that returns the
 *   clock costs the same trap), the value read from the CPU view's clock;
 * - the alarm: polled — the library's dispatcher calls `poll()` at its safepoints and in
 *   its idle loop, so a release is seen at the next poll, not at its cycle;
 * - a reservation: the positions allocated one by one (all or nothing: freed again on a
 *   refusal), named by a small number of the library's own.
 */
import type { EnvHandle } from "@exolab/exokernel";
import { Reg, Result } from "@exolab/exokernel";

/** The alarm handler: synchronous, on the interrupted thread (it never blocks). */
export type AlarmHandler = () => void;

export interface KernelApi {
  /** Whether the alarm is a real interrupt (false: polled at the dispatcher's safepoints). */
  readonly interrupts: boolean;
  readCycles(): number;
  setAlarmHandler(handler: AlarmHandler | null, saveAreaVa: number): number;
  setAlarm(atCycle: number): number;
  cancelAlarm(): number;
  /** Polled delivery (fallback only; a no-op with real interrupts). */
  poll(): void;
  reserveSlices(positions: readonly number[]): number;
  releaseSlices(cap: number): number;
  /** Gives one position of reservation `cap` back (the reservation shrinks). */
  giveBackSlice(cap: number, position: number): number;
}

/** The calls of an Aegis that has them (feat/rtk), typed here so this module needs nothing else. */
interface RtHandle {
  readCycles(): number;
  setInterruptHandler(
    device: "alarm",
    handler: ((env: EnvHandle) => void) | null,
    saveAreaVa: number,
  ): number;
  setAlarm(atCycle: number): number;
  cancelAlarm(): number;
  reserveSlices(positions: readonly number[]): number;
  releaseSlices(cap: number): number;
}

function hasRtCalls(env: EnvHandle): boolean {
  const e = env as unknown as Record<string, unknown>;
  return (
    typeof e.readCycles === "function" &&
    typeof e.setAlarm === "function" &&
    typeof e.setInterruptHandler === "function" &&
    typeof e.reserveSlices === "function"
  );
}

export function kernelApi(env: EnvHandle, options: { forcePolled?: boolean } = {}): KernelApi {
  if (options.forcePolled !== true && hasRtCalls(env)) return native(env as EnvHandle & RtHandle);
  return polled(env);
}

function native(env: EnvHandle & RtHandle): KernelApi {
  return {
    interrupts: true,
    readCycles: () => env.readCycles(),
    setAlarmHandler: (handler, va) =>
      env.setInterruptHandler("alarm", handler === null ? null : () => handler(), va),
    setAlarm: (at) => env.setAlarm(at),
    cancelAlarm: () => env.cancelAlarm(),
    poll: () => {},
    reserveSlices: (positions) => env.reserveSlices(positions),
    releaseSlices: (cap) => env.releaseSlices(cap),
    giveBackSlice: (_cap, position) => env.freeSlice(position),
  };
}

function polled(env: EnvHandle): KernelApi {
  let handler: AlarmHandler | null = null;
  let saveVa = 0;
  let at = -1;
  const reservations: (readonly number[] | null)[] = [];
  return {
    interrupts: false,
    readCycles() {
      env.nullSyscall();
      return env.cpu.now;
    },
    setAlarmHandler(h, va) {
      handler = h;
      saveVa = va;
      return Result.Ok;
    },
    setAlarm(atCycle) {
      if (!Number.isInteger(atCycle) || atCycle < 0) return Result.Invalid;
      at = atCycle;
      return Result.Ok;
    },
    cancelAlarm() {
      at = -1;
      return Result.Ok;
    },
    poll() {
      if (at < 0 || handler === null || env.cpu.now < at) return;
      at = -1;
      // As the kernel would: t0..t2 into the save area (the handler restores them).
      const cpu = env.cpu;
      cpu.store32(saveVa, cpu.reg(Reg.t0));
      cpu.store32(saveVa + 4, cpu.reg(Reg.t1));
      cpu.store32(saveVa + 8, cpu.reg(Reg.t2));
      handler();
    },
    reserveSlices(positions) {
      const got: number[] = [];
      for (const p of positions) {
        const r = env.allocSlice(p);
        if (r < 0) {
          for (const q of got) env.freeSlice(q);
          return r;
        }
        got.push(p);
      }
      reservations.push(Object.freeze(got));
      return reservations.length - 1;
    },
    releaseSlices(cap) {
      const held = reservations[cap];
      if (held === undefined || held === null) return Result.BadCap;
      for (const p of held) env.freeSlice(p);
      reservations[cap] = null;
      return Result.Ok;
    },
    giveBackSlice(cap, position) {
      const held = reservations[cap];
      if (held === undefined || held === null || !held.includes(position)) return Result.BadCap;
      reservations[cap] = Object.freeze(held.filter((p) => p !== position));
      return env.freeSlice(position);
    },
  };
}
