import { CALLEE_SAVED, type EnvHandle, Result, type Thread } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import {
  G_CRIT_DEPTH,
  G_CRIT_SINCE,
  G_CUR_THREAD,
  G_EOS_PENDING,
  GLOBALS_VA,
  THREAD_CTX_BYTES,
  THREAD_CTX_VA,
} from "../layout.js";
import type { ExosPolicy } from "../policy.js";

/** Registers a thread context holds: r1..r31, HI (32), LO (33). r0 is hard-wired. */
const CONTEXT_REGS = 33;

/** Tokens a thread yields to the library's slice loop (never seen by the kernel). */
const SWITCH_SLICE: unique symbol = Symbol("exos.switch.slice");
const SWITCH_THREAD: unique symbol = Symbol("exos.switch.thread");

/** A hook run at the start of each slice (the stride scheduler); it may give the slice away. */
export type SliceHook = () => Generator<unknown, void, unknown>;

/**
 * Threads inside the environment, scheduled round robin within its slices. The library's
 * start-of-slice entry is one long-lived loop: it restores the chosen thread's registers
 * (charged loads), steps its body, and at the thread's switch points saves its registers
 * (charged stores). Yields that come out of kernel calls (a transfer, a directed yield) are
 * passed up unchanged and the same thread continues after them.
 *
 * Invariants: exactly one thread's registers are live in the CPU while the loop steps it;
 * a thread's context area holds its registers whenever it is not running.
 */
export class Scheduler {
  readonly #bodies: (Thread | null)[] = [];
  #current = -1;
  #hook: SliceHook | null = null;
  #booted = false;
  /** True when the slice loop ended (no threads) and its entry was withdrawn. */
  #idle = false;
  /** Slices started (host-side statistics). */
  slicesStarted = 0;
  /** Deferred end-of-slice handlings (critical sections). */
  deferrals = 0;

  constructor(
    private readonly env: EnvHandle,
    private readonly policy: ExosPolicy,
  ) {}

  /** Installs the start- and end-of-slice handlers and allocates the policy's slices. */
  boot(allocateSlices: boolean): number {
    const env = this.env;
    let r = env.onEndOfSlice(() => this.#onEndOfSlice());
    if (r < 0) return r;
    r = env.onStartOfSlice(() => this.#loop());
    if (r < 0) return r;
    env.cpu.store32(GLOBALS_VA + G_CRIT_DEPTH, 0);
    env.cpu.store32(GLOBALS_VA + G_EOS_PENDING, 0);
    this.#booted = true;
    if (allocateSlices) {
      for (let i = 0; i < this.policy.slices; i++) {
        r = env.allocSlice(-1);
        if (r < 0) return r;
      }
    }
    return Result.Ok;
  }

  /** Starts a thread; returns its id (its context-area index) or NoSlot. */
  spawn(body: () => Thread): number {
    if (typeof body !== "function") return Result.Invalid;
    let tid = this.#bodies.indexOf(null);
    if (tid < 0) {
      if (this.#bodies.length >= this.policy.maxThreads) return Result.NoSlot;
      tid = this.#bodies.length;
      this.#bodies.push(null);
    }
    if (this.#idle) {
      // The slice loop ended with the last thread: install it again.
      const r = this.env.onStartOfSlice(() => this.#loop());
      if (r < 0) return r;
      this.#idle = false;
    }
    this.env.cpu.zero(THREAD_CTX_VA + tid * THREAD_CTX_BYTES, THREAD_CTX_BYTES);
    this.#bodies[tid] = body();
    return tid;
  }

  /** Threads not yet finished. */
  get liveThreads(): number {
    let n = 0;
    for (const b of this.#bodies) if (b !== null) n++;
    return n;
  }

  /** The running thread's id (-1 outside any thread). */
  get current(): number {
    return this.#current;
  }

  /** Installs (or removes) the start-of-slice hook. */
  setSliceHook(hook: SliceHook | null): void {
    this.#hook = hook;
  }

  /**
   * The library's safepoint: when the kernel wants the CPU, saves this thread and lets the
   * slice end (or defers inside a critical section, within `policy.criticalMaxCycles`).
   */
  *safepoint(): Generator<unknown, void, unknown> {
    const cpu = this.env.cpu;
    if (!cpu.switchPending) return;
    cpu.exec(COSTS["exos.sched.safepoint"]);
    if (cpu.load32(GLOBALS_VA + G_CRIT_DEPTH) > 0) {
      // The counter's read (cpu.now, uncharged) sits between the load and the subu: filled.
      const since = cpu.load32(GLOBALS_VA + G_CRIT_SINCE) >>> 0;
      if (((cpu.now >>> 0) - since) >>> 0 < this.policy.criticalMaxCycles) {
        this.deferrals++;
        return;
      }
    }
    if (this.#current < 0) {
      yield* this.env.safepoint();
      return;
    }
    yield SWITCH_SLICE;
  }

  /** Gives the CPU to the next thread of this environment (voluntary, within the slice). */
  *yieldThread(): Generator<unknown, void, unknown> {
    if (this.#current < 0) return;
    yield SWITCH_THREAD;
  }

  /** Enters a critical section: end-of-slice handling is deferred until it ends. */
  enterCritical(): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.sched.critical"]);
    const d = cpu.load32Used(GLOBALS_VA + G_CRIT_DEPTH); // tested and incremented at once
    if (d === 0) cpu.store32(GLOBALS_VA + G_CRIT_SINCE, cpu.now >>> 0);
    cpu.store32(GLOBALS_VA + G_CRIT_DEPTH, d + 1);
  }

  /** Leaves a critical section; honours an end of slice that arrived inside it. */
  *exitCritical(): Generator<unknown, void, unknown> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.sched.critical"]);
    const d = cpu.load32Used(GLOBALS_VA + G_CRIT_DEPTH); // tested and decremented at once
    if (d === 0) return;
    cpu.store32(GLOBALS_VA + G_CRIT_DEPTH, d - 1);
    if (d === 1) yield* this.safepoint();
  }

  /**
   * Directed yield of the rest of the slice to `target`, saving the running thread's
   * callee-saved registers first and restoring them when the CPU comes back (the other
   * environment's code reuses the one register file).
   */
  *yieldTo(target: number): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.sched.yieldTo"]);
    // Outside any thread (the slice hook) no thread's registers are live: nothing to save.
    if (this.#current < 0) return yield* this.env.yieldTo(target);
    const area = THREAD_CTX_VA + this.#current * THREAD_CTX_BYTES;
    for (const r of CALLEE_SAVED) cpu.store32(area + r * 4, cpu.reg(r));
    const res = yield* this.env.yieldTo(target);
    for (const r of CALLEE_SAVED) cpu.setReg(r, cpu.load32(area + r * 4));
    return res;
  }

  /**
   * Gives the rest of the slice up (the next position of the slice vector starts), saving
   * and restoring the running thread's callee-saved registers around it as `yieldTo` does.
   * The fallback when a directed yield is refused because its target is busy.
   */
  *yieldSlice(): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.sched.yieldSlice"]);
    if (this.#current < 0) return yield* this.env.yieldSlice();
    const area = THREAD_CTX_VA + this.#current * THREAD_CTX_BYTES;
    for (const r of CALLEE_SAVED) cpu.store32(area + r * 4, cpu.reg(r));
    const res = yield* this.env.yieldSlice();
    for (const r of CALLEE_SAVED) cpu.setReg(r, cpu.load32(area + r * 4));
    return res;
  }

  /**
   * Waits for `peer` (a pipe's other end): a directed yield to it, or, when the kernel
   * refuses that because the peer is busy (parked in a protected control transfer), the
   * rest of the slice given up. Returns false only when the peer is gone (or this code
   * cannot block at all), so that callers report end of file or a broken pipe.
   */
  *waitFor(peer: number): Generator<unknown, boolean, unknown> {
    const cpu = this.env.cpu;
    const r = yield* this.yieldTo(peer);
    cpu.exec(COSTS["exos.yield.check"]);
    if (r >= 0) return true;
    cpu.exec(COSTS["exos.yield.refused"]);
    if (r === Result.NoEnv) return false;
    return (yield* this.yieldSlice()) >= 0;
  }

  // ---- the slice loop -----------------------------------------------------------------

  #onEndOfSlice(): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.sched.endOfSlice"]);
    cpu.store32(GLOBALS_VA + G_EOS_PENDING, 1);
    // The flag's store and its constants must precede the load: the beqz waits a nop.
    if (cpu.load32Used(GLOBALS_VA + G_CRIT_DEPTH) === 0) return;
    // Inside a critical section the deferral budget starts now.
    cpu.store32(GLOBALS_VA + G_CRIT_SINCE, cpu.now >>> 0);
  }

  /** Round robin: the next live thread after `from`, or -1. */
  #next(from: number): number {
    const n = this.#bodies.length;
    this.env.cpu.exec(COSTS["exos.sched.pick"]);
    for (let k = 1; k <= n; k++) {
      const t = (from + k + n) % n;
      if (this.#bodies[t] !== null) return t;
    }
    return -1;
  }

  #save(t: number): void {
    const cpu = this.env.cpu;
    const area = THREAD_CTX_VA + t * THREAD_CTX_BYTES;
    for (let r = 1; r <= CONTEXT_REGS; r++) cpu.store32(area + r * 4, cpu.reg(r));
  }

  #restore(t: number): void {
    const cpu = this.env.cpu;
    const area = THREAD_CTX_VA + t * THREAD_CTX_BYTES;
    for (let r = 1; r <= CONTEXT_REGS; r++) cpu.setReg(r, cpu.load32(area + r * 4));
  }

  *#loop(): Thread {
    if (!this.#booted) return;
    let last = -1;
    for (;;) {
      // A slice of ours begins.
      this.slicesStarted++;
      this.env.cpu.store32(GLOBALS_VA + G_EOS_PENDING, 0);
      if (this.#hook !== null) yield* this.#hook();
      const t = this.#next(last);
      if (t < 0) {
        // No thread left: withdraw the start-of-slice entry so that an idle process costs
        // nothing and the machine can go idle; `spawn` installs it again.
        this.env.onStartOfSlice(null);
        this.#idle = true;
        return;
      }
      last = yield* this.#runThreads(t);
    }
  }

  /** Steps threads from `t` until the slice ends; returns the thread that was running. */
  *#runThreads(first: number): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    let t = first;
    this.#restore(t);
    this.#current = t;
    cpu.store32(GLOBALS_VA + G_CUR_THREAD, t);
    for (;;) {
      const body = this.#bodies[t]!;
      const step = body.next();
      if (step.done === true) {
        this.#bodies[t] = null;
        const n = this.#next(t);
        this.#current = -1;
        if (n < 0) return t;
        t = n;
        this.#restore(t);
        this.#current = t;
        cpu.store32(GLOBALS_VA + G_CUR_THREAD, t);
        continue;
      }
      if (step.value === SWITCH_SLICE) {
        this.#save(t);
        this.#current = -1;
        yield* this.env.safepoint();
        return t;
      }
      if (step.value === SWITCH_THREAD) {
        const n = this.#next(t);
        if (n !== t) {
          this.#save(t);
          this.#restore(n);
          t = n;
          this.#current = t;
          cpu.store32(GLOBALS_VA + G_CUR_THREAD, t);
        }
        continue;
      }
      // A yield out of a kernel call (transfer, directed yield, slice yield): pass it up.
      yield step.value;
    }
  }
}
