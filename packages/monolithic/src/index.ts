/**
 * @exolab/monolithic: an Ultrix-style (4.3BSD-derived) kernel on the simulated DECstation,
 * the baseline every library OS is measured against. See README.md (ABI, measured paths)
 * and COSTS.md (instruction counts).
 */
export * from "./abi.js";
export { COSTS, type CostLabel } from "./costs.js";
export { HandlerBlockError, KernelPanic, NotRunningError, SpawnError } from "./errors.js";
export {
  type KernelOptions,
  type KernelStats,
  MonolithicKernel,
  type ProcessDeath,
  type UserMain,
} from "./kernel.js";
export type { InterfaceConfig } from "./net/ifconfig.js";
export type { NetStatName } from "./net/layout.js";
export { DEFAULT_POLICY, makePolicy, type Policy } from "./policy.js";
export type { DeathCause, SignalHandler } from "./proc/proc.js";
export { UserCpu } from "./user/cpu-view.js";
export { ProcessHandle } from "./user/handle.js";
