/**
 * ExOS's policy config: one object, documented defaults, the same for every benchmark and
 * printed in every report. Nothing here is chosen per benchmark.
 */
export interface ExosPolicy {
  /**
   * Page-table capacity in entries (8 bytes each; 512 per page; at most 16384 so that the
   * library's guaranteed mappings stay within the exokernel's 64). Default 4096: 16 MiB of
   * mapped address space, the order of a 1995 UNIX process.
   */
  readonly pageTableEntries: number;
  /**
   * Track dirty pages by installing clean writable pages read-only until their first store
   * (the R3000's D bit is a write enable that software sets; the hardware never records a write). Default true: the
   * Appel–Li `dirty` primitive needs it.
   */
  readonly trackDirty: boolean;
  /**
   * `unprotectRange` installs the restored mapping at once (page table and software TLB, as
   * the paper's ExOS does) rather than waiting for the next miss. Default true: the faulting
   * access that usually follows then hits.
   */
  readonly eagerRemap: boolean;
  /**
   * Entries of the vector a range `mprotect` hands the exokernel's `bindBatch` in one call (a
   * longer range takes several calls). Default 341: one page of 12-byte entries, the
   * exokernel's default `maxBatchEntries` (it must not be above the kernel's maximum, which
   * refuses a longer vector).
   */
  readonly batchEntries: number;
  /** Pipe ring capacity in bytes (a power of two, at most 2048: the ring and its header share one page). */
  readonly pipeRingBytes: number;
  /** Most threads per environment. */
  readonly maxThreads: number;
  /**
   * How long a critical section may defer end-of-slice handling, in cycles. Past it the
   * library gives the CPU up at its next safepoint even inside the section. Default 2000
   * cycles (80 µs on the DEC5000/125): well under the kernel's excess-time limit.
   */
  readonly criticalMaxCycles: number;
  /** Slices the environment allocates in the kernel's slice vector at boot. */
  readonly slices: number;
}

export const DEFAULT_POLICY: ExosPolicy = Object.freeze({
  pageTableEntries: 4096,
  trackDirty: true,
  eagerRemap: true,
  batchEntries: 341,
  pipeRingBytes: 2048,
  maxThreads: 16,
  criticalMaxCycles: 2000,
  slices: 1,
});

export interface ExosOptions {
  /** Overrides of the defaults above. */
  readonly policy?: Partial<ExosPolicy>;
  /** Do not allocate slices nor install a start-of-slice entry (a passive server, e.g. LRPC). */
  readonly noSlices?: boolean;
}

/** Merges overrides, checking each (a typed error before anything changes). */
export function resolvePolicy(over: Partial<ExosPolicy> = {}): ExosPolicy {
  const p = { ...DEFAULT_POLICY, ...over };
  const intIn = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new RangeError(`exos policy ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  intIn("pageTableEntries", p.pageTableEntries, 16, 16384);
  intIn("batchEntries", p.batchEntries, 1, 4096);
  intIn("pipeRingBytes", p.pipeRingBytes, 8, 2048);
  if ((p.pipeRingBytes & (p.pipeRingBytes - 1)) !== 0)
    throw new RangeError("exos policy pipeRingBytes must be a power of two");
  intIn("maxThreads", p.maxThreads, 1, 64);
  intIn("criticalMaxCycles", p.criticalMaxCycles, 0, 1_000_000);
  intIn("slices", p.slices, 0, 64);
  return Object.freeze(p);
}

/** The policy as text, for reports. */
export function describePolicy(p: ExosPolicy): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
}
