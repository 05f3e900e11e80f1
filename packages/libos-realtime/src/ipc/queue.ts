/**
 * Bounded-latency message queues between real-time tasks, with priority inheritance.
 *
 * A queue is one guaranteed page of shared memory: a header (head, tail, holder) and a ring
 * of `capacity` one-word messages. `call(msg)` puts the message in the ring and hands off to
 * the queue's service procedure on the caller's own thread and time — the same handoff a
 * protected control transfer makes into a server's entry (the callee runs on the caller's
 * slice), here inside the library — and returns its reply. One job is in the service at a
 * time (the queue's holder); a job that calls while another holds it blocks, and:
 *
 * - with inheritance (the default), the holder takes the blocked job's keys (its deadline
 *   under EDF, its rank under RM) until it leaves the service, so no job of a priority in
 *   between can preempt it: a job waits for at most one service (one critical section) per
 *   queue it calls;
 * - without it, the holder keeps its own keys, and any job in between runs first: the
 *   blocked job's wait is unbounded by the queue (it grows with the middle jobs' work).
 *
 * Bounded: a full ring refuses (`Busy`) rather than waits; the service's work is the
 * caller's, counted in its WCET. On leaving, the service is handed to the waiting job that
 * comes first, which inherits from the ones still waiting.
 *
 * Invariants: `holder` is null or a released, unfinished job; every waiter is blocked;
 * only the holder's keys are ever raised, and they go back when it leaves.
 */
import { type EnvHandle, PAGE_BYTES, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import type { Dispatcher, Job } from "../sched/dispatcher.js";

/** The service: runs on the caller's thread (it may reach safepoints), returns the reply. */
export type Service = (msg: number) => Generator<unknown, number, unknown>;

const HEAD = 0;
const TAIL = 4;
const RING = 16;
/** Most messages a queue holds: the ring fills its page after the header. */
export const MAX_CAPACITY = (PAGE_BYTES - RING) / 4;

export class MessageQueue {
  #holder: Job | null = null;
  readonly #waiters: Job[] = [];
  /** Host-side statistics: calls served, blocks, refusals. */
  readonly stats = { served: 0, blocked: 0, refused: 0 };

  constructor(
    private readonly env: EnvHandle,
    private readonly dispatcher: Dispatcher,
    /** The queue's page (guaranteed, zeroed). */
    readonly va: number,
    readonly capacity: number,
    private readonly service: Service,
    readonly inheritance: boolean,
  ) {}

  /** Sends `msg` and waits for the reply (from a job's body, with `yield*`). */
  *call(msg: number): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    const me = this.dispatcher.running;
    if (me === null) return Result.Refused;
    cpu.exec(COSTS["realtime.queue.send"]);
    const head = cpu.load32(this.va + HEAD);
    const tail = cpu.load32(this.va + TAIL);
    if (tail - head >= this.capacity) {
      this.stats.refused++;
      return Result.Busy;
    }
    cpu.store32(this.va + RING + (tail % this.capacity) * 4, msg);
    cpu.store32(this.va + TAIL, tail + 1);
    if (this.#holder !== null && this.#holder !== me) {
      cpu.exec(COSTS["realtime.queue.block"]);
      this.stats.blocked++;
      this.#waiters.push(me);
      if (this.inheritance) this.dispatcher.inherit(this.#holder, me);
      yield* this.dispatcher.block(); // woken as the holder
    } else this.#holder = me;
    // The handoff: take the oldest message and run the service on this thread.
    cpu.exec(COSTS["realtime.queue.handoff"]);
    const h = cpu.load32(this.va + HEAD);
    const m = cpu.load32(this.va + RING + (h % this.capacity) * 4);
    cpu.store32(this.va + HEAD, h + 1);
    const reply = yield* this.service(m);
    this.stats.served++;
    this.#leave(me);
    return reply;
  }

  /** Leaves the service: back to its own keys; the first waiter becomes the holder. */
  #leave(me: Job): void {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.queue.leave"]);
    this.#holder = null;
    const w = this.#waiters;
    if (w.length > 0) {
      cpu.exec(COSTS["realtime.queue.pick.step"], w.length);
      let best = 0;
      for (let i = 1; i < w.length; i++) if (this.dispatcher.before(w[i]!, w[best]!)) best = i;
      const next = w.splice(best, 1)[0]!;
      this.#holder = next;
      if (this.inheritance) for (const o of w) this.dispatcher.inherit(next, o);
      this.dispatcher.wake(next);
    }
    this.dispatcher.disinherit(me);
  }
}
