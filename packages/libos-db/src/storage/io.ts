import { type EnvHandle, Reg, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { DISK_SAVE_VA, DISK_WAIT_BYTES, DISK_WAIT_VA } from "../layout.js";

/** The thread's preemption point (the library's `Threads.safepoint`, or the kernel's). */
export type Safepoint = () => Generator<unknown, void, unknown>;

/** The scheduler's side of a disk wait (sched/threads.ts `Threads`). */
export interface DiskWaiter {
  /** The running library thread's id, or -1 (code outside a thread: a server's entry). */
  readonly current: number;
  /** Blocks the running thread until `wake`, unless `stillWaiting()` is false once marked. */
  block(stillWaiting: () => boolean): Generator<unknown, number, unknown>;
  /** Makes a thread runnable (from the interrupt handler: never switches). */
  wake(tid: number): void;
  /** One round of the idle loop (outside a thread), then a safepoint. */
  idle(): Generator<unknown, void, unknown>;
  /** Gives the CPU to the next runnable thread (itself if none). */
  yieldThread(): Generator<unknown, void, unknown>;
  /** Iterations of one idle round (the policy's `idleSpinBatch`). */
  readonly idleBatch: number;
}

/** A wait slot's result word while the request is outstanding (results are 0 or < 0). */
const PENDING = 1;
/** A wait slot's id word when no request waits in it. */
const FREE = -1;

/**
 * Disk requests on the exokernel's extents, waited for by interrupt. Each waiter has a slot
 * in the globals page (`DISK_WAIT_VA`: slot 0 for code outside a thread, slot t + 1 for
 * thread t), two words: the request's id and its result (`PENDING` until it completes).
 * The "disk" interrupt handler (synchronous, on whatever code of this environment runs)
 * finds the slot whose id is the completion's, stores the result and wakes its thread. A
 * thread blocks in the library's scheduler meanwhile, so another thread of the environment
 * runs; code outside a thread runs the idle loop until its slot's result arrives.
 *
 * Invariants: a slot holds at most one outstanding request (a thread waits for one request
 * at a time); the id is stored before the request can complete (a disk command takes
 * milliseconds, the store a few cycles after the kernel call returns); the handler wakes
 * only the thread whose slot names the completed id.
 */
export class DiskIo {
  /** Host-side statistics (not simulated state); the cycle of the last completion seen. */
  readonly stats = { reads: 0, writes: 0, interrupts: 0, lastInterruptCycle: -1, overlapped: 0 };
  /** Transfers started and not yet returned (host bookkeeping for `stats.overlapped`). */
  #inFlight = 0;

  constructor(
    private readonly env: EnvHandle,
    private readonly waiter: DiskWaiter,
    private readonly slots: number,
  ) {}

  /** Frees every wait slot and installs the disk interrupt handler (save area in the globals). */
  boot(): number {
    const cpu = this.env.cpu;
    for (let s = 0; s < this.slots; s++) cpu.store32(DISK_WAIT_VA + s * DISK_WAIT_BYTES, FREE);
    return this.env.setInterruptHandler("disk", (env) => this.#interrupt(env), DISK_SAVE_VA);
  }

  // #region handler
  /** The disk interrupt: t1 = the completed request's id, t2 = its result. */
  #interrupt(env: EnvHandle): void {
    const cpu = env.cpu;
    this.stats.interrupts++;
    this.stats.lastInterruptCycle = cpu.now;
    cpu.exec(COSTS["db.disk.handler"]);
    const id = cpu.reg(Reg.t1) | 0;
    for (let s = 0; s < this.slots; s++) {
      cpu.exec(COSTS["db.disk.slot"]);
      const slot = DISK_WAIT_VA + s * DISK_WAIT_BYTES;
      if ((cpu.load32(slot) | 0) !== id) continue;
      cpu.store32(slot + 4, cpu.reg(Reg.t2));
      if (s > 0) this.waiter.wake(s - 1);
      return;
    }
  }
  // #endregion handler

  /**
   * Moves `blocks` blocks at `blockOffset` of `extent` into (write false) or out of the
   * frame `frameCap`; returns once the disk has completed it: Ok, or the kernel's refusal
   * or completion result (Stale).
   */
  *transfer(
    write: boolean,
    extent: number,
    blockOffset: number,
    blocks: number,
    frameCap: number,
  ): Generator<unknown, number, unknown> {
    const env = this.env;
    const cpu = env.cpu;
    cpu.exec(COSTS["db.disk.request"]);
    const id = write
      ? env.diskWrite(extent, blockOffset, blocks, frameCap)
      : env.diskRead(extent, blockOffset, blocks, frameCap);
    if (id < 0) return id;
    if (write) this.stats.writes++;
    else this.stats.reads++;
    // Another thread's transfer is outstanding too: their I/O overlaps.
    if (this.#inFlight > 0) this.stats.overlapped++;
    this.#inFlight++;
    const waiter = this.waiter;
    const slot = DISK_WAIT_VA + (waiter.current + 1) * DISK_WAIT_BYTES;
    cpu.store32(slot + 4, PENDING);
    cpu.store32(slot, id);
    const waiting = () => (cpu.load32(slot + 4) | 0) === PENDING;
    if (waiter.current >= 0) {
      while (waiting()) yield* waiter.block(waiting);
    } else {
      while (waiting()) yield* waiter.idle();
    }
    this.#inFlight--;
    const r = cpu.load32(slot + 4) | 0;
    cpu.store32(slot, FREE);
    return r === 0 ? Result.Ok : r;
  }
}
