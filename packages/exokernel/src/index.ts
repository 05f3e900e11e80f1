/**
 * @exolab/exokernel — the unprivileged API, the only import a libOS may use: result codes,
 * rights, the environment handle's type, the libOS contract, and the unprivileged machine
 * names re-exported. The kernel itself is `@exolab/exokernel/kernel`.
 */
// The machine's unprivileged names, by name: what a libOS may use of the machine. (The
// machine freezes its own tables, classes and generator prototypes when it loads.)
export {
  ArgumentError,
  type AttributionReport,
  /** The o32 callee-saved registers (s0..s7, gp, sp, fp, ra), named here for libOSes. */
  CALLEE_SAVED,
  CATEGORY_COUNT,
  CATEGORY_NAMES,
  Category,
  COST_LABEL_PATTERN,
  type Cost,
  type CostSpec,
  type CostTable,
  CostTableError,
  type CpuView,
  DEFAULT_PROFILE,
  defineCosts,
  EXC_NAMES,
  ExcCode,
  IRQ,
  isCost,
  KSEG0,
  KSEG1,
  KSEG2,
  KUSEG_END,
  type LabelStat,
  MAX_COST_INSTRUCTIONS,
  MAX_COST_LABEL_LENGTH,
  MachineError,
  NotRunningError,
  OWNER_KIND_NAMES,
  type OwnerInfo,
  OwnerKind,
  PAGE_BYTES,
  PAGE_MASK,
  PAGE_SHIFT,
  PROFILE_NAMES,
  type ProfileName,
  REGISTER_COUNT,
  Reg,
  Resolution,
  SeededRandom,
  type SwitchSignal,
  safepoint,
  type Thread,
} from "@exolab/machine";
export type { EnvHandle, RevokeRequest, Transfer } from "./env/handle-types.js";
export { DeadEnvironmentError } from "./errors.js";
export { LIBOS_TEMPLATE, type LibOS } from "./libos.js";
// The network's data formats, for a libOS to build what it downloads (net/formats.ts).
export * from "./net/formats.js";
export type { Policy } from "./policy.js";
export {
  ALL_RIGHTS,
  BATCH_ENTRY_STRIDE,
  batchCodeOf,
  batchEntryOf,
  batchEntryResult,
  CAP_GEN_MAX,
  CAP_SLOT_BITS,
  CAP_SLOT_MASK,
  describeResult,
  LABEL_OVERFLOW,
  Result,
  Resume,
  Rights,
  resultName,
} from "./result.js";
export { sliceStartCycle } from "./sched/timing.js";
