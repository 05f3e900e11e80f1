import type { ExecutionContext, Thread } from "@exolab/machine/privileged";
import { CapList } from "../caps/caplist.js";
import type { Binding } from "../mem/frames.js";
import type { EnvHandle, RevokeRequest } from "./handle-types.js";

/** Index of the refill handler in an environment's handler table (exception codes are 0..15). */
export const REFILL_INDEX = 16;

/** A user-level exception handler as the libOS installs it. */
export type UserHandler = (env: EnvHandle) => number;

/**
 * The kernel's record of one environment: the unit of ownership and accounting. It holds
 * the four contexts of DESIGN.md §3 — exception (handlers and save areas), interrupt
 * (start/end-of-slice), protected entry (sync/async entry points), addressing (ASID,
 * guaranteed mappings, bindings) — plus its capability list, slices and accounting.
 * Never reachable from a handle: handles close over it.
 */
export class Env {
  alive = true;
  deathReason = "";
  /** The status it passed to `exit`, or null (alive, or destroyed by the kernel or host). */
  exitStatus: number | null = null;
  readonly caps: CapList;

  // Exception context: handler and save-area physical address per exception code.
  readonly handlers: (UserHandler | undefined)[] = new Array(REFILL_INDEX + 1).fill(undefined);
  /** Virtual address of each handler's save area (-1: none), as given to setHandler. */
  readonly saveAreaVa = new Int32Array(REFILL_INDEX + 1).fill(-1);
  /**
   * Physical address of each handler's save area, and the frame + generation it lives in.
   * Invariant: `saveAreaPa[i] >= 0` iff `saveAreaVa[i]` lies in a writable guaranteed
   * mapping of this env, and then it is that mapping's translation (kept by mem/bindings).
   */
  readonly saveAreaPa = new Int32Array(REFILL_INDEX + 1).fill(-1);
  readonly saveFrameGen = new Int32Array(REFILL_INDEX + 1);

  // Interrupt context.
  endOfSlice: ((env: EnvHandle) => void) | undefined;
  startOfSlice: (() => Thread) | undefined;

  // Protected entry context.
  syncEntry: ((caller: number) => Thread) | undefined;
  asyncEntry: ((caller: number) => Thread) | undefined;

  // Addressing context: every mapping the kernel installed for this env, by vpn.
  readonly bindings = new Map<number, Binding>();
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
  /** What the parked context's `yield* pct` returns when it is resumed. */
  pctResult = 0;

  // CPU.
  readonly slices = new Set<number>();
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

  // Exceptions: progress detection, one record per nesting level (index = depth above the
  // code's boundary), so that a handler's own nested faults never erase the record of the
  // access it keeps retrying.
  readonly lastFaultEpc: Int32Array;
  readonly lastFaultBad: Int32Array;
  readonly faultRepeats: Int32Array;
  readonly faultsAtEpc: Int32Array;

  // Revocation.
  revokeHandler: ((request: RevokeRequest) => void) | undefined;
  readonly repossessed: number[] = [];
  readonly pendingUpcalls: RevokeRequest[] = [];
  /** Outstanding frame requests: frame -> deadline cycle. */
  readonly revokeWanted = new Map<number, number>();
  readonly slicesWanted = new Map<number, number>();

  handle!: EnvHandle;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly asid: number,
    readonly owner: number,
    capSlots: number,
    maxExceptionDepth: number,
  ) {
    this.caps = new CapList(capSlots);
    const levels = maxExceptionDepth + 2;
    this.lastFaultEpc = new Int32Array(levels).fill(-1);
    this.lastFaultBad = new Int32Array(levels).fill(-1);
    this.faultRepeats = new Int32Array(levels);
    this.faultsAtEpc = new Int32Array(levels);
  }
}
