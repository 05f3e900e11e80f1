/**
 * @exolab/machine: the unprivileged surface. Types, architectural constants, the cycle
 * categories, and the CPU view a library OS is handed (through its kernel) for translated
 * loads and stores and `exec`. Nothing here reaches physical memory, the TLB or a device:
 * that is `@exolab/machine/privileged`, for kernels only.
 */

export type { AttributionReport, LabelStat, OwnerInfo } from "./accounting.js";
export {
  CATEGORY_COUNT,
  CATEGORY_NAMES,
  Category,
  OWNER_KIND_NAMES,
  OwnerKind,
} from "./accounting.js";
export type { Thread } from "./context.js";
export {
  COST_LABEL_PATTERN,
  type Cost,
  type CostSpec,
  type CostTable,
  CostTableError,
  defineCosts,
  isCost,
  MAX_COST_INSTRUCTIONS,
  MAX_COST_LABEL_LENGTH,
} from "./cost.js";
export {
  CALLEE_SAVED,
  EXC_NAMES,
  ExcCode,
  IRQ,
  KSEG0,
  KSEG1,
  KSEG2,
  KUSEG_END,
  REGISTER_COUNT,
  Reg,
  Resolution,
} from "./cpu-defs.js";
export { ArgumentError, MachineError, NotRunningError } from "./errors.js";
export { PAGE_BYTES, PAGE_MASK, PAGE_SHIFT } from "./memory.js";
export type { ProfileName } from "./profiles.js";
export { DEFAULT_PROFILE, PROFILE_NAMES } from "./profiles.js";
export { SeededRandom } from "./rng.js";
export { type CpuView, type SwitchSignal, safepoint } from "./view.js";
