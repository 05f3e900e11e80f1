/**
 * The real-time dispatcher on the machine: the admitted task set scheduled by `pick` (EDF or
 * RM) inside the library's reserved slices, jobs released by the alarm.
 *
 * - Release: the alarm handler (synchronous, on whatever thread it interrupts) reads the
 *   cycle counter, makes a job of every task whose release time has come (recording its
 *   release latency), re-arms the alarm at the earliest next release, and when a new job
 *   comes before the running one under the policy, asks for a preemption: the running job
 *   gives the CPU up at its next `safepoint()`.
 * - Dispatch: the library's start-of-slice entry is one long-lived loop: pick the job to
 *   run, load its task's registers (33, charged), step its body; at a preemption or at the
 *   slice's end save them (charged) and pick again (or yield to the kernel). With nothing
 *   ready it spins on its ready list (charged), in its own reserved time.
 * - A job that finishes after its deadline is a miss; it is not aborted (the overload
 *   policy: late jobs run to completion, their lateness recorded).
 *
 * The job table, ready list and release times are kept host-side and charged as loads and
 * stores of the records in costs.ts (a table the model keeps host-side); the task contexts
 * live in simulated memory (guaranteed pages). Per-task records (stats.ts) are not charged.
 *
 * Invariants: at most one job's registers are live in the CPU while the loop steps it; a
 * preempted job's context holds its registers; the alarm is armed at the earliest next
 * release of the running set whenever the set is started.
 */
import { type EnvHandle, PAGE_BYTES, Result, type Thread } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import type { KernelApi } from "../kernel-api.js";
import { RT_CTX_BYTES, RT_CTX_VA, RT_SAVE_VA } from "../layout.js";
import { restoreRegisters, saveCallRegisters } from "../vm/vm.js";
import { rmOrder, type SchedPolicy } from "./admission.js";
import { IDLE_SPIN } from "./overheads.js";
import { before, type ReadyJob } from "./pick.js";
import { newRecord, type TaskRecord } from "./stats.js";
import type { Task } from "./task.js";

/** Registers a context holds: r1..r31, HI, LO. */
const CONTEXT_REGS = 33;
/** What a job's body yields to give the CPU back to the loop (never seen by the kernel). */
const PREEMPT: unique symbol = Symbol("rt.preempt");
/** What a job's body yields when it blocks on a queue (ipc/queue.ts). */
const BLOCK: unique symbol = Symbol("rt.block");

/** A job's body: the task's work for one job (loads, stores, calls), with safepoints in its loops. */
export type JobBody = (job: JobInfo) => Thread;

export interface JobInfo {
  readonly task: number;
  readonly index: number;
  readonly releaseCycle: number;
  readonly deadlineCycle: number;
}

/**
 * A released job. `deadlineCycle` and `rank` are its effective keys: its own, or a blocked
 * job's it inherits while it holds a queue (ipc/queue.ts); `base*` are its own.
 */
export interface Job extends ReadyJob {
  readonly index: number;
  readonly baseDeadlineCycle: number;
  readonly baseRank: number;
  deadlineCycle: number;
  rank: number;
  body: Thread | null;
  started: boolean;
  /** Waiting for a queue held by another job: not ready. */
  blocked: boolean;
}

export class Dispatcher {
  #tasks: readonly Task[] = [];
  #bodies: readonly JobBody[] = [];
  #policy: SchedPolicy = "edf";
  #rank: number[] = [];
  #next: number[] = [];
  #jobIndex: number[] = [];
  #ready: Job[] = [];
  #running: Job | null = null;
  #preempt = false;
  #active = false;
  /** No release at or after this cycle. */
  #end = Number.POSITIVE_INFINITY;
  /** Sporadic tasks: the earliest cycle of their next release. */
  #earliest: number[] = [];
  /** Per-task records (host-side, not charged). */
  records: TaskRecord[] = [];
  /** Every release's latency, cycles (host-side, not charged): for percentiles. */
  latencies: number[] = [];

  constructor(
    private readonly env: EnvHandle,
    private readonly kapi: KernelApi,
  ) {}

  /** Installs the alarm handler (its save area in the globals page). */
  boot(): number {
    return this.kapi.setAlarmHandler(() => this.#onAlarm(), RT_SAVE_VA);
  }

  get active(): boolean {
    return this.#active;
  }

  /** Jobs ready or running (released, not finished). */
  get backlog(): number {
    return this.#ready.length;
  }

  /**
   * Starts an admitted set: first releases at `startCycle + offset`, the loop installed as
   * the start-of-slice entry, the alarm armed.
   */
  start(
    policy: SchedPolicy,
    tasks: readonly Task[],
    bodies: readonly JobBody[],
    startCycle: number,
    endCycle = Number.POSITIVE_INFINITY,
  ): number {
    this.#end = endCycle;
    this.#policy = policy;
    this.#tasks = tasks;
    this.#bodies = bodies;
    this.#rank = new Array(tasks.length).fill(0);
    rmOrder(tasks).forEach((t, r) => {
      this.#rank[t] = r;
    });
    this.#next = tasks.map((t) =>
      startCycle + t.offsetCycles < endCycle
        ? startCycle + t.offsetCycles
        : Number.POSITIVE_INFINITY,
    );
    this.#jobIndex = tasks.map(() => 0);
    this.#ready = [];
    this.#running = null;
    this.records = tasks.map((t) => newRecord(t.name));
    this.latencies = [];
    // No transfer into the library while the set runs: a caller would run its entry in the
    // library's reserved time (the kernel resumes a live entry context before the loop).
    let r = this.env.setEntry("sync", null);
    if (r >= 0) r = this.env.setEntry("async", null);
    if (r >= 0) r = this.env.onStartOfSlice(() => this.#loop());
    if (r < 0) return r;
    this.#active = true;
    return this.kapi.setAlarm(Math.min(...this.#next));
  }

  /** Stops releasing jobs; the jobs not finished are dropped (recorded). */
  stop(): number {
    this.#active = false;
    this.kapi.cancelAlarm();
    for (const j of this.#ready) this.records[j.task]!.dropped++;
    this.#ready = [];
    return this.env.onStartOfSlice(null);
  }

  /** Drops every job of the tasks not in `keep` and stops releasing them (revocation). */
  retain(keep: readonly boolean[]): void {
    for (let i = 0; i < this.#tasks.length; i++)
      if (keep[i] !== true) this.#next[i] = Number.POSITIVE_INFINITY;
    this.#ready = this.#ready.filter((j) => {
      if (keep[j.task] === true || j === this.#running) return true;
      this.records[j.task]!.dropped++;
      return false;
    });
  }

  /** A job's preemption point: gives the CPU back when a release preempts it or the slice ends. */
  *safepoint(): Generator<unknown, void, unknown> {
    this.kapi.poll();
    if (this.#preempt || this.env.cpu.switchPending) yield PREEMPT;
  }

  // ---- release (the alarm handler) -----------------------------------------------------

  #onAlarm(): void {
    if (!this.#active) {
      restoreRegisters(this.env, RT_SAVE_VA);
      return;
    }
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.rt.release.entry"]);
    saveCallRegisters(this.env, RT_SAVE_VA);
    const now = this.kapi.readCycles();
    const nowHost = cpu.now;
    let earliest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.#tasks.length; i++) {
      cpu.exec(COSTS["realtime.rt.release.step"]);
      while (this.#next[i]! <= now) this.#release(i, nowHost);
      if (this.#next[i]! < earliest) earliest = this.#next[i]!;
    }
    cpu.exec(COSTS["realtime.rt.release.arm"]);
    if (earliest !== Number.POSITIVE_INFINITY) this.kapi.setAlarm(earliest);
    restoreRegisters(this.env, RT_SAVE_VA);
  }

  #release(i: number, nowHost: number): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.rt.release.job"]);
    const t = this.#tasks[i]!;
    const at = this.#next[i]!;
    const job: Job = {
      task: i,
      index: this.#jobIndex[i]!,
      releaseCycle: at,
      deadlineCycle: at + t.deadlineCycles,
      baseDeadlineCycle: at + t.deadlineCycles,
      rank: this.#rank[i]!,
      baseRank: this.#rank[i]!,
      body: null,
      started: false,
      blocked: false,
    };
    this.#jobIndex[i] = job.index + 1;
    this.#next[i] =
      at + t.periodCycles >= this.#end ? Number.POSITIVE_INFINITY : at + t.periodCycles;
    this.#ready.push(job);
    const rec = this.records[i]!;
    rec.released++;
    const latency = nowHost - at;
    this.latencies.push(latency);
    if (latency < rec.minReleaseLatencyCycles) rec.minReleaseLatencyCycles = latency;
    if (latency > rec.maxReleaseLatencyCycles) rec.maxReleaseLatencyCycles = latency;
    const running = this.#running;
    if (running !== null) {
      cpu.exec(COSTS["realtime.rt.release.preempt"]);
      if (before(this.#policy, job, running)) this.#preempt = true;
    }
  }

  /**
   * Releases sporadic task `task` now (from an event: another handler, a job that received a
   * message). Invalid for a task that is not sporadic or a set that is not running; Refused
   * earlier than its minimum inter-arrival after the previous release (the analysis assumed
   * no more), or past the set's end.
   */
  releaseNow(task: number): number {
    const t = this.#tasks[task];
    if (t === undefined || t.kind !== "sporadic" || !this.#active) return Result.Invalid;
    const now = this.kapi.readCycles();
    if (now < this.#earliest[task]! || now >= this.#end) return Result.Refused;
    this.#next[task] = now;
    this.#release(task, this.env.cpu.now);
    this.#next[task] = Number.POSITIVE_INFINITY;
    this.#earliest[task] = now + t.periodCycles;
    return Result.Ok;
  }

  // ---- dispatch (the start-of-slice loop) ----------------------------------------------

  *#loop(): Thread {
    const cpu = this.env.cpu;
    for (;;) {
      this.kapi.poll();
      const j = this.#pick();
      if (j === null) {
        cpu.exec(COSTS["realtime.rt.idle.spin"], IDLE_SPIN);
        yield* this.env.safepoint();
        continue;
      }
      yield* this.#run(j);
      if (cpu.switchPending) yield* this.env.safepoint();
    }
  }

  #pick(): Job | null {
    const cpu = this.env.cpu;
    const ready = this.#ready;
    cpu.exec(COSTS["realtime.rt.pick.step"], ready.length);
    let best: Job | null = null;
    for (const j of ready)
      if (!j.blocked && (best === null || before(this.#policy, j, best))) best = j;
    return best;
  }

  // ---- blocking and inheritance (used by ipc/queue.ts) ---------------------------------

  /** The running job (null outside jobs). */
  get running(): Job | null {
    return this.#running;
  }

  /** Blocks the running job (it gives the CPU back at once); `wake` makes it ready again. */
  *block(): Generator<unknown, void, unknown> {
    const j = this.#running;
    if (j === null) return;
    j.blocked = true;
    yield BLOCK;
  }

  /** Makes a blocked job ready; asks for a preemption when it comes before the running one. */
  wake(j: Job): void {
    j.blocked = false;
    const r = this.#running;
    if (r !== null && r !== j && before(this.#policy, j, r)) this.#preempt = true;
  }

  /** `holder` inherits `from`'s keys when they come first (priority inheritance). */
  inherit(holder: Job, from: Job): void {
    if (from.deadlineCycle < holder.deadlineCycle) holder.deadlineCycle = from.deadlineCycle;
    if (from.rank < holder.rank) holder.rank = from.rank;
  }

  /** `j` goes back to its own keys; asks for a preemption if a ready job now comes first. */
  disinherit(j: Job): void {
    const raised = j.deadlineCycle !== j.baseDeadlineCycle || j.rank !== j.baseRank;
    j.deadlineCycle = j.baseDeadlineCycle;
    j.rank = j.baseRank;
    if (raised && j === this.#running)
      for (const o of this.#ready)
        if (!o.blocked && o !== j && before(this.#policy, o, j)) this.#preempt = true;
  }

  /** Whether `a` comes before `b` under the running policy. */
  before(a: Job, b: Job): boolean {
    return before(this.#policy, a, b);
  }

  /** Runs job `j` until it finishes, is preempted or the slice ends. */
  *#run(j: Job): Generator<unknown, void, unknown> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.rt.job.start"]);
    this.#running = j;
    this.#preempt = false;
    this.#enter(j.task);
    if (!j.started) {
      j.started = true;
      j.body = this.#bodies[j.task]!({
        task: j.task,
        index: j.index,
        releaseCycle: j.releaseCycle,
        deadlineCycle: j.deadlineCycle,
      });
    }
    for (;;) {
      const step = j.body!.next();
      if (step.done === true) {
        this.#finish(j);
        return;
      }
      if (step.value === PREEMPT || step.value === BLOCK) {
        this.#leave(j.task);
        this.#running = null;
        return;
      }
      // A yield out of a kernel call (a transfer): passed up; the job continues after it.
      yield step.value;
    }
  }

  #finish(j: Job): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.rt.job.done"]);
    const at = cpu.now;
    this.#running = null;
    const k = this.#ready.indexOf(j);
    if (k >= 0) this.#ready.splice(k, 1);
    const rec = this.records[j.task]!;
    rec.completed++;
    const response = at - j.releaseCycle;
    rec.sumResponseCycles += response;
    if (response > rec.worstResponseCycles) rec.worstResponseCycles = response;
    if (at > j.deadlineCycle) rec.misses++;
  }

  /** Misses of jobs still unfinished past their deadline at `now` (for a run's end). */
  pendingMisses(now: number): number {
    let n = 0;
    for (const j of this.#ready) if (j.deadlineCycle < now) n++;
    return n;
  }

  #enter(task: number): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.sched.switch"]);
    const area = RT_CTX_VA + task * RT_CTX_BYTES;
    for (let r = 1; r <= CONTEXT_REGS; r++) cpu.setReg(r, cpu.load32(area + r * 4));
  }

  #leave(task: number): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.sched.switch"]);
    const area = RT_CTX_VA + task * RT_CTX_BYTES;
    for (let r = 1; r <= CONTEXT_REGS; r++) cpu.store32(area + r * 4, cpu.reg(r));
  }
}

/** Pages of task contexts for `maxTasks` tasks. */
export const contextPages = (maxTasks: number): number =>
  Math.ceil((maxTasks * RT_CTX_BYTES) / PAGE_BYTES);
