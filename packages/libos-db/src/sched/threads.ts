import { type EnvHandle, Result, type Thread } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { CURRENT_THREAD_VA, pagesFor, THREAD_CTX_BYTES, THREAD_CTX_VA } from "../layout.js";
import type { LibOsPolicy } from "../policy.js";
import type { Vm } from "../vm/vm.js";

/** Registers a thread context holds: r1..r31, HI (32), LO (33). r0 is hard-wired. */
const CONTEXT_REGS = 33;

/** What a thread yields to the slice loop to give up the CPU (never seen by the kernel). */
const SWITCH_SLICE: unique symbol = Symbol("switch.slice");
const SWITCH_THREAD: unique symbol = Symbol("switch.thread");
const SWITCH_BLOCK: unique symbol = Symbol("switch.block");

/** A thread's state word (its context's word 0, where r0 would be): runnable or blocked. */
const RUNNABLE = 0;
const BLOCKED = 1;

/**
 * Round-robin threads inside the environment's slices. The library's start-of-slice entry
 * is one long-lived loop: it restores the chosen thread's registers from its context
 * (charged loads), steps its body, and at the thread's switch point saves them (charged
 * stores). Yields that come out of kernel calls (a protected control transfer) are passed up
 * unchanged and the same thread continues after them.
 *
 * The loop never returns while a thread is alive: the kernel starts a start-of-slice entry
 * that returned afresh at the next slice, so a loop that returned at every switch would
 * lose its place. With no thread left it withdraws the entry (an idle environment costs
 * nothing) and `spawn` installs it again.
 *
 * Blocking (run-to-completion threads waiting for the disk): `block` marks the running
 * thread blocked in its state word and gives the CPU to the next runnable thread; `wake`,
 * called by an interrupt handler (synchronous: it never switches), marks it runnable again.
 * When every live thread is blocked the loop idles on the CPU in batches of
 * `policy.idleSpinBatch` iterations, looking at the state words between batches and reaching
 * a safepoint after each (the kernel may take the slice back meanwhile).
 *
 * Invariants: exactly one thread's registers are live in the CPU while the loop steps it;
 * a thread's context holds its registers whenever it is not running; a blocked thread is
 * never entered.
 */
export class Threads {
  readonly #bodies: (Thread | null)[] = [];
  #current = -1;
  #idle = false;

  constructor(
    private readonly env: EnvHandle,
    private readonly policy: LibOsPolicy,
  ) {}

  /** Guarantees the context pages, installs the slice loop and takes the policy's slices. */
  boot(vm: Vm, takeSlices: boolean): number {
    const env = this.env;
    let r = vm.guarantee(THREAD_CTX_VA, pagesFor(this.policy.maxThreads * THREAD_CTX_BYTES));
    if (r < 0) return r;
    r = env.onStartOfSlice(() => this.#loop());
    if (r < 0) return r;
    env.cpu.store32(CURRENT_THREAD_VA, -1);
    if (!takeSlices) return Result.Ok;
    for (let i = 0; i < this.policy.slices; i++) {
      r = env.allocSlice();
      if (r < 0) return r;
    }
    return Result.Ok;
  }

  /** Starts a thread; returns its id, or NoSlot past `policy.maxThreads`. */
  spawn(body: () => Thread): number {
    if (typeof body !== "function") return Result.Invalid;
    let tid = this.#bodies.indexOf(null);
    if (tid < 0) {
      if (this.#bodies.length >= this.policy.maxThreads) return Result.NoSlot;
      tid = this.#bodies.length;
      this.#bodies.push(null);
    }
    if (this.#idle) {
      const r = this.env.onStartOfSlice(() => this.#loop());
      if (r < 0) return r;
      this.#idle = false;
    }
    this.env.cpu.zero(THREAD_CTX_VA + tid * THREAD_CTX_BYTES, THREAD_CTX_BYTES);
    this.#bodies[tid] = body();
    return tid;
  }

  // #region block
  /**
   * Blocks the running thread until `wake(tid)`, unless `stillWaiting()` is already false
   * once it is marked (a wake that came between the caller's test and the mark is not lost:
   * the handler may run at any charged access). Outside a thread: `Invalid` (nothing to block).
   */
  *block(stillWaiting: () => boolean): Generator<unknown, number, unknown> {
    const t = this.#current;
    if (t < 0) return Result.Invalid;
    const cpu = this.env.cpu;
    const state = THREAD_CTX_VA + t * THREAD_CTX_BYTES;
    cpu.store32(state, BLOCKED);
    cpu.exec(COSTS["db.sched.block"]);
    if (!stillWaiting()) {
      cpu.store32(state, RUNNABLE);
      return Result.Ok;
    }
    yield SWITCH_BLOCK;
    return Result.Ok;
  }

  /** Makes thread `tid` runnable (an interrupt handler's call: it never switches). */
  wake(tid: number): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.sched.wake"]);
    cpu.store32(THREAD_CTX_VA + tid * THREAD_CTX_BYTES, RUNNABLE);
  }

  /**
   * One round of the idle loop for code outside a thread (a server's entry on its caller's
   * time) waiting for a word an interrupt handler sets: `idleSpinBatch` iterations, then a
   * safepoint.
   */
  *idle(): Generator<unknown, void, unknown> {
    this.env.cpu.exec(COSTS["db.sched.idle"], this.policy.idleSpinBatch);
    yield* this.safepoint();
  }
  // #endregion block

  /** Iterations of one idle round (`policy.idleSpinBatch`). */
  get idleBatch(): number {
    return this.policy.idleSpinBatch;
  }

  /** Threads not yet finished. */
  get live(): number {
    let n = 0;
    for (let t = 0; t < this.#bodies.length; t++) if (this.#bodies[t] !== null) n++;
    return n;
  }

  /** The running thread's id (-1 outside any thread). */
  get current(): number {
    return this.#current;
  }

  // #region safepoint
  /** The thread's preemption point: gives the CPU up when the kernel asked for it. */
  *safepoint(): Generator<unknown, void, unknown> {
    if (!this.env.cpu.switchPending) return;
    if (this.#current < 0) {
      yield* this.env.safepoint();
      return;
    }
    yield SWITCH_SLICE;
  }
  // #endregion safepoint

  /** Gives the CPU to the next thread of this environment now (within the slice). */
  *yieldThread(): Generator<unknown, void, unknown> {
    if (this.#current < 0) return;
    yield SWITCH_THREAD;
  }

  // ---- the slice loop -----------------------------------------------------------------

  // #region slice-loop
  *#loop(): Thread {
    let last = -1;
    for (;;) {
      const t = yield* this.#nextOrIdle(last);
      if (t < 0) {
        this.env.onStartOfSlice(null);
        this.#idle = true;
        return;
      }
      last = yield* this.#runThreads(t);
    }
  }

  /**
   * The next runnable thread after `from`; while every live thread is blocked, the idle loop
   * (a batch, a look at the state words, a safepoint); -1 when no thread is live.
   */
  *#nextOrIdle(from: number): Generator<unknown, number, unknown> {
    for (;;) {
      const t = this.#next(from);
      if (t >= 0 || this.live === 0) return t;
      this.env.cpu.exec(COSTS["db.sched.idle"], this.policy.idleSpinBatch);
      yield* this.env.safepoint();
    }
  }

  /** Steps threads from `first` until the slice ends; returns the thread that was running. */
  *#runThreads(first: number): Generator<unknown, number, unknown> {
    let t = first;
    this.#enter(t);
    for (;;) {
      const step = this.#bodies[t]!.next();
      if (step.done === true) {
        this.#bodies[t] = null;
        this.#current = -1;
        const n = yield* this.#nextOrIdle(t);
        if (n < 0) return t;
        t = n;
        this.#enter(t);
      } else if (step.value === SWITCH_BLOCK) {
        this.#leave(t);
        const n = yield* this.#nextOrIdle(t);
        if (n < 0) return t;
        t = n;
        this.#enter(t);
      } else if (step.value === SWITCH_SLICE) {
        this.#leave(t);
        yield* this.env.safepoint();
        return t;
      } else if (step.value === SWITCH_THREAD) {
        const n = this.#next(t);
        if (n !== t) {
          this.#leave(t);
          t = n;
          this.#enter(t);
        }
      } else {
        // A yield out of a kernel call (a transfer): pass it up; the thread continues after it.
        yield step.value;
      }
    }
  }
  // #endregion slice-loop

  /** Round robin: the next live runnable thread after `from` (itself last), or -1. */
  #next(from: number): number {
    const n = this.#bodies.length;
    const cpu = this.env.cpu;
    for (let k = 1; k <= n; k++) {
      cpu.exec(COSTS["db.sched.pick"]);
      const t = (from + k + n) % n;
      if (this.#bodies[t] === null) continue;
      if (cpu.load32(THREAD_CTX_VA + t * THREAD_CTX_BYTES) === RUNNABLE) return t;
    }
    return -1;
  }

  // #region switch
  /** Loads thread `t`'s registers and makes it the running thread. */
  #enter(t: number): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.sched.switch"]);
    const area = THREAD_CTX_VA + t * THREAD_CTX_BYTES;
    for (let r = 1; r <= CONTEXT_REGS; r++) cpu.setReg(r, cpu.load32(area + r * 4));
    cpu.store32(CURRENT_THREAD_VA, t);
    this.#current = t;
  }

  /** Saves thread `t`'s registers; no thread runs until the next `#enter`. */
  #leave(t: number): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.sched.switch"]);
    const area = THREAD_CTX_VA + t * THREAD_CTX_BYTES;
    for (let r = 1; r <= CONTEXT_REGS; r++) cpu.store32(area + r * 4, cpu.reg(r));
    cpu.store32(CURRENT_THREAD_VA, -1);
    this.#current = -1;
  }
  // #endregion switch
}
