/**
 * @exolab/exokernel/kernel — the privileged side: the Aegis object that tests and the bench
 * use to create environments, boot libOSes, run the machine and revoke resources. A libOS
 * must never import this module (the repository's dependency check enforces it).
 */

// Linked machines, for tests and benchmarks that put two kernels on one network.
export { Link, Machine, World, WorldError } from "@exolab/machine/privileged";
export {
  Aegis,
  type AegisOptions,
  type CapInfo,
  type EnvInfo,
  type EnvRef,
} from "./aegis.js";
export type { Death, DeathHook, KernelStats } from "./core.js";
export { HOST_ERROR_REASON } from "./core.js";
export { COSTS, type CostLabel, NET_COSTS, type NetCostLabel } from "./costs.js";
export { type DeathMatch, DeathWatch, UnexpectedDeathError } from "./death-watch.js";
export * from "./index.js";
// The network engines (DPF, ASHs) and the binding's statistics.
export * from "./net/index.js";
export type { NetStats } from "./net/state.js";
export { AEGIS_SLICE_NS, defaultPolicy, describePolicy, type Policy } from "./policy.js";
export { Call } from "./syscall/abi.js";
