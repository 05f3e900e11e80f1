import type { CpuView, ExcCode, Thread } from "@exolab/machine";

/** What the kernel asks back (delivered to the env's `onRevoke` handler). */
export type RevokeRequest =
  | {
      readonly kind: "frames";
      readonly count: number;
      /** The physical frames the kernel wants. */
      readonly frames: readonly number[];
      readonly deadlineCycles: number;
    }
  | { readonly kind: "slice"; readonly position: number; readonly deadlineCycles: number }
  | {
      /** Taken by force after the deadline: also appended to `repossessed()`. */
      readonly kind: "repossessed";
      readonly frames: readonly number[];
      readonly slices: readonly number[];
    };

/** A generator the libOS runs with `yield*`; its return value is a result code. */
export type Transfer = Generator<unknown, number, unknown>;

/**
 * The environment handle: the only way a libOS touches the machine. Frozen; every method
 * reads each argument once, checks it, and returns a number (`>= 0` success, `< 0` a
 * Result); after the environment is destroyed every call returns Result.Dead (CPU-view
 * calls throw DeadEnvironmentError).
 */
export interface EnvHandle {
  readonly id: number;
  readonly asid: number;
  readonly alive: boolean;
  /** Translated accesses, exec and registers under this environment's ASID. */
  readonly cpu: CpuView;

  // Memory.
  allocFrame(frame?: number): number;
  frameOf(cap: number): number;
  freeFrame(cap: number): number;
  grant(cap: number, targetEnv: number, rights: number): number;
  /** Releases a capability slot without freeing the frame (removes mappings made through it). */
  dropCap(cap: number): number;
  tlbWrite(va: number, cap: number, writable: number): number;
  tlbDelete(va: number): number;
  guarantee(va: number, cap: number, writable: number): number;
  /**
   * Binds or unbinds many pages in one crossing: `entries` is a flat array of (va, cap,
   * rights) triples, pages strictly increasing, rights `Read|Write` (writable), `Read`
   * (read-only) or 0 (remove the binding; the cap is not looked at). Every entry is checked
   * before any is written; a refused entry i returns `batchEntryResult(i, code)` and nothing
   * changes. More than `policy.maxBatchEntries` entries: Invalid.
   */
  bindBatch(entries: readonly number[]): number;

  // Exceptions.
  setHandler(
    code: ExcCode | "refill",
    handler: ((env: EnvHandle) => number) | null,
    saveAreaVa: number,
  ): number;

  // Interrupt context.
  onEndOfSlice(handler: ((env: EnvHandle) => void) | null): number;
  onStartOfSlice(entry: (() => Thread) | null): number;

  // Protected control transfer.
  setEntry(kind: "sync" | "async", entry: ((callerEnvId: number) => Thread) | null): number;
  pct(targetEnvId: number, kind: "sync" | "async"): Transfer;

  // CPU.
  allocSlice(position?: number): number;
  freeSlice(position: number): number;
  yieldTo(targetEnvId: number): Transfer;
  yieldSlice(): Transfer;
  safepoint(): Generator<unknown, void, unknown>;

  // Revocation.
  onRevoke(handler: ((request: RevokeRequest) => void) | null): number;
  /** The repossession vector: frames taken by force, oldest first (a frozen copy). */
  repossessed(): readonly number[];

  // Lifecycle.
  /**
   * Ends this environment, reclaiming everything as a destroy does (the status is recorded
   * in its death). From running code it does not return: the code is unwound. A set-up call
   * (nothing running) returns Result.Dead. `Invalid` (nothing changes) for a status that is
   * not a 32-bit integer; `Refused` while another environment runs.
   */
  exit(status: number): number;

  // System calls to measure the two paths.
  nullSyscall(): number;
  nullSyscallStack(): number;
}
