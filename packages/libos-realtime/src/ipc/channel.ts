/**
 * Bounded message queues between environments, with the handoff by synchronous protected
 * control transfer and priority inheritance by donation.
 *
 * A channel is one page shared by a client and a server environment: the client allocates
 * the frame, guarantees it, and grants it read-write to the server, which guarantees it in
 * its own space (`accept`, with the client's rank: lower is more important). The page holds
 * a header (head, tail, waiting) and a ring of `capacity` slots of two words: the message
 * and its reply.
 *
 * - `send(msg)` writes the message into the ring (`Busy` when full: it never waits).
 * - `call(msg)` sends and hands off: `pct(server, "sync")`. The server's synchronous entry
 *   runs on the caller's donated slice — so the service runs at the caller's priority, with
 *   its deadline, in its reserved time — serves every message pending in the caller's ring
 *   (at most the capacity the server holds privately: one critical section is bounded),
 *   stores each reply in its slot, and transfers back with a result code in a1 and, in a2,
 *   a more important client it served on this call's time (or -1).
 * - Inheritance: a caller that finds the server in another client's section (the kernel's
 *   `Busy`) marks itself waiting in its page and donates the rest of its slice to the server
 *   (`yieldTo`): the holder's section finishes on the waiter's time, not on the holder's
 *   (which may be far off, behind other environments' slices); before replying to the
 *   holder, the server serves the waiting clients ranked before it, most important first.
 *   The waiter finds its reply in its slot when it runs again; an honest holder gives it
 *   the rest of the slice at once (`yieldTo(a2)`). So a client waits for at most one
 *   critical section of a less important one, plus its own service (and, if the holder
 *   ignores a2, the rest of the slice it lent: the holder cannot keep the waiter waiting
 *   longer, since any of its later calls serves the waiter first).
 * - Without inheritance the caller gives its slice up (`yieldSlice`) and retries at its next
 *   one: the holder's section advances only in the holder's own slices, and the wait grows
 *   with the other environments' work between them.
 *
 * Trust: the server trusts nothing in the page. Head and tail are read once and checked
 * against the capacity the server holds privately (a scribbled header gets `Invalid` and
 * nothing is served); messages are data; the client's identity is the kernel's (the entry's
 * caller id), looked up in the server's private table (`Refused` for an environment it did
 * not accept). A waiting mark only makes the server serve its writer's own messages, and
 * only on the time of clients the host ranked below it. Every service runs on its caller's
 * time (or a less important caller's): a flooding client spends only its own slices.
 *
 * Invariants (server side): head only advances, by the server, one message at a time after
 * its reply is stored; a drain serves at most the client's capacity; `#clients` is kept in
 * rank order.
 */
import {
  CALLEE_SAVED,
  type EnvHandle,
  PAGE_BYTES,
  Reg,
  Result,
  type Thread,
} from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { CALL_SAVE_VA, CHANNEL_VA, MAX_CHANNELS } from "../layout.js";

/** The server's service: the message and the client's id in, the reply out (it may reach safepoints). */
export type ChannelService = (msg: number, client: number) => Generator<unknown, number, unknown>;

const HEAD = 0;
const TAIL = 4;
const WAITING = 8;
const RING = 16;
const SLOT_BYTES = 8;
/** Most messages a channel holds: the ring fills its page after the header. */
export const MAX_CHANNEL_CAPACITY = (PAGE_BYTES - RING) / SLOT_BYTES;
/** Read-write rights for the grant (R | W). */
const RW = 3;

const isInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x);

/** A client's end of a channel. */
export class Channel {
  /** The last call's outcome: Ok, or the kernel's or the server's refusal. */
  lastError: number = Result.Ok;
  /** Host-side statistics: calls answered, refusals of a full ring, donations, slices given up. */
  readonly stats = { answered: 0, full: 0, busy: 0, donated: 0, yielded: 0 };

  constructor(
    private readonly env: EnvHandle,
    readonly server: number,
    /** The page (guaranteed) in the client's space. */
    readonly va: number,
    readonly capacity: number,
    /** The page's capability name in the server's list: what the host hands to `accept`. */
    readonly serverCap: number,
    readonly inheritance: boolean,
  ) {}

  /** Puts `msg` in the ring without a handoff: Ok, or Busy when the ring is full. */
  send(msg: number): number {
    if (!isInt(msg)) return Result.Invalid;
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.chan.send"]);
    const head = cpu.load32(this.va + HEAD);
    // Load-delay slot: the full test's subu uses tail at once, and realtime.chan.send has
    // nothing independent of it to put there (its entry precedes the loads).
    const tail = cpu.load32Used(this.va + TAIL);
    if ((tail - head) >>> 0 >= this.capacity) {
      this.stats.full++;
      return Result.Busy;
    }
    cpu.store32(this.va + RING + ((tail >>> 0) % this.capacity) * SLOT_BYTES, msg);
    cpu.store32(this.va + TAIL, (tail + 1) >>> 0);
    return Result.Ok;
  }

  /** Sends `msg` and hands off to the server; returns the reply (see `lastError`; Busy when the ring is full). */
  *call(msg: number): Generator<unknown, number, unknown> {
    const mine = this.env.cpu.load32(this.va + TAIL) >>> 0;
    const sent = this.send(msg);
    if (sent !== Result.Ok) {
      this.lastError = sent;
      return sent;
    }
    return yield* this.#handoff(mine);
  }

  *#handoff(mine: number): Generator<unknown, number, unknown> {
    const env = this.env;
    const cpu = env.cpu;
    for (;;) {
      cpu.exec(COSTS["realtime.chan.call"]);
      for (const r of CALLEE_SAVED) cpu.store32(CALL_SAVE_VA + r * 4, cpu.reg(r));
      const e = yield* env.pct(this.server, "sync");
      const code = e === Result.Ok ? cpu.reg(Reg.a1) | 0 : e;
      const waiter = cpu.reg(Reg.a2) | 0;
      for (const r of CALLEE_SAVED) cpu.setReg(r, cpu.load32(CALL_SAVE_VA + r * 4));
      cpu.exec(COSTS["realtime.chan.result"]);
      if (e === Result.Busy) {
        // The server is in another client's section.
        this.stats.busy++;
        if (this.inheritance) {
          cpu.store32(this.va + WAITING, 1);
          this.stats.donated++;
          const r = yield* env.yieldTo(this.server); // its section runs on our time, then ours
          if (r !== Result.Ok) yield* env.yieldSlice();
        } else {
          this.stats.yielded++;
          yield* env.yieldSlice();
        }
        if (this.#answered(mine)) return this.#reply(mine, Result.Ok);
        continue;
      }
      if (code !== Result.Ok) return this.#reply(mine, code);
      const reply = this.#reply(mine, Result.Ok);
      // A more important client was served on our section's time: the rest of the slice is its.
      if (waiter >= 0 && waiter !== env.id) yield* env.yieldTo(waiter);
      return reply;
    }
  }

  /** Whether the server has moved past message number `mine` (modulo 2^32). */
  #answered(mine: number): boolean {
    return ((this.env.cpu.load32(this.va + HEAD) - mine - 1) | 0) >= 0;
  }

  /** The end of a call: the waiting mark cleared; the reply from its slot, or the refusal. */
  #reply(mine: number, code: number): number {
    const cpu = this.env.cpu;
    cpu.store32(this.va + WAITING, 0);
    this.lastError = code;
    if (code !== Result.Ok) return code;
    this.stats.answered++;
    return cpu.load32(this.va + RING + (mine % this.capacity) * SLOT_BYTES + 4) | 0;
  }
}

/** A client the server accepted: its id, its page in the server's space, its bound and rank. */
interface Client {
  readonly id: number;
  readonly va: number;
  readonly capacity: number;
  /** Lower is more important (the host's order). */
  readonly rank: number;
}

/** Channels of one environment: as a client (`connect`) and as a server (`accept`, `serve`). */
export class Channels {
  /** Pages used, client and server sides together. */
  #pages = 0;
  readonly #clients: Client[] = [];
  /** Host-side statistics of the server side: messages served, handoffs refused by reason. */
  readonly stats = { served: 0, unknown: 0, scribbled: 0 };

  /** `closed()` says when the library takes no calls (a real-time set is running). */
  constructor(
    private readonly env: EnvHandle,
    private readonly closed: () => boolean = () => false,
  ) {}

  #nextVa(): number {
    return this.#pages < MAX_CHANNELS ? CHANNEL_VA + this.#pages * PAGE_BYTES : -1;
  }

  /**
   * Client side: a channel of `capacity` messages to `server`. Allocates and guarantees the
   * page, grants it read-write to the server. → the Channel, or a Result (Invalid, NoSlot
   * past MAX_CHANNELS, or the kernel's refusal, with nothing kept).
   */
  connect(server: number, capacity: number, inheritance = true): Channel | number {
    if (!isInt(server) || !isInt(capacity) || typeof inheritance !== "boolean")
      return Result.Invalid;
    if (capacity < 1 || capacity > MAX_CHANNEL_CAPACITY || server === this.env.id)
      return Result.Invalid;
    const va = this.#nextVa();
    if (va < 0) return Result.NoSlot;
    const cap = this.env.allocFrame();
    if (cap < 0) return cap;
    const g = this.env.guarantee(va, cap, 1);
    const name = g < 0 ? g : this.env.grant(cap, server, RW);
    if (name < 0) {
      this.env.freeFrame(cap);
      return name;
    }
    this.#pages++;
    return new Channel(this.env, server, va, capacity, name, inheritance);
  }

  /**
   * Server side: accepts `client`'s page (`cap`, the name its grant has in this
   * environment's list) as a channel of `capacity` messages, at `rank` (lower is more
   * important). Invalid arguments, a client already accepted, or the kernel's refusal of
   * the mapping → a Result, nothing kept.
   */
  accept(client: number, cap: number, capacity: number, rank: number): number {
    if (!isInt(client) || !isInt(cap) || !isInt(capacity) || !isInt(rank)) return Result.Invalid;
    if (capacity < 1 || capacity > MAX_CHANNEL_CAPACITY || rank < 0 || client === this.env.id)
      return Result.Invalid;
    if (this.#clients.some((c) => c.id === client)) return Result.Busy;
    const va = this.#nextVa();
    if (va < 0) return Result.NoSlot;
    const g = this.env.guarantee(va, cap, 1);
    if (g < 0) return g;
    this.#pages++;
    const at = this.#clients.findIndex((c) => c.rank > rank);
    const record = { id: client, va, capacity, rank };
    if (at < 0) this.#clients.push(record);
    else this.#clients.splice(at, 0, record); // kept in rank order
    return Result.Ok;
  }

  /** Server side: exports `service` on the environment's synchronous entry. */
  serve(service: ChannelService): number {
    if (typeof service !== "function") return Result.Invalid;
    if (this.closed()) return Result.Refused;
    return this.env.setEntry("sync", (caller) => this.#entry(caller, service));
  }

  /** Stops serving: later calls are refused by the kernel. */
  stop(): number {
    return this.env.setEntry("sync", null);
  }

  /**
   * The entry, started afresh for each call on the caller's slice: decode (who, whether a
   * more important client waits, the header against the private bound), then serve.
   */
  *#entry(caller: number, service: ChannelService): Thread {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.chan.entry"]);
    const c = this.#lookup(caller);
    let code: number = Result.Refused;
    let waiter = -1;
    if (c === null) this.stats.unknown++;
    else {
      waiter = yield* this.#serveWaiting(c, service);
      code = yield* this.#drain(c, service);
      const later = yield* this.#serveWaiting(c, service);
      if (later >= 0) waiter = later;
    }
    cpu.exec(COSTS["realtime.chan.reply"]);
    cpu.setReg(Reg.a1, code);
    cpu.setReg(Reg.a2, waiter);
    yield* this.env.pct(caller, "sync");
  }

  /**
   * Serves `c`'s pending messages: head and tail read once, checked against the private
   * capacity (a scribbled header: Invalid, nothing served); each reply stored in its slot
   * before head moves past it.
   */
  *#drain(c: Client, service: ChannelService): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["realtime.chan.drain"]);
    const head = cpu.load32(c.va + HEAD) >>> 0;
    // Load-delay slot: realtime.chan.drain's subu uses tail at once; nothing independent.
    const n = (cpu.load32Used(c.va + TAIL) - head) >>> 0;
    if (n > c.capacity) {
      this.stats.scribbled++;
      return Result.Invalid;
    }
    for (let k = 0; k < n; k++) {
      cpu.exec(COSTS["realtime.chan.serve.step"]);
      const slot = c.va + RING + (((head + k) >>> 0) % c.capacity) * SLOT_BYTES;
      const reply = (yield* service(cpu.load32(slot), c.id)) | 0;
      cpu.store32(slot + 4, reply);
      cpu.store32(c.va + HEAD, (head + k + 1) >>> 0);
      this.stats.served++;
    }
    return Result.Ok;
  }

  /**
   * Serves, most important first, the clients ranked before `c` that marked themselves
   * waiting (charged per client); → the most important one served, or -1.
   */
  *#serveWaiting(c: Client, service: ChannelService): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    let first = -1;
    for (const o of this.#clients) {
      cpu.exec(COSTS["realtime.chan.waiting.step"]);
      if (o.rank >= c.rank) break; // kept in rank order
      // Load-delay slot: its beqz follows; the step's addiu already fills lw rank's slot.
      if (cpu.load32Used(o.va + WAITING) === 0) continue;
      if ((yield* this.#drain(o, service)) === Result.Ok && first < 0) first = o.id;
    }
    return first;
  }

  /** The caller's record in the private table (a walk over the clients, charged). */
  #lookup(caller: number): Client | null {
    const list = this.#clients;
    this.env.cpu.exec(COSTS["realtime.chan.lookup.step"], Math.max(1, list.length));
    for (const c of list) if (c.id === caller) return c;
    return null;
  }
}
