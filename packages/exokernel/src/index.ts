/**
 * @exolab/exokernel — the unprivileged API, the only import a libOS may use: result codes,
 * rights, the environment handle's type, the libOS contract, and the unprivileged machine
 * names re-exported. The kernel itself is `@exolab/exokernel/kernel`.
 */
import { Category, ExcCode, IRQ, OwnerKind, Reg, Resolution, safepoint } from "@exolab/machine";

export * from "@exolab/machine";

// The machine's shared constant tables and its `safepoint` generator's prototype are
// reachable by every libOS (re-exported here) and read by the kernel (Reg.v0, ExcCode…):
// frozen, so that no environment can change what the kernel or another environment runs.
// Idempotent; it changes no value. (The machine package should freeze them itself.)
for (const table of [Category, ExcCode, IRQ, OwnerKind, Reg, Resolution, safepoint.prototype]) {
  Object.freeze(table);
}

/** The o32 callee-saved registers (s0..s7, gp, sp, fp, ra), named here for libOSes. */
export { CALLEE_SAVED } from "@exolab/machine";
export type { EnvHandle, RevokeRequest, Transfer } from "./env/handle-types.js";
export { DeadEnvironmentError, NotRunningError } from "./errors.js";
export { LIBOS_TEMPLATE, type LibOS } from "./libos.js";
export {
  ALL_RIGHTS,
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
