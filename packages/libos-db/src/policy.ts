/**
 * The library's policy config: one object, documented defaults, the same for every
 * benchmark and printed in every report. Nothing here is chosen per benchmark.
 */
import { MachineError } from "@exolab/exokernel";
export interface LibOsPolicy {
  /**
   * Entries of the inverted page table: the most pages resident at once (16 bytes each).
   * Default 1024 (4 MiB of resident pages, four pages of table): room for the largest
   * buffer pool the `db` suite measures (512 frames) and the engine's other pages.
   */
  readonly frames: number;
  /**
   * Hash buckets of the inverted page table (a power of two; 4 bytes each). Default 1024:
   * one bucket per entry, so a chain holds one entry on average (one page of buckets).
   */
  readonly iptBuckets: number;
  /**
   * Iterations of the idle loop (COSTS.md, `db.sched.idle`: 4 instructions each) between two
   * looks at the threads' state words, when every thread waits (for the disk). A thread is
   * made runnable by the disk interrupt at its exact cycle; while another thread runs it
   * waits for that one's switch point (run to completion), and while none does, for the end
   * of the batch. Default 256: at most 1023 cycles (41 µs at 25 MHz) against 10-40 ms per RZ56
   * command; the batch only stands in for a loop that looks every iteration (host time).
   */
  readonly idleSpinBatch: number;
  /** Bytes of a disk block (the RZ56's sector; the kernel does not export its geometry). Default 512. */
  readonly diskBlockBytes: number;
  /** Most threads (256 bytes of context each). Default 16: one page of contexts. */
  readonly maxThreads: number;
  /** Positions the environment takes in the kernel's slice vector at boot. Default 1. */
  readonly slices: number;
}

export const DEFAULT_POLICY: LibOsPolicy = Object.freeze({
  frames: 1024,
  iptBuckets: 1024,
  idleSpinBatch: 256,
  diskBlockBytes: 512,
  maxThreads: 16,
  slices: 1,
});

/** Each field's range: the table fits the kernel's guaranteed mappings, the contexts 4 pages, the slices the kernel's quota. */
const RANGES: Readonly<Record<keyof LibOsPolicy, readonly [number, number]>> = {
  frames: [16, 4096],
  iptBuckets: [16, 4096],
  idleSpinBatch: [1, 65536],
  diskBlockBytes: [512, 4096],
  maxThreads: [1, 64],
  slices: [0, 32],
};

/** A policy override that does not fit (an unknown field, a value out of range). */
export class PolicyError extends MachineError {
  override name = "PolicyError";
}

/**
 * The defaults with `overrides` applied, each checked before anything is used: an unknown
 * field or a value that is not an integer in its range throws a PolicyError naming it.
 */
export function resolvePolicy(
  overrides: Partial<LibOsPolicy> | Readonly<Record<string, unknown>> = {},
): LibOsPolicy {
  const policy: Record<string, number> = { ...DEFAULT_POLICY };
  for (const [field, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(RANGES, field))
      throw new PolicyError(
        `no policy field "${field}"; the fields are ${Object.keys(RANGES).join(", ")}`,
      );
    const [lo, hi] = RANGES[field as keyof LibOsPolicy];
    if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi)
      throw new PolicyError(
        `policy ${field} must be an integer in [${lo}, ${hi}], got ${String(value)}`,
      );
    policy[field] = value;
  }
  const buckets = policy.iptBuckets!;
  if ((buckets & (buckets - 1)) !== 0)
    throw new PolicyError(`policy iptBuckets must be a power of two, got ${buckets}`);
  return Object.freeze(policy as unknown as LibOsPolicy);
}
