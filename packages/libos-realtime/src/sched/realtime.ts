/**
 * The real-time API: admit a task set into reserved slices, start it, read its records;
 * answer revocation (frames from the reserve; a slice by re-admission).
 *
 * `admit` decodes everything first (tasks, policy, positions), then reserves the positions
 * (all or nothing), analyses the set in their supply with every overhead, and pins its
 * memory; a refusal at any step undoes the steps before it and says why. Only one set is
 * admitted at a time (admitting again replaces it, after stopping it).
 *
 * Revocation of a reserved slice: the position is given back at once (its supply is gone
 * from the analysis before the kernel's deadline), and the set is admitted again in what
 * remains; tasks that no longer fit are dropped in the declared order — from the end of the
 * set, the application's order of importance — until the rest is admitted. The outcome is
 * kept in `revocations`.
 */
import { type EnvHandle, PAGE_BYTES, Result, type RevokeRequest } from "@exolab/exokernel";
import { MAX_CAPACITY, MessageQueue, type Service } from "../ipc/queue.js";
import type { KernelApi } from "../kernel-api.js";
import { MAX_QUEUES, QUEUE_VA } from "../layout.js";
import type { Pinned } from "../vm/pinned.js";
import { type Admission, admit, type SchedPolicy } from "./admission.js";
import { Dispatcher, type JobBody } from "./dispatcher.js";
import {
  jobOverheadCycles,
  type KernelCosts,
  type ProfileCosts,
  sliceOverheadCycles,
} from "./overheads.js";
import { type Summary, summarise, type TaskRecord } from "./stats.js";
import { Supply } from "./supply.js";
import { checkTaskSet, type Task } from "./task.js";

/** What the library must know of the machine and kernel to analyse (the host hands it over). */
export interface RealTimeSetup {
  readonly kernelCosts: KernelCosts;
  readonly profile: ProfileCosts;
  readonly sliceCycles: number;
  readonly vectorLength: number;
}

export interface AdmitRequest {
  readonly policy: SchedPolicy;
  readonly tasks: readonly unknown[];
  /** One body per task. */
  readonly bodies: readonly JobBody[];
  /** Positions of the slice vector to reserve. */
  readonly positions: readonly number[];
  /**
   * Run the set even when the analysis refuses it (no guarantee: its misses are recorded).
   * For experiments (the bench's overload points); the result says `admission.ok === false`.
   */
  readonly force?: boolean;
}

export type AdmitResult =
  | {
      readonly ok: true;
      readonly admission: Admission;
      readonly jobOverheadCycles: number;
      readonly sliceOverheadCycles: number;
    }
  | { readonly ok: false; readonly reason: string };

export interface RevocationReport {
  readonly position: number;
  readonly dropped: readonly string[];
  readonly kept: readonly string[];
}

export class RealTime {
  #tasks: readonly Task[] = [];
  #bodies: readonly JobBody[] = [];
  #policy: SchedPolicy = "edf";
  #positions: number[] = [];
  #reservation = -1;
  #kept: boolean[] = [];
  readonly dispatcher: Dispatcher;
  readonly revocations: RevocationReport[] = [];

  constructor(
    private readonly env: EnvHandle,
    private readonly kapi: KernelApi,
    private readonly pinned: Pinned,
    private readonly setup: RealTimeSetup | null,
    private readonly reserveFrames: number,
    private readonly maxTasks: number,
  ) {
    this.dispatcher = new Dispatcher(env, kapi);
  }

  boot(): number {
    return this.dispatcher.boot();
  }

  /** The admitted tasks (all of them, dropped ones included: see `kept`). */
  get tasks(): readonly Task[] {
    return this.#tasks;
  }
  /** Which tasks are still scheduled (false: dropped under revocation). */
  get kept(): readonly boolean[] {
    return this.#kept;
  }
  get positions(): readonly number[] {
    return this.#positions;
  }
  get records(): readonly TaskRecord[] {
    return this.dispatcher.records;
  }
  summary(): Summary {
    return summarise(this.dispatcher.records);
  }

  admit(req: AdmitRequest): AdmitResult {
    const no = (reason: string): AdmitResult => ({ ok: false, reason });
    if (this.setup === null)
      return no("admission needs the kernel's costs and the slice geometry (boot option realtime)");
    if (req === null || typeof req !== "object")
      return no("an admission request must be an object");
    if (req.policy !== "edf" && req.policy !== "rm") return no('policy must be "edf" or "rm"');
    const checked = checkTaskSet(req.tasks);
    if (!checked.ok) return no(checked.reason);
    const tasks = checked.value;
    if (tasks.length > this.maxTasks) return no(`at most ${this.maxTasks} tasks (policy maxTasks)`);
    if (
      !Array.isArray(req.bodies) ||
      req.bodies.length !== tasks.length ||
      req.bodies.some((b) => typeof b !== "function")
    )
      return no("one job body (a function) per task");
    const positions = req.positions;
    const { vectorLength } = this.setup;
    if (
      !Array.isArray(positions) ||
      positions.length === 0 ||
      positions.some((p) => !Number.isInteger(p) || p < 0 || p >= vectorLength) ||
      new Set(positions).size !== positions.length
    )
      return no(`positions must be distinct integers in [0, ${vectorLength})`);
    // Nothing has changed so far. Replace any running set.
    this.#teardown();
    const analysis = this.#analyse(req.policy, tasks, positions);
    if (!analysis.admission.ok && req.force !== true) return no(analysis.admission.reason);
    const cap = this.kapi.reserveSlices(positions);
    if (cap < 0)
      return no(`the kernel refused to reserve positions ${positions.join(", ")} (result ${cap})`);
    const memory = this.pinned.admit(
      tasks.map((t) => t.pages),
      this.reserveFrames,
      tasks.map((t) => t.name),
    );
    if (memory !== null) {
      this.kapi.releaseSlices(cap);
      return no(memory);
    }
    this.#reservation = cap;
    this.#positions = [...positions];
    this.#tasks = tasks;
    this.#bodies = [...req.bodies];
    this.#policy = req.policy;
    this.#kept = tasks.map(() => true);
    return { ok: true, ...analysis };
  }

  /** Analyses `tasks` in `positions`' supply; the overheads count `n` tasks in the dispatcher's tables. */
  #analyse(
    policy: SchedPolicy,
    tasks: readonly Task[],
    positions: readonly number[],
    n = tasks.length,
  ) {
    const s = this.setup!;
    const job = jobOverheadCycles(n, s.kernelCosts, s.profile);
    const slice = sliceOverheadCycles(n, s.kernelCosts, s.profile);
    const supply = new Supply(
      { sliceCycles: s.sliceCycles, vectorLength: s.vectorLength, sliceOverheadCycles: slice },
      positions,
    );
    return {
      admission: admit(policy, tasks, supply, job),
      jobOverheadCycles: job,
      sliceOverheadCycles: slice,
    };
  }

  readonly queues: MessageQueue[] = [];

  /**
   * A message queue of `capacity` messages whose service runs `service` (see ipc/queue.ts):
   * its page is allocated and guaranteed now. Invalid for a bad capacity or service, NoSlot
   * past MAX_QUEUES, or the kernel's refusal.
   */
  createQueue(capacity: number, service: Service, inheritance = true): MessageQueue | number {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY)
      return Result.Invalid;
    if (typeof service !== "function" || typeof inheritance !== "boolean") return Result.Invalid;
    if (this.queues.length >= MAX_QUEUES) return Result.NoSlot;
    const va = QUEUE_VA + this.queues.length * PAGE_BYTES;
    const cap = this.env.allocFrame();
    if (cap < 0) return cap;
    const r = this.env.guarantee(va, cap, 1);
    if (r < 0) {
      this.env.freeFrame(cap);
      return r;
    }
    const q = new MessageQueue(this.env, this.dispatcher, va, capacity, service, inheritance);
    this.queues.push(q);
    return q;
  }

  /**
   * Starts the admitted set: first releases `delayCycles` from now; with `durationCycles`,
   * no job is released past that long after the start.
   */
  start(delayCycles = 0, durationCycles = Number.POSITIVE_INFINITY): number {
    if (this.#tasks.length === 0) return -1;
    if (!Number.isInteger(delayCycles) || delayCycles < 0) return Result.Invalid;
    const start = this.kapi.readCycles() + delayCycles;
    return this.dispatcher.start(
      this.#policy,
      this.#tasks,
      this.#bodies,
      start,
      start + durationCycles,
    );
  }

  stop(): number {
    return this.dispatcher.stop();
  }

  #teardown(): void {
    if (this.dispatcher.active) this.dispatcher.stop();
    if (this.#reservation >= 0) this.kapi.releaseSlices(this.#reservation);
    this.#reservation = -1;
    this.pinned.release();
    this.#tasks = [];
    this.#positions = [];
  }

  /** The revocation handler (synchronous): installed by boot. */
  onRevoke(request: RevokeRequest): void {
    if (request.kind === "frames") {
      this.pinned.giveBack(request.frames);
      return;
    }
    if (request.kind === "slice") this.#loseSlice(request.position);
  }

  #loseSlice(position: number): void {
    const rest = this.#positions.filter((p) => p !== position);
    if (rest.length === this.#positions.length) return;
    // Give the position back at once: the reservation shrinks.
    if (this.#reservation >= 0) this.kapi.giveBackSlice(this.#reservation, position);
    if (rest.length === 0) this.#reservation = -1;
    this.#positions = rest;
    // Admit again, dropping tasks from the end of the set until the rest fits.
    const keep = [...this.#kept];
    const dropped: string[] = [];
    for (;;) {
      const live = this.#tasks.filter((_, i) => keep[i]);
      if (live.length === 0) break;
      if (
        rest.length > 0 &&
        this.#analyse(this.#policy, live, rest, this.#tasks.length).admission.ok
      )
        break;
      const last = keep.lastIndexOf(true);
      keep[last] = false;
      dropped.push(this.#tasks[last]!.name);
    }
    this.#kept = keep;
    this.dispatcher.retain(keep);
    this.revocations.push({
      position,
      dropped,
      kept: this.#tasks.filter((_, i) => keep[i]).map((t) => t.name),
    });
  }
}
