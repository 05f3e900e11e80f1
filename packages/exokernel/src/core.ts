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
import type { Env } from "./env/env.js";
import { FrameTable } from "./mem/frames.js";
import { SoftwareTlb } from "./mem/stlb.js";
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
}

/**
 * The kernel's state: every table the mechanisms share. Held by the Aegis object in a
 * #private field and by the closures of the handles; no handle exposes it.
 *
 * Invariants:
 * - `asids[a]` is the live environment using ASID a (0 is the kernel's), or null.
 * - `activeEnv()` is the environment whose code is on the CPU: the tag of the running
 *   context, or the environment a set-up call / delivered upcall runs as.
 * - Every kernel data structure a measured path reads lives in simulated physical memory
 *   (STLB, kernel stack) and is accessed through kseg0 with charged accesses.
 */
export class Kernel {
  readonly cpu: Cpu;
  readonly frames: FrameTable;
  readonly stlb: SoftwareTlb;
  readonly envs = new Map<number, Env>();
  readonly asids: (Env | null)[] = new Array(64).fill(null);
  readonly deaths: Death[] = [];
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
  };
  /** Physical address of the top of the kernel stack (the syscall path with a stack). */
  readonly kernelStackTopPa: number;
  nextEnvId = 1;
  /** The environment a set-up call or a delivered upcall runs as (no context running). */
  setupEnv: Env | null = null;
  /** Exception depth at the boundary of the code now running (0 in a context). */
  baseDepth = 0;
  /** True inside Aegis.run. */
  inRun = false;
  /** A function argument passed alongside a syscall's registers (set by the stub, taken by Sys). */
  pendingFn: unknown = undefined;
  /** Results that parked contexts' `yield*` returns when resumed. */
  readonly transferResult = new WeakMap<ExecutionContext, number>();
  /** True while a CPU-view block copy/zero runs (its faults cannot be emulated). */
  blockAccess = false;
  /** Outstanding revocations (to skip the deadline scan when there are none). */
  pendingRevocations = 0;
  /** The CPU scheduler (slice vector, dispatcher, timer interrupt); set by Aegis. */
  sched!: Scheduler;

  constructor(
    readonly machine: Machine,
    readonly policy: Policy,
  ) {
    this.cpu = machine.cpu;
    this.frames = new FrameTable(machine.memory.frames, policy.kernelReservedFrames);
    this.stlb = new SoftwareTlb(policy.stlbEntries, 0);
    const stlbFrames = (policy.stlbEntries * 8) / PAGE_BYTES;
    this.kernelStackTopPa = (stlbFrames + 1) * PAGE_BYTES - 64;
    for (let f = 0; f < policy.kernelReservedFrames; f++) machine.memory.zeroFrame(f);
  }

  /** The environment whose code is on the CPU now, or null (kernel, idle). */
  activeEnv(): Env | null {
    const ctx = this.machine.current;
    return ctx !== null ? (ctx.tag as Env) : this.setupEnv;
  }

  /**
   * Runs `fn` as `env` when no context is running (set-up calls from tests or a boot
   * function, upcalls the dispatcher delivers between contexts): user mode, the env's
   * ASID and owner. A ContextAbort (the env was destroyed under it) ends the call with
   * `onAbort()`. Everything is restored afterwards.
   */
  runAs<T>(env: Env, fn: () => T, onAbort: () => T): T {
    const cpu = this.cpu;
    const status = cpu.status;
    const asid = cpu.asid;
    const depth = cpu.exceptionDepth;
    const setup = this.setupEnv;
    const base = this.baseDepth;
    const owner = cpu.setOwner(env.owner);
    cpu.status = SR_USER;
    cpu.setAsid(env.asid);
    this.setupEnv = env;
    this.baseDepth = depth;
    try {
      cpu.checkInterrupts();
      return fn();
    } catch (e) {
      if (e instanceof ContextAbort) return onAbort();
      throw e;
    } finally {
      // Returning to the kernel is a switch point: an end-of-slice taken during the call
      // has been honoured.
      env.eosPendingSince = -1;
      cpu.status = status;
      cpu.setAsid(asid);
      cpu.exceptionDepth = depth;
      cpu.setOwner(owner);
      this.setupEnv = setup;
      this.baseDepth = base;
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
