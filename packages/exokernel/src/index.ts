/**
 * @exolab/exokernel — the unprivileged API, the only import a libOS may use: result codes,
 * rights, the environment handle's type, the libOS contract, and the unprivileged machine
 * names re-exported. The kernel itself is `@exolab/exokernel/kernel`.
 */
export * from "@exolab/machine";
/** The o32 callee-saved registers (s0..s7, gp, sp, fp, ra), named here for libOSes. */
export { CALLEE_SAVED } from "@exolab/machine";
export { EXAMPLE_LIBOS_COSTS } from "./costs.js";
export type { EnvHandle, RevokeRequest, Transfer } from "./env/handle-types.js";
export { DeadEnvironmentError, NotRunningError } from "./errors.js";
export { LIBOS_TEMPLATE, type LibOS } from "./libos.js";
export {
  ALL_RIGHTS,
  CAP_GEN_MAX,
  CAP_SLOT_BITS,
  CAP_SLOT_MASK,
  describeResult,
  Result,
  Resume,
  Rights,
  resultName,
} from "./result.js";
