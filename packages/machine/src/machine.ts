import {
  Accounting,
  type AttributionSnapshot,
  Category,
  KERNEL_OWNER,
  type OwnerKind,
} from "./accounting.js";
import {
  type Dispatcher,
  ExecutionContext,
  type RunLimits,
  type RunResult,
  type Thread,
} from "./context.js";
import { CpuWithMemory } from "./cpu/memory-access.js";
import { Cpu, type ExceptionHandler } from "./cpu.js";
import { SR_IEC, SR_IM_MASK, SR_USER } from "./cpu-defs.js";
import { Disk } from "./devices/disk.js";
import { NetworkCard } from "./devices/network.js";
import { IntervalTimer } from "./devices/timer.js";
import { ArgumentError, ConfigError, ContextAbort, KernelContractError } from "./errors.js";
import { EventQueue } from "./events.js";
import { isInteger, min } from "./intrinsics.js";
import { PhysicalMemory } from "./memory.js";
import { getProfile, type MachineProfile, validateProfile } from "./profiles.js";
import { SeededRandom } from "./rng.js";
import { Tlb } from "./tlb.js";
import { Tracer } from "./trace.js";

export interface MachineConfig {
  /** A profile name or a full profile (validated). Default dec5000_125. */
  profile?: string | MachineProfile;
  /** Installed memory in bytes, a multiple of 4 KiB. Default 32 MiB. */
  memoryBytes?: number;
  /** Seed of every random choice the machine makes (TLB replacement, generated traffic). */
  seed?: number;
  /** Identity within a world (orders same-cycle events from different machines). */
  id?: number;
  /** Record a trace (spans of owner x category x label) for Perfetto. */
  trace?: boolean;
  /** false: no host map of the TLB, every access takes the slow path (tests prove it invisible). */
  fastTlbIndex?: boolean;
}

export const DEFAULT_MEMORY_BYTES = 32 * 1024 * 1024;

/**
 * One simulated DECstation: CPU, TLB, memory, clock, event queue, devices, accounting and the
 * run loop that resumes the execution context its kernel names. It has no OS policy.
 * Everything here is the privileged surface: only kernels hold a Machine.
 */
export class Machine {
  readonly profile: MachineProfile;
  readonly id: number;
  readonly seed: number;
  readonly rng: SeededRandom;
  readonly memory: PhysicalMemory;
  readonly tlb: Tlb;
  readonly accounting = new Accounting();
  readonly events: EventQueue;
  readonly cpu: Cpu;
  readonly timer: IntervalTimer;
  readonly disk: Disk;
  readonly net: NetworkCard;
  readonly tracer: Tracer | null;
  #current: ExecutionContext | null = null;
  #nextContextId = 1;
  #running = false;
  /** Set by `run` when the clock is at its limit as a context is resumed (see run). */
  #switchOnResume = false;
  /** Resumptions of contexts since reset. */
  resumes = 0;

  constructor(config: MachineConfig = {}) {
    if (config === null || typeof config !== "object")
      throw new ConfigError("machine config must be an object");
    const p = config.profile;
    this.profile = p === undefined || typeof p === "string" ? getProfile(p) : validateProfile(p);
    const seed = config.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new ConfigError(`seed must be an integer in [0, 2^32), got ${String(seed)}`);
    }
    const id = config.id ?? 0;
    if (!Number.isInteger(id) || id < 0 || id > 0xffff)
      throw new ConfigError(`machine id must be in [0, 65535], got ${String(id)}`);
    this.id = id;
    this.seed = seed;
    this.rng = new SeededRandom(seed);
    this.memory = new PhysicalMemory(config.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    this.tlb = new Tlb(
      this.profile.tlbEntries,
      this.profile.tlbWiredEntries,
      this.rng.fork(1),
      this.memory.sizeBytes,
      this.memory.host,
      config.fastTlbIndex !== false,
    );
    this.events = new EventQueue(id);
    // With the memory system on, a CPU whose fast path keeps the caches and the write buffer;
    // without it, the plain one (cpu/memory-access.ts says why two classes).
    this.cpu =
      this.profile.memorySystem === true
        ? new CpuWithMemory(this.profile, this.memory, this.tlb, this.accounting)
        : new Cpu(this.profile, this.memory, this.tlb, this.accounting);
    this.events.onHeadChange = () => this.syncEvents();
    this.cpu.onEventsDue = () => this.serviceEvents();
    this.tracer = config.trace === true ? new Tracer() : null;
    this.cpu.tracer = this.tracer;
    const sync = () => this.syncEvents();
    this.timer = new IntervalTimer(this.cpu, this.events, sync);
    this.disk = new Disk(this.cpu, this.memory, this.events, sync);
    this.net = new NetworkCard(this.cpu, this.memory, this.events, sync, this.rng.fork(2));
  }

  get now(): number {
    return this.cpu.now;
  }

  /** Simulated time in integer nanoseconds. */
  get nowNs(): number {
    return this.cpu.now * this.profile.cycleNs;
  }

  /** The context running now (null between resumptions and while idle). */
  get current(): ExecutionContext | null {
    return this.#current;
  }

  // ---- set-up ---------------------------------------------------------------------------

  registerOwner(kind: OwnerKind, env: number, name: string): number {
    return this.accounting.registerOwner(kind, env, name);
  }

  setExceptionHandler(code: number, handler: ExceptionHandler | undefined): void {
    if (!isInteger(code) || code < 0 || code > 15)
      throw new ArgumentError(`exception code must be in [0, 15], got ${String(code)}`);
    checkHandler(handler);
    this.cpu.handlers[code] = handler;
  }

  setRefillHandler(handler: ExceptionHandler | undefined): void {
    checkHandler(handler);
    this.cpu.refillHandler = handler;
  }

  /** Creates a context; it runs when a dispatcher names it. Status defaults to user mode, interrupts on. */
  createContext(
    name: string,
    owner: number,
    body: Thread,
    opts: { status?: number; pc?: number } = {},
  ): ExecutionContext {
    if (!isInteger(owner) || owner < 0 || owner >= this.accounting.owners.length)
      throw new ArgumentError(`unknown owner ${owner}`);
    if (body === null || typeof body !== "object" || typeof (body as Thread).next !== "function") {
      throw new ArgumentError(
        "context body must be a generator object (call the generator function)",
      );
    }
    return new ExecutionContext(
      this.#nextContextId++,
      name,
      owner,
      body,
      opts.status ?? SR_USER,
      opts.pc ?? 0x00400000,
    );
  }

  /** Asks that the running context be switched at its next safepoint or yield. */
  requestSwitch(): void {
    this.cpu.switchPending = true;
  }

  // ---- events -----------------------------------------------------------------------

  /** Fires every event due now (called by the CPU when its clock reaches the next event). */
  serviceEvents(): void {
    for (;;) {
      const ev = this.events.popDue(this.cpu.now);
      if (ev === undefined) break;
      this.syncEvents();
      this.tracer?.instant(this.cpu.now, `event:${ev.name}`, KERNEL_OWNER);
      ev.fire();
    }
    this.syncEvents();
  }

  syncEvents(): void {
    this.cpu.nextEventAt = this.events.nextAt;
  }

  // ---- the run loop -------------------------------------------------------------------

  /**
   * Resumes the contexts the dispatcher names until a limit is reached or nothing is left
   * to run and no event is pending. With nothing runnable, the CPU idles (kernel mode,
   * interrupts on, charged to Idle) to the next event, whose interrupt handler may make a
   * context runnable.
   */
  run(dispatcher: Dispatcher, limits: RunLimits = {}): RunResult {
    if (this.#running) throw new KernelContractError("Machine.run is not re-entrant");
    const until = limits.untilCycle ?? Number.POSITIVE_INFINITY;
    const maxResumes = limits.maxResumes ?? Number.POSITIVE_INFINITY;
    const start = this.cpu.now;
    let resumes = 0;
    this.#running = true;
    try {
      for (;;) {
        if (limits.stopWhen?.())
          return { outcome: "stopped", cycles: this.cpu.now - start, resumes };
        if (this.cpu.now >= until)
          return { outcome: "cycle-limit", cycles: this.cpu.now - start, resumes };
        if (resumes >= maxResumes)
          return { outcome: "resume-limit", cycles: this.cpu.now - start, resumes };
        const ctx = dispatcher.pickNext();
        if (ctx === null) {
          const next = this.events.nextAt;
          if (next === Number.POSITIVE_INFINITY)
            return { outcome: "idle", cycles: this.cpu.now - start, resumes };
          this.idleUntil(min(next, until));
          continue;
        }
        // The dispatcher's own work (a kernel's pick, the interrupts it takes) may carry the
        // clock to the limit: the context it picked is then asked to switch at its first
        // safepoint, so that a run ends within one safepoint bound of its limit, never a
        // whole slice past it (a World's lock-step quantum relies on it).
        this.#switchOnResume = this.cpu.now >= until;
        this.resume(ctx, dispatcher);
        resumes++;
      }
    } finally {
      this.#running = false;
    }
  }

  /** Idles to `cycle` (kernel mode, interrupts enabled), taking the events on the way. */
  idleUntil(cycle: number): void {
    const saved = this.cpu.status;
    const savedOwner = this.cpu.setOwner(KERNEL_OWNER);
    this.cpu.status = SR_IEC | SR_IM_MASK;
    // Events already due (scheduled for this very cycle) fire now: charging zero idle
    // cycles would never reach them.
    if (this.events.nextAt <= this.cpu.now) this.serviceEvents();
    this.cpu.checkInterrupts();
    if (cycle > this.cpu.now) this.cpu.charge(cycle - this.cpu.now, Category.Idle);
    this.cpu.status = saved;
    this.cpu.setOwner(savedOwner);
  }

  /** Runs one context from where it parked to its next yield (or its end). */
  resume(ctx: ExecutionContext, dispatcher?: Dispatcher): void {
    if (ctx.finished)
      throw new KernelContractError(`context ${ctx.name} has ${ctx.state}; it cannot be resumed`);
    if (this.#current !== null) throw new KernelContractError("a context is already running");
    const cpu = this.cpu;
    this.#current = ctx;
    ctx.state = "live";
    cpu.switchPending = this.#switchOnResume;
    this.#switchOnResume = false;
    cpu.pc = ctx.pc;
    cpu.status = ctx.status;
    cpu.setOwner(ctx.owner);
    const start = cpu.now;
    this.resumes++;
    let done = false;
    let aborted = false;
    try {
      // An interrupt left pending while this context had it masked is taken on resumption.
      cpu.checkInterrupts();
      done = ctx.gen.next().done === true;
    } catch (e) {
      // A brand check: the thrown value is never inspected (it may be a hostile Proxy).
      if (!ContextAbort.is(e)) {
        this.#current = null;
        throw e;
      }
      aborted = true;
      ctx.abortReason = e.reason;
      // The unwound handlers will never return: no exception is in progress any more.
      cpu.exceptionDepth = 0;
    }
    const stretch = cpu.now - start;
    if (stretch > ctx.maxStretchCycles) ctx.maxStretchCycles = stretch;
    ctx.pc = cpu.pc;
    ctx.status = cpu.status;
    this.#current = null;
    if (aborted) {
      ctx.state = "aborted";
      dispatcher?.onContextEnd?.(ctx, true);
    } else if (done) {
      ctx.state = "done";
      dispatcher?.onContextEnd?.(ctx, false);
    }
  }

  // ---- accounting helpers -----------------------------------------------------------

  snapshot(): AttributionSnapshot {
    this.cpu.flush();
    return this.accounting.snapshot();
  }
}

/** A handler is a function (or undefined to uninstall): anything else would throw a TypeError
 * on a simulated path, when the exception is taken. */
function checkHandler(handler: unknown): void {
  if (handler !== undefined && typeof handler !== "function") {
    throw new ArgumentError(`an exception handler must be a function, got ${typeof handler}`);
  }
}
