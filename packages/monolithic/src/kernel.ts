import { ArgumentError } from "@exolab/machine";
import {
  KERNEL_OWNER,
  Machine,
  type MachineConfig,
  OwnerKind,
  type RunLimits,
  type RunResult,
  SR_IEP,
  SR_KUP,
  type Thread,
} from "@exolab/machine/privileged";
import { bootKernel } from "./boot.js";
import { KernelPanic } from "./errors.js";
import {
  EF_BYTES,
  F,
  FILE_BYTES,
  FIRST_FREE_FRAME,
  FRAME_FILES,
  KSTACK_VA,
  PAGE,
  SRUN,
  SZOMB,
  UADDR,
} from "./layout.js";
import { makePolicy, type Policy } from "./policy.js";
import type { Proc } from "./proc/proc.js";
import { spawnProcess } from "./proc/spawn.js";
import { KernelDispatcher } from "./sched/dispatcher.js";
import type { ProcessHandle } from "./user/handle.js";
import { FrameAllocator } from "./vm/frames.js";

export interface KernelOptions {
  /** An existing machine (the kernel installs its handlers on it); else one is built from `machine`. */
  machineInstance?: Machine;
  machine?: MachineConfig;
  policy?: Partial<Policy>;
}

/** Snapshot of what the kernel holds, for tests and reports (host-side, uncharged). */
export interface KernelStats {
  freeFrames: number;
  liveProcesses: number;
  zombies: number;
  openFiles: number;
  pipes: number;
  shmSegments: number;
}

/** A user program: the body of a process, given its handle. */
export type UserMain = (h: ProcessHandle) => Thread;

/**
 * The Ultrix-style kernel. Owns the machine: installs the exception handlers, the UTLB refill
 * handler and the clock; keeps its data in simulated memory (layout.ts); runs processes
 * through its Dispatcher. See README.md for the ABI and COSTS.md for every measured path.
 */
export class MonolithicKernel {
  readonly machine: Machine;
  readonly policy: Policy;
  readonly frames: FrameAllocator;
  /** Process table (host view); index = proc slot = ASID - 1 = page-table window. */
  readonly procs: (Proc | null)[];
  /** curproc: the process that owns the CPU (null while idle). */
  cur: Proc | null = null;
  /** The process whose u-area and kernel stack the two wired TLB entries map (null: proc0). */
  wired: Proc | null = null;
  /** Kernel stack pointer (virtual): the innermost exception frame, or the stack top. */
  kernelSp = KSTACK_VA + PAGE;
  /** The process whose FP state the FPU holds (lazy FP switching, as Ultrix). */
  fpOwner: Proc | null = null;
  nextPid = 1;
  /** Physical frames of proc0's u-area and kernel stack (the idle context). */
  proc0UFrame = -1;
  proc0KFrame = -1;
  /** Frames of each System V shm segment, by table slot (the segment's page list is also in memory). */
  readonly shmFrames: (number[] | null)[] = [];
  /** Pipe buffer frames by pipe index (host mirror of the header's FRAME word). */
  readonly pipeFrames: number[] = [];
  /** The JS function a fork() passes for the child (the child's "text"), read by sys_fork. */
  pendingForkBody: UserMain | null = null;
  /** The access the user-mode stub is executing (the "instruction at EPC" for fixade). */
  readonly lastAccess = { size: 4, store: false, value: 0 };
  /** The pc the last sigreturn restored (-1: none since the fault began), to tell a skip. */
  sigreturnPc = -1;
  /** Event counts since boot (host-side, uncharged): what the bench prints beside cycles. */
  readonly counts = {
    syscalls: 0,
    utlbRefills: 0,
    kseg2Misses: 0,
    tlbFaults: 0,
    demandZeroFills: 0,
    protectionFaults: 0,
    signalsPosted: 0,
    signalsDelivered: 0,
    contextSwitches: 0,
    asts: 0,
    interrupts: 0,
    clockTicks: 0,
    sleeps: 0,
    wakeups: 0,
    forks: 0,
    exits: 0,
    unalignedFixups: 0,
    fpuHandovers: 0,
  };
  readonly dispatcher: KernelDispatcher;
  readonly cyclesPerTick: number;

  constructor(opts: KernelOptions = {}) {
    if (opts === null || typeof opts !== "object")
      throw new ArgumentError("options must be an object");
    this.policy = makePolicy(opts.policy ?? {});
    this.machine = opts.machineInstance ?? new Machine(opts.machine ?? {});
    this.frames = new FrameAllocator(FIRST_FREE_FRAME, this.machine.memory.frames);
    this.procs = new Array(this.policy.maxProcesses).fill(null);
    this.dispatcher = new KernelDispatcher(this);
    this.cyclesPerTick = Math.round(1e9 / this.machine.profile.cycleNs / this.policy.clockHz);
    this.withKernel(() => bootKernel(this));
  }

  get cpu() {
    return this.machine.cpu;
  }

  /** The current process's u-area is at UADDR; any other's through kseg0. */
  uva(p: Proc): number {
    return p === this.wired ? UADDR : p.uVa;
  }

  /** The exception frame of a process that entered the kernel from user mode. */
  userFrameVa(p: Proc): number {
    return p === this.wired ? KSTACK_VA + PAGE - EF_BYTES : p.kstackTopVa - EF_BYTES;
  }

  /**
   * Creates a process from the host (as the kernel creates init): a fresh address space with
   * a demand-zero data segment and stack, run by `main`. Not from inside a running process
   * (use fork there).
   */
  spawn(name: string, main: UserMain): ProcessHandle {
    if (typeof name !== "string" || name.length === 0 || name.length > 64)
      throw new ArgumentError("spawn: name must be a non-empty string of at most 64 characters");
    if (typeof main !== "function")
      throw new ArgumentError("spawn: main must be a generator function");
    if (this.machine.current !== null)
      throw new ArgumentError("spawn: called from inside a running process; use fork()");
    return this.withKernel(() => spawnProcess(this, name, main));
  }

  /** Runs processes until none is runnable (all exited or all asleep) or a limit is reached. */
  run(limits: RunLimits = {}): RunResult {
    const user = limits.stopWhen;
    return this.machine.run(this.dispatcher, {
      ...limits,
      stopWhen: () => user?.() || !this.anyRunnable(),
    });
  }

  anyRunnable(): boolean {
    for (const p of this.procs) if (p !== null && p.stat === SRUN) return true;
    return false;
  }

  /** Runs host-initiated kernel work (boot, spawn) in kernel mode as the kernel owner. */
  withKernel<T>(fn: () => T): T {
    const cpu = this.machine.cpu;
    const status = cpu.status;
    const owner = cpu.setOwner(KERNEL_OWNER);
    cpu.status = (status & ~0x3f) >>> 0;
    try {
      return fn();
    } finally {
      cpu.status = status;
      cpu.setOwner(owner);
    }
  }

  registerProcessOwner(pid: number, name: string): number {
    return this.machine.registerOwner(OwnerKind.Application, pid, name);
  }

  /** Status for kernel code entered without a hardware exception (still "in the kernel"). */
  inKernelStatus(): number {
    return ((this.machine.cpu.status & ~0x3f) | SR_KUP | SR_IEP) >>> 0;
  }

  procByPid(pid: number): Proc | null {
    for (const p of this.procs) if (p !== null && p.pid === pid) return p;
    return null;
  }

  panic(msg: string): never {
    throw new KernelPanic(`panic: ${msg}`);
  }

  /** A copy of the event counts (for reports). */
  counters(): Record<string, number> {
    return { ...this.counts };
  }

  stats(): KernelStats {
    let live = 0;
    let zombies = 0;
    for (const p of this.procs) {
      if (p === null) continue;
      if (p.stat === SZOMB) zombies++;
      else live++;
    }
    const mem = this.machine.memory;
    let openFiles = 0;
    for (let i = 0; i < this.policy.maxFiles; i++) {
      if (mem.read32(FRAME_FILES * PAGE + i * FILE_BYTES + F.COUNT) !== 0) openFiles++;
    }
    let pipes = 0;
    for (const f of this.pipeFrames) if (f > 0) pipes++;
    let shm = 0;
    for (const s of this.shmFrames) if (s !== null) shm++;
    return {
      freeFrames: this.frames.freeCount,
      liveProcesses: live,
      zombies,
      openFiles,
      pipes,
      shmSegments: shm,
    };
  }
}
