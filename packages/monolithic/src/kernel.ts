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
import { rzPending } from "./dev/rz.js";
import { KernelPanic } from "./errors.js";
import { type BioState, bioinit } from "./fs/bio.js";
import { type FsState, fsmount } from "./fs/fs.js";
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
import { type InterfaceConfig, ifconfig, netSleeping, netStats } from "./net/ifconfig.js";
import type { NetFrames, NetStatName } from "./net/layout.js";
import { makePolicy, type Policy } from "./policy.js";
import type { DeathCause, Proc } from "./proc/proc.js";
import { spawnProcess } from "./proc/spawn.js";
import { KernelDispatcher } from "./sched/dispatcher.js";
import type { ProcessHandle } from "./user/handle.js";
import { FrameAllocator } from "./vm/frames.js";

export interface KernelOptions {
  /** An existing machine (the kernel installs its handlers on it); else one is built from `machine`. */
  machineInstance?: Machine;
  machine?: MachineConfig;
  policy?: Partial<Policy>;
  /**
   * Host hook told of every process death, at the kernel's next boundary (the dispatcher, or
   * the end of `run`), in the order they happened. When the process died because its code
   * threw (`cause` "threw"), the thrown value is the second argument, handed on as it is:
   * the kernel never inspects it (it may be a revoked Proxy). A hook that throws makes `run`
   * throw (host code's own error).
   */
  onDeath?: (death: ProcessDeath, thrown?: unknown) => void;
}

/** A process's death, as the death hook reports it. */
export interface ProcessDeath {
  readonly pid: number;
  readonly name: string;
  /** The wait status word its parent collects (exit code << 8, or the signal number). */
  readonly status: number;
  readonly cause: DeathCause;
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
  /** The second mbuf frame of each pipe (layout.ts: a pipe's mbufs come from two frames). */
  readonly pipeFrames2: number[] = [];
  /** The JS function a fork() passes for the child (the child's "text"), read by sys_fork. */
  pendingForkBody: UserMain | null = null;
  /** The access the user-mode stub is executing (the "instruction at EPC" for fixade). */
  readonly lastAccess = { size: 4, store: false, value: 0, block: false };
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
    preemptions: 0,
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
  /** The network stack's frames (src/net/), once `ifconfig` attached the interface. */
  net: NetFrames | null = null;
  /**
   * Set by `runQuantum` (a host that steps this machine in a World's quanta, as the bench's
   * UDP harness, which asks for a switch at each quantum's end): a process that yielded at its
   * safepoint with no reschedule asked by the kernel (runrun clear) is resumed at once,
   * uncharged — the quantum's end is the host's stepping, not an event of the simulated
   * machine. Off by default: a switch request from a test is then an AST, as before.
   */
  steppedByWorld = false;
  /** Processes on the run queue of woken sleepers (sched/runq.ts: its whichqs bit). */
  kernelQueued = 0;
  /** The buffer cache (fs/bio.ts) and the mounted file system (fs/fs.ts), set up at boot. */
  readonly bio!: BioState;
  readonly fs!: FsState;
  /**
   * True while `run` runs: a process's handle and CPU view act only then, and only for the
   * process the kernel is running (k.cur). Host callbacks a process scheduled (a timer, a
   * promise, a microtask) run after `run` returned, when k.cur still names the last process
   * that ran: they are refused.
   */
  inRun = false;
  /**
   * pcb_onfault: set while copyin/copyout runs, so that a fault the kernel cannot resolve on a
   * user address ends the copy with EFAULT instead of a panic (vm/useracc.ts).
   */
  onfault = false;
  /** Host errors that crossed a kernel path (machine.cpu.onHostThrow); each doomed its process. */
  hostErrors = 0;
  /** Kernel panics (kernel bugs) since boot, with their messages (the first 16). */
  readonly panics: string[] = [];
  panicCount = 0;
  /** Distinct exec labels processes added to the accounting (policy.maxUserLabels). */
  userLabels = 0;
  /** Accounting owners given to processes (policy.maxProcessOwners); then one shared owner. */
  #processOwners = 0;
  #sharedOwner = -1;
  readonly #onDeath: ((death: ProcessDeath, thrown?: unknown) => void) | null;
  /** Deaths not yet reported to the hook: [death, thrown, whether it threw]. */
  readonly #deaths: [ProcessDeath, unknown, boolean][] = [];

  constructor(opts: KernelOptions = {}) {
    if (opts === null || typeof opts !== "object")
      throw new ArgumentError("options must be an object");
    if (opts.onDeath !== undefined && typeof opts.onDeath !== "function")
      throw new ArgumentError("onDeath must be a function");
    this.#onDeath = opts.onDeath ?? null;
    this.policy = makePolicy(opts.policy ?? {});
    this.machine = opts.machineInstance ?? new Machine(opts.machine ?? {});
    this.frames = new FrameAllocator(FIRST_FREE_FRAME, this.machine.memory.frames);
    this.procs = new Array(this.policy.maxProcesses).fill(null);
    this.dispatcher = new KernelDispatcher(this);
    this.cyclesPerTick = Math.round(1e9 / this.machine.profile.cycleNs / this.policy.clockHz);
    this.withKernel(() => {
      bootKernel(this);
      bioinit(this);
      fsmount(this);
    });
    // A host error that unwinds an exception frame (machine/src/cpu/traps.ts raise) is the death of the
    // process the kernel was running: doomed here with plain stores only (the stack may be
    // exhausted), carried out at the next boundary. The pending flag covers a hook that
    // could not run.
    const cpu = this.machine.cpu;
    cpu.onHostThrow = () => {
      this.hostErrors++;
      const p = this.cur;
      if (p !== null && p.doomed === null) p.doomed = "host-error";
      cpu.hostThrowPending = false;
    };
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

  /**
   * Runs processes until none is runnable (all exited or all asleep) or a limit is reached.
   * Nothing a process does makes it throw: a process that throws, exhausts the stack or
   * faults forever dies, and the others go on.
   */
  run(limits: RunLimits = {}): RunResult {
    if (limits === null || typeof limits !== "object")
      throw new ArgumentError("run: limits must be an object");
    if (this.inRun) throw new ArgumentError("run: already running (run is not re-entrant)");
    const user = limits.stopWhen;
    this.inRun = true;
    try {
      return this.machine.run(this.dispatcher, {
        ...limits,
        stopWhen: () => user?.() || !this.anyRunnable(),
      });
    } finally {
      this.inRun = false;
      this.pollHostThrow();
      this.deliverDeaths();
    }
  }

  /** `run` to `untilCycle` as one quantum of a World's stepping (see `steppedByWorld`). */
  runQuantum(untilCycle: number): RunResult {
    if (typeof untilCycle !== "number" || !(untilCycle >= 0))
      throw new ArgumentError("runQuantum: untilCycle must be a cycle number");
    this.steppedByWorld = true;
    return this.run({ untilCycle });
  }

  /** A host error the hook could not record (no stack left then): the current process's. */
  pollHostThrow(): void {
    const cpu = this.machine.cpu;
    if (!cpu.hostThrowPending) return;
    cpu.hostThrowPending = false;
    const p = this.cur;
    if (p !== null && p.doomed === null) p.doomed = "host-error";
  }

  /** Records a death for the hook (called by exitProc). */
  noteDeath(p: Proc, status: number, cause: DeathCause): void {
    if (this.#onDeath === null) return;
    const threw = cause === "threw";
    const death = Object.freeze({ pid: p.pid, name: p.name, status, cause });
    this.#deaths.push([death, threw ? p.thrown : undefined, threw]);
  }

  /** Tells the death hook of the deaths recorded since it was last called. */
  deliverDeaths(): void {
    const hook = this.#onDeath;
    if (hook === null) return;
    while (this.#deaths.length > 0) {
      const [death, thrown, threw] = this.#deaths.shift()!;
      if (threw) hook(death, thrown);
      else hook(death);
    }
  }

  /**
   * Whether `run` goes on: a process is runnable, or the disk has a command outstanding or an
   * interrupt not yet taken (a process sleeping on the disk is woken by it: the idle loop
   * waits for it).
   */
  anyRunnable(): boolean {
    for (const p of this.procs) if (p !== null && p.stat === SRUN) return true;
    // A process asleep on a socket of a card linked to another machine waits for the network:
    // `run` goes on to its limits (a datagram may still come).
    return rzPending(this) || (this.machine.net.port !== null && netSleeping(this));
  }

  /**
   * Attaches the Ethernet interface with its address and static ARP entries (as /etc/rc's
   * `ifconfig` and `arp -s`; host set-up, uncharged, once). Until then socket() fails with
   * EAFNOSUPPORT. Bad input: a typed ArgumentError, nothing changed.
   */
  ifconfig(cfg: InterfaceConfig): void {
    if (this.machine.current !== null)
      throw new ArgumentError("ifconfig: called from inside a running process");
    ifconfig(this, cfg);
  }

  /** The network's counters (netstat -s): host-side, uncharged. */
  netStats(): Record<NetStatName, number> {
    return netStats(this);
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

  /**
   * The accounting owner of a new process: its own for the first policy.maxProcessOwners
   * processes, then one shared by all later ones (the accounting keeps every owner forever).
   */
  registerProcessOwner(pid: number, name: string): number {
    if (this.#processOwners < this.policy.maxProcessOwners) {
      this.#processOwners++;
      return this.machine.registerOwner(OwnerKind.Application, pid, name);
    }
    if (this.#sharedOwner < 0)
      this.#sharedOwner = this.machine.registerOwner(OwnerKind.Application, -1, "processes");
    return this.#sharedOwner;
  }

  /**
   * Whether a process may charge `exec` work under `label`: a label the accounting already
   * has is free; a new one counts against the process's and the kernel's quotas.
   */
  admitLabel(p: Proc, label: string): boolean {
    if (this.machine.accounting.labels.has(label)) return true;
    if (p.labelsAdded >= this.policy.maxLabelsPerProcess) return false;
    if (this.userLabels >= this.policy.maxUserLabels) return false;
    p.labelsAdded++;
    this.userLabels++;
    return true;
  }

  /** Status for kernel code entered without a hardware exception (still "in the kernel"). */
  inKernelStatus(): number {
    return ((this.machine.cpu.status & ~0x3f) | SR_KUP | SR_IEP) >>> 0;
  }

  procByPid(pid: number): Proc | null {
    for (const p of this.procs) if (p !== null && p.pid === pid) return p;
    return null;
  }

  /** A kernel invariant broke (a bug of this package): recorded, then thrown. */
  panic(msg: string): never {
    this.panicCount++;
    if (this.panics.length < 16) this.panics.push(msg);
    throw new KernelPanic(`panic: ${msg}`);
  }

  /**
   * The buffer cache's statistics since boot (host-side, uncharged): lookups, hits, misses
   * (of every bread), dataHits and dataMisses (the blocks of files that read and write
   * reached), diskReads and diskWrites, and the number of buffers.
   */
  bufferStats(): Record<string, number> {
    return { ...this.bio.stats, buffers: this.bio.nbuf };
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
