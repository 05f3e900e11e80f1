import type { CpuView, ExcCode, Thread } from "@exolab/machine";
import type { Policy } from "../policy.js";

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
      /** Disk extents wanted back, by first block (free them with `freeExtent`). */
      readonly kind: "extents";
      readonly extents: readonly number[];
      readonly deadlineCycles: number;
    }
  | {
      /** Taken by force after the deadline: frames also appended to `repossessed()`. */
      readonly kind: "repossessed";
      readonly frames: readonly number[];
      readonly slices: readonly number[];
      /** Extents taken (first blocks); their in-flight requests complete Stale. */
      readonly extents: readonly number[];
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
  /**
   * The kernel's policy (frozen): `sliceCycles` and `sliceVectorLength` give a libOS its
   * schedule (with a reservation, position p runs in `[c, c + sliceCycles)` for every
   * `c = (m · sliceVectorLength + p) · sliceCycles`: `sliceStartCycle`), and the quotas.
   */
  readonly policy: Policy;

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
  /**
   * A synchronous handler for this env's device interrupts ("alarm" now): the same rules as
   * an exception handler — its save area (12 bytes, word aligned) must lie in a writable
   * guaranteed mapping (else Fault), t0..t2 are stored there and it gets t0 = EPC, t1 = the
   * alarm's cycle (low word), t2 = Cause, and restores them; non-blocking calls only (a
   * transfer or yield is Refused); nesting past `maxExceptionDepth`, a throw, or a save area
   * gone when it is due destroy the env. Null removes it (a due alarm is then dropped).
   * "disk": the same rules; one delivery per completed request, t1 = the request's id,
   * t2 = its result (0, or Stale for a request whose frame or extent went before it
   * started). "net": the same rules; one delivery for the frames written into this env's
   * rings since the last, t1 = how many, t2 = 0. Invalid for another device.
   */
  setInterruptHandler(
    device: "alarm" | "disk" | "net",
    handler: ((env: EnvHandle) => void) | null,
    saveAreaVa: number,
  ): number;
  /**
   * Arms this env's one alarm at an absolute cycle (a non-negative integer; re-arming
   * replaces it; at or before now, it is due at once: taken as this call returns). Invalid
   * for NaN, a non-integer or a negative cycle. If the env is on the CPU at that cycle its
   * handler runs then, on the interrupted thread; otherwise when one of its contexts next
   * resumes, before its code goes on.
   */
  setAlarm(atCycle: number): number;
  /** Disarms the alarm (and drops one that expired and was not yet delivered). */
  cancelAlarm(): number;
  /**
   * The cycle counter (the machine's free-running counter register), read through a fast
   * kernel call (the null syscall's path plus the register: see COSTS.md); charged to the
   * caller. Clobbers v0 and v1 (the counter's two words). Monotonic.
   */
  readCycles(): number;
  // Disk.
  /**
   * Allocates the extent `[startBlock, startBlock + blocks)` ("any": the first free run of
   * that length) and returns a capability naming it. Invalid past the disk's end, Busy if it
   * overlaps a held extent, NoMemory past `policy.extentQuota` (or no free run).
   */
  allocExtent(startBlock: number | "any", blocks: number): number;
  /**
   * Frees an extent (its name and every granted copy go Stale; its blocks read as zeros to
   * their next owner); Busy while a request of it is outstanding. On a copy granted by
   * another env, drops just the copy.
   */
  freeExtent(cap: number): number;
  /**
   * Grants `target` a copy of an extent capability with `rights` (Rights.Read, or
   * Read | Write; never Own): the grantee's requests through it are checked as the owner's
   * (its own frames, the extent's bounds). The copy goes when the extent is freed, taken or
   * revoked. NoSlot past the target's `policy.extentGrantQuota`.
   */
  grantExtent(cap: number, target: number, rights: number): number;
  /** The first block of the extent a capability names. */
  extentOf(cap: number): number;
  /**
   * Queues a read of `blocks` blocks at `blockOffset` in the extent into the frame
   * `frameCap` names (DMA at its first byte; `blocks × blockBytes` ≤ 4096). The extent must
   * cover every block, the frame must be this env's own with write right. Returns the
   * request's id; its completion arrives as the "disk" interrupt. NoSlot past
   * `policy.diskQueueQuota` outstanding requests.
   */
  diskRead(extentCap: number, blockOffset: number, blocks: number, frameCap: number): number;
  /** As `diskRead`, from the frame to the disk (the frame needs read right). */
  diskWrite(extentCap: number, blockOffset: number, blocks: number, frameCap: number): number;
  // Network.
  /**
   * Inserts a packet filter (DPF atoms in their word form, 5 words each, as `encodeFilter`
   * writes them, given as an array of numbers) whose packets land in the receive ring in the
   * frame `ringCap` names (this env's own, with write right; layout `RING`). Returns the
   * filter's id. Invalid for a malformed filter, Busy if it would take packets another env's
   * filter claims, NoMemory past `policy.filterQuota`, NoSlot past the kernel's `maxFilters`.
   */
  insertFilter(ringCap: number, words: readonly number[]): number;
  /** Deletes a filter of this env (its ASH with it): Invalid, Stale (deleted), NotOwner. */
  deleteFilter(filterId: number): number;
  /**
   * Sends `length` bytes at `offset` of the frame `frameCap` names (this env's own, read
   * right) as one Ethernet frame. Busy while the card's transmit ring is full.
   */
  netSend(frameCap: number, offset: number, length: number): number;
  /**
   * Downloads an ASH (its instructions in their word form, `encodeAsh`, as an array of
   * numbers) for one of this env's filters, replacing any it had. Verified now: a refusal is
   * Invalid. `grantCap` (-1: none) names a frame of this env's the ASH may read (and write,
   * with write right) as region 1; the message (region 0) is writable. Run in the kernel on
   * each frame the filter accepts, charged to this env; returning 0 consumes the frame,
   * anything else (or a fault) lets it go on into the ring. NoMemory past `policy.ashQuota`.
   */
  downloadAsh(filterId: number, words: readonly number[], grantCap?: number): number;
  onEndOfSlice(handler: ((env: EnvHandle) => void) | null): number;
  onStartOfSlice(entry: (() => Thread) | null): number;

  // Protected control transfer.
  setEntry(kind: "sync" | "async", entry: ((callerEnvId: number) => Thread) | null): number;
  pct(targetEnvId: number, kind: "sync" | "async"): Transfer;

  // CPU.
  allocSlice(position?: number): number;
  /** Gives back a position (a reserved one leaves its reservation). */
  freeSlice(position: number): number;
  /**
   * Reserves every given position at once, or none: returns a capability naming the
   * reservation, or a Result — `batchEntryResult(i, code)` for entry i out of range or named
   * twice (Invalid), held (Busy) or withheld from this env under a revocation (Refused);
   * NoSlot past `policy.sliceQuota` (reservations count with allocated positions); Invalid
   * for an empty vector or one longer than the slice vector. While any position is
   * reserved, the vector runs on a fixed period: position p's slices start at
   * `(m · sliceVectorLength + p) · sliceCycles`, whatever other environments allocate or
   * free. Revocable as frames (`onRevoke` gets `{kind: "slice", position}`).
   */
  reserveSlices(positions: readonly number[]): number;
  /** Gives back every position of a reservation (its name then goes Stale). */
  releaseSlices(cap: number): number;
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
