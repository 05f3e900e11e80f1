import { type EnvHandle, PAGE_BYTES, Reg, Result, Rights, type Thread } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import type { Db } from "../engine/db.js";
import { DB_META_VA, QUEUE_VA } from "../layout.js";
import type { Vm } from "../vm/vm.js";

/** Request operations in a queue entry. */
export const Op = Object.freeze({ Get: 1, Put: 2, Del: 3 });

/** Most requests in one batch: a 4 KiB page of 16-byte entries after a 16-byte header. */
export const MAX_BATCH = 255;
/** Most client queues one server holds. */
export const MAX_QUEUES = 16;
/** The server's private table of queue owners (env ids), in its engine state page. */
const OWNERS = 0x800;

/**
 * Batched shared-memory request queues. A queue is one page the server allocates, maps and
 * grants to one client environment: word 0 is the count of requests, then 16-byte entries
 * (operation, key, value, result). The client fills a batch with plain stores, then makes
 * one synchronous protected control transfer to the server with the queue's number in a0;
 * the server's entry (on the client's time) decodes the whole batch first (the queue is the
 * caller's own, the count in range), then runs each request as a transaction to completion
 * — one at a time, its disk waits included — writes each result into its entry, and
 * transfers back with the count in a0. One crossing per batch, not per request.
 *
 * Isolation: the server keeps which client owns which queue in its own memory (the client
 * cannot name another's queue); every operation, key and value read from the shared page is
 * checked by the engine (a bad entry gets Invalid, the others run). The client is parked in
 * its transfer while the server reads the page, so the batch cannot change under it.
 */
export class DbServer {
  #queues = 0;

  constructor(
    private readonly env: EnvHandle,
    private readonly vm: Vm,
    private readonly db: Db,
  ) {}

  /** Serves the queues on this environment's synchronous entry. */
  serve(): number {
    return this.env.setEntry("sync", (caller) => this.#entry(caller));
  }

  /**
   * Makes a queue for `client`: a page mapped here and granted to it. Returns the queue's
   * number and the capability name in the client's list (`{ queue, cap }`), or a Result.
   */
  attach(client: number): { queue: number; cap: number } | number {
    if (this.#queues >= MAX_QUEUES) return Result.NoSlot;
    const env = this.env;
    const q = this.#queues;
    const frame = env.allocFrame();
    if (frame < 0) return frame;
    const r = this.vm.mapFrame(QUEUE_VA + q * PAGE_BYTES, frame, true);
    if (r < 0) return r;
    const cap = env.grant(frame, client, Rights.Read | Rights.Write);
    if (cap < 0) return cap;
    env.cpu.store32(DB_META_VA + OWNERS + q * 4, client);
    env.cpu.store32(QUEUE_VA + q * PAGE_BYTES, 0);
    this.#queues = q + 1;
    return { queue: q, cap };
  }

  /** The entry: decode the batch, run it, answer, transfer back. */
  *#entry(caller: number): Thread {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.queue.entry"]);
    const q = cpu.reg(Reg.a0) | 0;
    let answer: number = Result.Invalid;
    if (q >= 0 && q < this.#queues) {
      const va = QUEUE_VA + q * PAGE_BYTES;
      const n = cpu.load32(va) | 0;
      if ((cpu.load32(DB_META_VA + OWNERS + q * 4) | 0) !== caller) answer = Result.NotOwner;
      else if (n >= 0 && n <= MAX_BATCH) {
        for (let i = 0; i < n; i++) {
          const e = va + 16 + i * 16;
          cpu.store32(e + 12, yield* this.#run(e));
        }
        cpu.store32(va, 0);
        answer = n;
      }
    }
    cpu.setReg(Reg.a0, answer);
    yield* this.env.pct(caller, "sync");
  }

  /** One request, as a transaction run to completion. */
  *#run(e: number): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.queue.request"]);
    const op = cpu.load32(e) | 0;
    const key = cpu.load32(e + 4) | 0;
    if (op === Op.Get) return yield* this.db.get(key);
    if (op === Op.Put) return yield* this.db.insert(key, cpu.load32(e + 8) | 0);
    if (op === Op.Del) return yield* this.db.remove(key);
    return Result.Invalid;
  }
}

/**
 * A client's end of a queue: the granted page mapped at `va` in its own address space.
 * `add` writes a request (plain stores), `flush` sends the batch in one transfer and
 * returns how many ran (or the server's refusal); `result(i)` reads request i's answer.
 */
export class DbClient {
  constructor(
    private readonly env: EnvHandle,
    private readonly calls: {
      call(server: number, arg: number): Generator<unknown, number, unknown>;
      readonly lastError: number;
    },
    private readonly safepoint: () => Generator<unknown, void, unknown>,
    private readonly server: number,
    private readonly queue: number,
    private readonly va: number,
  ) {}

  /** Appends a request; its index, or NoSlot when the batch is full. */
  add(op: number, key: number, value = 0): number {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.queue.add"]);
    const n = cpu.load32Used(this.va) | 0; // full test and entry address at once
    if (n >= MAX_BATCH) return Result.NoSlot;
    const e = this.va + 16 + n * 16;
    cpu.store32(e, op);
    cpu.store32(e + 4, key);
    cpu.store32(e + 8, value);
    cpu.store32(this.va, n + 1);
    return n;
  }

  /**
   * Sends the batch; returns the number of requests run, or the server's refusal, or the
   * transfer's failure. While the server is serving another client (the kernel refuses the
   * transfer: Busy) it tries again, reaching its safepoint between tries.
   */
  *flush(): Generator<unknown, number, unknown> {
    for (;;) {
      const n = yield* this.calls.call(this.server, this.queue);
      const err = this.calls.lastError;
      if (err === Result.Ok) return n;
      if (err !== Result.Busy) return err;
      this.env.cpu.exec(COSTS["db.queue.retry"]);
      yield* this.safepoint();
    }
  }

  /** Request i's result: a value, Ok, DbResult.NotFound, or a refusal. */
  result(i: number): number {
    return this.env.cpu.load32(this.va + 16 + i * 16 + 12) | 0;
  }
}
