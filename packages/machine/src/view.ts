import type { Cost } from "./cost.js";

/** What `safepoint` needs: whether a switch has been requested. */
export interface SwitchSignal {
  readonly switchPending: boolean;
}

/**
 * The unprivileged CPU: what user-mode code (a library OS or an application) can do by
 * itself. Translated loads and stores under its address-space id, block copy, straight-line
 * work, and its registers. A kernel hands out an object of this shape (checking that the
 * caller is the one running); faults are taken through the kernel's handlers.
 */
export interface CpuView extends SwitchSignal {
  load8(va: number): number;
  load16(va: number): number;
  load32(va: number): number;
  /**
   * `load32` whose value the next instruction uses: the load-delay slot after it is a nop,
   * charged as one instruction (MIPS I has no load interlock).
   */
  load32Used(va: number): number;
  store8(va: number, value: number): void;
  store16(va: number, value: number): void;
  store32(va: number, value: number): void;
  copy(dstVa: number, srcVa: number, bytes: number): void;
  zero(dstVa: number, bytes: number): void;
  /**
   * Straight-line work: the counted path `cost` (a record of a costs table, `defineCosts`),
   * `times` times (default 1). A literal count is a type error: counts live in costs.ts.
   */
  exec(cost: Cost, times?: number): void;
  reg(i: number): number;
  setReg(i: number, value: number): void;
  /** `mult`/`mflo`: the low word of a signed product, at the multiplier's latency. */
  multiply(a: number, b: number): number;
  /** Signed add that traps on overflow (Ov). */
  addTrapping(a: number, b: number): number;
  /** A coprocessor-1 instruction; raises CpU when the coprocessor is not usable. */
  coprocessor1(): boolean;
  /** The clock, in cycles (user code may read a cycle counter). */
  readonly now: number;
}

/**
 * A point where the running thread may be switched: yields only when a switch has been
 * requested (an end-of-slice, a device interrupt that woke a higher-priority thread).
 * Every loop that can run long calls `yield* safepoint(view)`.
 */
export function* safepoint(view: SwitchSignal): Generator<void, void, unknown> {
  if (view.switchPending) yield;
}

// The generator's prototype is shared by every caller: frozen, so that no code can plant a
// method there for another's `yield*` to run.
Object.freeze(safepoint.prototype);
Object.freeze(safepoint);
