import type { ExecutionContext, Thread } from "@exolab/machine/privileged";
import { CapList, EMPTY_CAPLIST } from "../caps/caplist.js";
import {
  Int32ArrayCtor,
  newList,
  SafeMap,
  SafeSet,
  TypedArrayPrototypeFill,
  Uint8ArrayCtor,
} from "../intrinsics.js";
import type { Binding } from "../mem/frames.js";
import type { EnvHandle, RevokeRequest } from "./handle-types.js";

/** Index of the refill handler in an environment's handler table (exception codes are 0..15). */
export const REFILL_INDEX = 16;
/** Index of the alarm interrupt handler's save area (after the exception handlers'). */
export const ALARM_INDEX = 17;
/** Save areas per environment: 16 exception codes, refill, the alarm. */
export const SAVE_AREAS = ALARM_INDEX + 1;

/** A user-level exception handler as the libOS installs it. */
export type UserHandler = (env: EnvHandle) => number;

/**
 * The kernel's record of one environment: the unit of ownership and accounting. It holds
 * the four contexts of DESIGN.md §3 — exception (handlers and save areas), interrupt
 * (start/end-of-slice), protected entry (sync/async entry points), addressing (ASID,
 * guaranteed mappings, bindings) — plus its capability list, slices, quotas and accounting.
 * Never reachable from a handle: handles close over it. Every collection is a kernel-safe
 * one (intrinsics.ts).
 *
 * Life: `alive` until it is destroyed or doomed. Doomed (a host error such as an exhausted
 * JS stack crossed one of its kernel calls) is a field write: `alive` false, nothing
 * reclaimed yet; the kernel reaps it (a full destroy) at its next shallow boundary.
 * `reaped` once everything is reclaimed; the kernel then forgets it (only its death record
 * stays) and its tables are dropped (`trim`).
 */
export class Env {
  alive = true;
  /** Everything reclaimed (destroyEnv ran to its end). */
  reaped = false;
  deathReason = "";
  /** The status it passed to `exit`, or null (alive, or destroyed by the kernel or host). */
  exitStatus: number | null = null;
  /** The value its code threw, when that was the cause of its death (handed to onDeath). */
  thrown: unknown = undefined;
  hasThrown = false;
  caps: CapList;

  // Exception context: handler and save-area physical address per exception code.
  readonly handlers: (UserHandler | undefined)[] = newList();
  /** Virtual address of each handler's save area (-1: none), as given to setHandler. */
  readonly saveAreaVa = new Int32ArrayCtor(SAVE_AREAS);
  /**
   * Physical address of each handler's save area, and the frame + generation it lives in.
   * Invariant: `saveAreaPa[i] >= 0` iff `saveAreaVa[i]` lies in a writable guaranteed
   * mapping of this env, and then it is that mapping's translation (kept by mem/bindings).
   */
  readonly saveAreaPa = new Int32ArrayCtor(SAVE_AREAS);
  readonly saveFrameGen = new Int32ArrayCtor(SAVE_AREAS);

  // Interrupt context.
  endOfSlice: ((env: EnvHandle) => void) | undefined = undefined;
  startOfSlice: (() => Thread) | undefined = undefined;
  /** The alarm's interrupt handler (its save area is `saveAreaPa[ALARM_INDEX]`). */
  alarmHandler: ((env: EnvHandle) => void) | undefined = undefined;
  /** The cycle the env's one alarm is armed for, or -1 (sched/alarm.ts). */
  alarmAtCycle = -1;
  /** The cycle of an expired alarm not yet delivered (the owner was not running), or -1. */
  alarmPendingCycle = -1;

  // Protected entry context.
  syncEntry: ((caller: number) => Thread) | undefined = undefined;
  asyncEntry: ((caller: number) => Thread) | undefined = undefined;

  // Addressing context: every mapping the kernel installed for this env, by vpn.
  readonly bindings: SafeMap<number, Binding> = new SafeMap();
  guaranteedCount = 0;

  // Execution contexts the kernel holds for this environment (one per entry).
  sliceCtx: ExecutionContext | null = null;
  syncCtx: ExecutionContext | null = null;
  asyncCtx: ExecutionContext | null = null;
  /** Set while one of this env's contexts is parked in a synchronous PCT awaiting a reply. */
  parkedOn: Env | null = null;
  /** The context parked in that transfer. */
  parkedCtx: ExecutionContext | null = null;
  /** The caller parked on this env's sync entry, until it gets its reply. */
  servingFor: Env | null = null;
  /** The context whose transfer registers the scheduler saved (sched/message.ts), or null. */
  savedMessageFor: ExecutionContext | null = null;

  // CPU.
  readonly slices: SafeSet<number> = new SafeSet();
  excessSlices = 0;
  forfeitSlices = 0;
  /** Cycle of the end-of-slice interrupt whose switch has not happened yet, or -1. */
  eosPendingSince = -1;
  /** Slice tick in which the start-of-slice entry was last started. */
  startedTick = -1;
  preemptLatencyTotalCycles = 0;
  preemptLatencyMaxCycles = 0;
  /** Longest run of one of its contexts between two resumptions (the safepoint bound). */
  maxStretchCycles = 0;

  /**
   * Slice reservations (sched/reserve.ts), one entry per reservation capability: whether
   * the entry is in use, the generation of its name, the positions it holds. At most
   * `policy.sliceQuota` entries (a reservation holds at least one position).
   */
  readonly reservationUsed: Uint8Array;
  readonly reservationGen: Int32Array;
  /** Positions held by reservation r: `reservationPositions[r]` (a list, kernel-owned). */
  readonly reservationPositions: number[][] = newList();

  // Quotas (policy.frameQuota, sliceQuota; grants received are counted by the cap list).
  /** Frames this env allocated and still holds. */
  frameCount = 0;

  // Exec labels its code charged (policy.labelQuota); past the quota, one overflow label.
  labels: SafeSet<string> = new SafeSet();
  labelOverflows = 0;

  // Exceptions: progress detection, one record per nesting level (index = depth above the
  // code's boundary), so that a handler's own nested faults never erase the record of the
  // access it keeps retrying.
  readonly lastFaultEpc: Int32Array;
  readonly lastFaultBad: Int32Array;
  readonly faultRepeats: Int32Array;
  readonly faultsAtEpc: Int32Array;

  // Revocation.
  revokeHandler: ((request: RevokeRequest) => void) | undefined = undefined;
  repossessed: number[] = newList();
  /** Revocation upcalls not yet delivered (a queue: `upcallHead` is its first element). */
  pendingUpcalls: RevokeRequest[] = newList();
  upcallHead = 0;
  /** Outstanding frame requests: frame -> deadline cycle. */
  readonly revokeWanted: SafeMap<number, number> = new SafeMap();
  readonly slicesWanted: SafeMap<number, number> = new SafeMap();

  handle: EnvHandle | undefined = undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly asid: number,
    readonly owner: number,
    capSlots: number,
    maxExceptionDepth: number,
    sliceQuota: number,
  ) {
    this.reservationUsed = new Uint8ArrayCtor(sliceQuota);
    this.reservationGen = new Int32ArrayCtor(sliceQuota);
    for (let r = 0; r < sliceQuota; r++) this.reservationPositions[r] = newList<number>();
    this.caps = new CapList(capSlots);
    for (let i = 0; i <= REFILL_INDEX; i++) this.handlers[i] = undefined;
    TypedArrayPrototypeFill(this.saveAreaVa, -1);
    TypedArrayPrototypeFill(this.saveAreaPa, -1);
    const levels = maxExceptionDepth + 2;
    this.lastFaultEpc = new Int32ArrayCtor(levels);
    TypedArrayPrototypeFill(this.lastFaultEpc, -1);
    this.lastFaultBad = new Int32ArrayCtor(levels);
    TypedArrayPrototypeFill(this.lastFaultBad, -1);
    this.faultRepeats = new Int32ArrayCtor(levels);
    this.faultsAtEpc = new Int32ArrayCtor(levels);
  }

  /** Upcalls queued and not yet delivered. */
  get upcallsPending(): number {
    return this.pendingUpcalls.length - this.upcallHead;
  }

  /**
   * Drops what a reaped environment no longer needs (its capability list, label set, upcall
   * queue), so that a dead environment keeps a bounded amount of host memory.
   */
  trim(): void {
    this.caps = EMPTY_CAPLIST;
    this.labels = new SafeSet();
    this.pendingUpcalls = newList();
    this.upcallHead = 0;
    this.repossessed = newList();
    this.thrown = undefined;
    this.handle = undefined;
  }
}
