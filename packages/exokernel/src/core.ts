import {
  ContextAbort,
  type Cpu,
  type ExecutionContext,
  KERNEL_OWNER,
  type Machine,
  PAGE_BYTES,
  SR_IEC,
  SR_KERNEL_IE,
  SR_USER,
} from "@exolab/machine/privileged";
import { DiskState } from "./disk/state.js";
import type { Env } from "./env/env.js";
import { Int32ArrayCtor, newList, SafeMap, SafeWeakMap } from "./intrinsics.js";
import { FrameTable } from "./mem/frames.js";
import { SoftwareTlb } from "./mem/stlb.js";
import { NetState } from "./net/state.js";
import type { Policy } from "./policy.js";
import type { Scheduler } from "./sched/scheduler.js";

/** Why an environment died, for reports and tests. */
export interface Death {
  readonly envId: number;
  readonly name: string;
  readonly reason: string;
  readonly atCycle: number;
  /** Present when the environment ended itself: the status it passed to `exit`. */
  readonly exitStatus?: number;
}

/**
 * The host's death hook (AegisOptions.onDeath): called at the kernel's next shallow boundary
 * after each death, with the value the environment's code threw when that was the cause —
 * handed on uninspected (the kernel never reads a property of it, nor runs a trap of it).
 */
export type DeathHook = (death: Death, thrown?: unknown) => void;

/** The reason of a death caused by a host error inside one of the environment's kernel calls. */
export const HOST_ERROR_REASON =
  "a host error crossed one of its kernel calls (the JS stack exhausted?)";

export interface KernelStats {
  syscalls: number;
  exceptions: number;
  stlbHits: number;
  stlbMisses: number;
  guaranteedHits: number;
  refillUpcalls: number;
  pcts: number;
  sliceSwitches: number;
  ticks: number;
  spuriousInterrupts: number;
  preemptLatencyMaxCycles: number;
  preemptLatencyTotalCycles: number;
  preemptions: number;
  framesRepossessed: number;
  /** Host errors that crossed a kernel path (each the death of the env it ran for). */
  hostThrows: number;
  /** Environments doomed by such an error and reaped at a boundary. */
  reaped: number;
  /** Exec charges made under the overflow label (an env past its label quota). */
  labelOverflows: number;
  /** Alarms that expired (sched/alarm.ts), were delivered to a handler, were dropped (none). */
  alarmsExpired: number;
  alarmsDelivered: number;
  alarmsDropped: number;
  /** The cycle of the last slice boundary a tick was taken for (a timer expiry, exact). */
  lastSliceBoundaryCycle: number;
  /** Environments destroyed in all (`deaths` keeps the last `policy.deathLogLength`). */
  deaths: number;
}

interface Notice {
  readonly death: Death;
  readonly thrown: unknown;
  readonly hasThrown: boolean;
}

/**
 * The kernel's state: every table the mechanisms share. Held by the Aegis object in a
 * #private field and by the closures of the handles; no handle exposes it. Its collections
 * are kernel-safe ones (intrinsics.ts).
 *
 * Invariants:
 * - `asids[a]` is the environment using ASID a (alive, or doomed and not yet reaped; 0 is
 *   the kernel's), or null. Every env with something to reclaim is there.
 * - `activeEnv()` is the environment whose code is on the CPU: the tag of the running
 *   context, or the environment a host window (`actAs`, `boot`) or a delivered upcall runs
 *   as. With neither, no handle call is allowed (a host callback gets nothing).
 * - Every kernel data structure a measured path reads lives in simulated physical memory
 *   (STLB, kernel stack) and is accessed through kseg0 with charged accesses.
 */
export class Kernel {
  readonly cpu: Cpu;
  readonly frames: FrameTable;
  readonly stlb: SoftwareTlb;
  /** The exported disk: extents, the request queue, completions (disk/disk.ts). */
  readonly disk: DiskState;
  /** The network binding: filters, ASHs, the card's receive buffers (net/). */
  readonly net: NetState;
  /** Every environment ever created, by id (the dead ones trimmed). */
  readonly envs: SafeMap<number, Env> = new SafeMap();
  readonly asids: (Env | null)[] = newList();
  /**
   * The death log: a ring of the last `policy.deathLogLength` records (`deathHead` is the
   * oldest once it is full); `stats.deaths` counts them all.
   */
  readonly deaths: Death[] = newList();
  deathHead = 0;
  readonly stats: KernelStats = {
    syscalls: 0,
    exceptions: 0,
    stlbHits: 0,
    stlbMisses: 0,
    guaranteedHits: 0,
    refillUpcalls: 0,
    pcts: 0,
    sliceSwitches: 0,
    ticks: 0,
    spuriousInterrupts: 0,
    preemptLatencyMaxCycles: 0,
    preemptLatencyTotalCycles: 0,
    preemptions: 0,
    framesRepossessed: 0,
    hostThrows: 0,
    reaped: 0,
    labelOverflows: 0,
    alarmsExpired: 0,
    alarmsDelivered: 0,
    alarmsDropped: 0,
    lastSliceBoundaryCycle: 0,
    deaths: 0,
  };
  /** Physical address of the top of the kernel stack (the syscall path with a stack). */
  readonly kernelStackTopPa: number;
  nextEnvId = 1;
  /** The environment a host window or a delivered upcall runs as (no context running). */
  windowEnv: Env | null = null;
  /** Nested windows open now. */
  windowDepth = 0;
  /** Exception depth at the boundary of the code now running (0 in a context). */
  baseDepth = 0;
  /** True inside Aegis.run. */
  inRun = false;
  /** A function argument passed alongside a syscall's registers (set by the stub, taken by Sys). */
  pendingFn: unknown = undefined;
  /** A `bindBatch` vector passed alongside the registers (copied and decoded by the stub). */
  pendingVector: Int32Array | undefined = undefined;
  /** `bindBatch`'s scratch: the slot each checked entry binds through (-1: it unbinds). */
  readonly batchSlots: Int32Array;
  /** Results that parked contexts' `yield*` returns when resumed. */
  readonly transferResult: SafeWeakMap<ExecutionContext, number> = new SafeWeakMap();
  /** True while a CPU-view block copy/zero runs (its faults cannot be emulated). */
  blockAccess = false;
  /** Live environments with an armed alarm (sched/alarm.ts). */
  alarmsArmed = 0;
  /** Outstanding revocations (to skip the deadline scan when there are none). */
  pendingRevocations = 0;
  /** The CPU scheduler (slice vector, dispatcher, timer interrupt); set by Aegis. */
  sched!: Scheduler;
  /** Some environment was doomed: reap at the next boundary. */
  reapNeeded = false;
  /** The host's death hook, or null. */
  onDeath: DeathHook | null = null;
  readonly #notices: Notice[] = newList();
  #noticeHead = 0;

  constructor(
    readonly machine: Machine,
    readonly policy: Policy,
  ) {
    this.cpu = machine.cpu;
    this.frames = new FrameTable(machine.memory.frames, policy.kernelReservedFrames);
    this.stlb = new SoftwareTlb(policy.stlbEntries, 0);
    this.batchSlots = new Int32ArrayCtor(policy.maxBatchEntries);
    this.disk = new DiskState(
      policy.maxEnvironments * policy.extentQuota,
      this.machine.disk.geometry.blocks,
    );
    this.net = new NetState(policy.maxFilters);
    const stlbFrames = (policy.stlbEntries * 8) / PAGE_BYTES;
    this.kernelStackTopPa = (stlbFrames + 1) * PAGE_BYTES - 64;
    for (let a = 0; a < 64; a++) this.asids[a] = null;
    for (let f = 0; f < policy.kernelReservedFrames; f++) machine.memory.zeroFrame(f);
  }

  /** The environment whose code is on the CPU now, or null (kernel, idle, host). */
  activeEnv(): Env | null {
    const ctx = this.machine.current;
    return ctx !== null ? (ctx.tag as Env) : this.windowEnv;
  }

  /**
   * A host error (anything but the kernel's own ContextAbort) crossed a kernel path run for
   * `env`: it is doomed. Field writes only — this may run with almost no JS stack left; the
   * env is reaped (destroyed in full) at the next shallow boundary. Its code, if it catches
   * the error and goes on, finds every handle call Dead and every view call throwing.
   */
  noteHostThrow(env: Env | null): void {
    if (env?.alive === true) {
      env.alive = false;
      env.deathReason = HOST_ERROR_REASON;
    }
    this.stats.hostThrows++;
    this.reapNeeded = true;
    this.cpu.hostThrowPending = false;
  }

  /** Appends a death record to the ring (the oldest goes once it holds deathLogLength). */
  recordDeath(death: Death): void {
    const ring = this.deaths;
    this.stats.deaths++;
    if (ring.length < this.policy.deathLogLength) {
      ring[ring.length] = death;
      return;
    }
    ring[this.deathHead] = death;
    this.deathHead = (this.deathHead + 1) % ring.length;
  }

  /** The death log, oldest first (a fresh list). */
  deathLog(): Death[] {
    const ring = this.deaths;
    const out = newList<Death>();
    for (let i = 0; i < ring.length; i++) out[i] = ring[(this.deathHead + i) % ring.length]!;
    return out;
  }

  /** Queues a death for the host's hook (delivered at the next boundary). */
  notice(death: Death, thrown: unknown, hasThrown: boolean): void {
    if (this.onDeath === null) return;
    const n = this.#notices;
    n[n.length] = { death, thrown, hasThrown };
  }

  /** Delivers queued deaths to the host's hook (at a boundary: never inside a kernel path). */
  flushNotices(): void {
    const n = this.#notices;
    while (this.#noticeHead < n.length) {
      const x = n[this.#noticeHead]!;
      n[this.#noticeHead] = undefined as never;
      this.#noticeHead++;
      if (this.#noticeHead === n.length) {
        n.length = 0;
        this.#noticeHead = 0;
      }
      const hook = this.onDeath;
      if (hook === null) continue;
      if (x.hasThrown) hook(x.death, x.thrown);
      else hook(x.death);
    }
  }

  get noticesPending(): boolean {
    return this.#notices.length > this.#noticeHead;
  }

  /**
   * Runs `fn` as `env` when no context is running (host windows: `actAs`, a boot function;
   * upcalls the dispatcher delivers between contexts): user mode, the env's ASID and owner.
   * If the env dies under it (its code is unwound, whatever that code then threw), the call
   * ends with `onAbort()`; nothing thrown is inspected. Everything is restored afterwards.
   */
  runAs<T>(env: Env, fn: () => T, onAbort: () => T): T {
    const cpu = this.cpu;
    const status = cpu.status;
    const asid = cpu.asid;
    const depth = cpu.exceptionDepth;
    const win = this.windowEnv;
    const base = this.baseDepth;
    const owner = cpu.setOwner(env.owner);
    cpu.status = SR_USER;
    cpu.setAsid(env.asid);
    this.windowEnv = env;
    this.baseDepth = depth;
    this.windowDepth++;
    try {
      cpu.checkInterrupts();
      return fn();
    } catch (e) {
      if (!env.alive) return onAbort();
      throw e;
    } finally {
      // Plain stores first, then the calls: a restore that cannot fail comes first.
      // Returning to the kernel is a switch point: an end-of-slice taken during the call
      // has been honoured.
      env.eosPendingSince = -1;
      cpu.status = status;
      cpu.exceptionDepth = depth;
      this.windowEnv = win;
      this.baseDepth = base;
      this.windowDepth--;
      cpu.setAsid(asid);
      cpu.setOwner(owner);
    }
  }

  /** Runs kernel work outside any exception handler: kernel mode, interrupts on, kernel owner. */
  asKernel<T>(fn: () => T): T {
    const cpu = this.cpu;
    const status = cpu.status;
    const owner = cpu.setOwner(KERNEL_OWNER);
    cpu.status = SR_KERNEL_IE;
    try {
      cpu.checkInterrupts();
      return fn();
    } finally {
      cpu.status = status;
      cpu.setOwner(owner);
    }
  }

  /**
   * Prepares the CPU for unwinding the active environment's code with ContextAbort: the
   * nested exceptions on its stack are abandoned, so the depth returns to the boundary's.
   */
  abortActive(reason: string): ContextAbort {
    const cpu = this.cpu;
    cpu.exceptionDepth = this.baseDepth;
    cpu.setOwner(KERNEL_OWNER);
    cpu.status = SR_USER & ~SR_IEC;
    return new ContextAbort(reason);
  }

  lookupEnv(id: number): Env | null {
    const e = this.envs.get(id);
    return e?.alive === true ? e : null;
  }
}
