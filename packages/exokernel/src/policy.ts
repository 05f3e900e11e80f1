import type { MachineProfile } from "@exolab/machine/privileged";
import { MathRound, ObjectFreeze } from "./intrinsics.js";

/**
 * The exokernel's one policy config. Defaults come from Aegis where the paper gives them
 * (the 15.625 ms slice, the 4096-entry software TLB); the others are documented choices,
 * the same for every benchmark, printed by `describePolicy`.
 */
export interface Policy {
  /** Length of a time slice in cycles (Aegis: 15.625 ms, converted with the profile's clock). */
  readonly sliceCycles: number;
  /** Positions in the slice vector (round robin over allocated positions). */
  readonly sliceVectorLength: number;
  /** Whole slices of overrun an environment may accumulate; one more and it is destroyed. */
  readonly excessSliceLimit: number;
  /** Cycles an environment has, after a revocation request, to give the resources back. */
  readonly revokeDeadlineCycles: number;
  /** Entries of the direct-mapped software TLB (8 bytes each, in kernel physical memory). */
  readonly stlbEntries: number;
  /** Nested exceptions allowed on one thread before the environment is destroyed. */
  readonly maxExceptionDepth: number;
  /** The same fault (EPC, BadVAddr) repeated this many times in a row destroys the env. */
  readonly faultRepeatLimit: number;
  /** Faults at one EPC in a row (one per page for a block copy) that destroy the env. */
  readonly faultsPerInstructionLimit: number;
  /** Guaranteed mappings per environment. */
  readonly maxGuaranteedPerEnv: number;
  /**
   * Entries of one `bindBatch` vector (longer: Invalid). 341 = the 12-byte entries that fit
   * one 4 KiB page, the most a kernel reading the vector through one mapping can take; it
   * also bounds the call's run with interrupts off (≈ 60 cycles an entry, ≈ 0.8 ms at 25 MHz).
   */
  readonly maxBatchEntries: number;
  /** Capability slots per environment (the name format allows 4096). */
  readonly capSlots: number;
  /** Frames reserved for the kernel at the bottom of memory (STLB, kernel stack). */
  readonly kernelReservedFrames: number;
  /** Live environments at once (the R3000 has 64 ASIDs; 0 is the kernel's). */
  readonly maxEnvironments: number;
  /**
   * The longest an honest environment may run between safepoints: one slice. A context that
   * runs longer is overrunning, and each whole slice of overrun is counted as excess time.
   */
  readonly safepointBoundCycles: number;

  // Per-environment quotas (refused with result codes). Defaults stop one environment from
  // taking every frame or slice, a grant flood from filling another's capability list, and
  // invented exec labels from growing host memory; every existing workload is far below them.
  /** Frames one environment may hold that it allocated (beyond: allocFrame → NoMemory). */
  readonly frameQuota: number;
  /** Slice positions one environment may hold (beyond: allocSlice → NoSlot). */
  readonly sliceQuota: number;
  /** Slots of an environment's list that other environments' grants may fill (→ NoSlot). */
  readonly grantQuota: number;
  /** Distinct exec labels one environment may charge under; past it, LABEL_OVERFLOW. */
  readonly labelQuota: number;
  /** Disk extents one environment may hold (beyond: allocExtent → NoMemory). */
  readonly extentQuota: number;
  /** Extent capabilities other environments' grants may put in one list (→ NoSlot). */
  readonly extentGrantQuota: number;
  /**
   * Disk requests one environment may have queued, on the disk, or completed and not yet
   * delivered (beyond: diskRead/diskWrite → NoSlot). Bounds the kernel's queue, and how
   * long an honest environment's request waits: at most the others' bounds ahead of it.
   */
  readonly diskQueueQuota: number;
  /** Packet filters one environment may hold (beyond: insertFilter → NoMemory). */
  readonly filterQuota: number;
  /** ASHs one environment may have attached to its filters (beyond: downloadAsh → NoMemory). */
  readonly ashQuota: number;
  /** Live packet filters the kernel holds in all (beyond: insertFilter → NoSlot). */
  readonly maxFilters: number;
  /** Longest exec label a CPU view accepts (longer: ArgumentError). */
  readonly maxLabelLength: number;
  /**
   * Death records the kernel keeps for `Aegis.deaths` (a ring: the most recent; the total is
   * `stats.deaths`). Host memory, not the simulated machine's: about 100 bytes a record, so
   * that a host running millions of environments (the fuzz) does not grow without bound.
   */
  readonly deathLogLength: number;
}

/** Aegis' slice: 15.625 ms (the paper, section 5). */
export const AEGIS_SLICE_NS = 15_625_000;

export function defaultPolicy(profile: MachineProfile): Policy {
  const sliceCycles = MathRound(AEGIS_SLICE_NS / profile.cycleNs);
  return ObjectFreeze({
    sliceCycles,
    sliceVectorLength: 64,
    excessSliceLimit: 4,
    revokeDeadlineCycles: 2 * sliceCycles,
    stlbEntries: 4096,
    maxExceptionDepth: 4,
    faultRepeatLimit: 16,
    faultsPerInstructionLimit: 4096,
    maxGuaranteedPerEnv: 64,
    maxBatchEntries: 341,
    capSlots: 4096,
    kernelReservedFrames: 16,
    maxEnvironments: 63,
    safepointBoundCycles: sliceCycles,
    frameQuota: 4096,
    sliceQuota: 32,
    grantQuota: 1024,
    labelQuota: 256,
    extentQuota: 64,
    extentGrantQuota: 64,
    diskQueueQuota: 8,
    filterQuota: 16,
    ashQuota: 8,
    maxFilters: 1024,
    maxLabelLength: 64,
    deathLogLength: 1024,
  });
}

/** The policy as text, for reports. */
export function describePolicy(p: Policy): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
}
