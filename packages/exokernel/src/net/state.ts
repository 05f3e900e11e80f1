import type { Kernel } from "../core.js";
import type { Env } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import { newList, ObjectFreeze, SafeMap } from "../intrinsics.js";
import type { AshRunner } from "./ash/runner.js";
import { PacketFilterEngine } from "./dpf/engine.js";

/**
 * The network binding's kernel state (net/calls.ts has the calls, net/receive.ts the
 * interrupt and the delivery), and the destruction hook: a leaf module, so that env/ and
 * disk/ may import it without a runtime cycle.
 *
 * Invariants:
 * - every live filter of the engine has a record in `filters` whose env is its owner;
 * - `perEnv.get(id).filterIds` lists the env's live filters, `.ashes` counts those with an ASH;
 * - `rxSlotPa` holds the card's receive buffers (kernel frames), empty until the first
 *   filter is inserted; every slot is given to the card except while the interrupt reads it.
 */

/** The receive ring an environment gives (one frame, its layout; see README "Network"). */
export const RING = ObjectFreeze({
  /** Byte offsets of the header words in the ring's frame. */
  producer: 0,
  consumer: 4,
  dropped: 8,
  /** The first byte of the record area. */
  data: 16,
  /** Bytes of the record area (positions run over [0, 2 × dataBytes): a lap bit). */
  dataBytes: 4096 - 16,
  /** A record: a length word (0: skip to the next lap's start), then the bytes, to a word. */
  headerBytes: 4,
});

/** Bytes of one kernel receive buffer (the largest frame, to a word, with room). */
export const RX_SLOT_BYTES = 1536;

/** One live filter. */
export interface FilterRec {
  readonly id: number;
  readonly env: Env;
  readonly ringFrame: number;
  readonly ringGen: number;
  ash: AshRunner | null;
  ashGrantFrame: number;
  ashGrantGen: number;
}

/** An environment's network state. */
export interface NetEnv {
  /** Its live filters' ids (a kernel list, read by index: no iterator a libOS could patch). */
  readonly filterIds: number[];
  ashes: number;
  /** Packets written into its rings since its handler last ran (0 without a handler). */
  pending: number;
  handler: ((h: EnvHandle) => void) | undefined;
  saveAreaPa: number;
  saveFrameGen: number;
}

export interface NetStats {
  /** Frames the card handed to the kernel. */
  received: number;
  /** Frames no filter accepted. */
  unclaimed: number;
  /** Frames written into an owner's ring. */
  delivered: number;
  /** Frames dropped: the owner's ring full (or its header words not a ring's). */
  ringFull: number;
  /** Frames dropped: the ring's frame no longer the owner's. */
  ringGone: number;
  /** ASH runs, those that consumed the frame, those that faulted. */
  ashRuns: number;
  ashConsumed: number;
  ashFaults: number;
  /** Frames sent by `netSend` and by ASHs, and ASH sends dropped (transmit ring full). */
  sent: number;
  ashSent: number;
  ashSendsDropped: number;
  /** Handler upcalls made. */
  upcalls: number;
  /** Frames the card itself dropped (its ring full: the kernel was slow), as last read. */
  cardMissed: number;
}

export class NetState {
  readonly engine: PacketFilterEngine;
  readonly filters = new SafeMap<number, FilterRec>();
  readonly perEnv = new SafeMap<number, NetEnv>();
  /**
   * Physical addresses of the card's receive buffers (empty before the first filter). A
   * null-prototype list: an ordinary array's writes past its end go to an indexed setter a
   * libOS may plant on Array.prototype (which could swallow them: no ring, frames taken again
   * at every filter), and its reads of a missing index to the planted getter.
   */
  readonly rxSlotPa: number[] = newList();
  /** Why the last ASH download was refused (the verifier's reason; "" after a success). */
  lastRefusal = "";
  /** The slot the card fills next (the kernel's copy of the card's receive head). */
  rxHead = 0;
  readonly stats: NetStats = {
    received: 0,
    unclaimed: 0,
    delivered: 0,
    ringFull: 0,
    ringGone: 0,
    ashRuns: 0,
    ashConsumed: 0,
    ashFaults: 0,
    sent: 0,
    ashSent: 0,
    ashSendsDropped: 0,
    upcalls: 0,
    cardMissed: 0,
  };

  constructor(maxFilters: number) {
    this.engine = new PacketFilterEngine({ maxFilters });
  }
}

/** Whether `env` has packets to announce to its handler (the dispatcher posts IP1). */
export function netPending(k: Kernel, env: Env): boolean {
  const n = k.net.perEnv.get(env.id);
  return n !== undefined && n.pending > 0 && n.handler !== undefined;
}

/** `env` is destroyed: its filters (and their ASHs) go, in one recompilation. */
export function reclaimNet(k: Kernel, env: Env): void {
  const ns = k.net;
  const n = ns.perEnv.get(env.id);
  if (n === undefined) return;
  if (n.filterIds.length > 0) {
    ns.engine.deleteOwner(env.id);
    for (let i = 0; i < n.filterIds.length; i++) ns.filters.delete(n.filterIds[i]!);
    n.filterIds.length = 0;
  }
  ns.perEnv.delete(env.id);
}

/** `env`'s network state, made on first use. */
export function netEnvOf(k: Kernel, env: Env): NetEnv {
  let n = k.net.perEnv.get(env.id);
  if (n === undefined) {
    n = {
      filterIds: newList(),
      ashes: 0,
      pending: 0,
      handler: undefined,
      saveAreaPa: -1,
      saveFrameGen: 0,
    };
    k.net.perEnv.set(env.id, n);
  }
  return n;
}
