import {
  type Cpu,
  type Dispatcher,
  ExcCode,
  type ExecutionContext,
  IRQ,
  Resolution,
} from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { diskDeliver, diskInterrupt, diskPending, SOFT_DISK } from "../disk/disk.js";
import type { Env } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import { boundary } from "../env/lifecycle.js";
import { killActive, upcall } from "../exc/upcall.js";
import {
  Float64ArrayCtor,
  Int32ArrayCtor,
  MathFloor,
  TypedArrayLength,
  Uint8ArrayCtor,
} from "../intrinsics.js";
import { netDeliver, netInterrupt } from "../net/receive.js";
import { netPending } from "../net/state.js";
import { Result } from "../result.js";
import { deliverUpcalls, enforceDeadlines } from "../revoke/revoke.js";
import { alarmInterrupt, earliestAlarm, expireAlarms, postPending, SOFT_ALARM } from "./alarm.js";
import { entryContext, live } from "./contexts.js";
import { restoreMessage, saveMessage } from "./message.js";
import { dropPosition } from "./reserve.js";

/**
 * The CPU: a vector of time slices scheduled round robin over allocated positions, driven
 * by the interval timer (one period = one slice).
 *
 * - End of slice: the timer interrupt acknowledges the timer, upcalls the running env's
 *   end-of-slice handler (synchronous) and requests a switch; the switch happens at the
 *   env's next yield (a safepoint). The time from the interrupt to the switch is recorded
 *   as preemption latency. Every further tick that arrives before the switch is a whole
 *   slice of overrun: it is added to the env's excess-time counter and one of its future
 *   slices is forfeited; past policy.excessSliceLimit the env is destroyed.
 * - The CPU holder of a slice is the position's owner, unless it gave the rest away
 *   (directed yield, asynchronous PCT); a holder of donated time with nothing to run gives
 *   it back to the owner, and only then is it passed on round the vector (each position's
 *   owner tried once). A synchronous PCT parks the caller on the callee: the holder's time
 *   then goes down the chain of parked envs to the first one that can run.
 * - What runs for an env: its live sync-entry context, else async-entry, else its
 *   start-of-slice context; a finished start-of-slice entry is started afresh at most once
 *   per slice.
 *
 * - Alarms (sched/alarm.ts) share the timer: it is programmed for the earlier of the next
 *   slice boundary and the earliest alarm, always at absolute cycles, so boundaries stay
 *   `start + k * sliceCycles`. With no alarm armed it runs periodically as it always did.
 * - Fixed timing (sched/reserve.ts): while any position is reserved, slice boundaries are the
 *   multiples of `sliceCycles` and the slot `[j * sliceCycles, (j + 1) * sliceCycles)`
 *   belongs to position `j mod sliceVectorLength`. A reserved position's slot goes to its
 *   reserver; every other slot — and the rest of a reserved slot its reserver yields or
 *   cannot use — runs the best-effort round robin over the allocated, unreserved positions.
 *
 * Invariants: `vector[p]` is 0 or the id of a live env holding position p (in its `slices`);
 * the parked chain has no cycle (a transfer to a parked env is refused), so following it
 * ends within the number of envs.
 */
export class Scheduler implements Dispatcher {
  readonly vector: Int32Array;
  #pos = -1;
  #holder: Env | null = null;
  #tick = 0;
  #sliceOver = true;
  #lastEnv: Env | null = null;
  #lastCtx: ExecutionContext | null = null;
  #timerOn = false;
  /** The context a synchronous PCT hands the CPU to at the next switch point, or null. */
  #handoff: ExecutionContext | null = null;
  /** A handoff ran although the slice was over (the slice changes at the next switch). */
  #deferred = false;
  readonly #withheldFrom: Int32Array;
  readonly #withheldUntil: Float64Array;
  /** Per position: 0, or r + 1 when it is reserved by its holder's reservation entry r. */
  readonly reservedBy: Int32Array;
  /** Reserved positions, over all envs: fixed timing is on while it is above 0. */
  reservedCount = 0;
  /** reserveSlices' scratch: positions named so far in the vector being checked. */
  readonly reserveMark: Uint8Array;
  /** The cycle of the next slice boundary (valid while the timer runs). */
  #nextBoundary = 0;
  /** Fixed timing: the slot (boundary / sliceCycles) the last boundary began. */
  #slot = 0;
  /** A boundary passed and its slot has not been given out yet (fixed timing). */
  #slotFresh = false;
  /** The best-effort round robin's position (fixed timing). */
  #bePos = -1;

  constructor(private readonly k: Kernel) {
    this.vector = new Int32ArrayCtor(k.policy.sliceVectorLength);
    this.#withheldFrom = new Int32ArrayCtor(k.policy.sliceVectorLength);
    this.#withheldUntil = new Float64ArrayCtor(k.policy.sliceVectorLength);
    this.reservedBy = new Int32ArrayCtor(k.policy.sliceVectorLength);
    this.reserveMark = new Uint8ArrayCtor(k.policy.sliceVectorLength);
  }

  /** Whether the vector runs on a fixed period (some position is reserved). */
  get fixed(): boolean {
    return this.reservedCount > 0;
  }

  /** The cycle of the next slice boundary, or -1 while the timer is stopped. */
  get nextBoundaryCycle(): number {
    return this.#timerOn ? this.#nextBoundary : -1;
  }

  get tick(): number {
    return this.#tick;
  }

  get holder(): Env | null {
    return this.#holder;
  }

  /** The environment whose context the dispatcher resumed last (null after its death). */
  get lastEnv(): Env | null {
    return this.#lastEnv;
  }

  // ---- the timer ------------------------------------------------------------------------

  startTimer(): void {
    if (this.#timerOn) return;
    const timer = this.k.machine.timer;
    const slice = this.k.policy.sliceCycles;
    if (this.fixed) {
      // Fixed timing: boundaries are the multiples of the slice, whenever the timer starts.
      this.#nextBoundary = this.#nextMultiple(this.k.cpu.now);
      timer.startAt(this.#nextBoundary, slice);
      this.#slotFresh = true;
      this.#slot = this.#nextBoundary / slice - 1;
    } else {
      timer.start(slice);
      this.#nextBoundary = timer.nextExpiry;
    }
    this.#timerOn = true;
    this.#sliceOver = true;
    if (this.k.alarmsArmed > 0) this.program();
  }

  /** The first multiple of the slice after `cycle`. */
  #nextMultiple(cycle: number): number {
    const slice = this.k.policy.sliceCycles;
    return (MathFloor(cycle / slice) + 1) * slice;
  }

  /**
   * Programs the timer for the earlier of the next slice boundary and the earliest armed
   * alarm, at absolute cycles (the register write is charged by the timer). With no alarm
   * before the boundary it runs periodically from the boundary, as without alarms.
   */
  program(): void {
    if (!this.#timerOn) return;
    const timer = this.k.machine.timer;
    let at = earliestAlarm(this.k);
    if (at >= 0 && at <= this.k.cpu.now) {
      // Passed while the timer was stopped (between runs): pending for their owners now.
      expireAlarms(this.k, this.k.cpu);
      at = earliestAlarm(this.k);
    }
    const b = this.#nextBoundary;
    if (at >= 0 && at < b) {
      if (timer.periodic || timer.nextExpiry !== at)
        timer.startAt(at, this.k.policy.sliceCycles, true);
    } else if (!timer.periodic || timer.nextExpiry !== b) {
      timer.startAt(b, this.k.policy.sliceCycles);
    }
  }

  stopTimer(): void {
    if (!this.#timerOn) return;
    this.k.machine.timer.stop();
    this.#timerOn = false;
  }

  /**
   * The Int handler: the timer (slice boundaries and alarms), IP0 (a pending alarm's
   * delivery, sched/alarm.ts); other lines are not exported yet (cleared).
   */
  interrupt(cpu: Cpu): Resolution {
    const k = this.k;
    const cause = cpu.cause;
    if ((cause & (1 << (8 + IRQ.Timer))) === 0) {
      if ((cause & (1 << (8 + IRQ.Disk))) !== 0) return diskInterrupt(k, cpu);
      if ((cause & (1 << (8 + IRQ.Network))) !== 0) return netInterrupt(k, cpu);
      if ((cause & SOFT_ALARM) !== 0) return alarmInterrupt(k, cpu);
      if ((cause & SOFT_DISK) !== 0) {
        const env = k.activeEnv();
        if (env !== null && !diskPending(k, env) && netPending(k, env)) return netDeliver(k, cpu);
        return diskDeliver(k, cpu);
      }
      for (let line = 2; line < 8; line++) cpu.clearIrq(line);
      k.stats.spuriousInterrupts++;
      cpu.rfe();
      return Resolution.Retry;
    }
    k.machine.timer.acknowledge();
    cpu.exec(COSTS["aegis.int.timer"]);
    const now = cpu.now;
    const multiplexed = k.alarmsArmed > 0 || !k.machine.timer.periodic;
    if (multiplexed) {
      cpu.exec(COSTS["aegis.int.alarmCheck"]);
      expireAlarms(k, cpu);
    }
    const tick = now >= this.#nextBoundary;
    if (tick) {
      const slice = k.policy.sliceCycles;
      let last = this.#nextBoundary;
      while (this.#nextBoundary <= now) {
        last = this.#nextBoundary;
        this.#nextBoundary += slice;
      }
      k.stats.lastSliceBoundaryCycle = last;
      if (this.fixed) {
        cpu.exec(COSTS["aegis.sched.fixedSlot"]);
        this.#slot = MathFloor(last / slice);
        this.#slotFresh = true;
      }
    }
    if (multiplexed) this.program();
    if (!tick) {
      // An alarm only: the slice goes on (IP0, if posted, is taken at this rfe).
      cpu.rfe();
      return Resolution.Retry;
    }
    k.stats.ticks++;
    this.#sliceOver = true;
    if (k.pendingRevocations > 0) enforceDeadlines(k);
    const env = k.activeEnv();
    if (env === null || !env.alive) {
      // Idle, or a doomed env's code going on: no end-of-slice upcall (the env is reaped at
      // its next boundary).
      if (env !== null) k.machine.requestSwitch();
      cpu.rfe();
      return Resolution.Retry;
    }
    if (env.eosPendingSince >= 0) {
      // A whole slice of overrun: the switch asked for at the previous tick has not happened.
      env.excessSlices++;
      env.forfeitSlices++;
      if (env.excessSlices > k.policy.excessSliceLimit) {
        throw killActive(k, env, `excess time: ${env.excessSlices} slices of overrun`);
      }
      cpu.rfe();
      return Resolution.Retry;
    }
    env.eosPendingSince = cpu.now;
    k.machine.requestSwitch();
    const handler = env.endOfSlice;
    if (handler === undefined) {
      cpu.rfe();
      return Resolution.Retry;
    }
    cpu.exec(COSTS["aegis.int.endOfSlice"]);
    const h = env.handle as EnvHandle;
    upcall(k, cpu, env, "an end-of-slice handler", () => handler(h));
    return Resolution.Retry;
  }

  // ---- the dispatcher ---------------------------------------------------------------------

  pickNext(): ExecutionContext | null {
    return this.k.asKernel(() => this.#pick());
  }

  #pick(): ExecutionContext | null {
    const k = this.k;
    // A shallow boundary: a host error recorded during the last run is charged to the env
    // that ran, doomed environments are reaped, deaths are reported.
    boundary(k, this.#lastEnv);
    const last = this.#lastEnv;
    this.#lastEnv = null;
    const lastCtx = this.#lastCtx;
    this.#lastCtx = null;
    if (lastCtx !== null) {
      const env = lastCtx.tag as Env;
      if (lastCtx.maxStretchCycles > env.maxStretchCycles) {
        env.maxStretchCycles = lastCtx.maxStretchCycles;
      }
    }
    if (last !== null && last.eosPendingSince >= 0) {
      const latency = k.cpu.now - last.eosPendingSince;
      last.eosPendingSince = -1;
      last.preemptLatencyTotalCycles += latency;
      if (latency > last.preemptLatencyMaxCycles) last.preemptLatencyMaxCycles = latency;
      k.stats.preemptions++;
      k.stats.preemptLatencyTotalCycles += latency;
      if (latency > k.stats.preemptLatencyMaxCycles) k.stats.preemptLatencyMaxCycles = latency;
    }
    if (k.pendingRevocations > 0) enforceDeadlines(k);
    // A synchronous PCT (call or reply) runs the other side next, with its registers as the
    // transfer left them, whatever the clock did: a slice that ended meanwhile changes hands
    // when that side next yields. No third environment runs in between. If that next yield is
    // itself a transfer (the reply, say), the slice does change then; the registers in flight
    // are saved for the other side and restored when it runs (a pair of environments cannot
    // keep the CPU past its slice by transferring back and forth).
    const h = this.#handoff;
    this.#handoff = null;
    if (h !== null && !h.finished) {
      const env = h.tag as Env;
      if (env.alive && env.parkedOn === null) {
        if (!this.#sliceOver || !this.#deferred) {
          if (this.#sliceOver) this.#deferred = true;
          // Its revocation upcalls wait for its next resumption that is not a handoff (they
          // would run its handler over the registers in flight); deadlines are enforced anyway.
          return this.#resumeCtx(env, h);
        } else {
          saveMessage(k, env, h);
        }
      }
    }
    let switched = false;
    if (this.#sliceOver || this.#holder === null || !this.#holder.alive) {
      switched = true;
      this.#sliceOver = false;
      if (!this.#advance(true)) return this.#nothing();
    }
    const n = TypedArrayLength(this.vector);
    const firstPos = this.#pos;
    let firstBe = -1;
    for (let tries = 0; tries <= n + 1; tries++) {
      const holder = this.#holder;
      if (holder !== null) {
        let ctx = this.#runnable(holder);
        if (ctx === null) {
          ctx = this.#returnToOwner(holder);
          // A switch back to the owner (charged there), not a plain yield.
          if (ctx !== null) switched = true;
        }
        if (ctx !== null) {
          const env = ctx.tag as Env;
          if (env.upcallsPending > 0) {
            deliverUpcalls(k, env);
            if (!env.alive) continue;
          }
          if (ctx === lastCtx && !switched) {
            k.cpu.exec(COSTS["aegis.sched.plainYield"]);
          }
          return this.#resumeCtx(env, ctx);
        }
      }
      switched = true;
      if (!this.#advance(false) || this.#pos === firstPos || this.#pos === firstBe) break;
      if (firstBe < 0 && this.fixed) firstBe = this.#pos;
    }
    return this.#nothing();
  }

  /** Hands the CPU to `ctx` of `env` (restoring a transfer's registers saved for it). */
  #resumeCtx(env: Env, ctx: ExecutionContext): ExecutionContext {
    const k = this.k;
    k.cpu.setAsid(env.asid);
    if (env.savedMessageFor === ctx) restoreMessage(k, env);
    env.eosPendingSince = -1;
    this.#lastEnv = env;
    this.#lastCtx = ctx;
    // Last: an alarm that expired while it was off the CPU is taken as its code resumes.
    postPending(k, env);
    return ctx;
  }

  /** Nothing can run now: idle to the next tick, or stop the timer if nothing ever will. */
  #nothing(): null {
    if (!this.#anyWork()) this.stopTimer();
    return null;
  }

  #anyWork(): boolean {
    const asids = this.k.asids;
    for (let a = 1; a < 64; a++) {
      const env = asids[a];
      if (env === null || env === undefined || !env.alive || env.slices.size === 0) continue;
      if (env.startOfSlice !== undefined) return true;
      if (live(env.sliceCtx) ?? live(env.syncCtx) ?? live(env.asyncCtx)) return true;
    }
    return false;
  }

  /**
   * The holder of a donated slice (directed yield, asynchronous PCT) has nothing to run: the
   * rest of the slice goes back to the owner of its position (typically the donor, blocked in
   * its yield and ready to look again). Only then does it pass on round the vector, which
   * stops when it comes back to this position, so the owner must be tried here: without
   * this step a ping-pong whose other side has ended idled to the next tick.
   */
  #returnToOwner(holder: Env): ExecutionContext | null {
    const ownerId = this.vector[this.#pos] ?? 0;
    if (ownerId === 0 || ownerId === holder.id) return null;
    const owner = this.k.envs.get(ownerId);
    if (owner === undefined || !owner.alive) return null;
    this.k.cpu.exec(COSTS["aegis.sched.sliceReturn"]);
    this.#holder = owner;
    return this.#runnable(owner);
  }

  /** The context that runs on `holder`'s time: down the parked chain, then its entries. */
  #runnable(holder: Env): ExecutionContext | null {
    let x = holder;
    for (let i = 0; i < 64 && x.parkedOn !== null; i++) x = x.parkedOn;
    if (x.parkedOn !== null || !x.alive) return null;
    const ctx = live(x.syncCtx) ?? live(x.asyncCtx) ?? live(x.sliceCtx);
    if (ctx !== null) return ctx;
    const entry = x.startOfSlice;
    if (entry !== undefined && x.startedTick !== this.#tick) {
      x.startedTick = this.#tick;
      x.sliceCtx = entryContext(this.k, x, "slice", () => entry());
      return x.sliceCtx;
    }
    return null;
  }

  /**
   * Moves to the next allocated position whose owner has no forfeit pending (a forfeit
   * consumes the turn). `newSlice` starts a new slice (a tick or a yielded slice); otherwise
   * the rest of the current slice passes on. False when no position is allocated.
   */
  #advance(newSlice: boolean): boolean {
    const k = this.k;
    const n = TypedArrayLength(this.vector);
    k.cpu.exec(COSTS["aegis.sched.sliceSwitch"]);
    if (newSlice) {
      this.#tick++;
      this.#deferred = false;
    }
    k.stats.sliceSwitches++;
    if (this.fixed) return this.#advanceFixed(newSlice);
    for (let i = 1; i <= 2 * n; i++) {
      const p = (this.#pos + i) % n;
      const id = this.vector[p]!;
      if (id === 0) continue;
      const env = k.envs.get(id);
      if (env === undefined || !env.alive) continue;
      if (env.forfeitSlices > 0) {
        env.forfeitSlices--;
        continue;
      }
      this.#pos = p;
      this.#holder = env;
      return true;
    }
    this.#holder = null;
    return false;
  }

  /**
   * Fixed timing: a fresh slot goes to its position's reserver (one with no forfeit
   * pending); anything else is best-effort time, round robin over the allocated unreserved
   * positions.
   */
  #advanceFixed(newSlice: boolean): boolean {
    const k = this.k;
    const n = TypedArrayLength(this.vector);
    if (newSlice && this.#slotFresh) {
      this.#slotFresh = false;
      const p = this.#slot % n;
      const id = this.vector[p]!;
      if (id !== 0 && this.reservedBy[p] !== 0) {
        const env = k.envs.get(id);
        if (env?.alive === true) {
          if (env.forfeitSlices > 0) env.forfeitSlices--;
          else {
            this.#pos = p;
            this.#holder = env;
            return true;
          }
        }
      }
    }
    for (let i = 1; i <= 2 * n; i++) {
      const p = (this.#bePos + i + n) % n;
      const id = this.vector[p]!;
      if (id === 0 || this.reservedBy[p] !== 0) continue;
      const env = k.envs.get(id);
      if (env === undefined || !env.alive) continue;
      if (env.forfeitSlices > 0) {
        env.forfeitSlices--;
        continue;
      }
      this.#bePos = p;
      this.#pos = p;
      this.#holder = env;
      return true;
    }
    this.#holder = null;
    return false;
  }

  onContextEnd(ctx: ExecutionContext, _aborted: boolean): void {
    const env = ctx.tag as Env;
    if (env.syncCtx === ctx) {
      env.syncCtx = null;
      const caller = env.servingFor;
      env.servingFor = null;
      if (caller !== null && caller.parkedOn === env) {
        // The entry ended without replying: the caller resumes with Fault.
        caller.parkedOn = null;
        if (caller.parkedCtx !== null) this.k.transferResult.set(caller.parkedCtx, Result.Fault);
        caller.parkedCtx = null;
      }
    }
    if (env.asyncCtx === ctx) env.asyncCtx = null;
    if (env.sliceCtx === ctx) env.sliceCtx = null;
  }

  // ---- calls ------------------------------------------------------------------------------

  /**
   * Allocates a position (by number, or the first free one with -1). A position the env
   * surrendered under a revocation request is withheld from it until the request's deadline
   * (by number: Refused; "any" passes it over). At most `policy.sliceQuota` positions per env.
   */
  allocSlice(env: Env, position: number): number {
    const k = this.k;
    const v = this.vector;
    const n = TypedArrayLength(v);
    k.cpu.exec(COSTS["aegis.quota.check"]);
    k.cpu.exec(COSTS["aegis.revoke.withheld"]);
    const now = k.cpu.now;
    let p = position;
    if (p === -1) {
      p = -2;
      for (let q = 0; q < n; q++) {
        if (v[q] !== 0) continue;
        if (this.#withheld(q, env, now)) {
          k.cpu.exec(COSTS["aegis.revoke.withheld"]);
          continue;
        }
        p = q;
        break;
      }
      if (p < 0) return Result.NoSlot;
    } else {
      if (p < 0 || p >= n) return Result.Invalid;
      if (v[p] !== 0) return Result.Busy;
      if (this.#withheld(p, env, now)) return Result.Refused;
    }
    if (env.slices.size >= k.policy.sliceQuota) return Result.NoSlot;
    this.take(env, p, 0);
    return p;
  }

  #withheld(p: number, env: Env, now: number): boolean {
    return this.#withheldFrom[p] === env.id && now < this.#withheldUntil[p]!;
  }

  /** Whether position p is withheld from `env` (surrendered under a revocation) at `now`. */
  withheldFrom(p: number, env: Env, now: number): boolean {
    return this.#withheld(p, env, now);
  }

  /**
   * Gives free position p to `env` (checked by the caller), reserved by its entry
   * `reservedBy - 1` (0: a plain allocation). The first reservation turns fixed timing on:
   * the next boundary moves to the next multiple of the slice.
   */
  take(env: Env, p: number, reservedBy: number): void {
    env.slices.add(p);
    this.#withheldFrom[p] = 0;
    this.vector[p] = env.id;
    if (reservedBy === 0) return;
    this.reservedBy[p] = reservedBy;
    this.reservedCount++;
    if (this.reservedCount === 1 && this.#timerOn) {
      this.#nextBoundary = this.#nextMultiple(this.k.cpu.now);
      this.#slot = this.#nextBoundary / this.k.policy.sliceCycles - 1;
      this.program();
    }
  }

  /** Position p is no longer reserved (freed, repossessed, its holder destroyed). */
  #unreserve(env: Env, p: number): void {
    const r = this.reservedBy[p]!;
    if (r === 0) return;
    this.reservedBy[p] = 0;
    this.reservedCount--;
    dropPosition(env, r - 1, p);
  }

  freeSlice(env: Env, position: number): number {
    const k = this.k;
    if (position < 0 || position >= TypedArrayLength(this.vector)) return Result.Invalid;
    if (this.vector[position] !== env.id) return Result.NotOwner;
    k.cpu.exec(COSTS["aegis.quota.release"]);
    const now = k.cpu.now;
    const deadline = env.slicesWanted.get(position);
    env.slices.delete(position);
    this.vector[position] = 0;
    this.#unreserve(env, position);
    if (deadline !== undefined && now < deadline) {
      // Surrendered under a revocation request: not the env's again before the deadline.
      this.#withheldFrom[position] = env.id;
      this.#withheldUntil[position] = deadline;
    }
    if (env.slicesWanted.delete(position)) k.pendingRevocations--;
    return Result.Ok;
  }

  /** Frees every position of `env` (destroy): the vector itself is scanned. */
  releaseSlices(env: Env): void {
    const v = this.vector;
    for (let p = 0, n = TypedArrayLength(v); p < n; p++) {
      if (v[p] !== env.id) continue;
      v[p] = 0;
      this.#unreserve(env, p);
    }
    env.slices.clear();
  }

  onDestroyed(env: Env): void {
    if (this.#holder === env) {
      this.#holder = null;
      this.#sliceOver = true;
    }
    if (this.#lastEnv === env) this.#lastEnv = null;
    if (this.#handoff !== null && this.#handoff.tag === env) this.#handoff = null;
  }

  /** Whether a synchronous PCT's registers are in flight (its other side not yet resumed). */
  get transferInFlight(): boolean {
    return this.#handoff !== null;
  }

  /** A synchronous PCT: `ctx` (the callee's entry, or the parked caller) runs next. */
  handoff(ctx: ExecutionContext): void {
    this.#handoff = ctx;
  }

  /** Directed yield: the rest of this slice goes to `target`. */
  giveRestTo(target: Env): void {
    this.#holder = target;
  }

  /** The caller gives up the rest of its slice: the next position starts a new slice. */
  endSlice(): void {
    this.#sliceOver = true;
  }
}

export function installInterrupt(k: Kernel): void {
  k.machine.setExceptionHandler(ExcCode.Int, (cpu) => k.sched.interrupt(cpu));
}
