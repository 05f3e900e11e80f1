/**
 * @exolab/machine/privileged: everything a kernel needs and a library OS must never touch:
 * the Machine (physical memory, TLB writes, device registers, handler installation, the run
 * loop), and linked machines in a world.
 */

export {
  Accounting,
  type AttributionSnapshot,
  attributionBetween,
  KERNEL_OWNER,
} from "./accounting.js";
export {
  type ContextState,
  cyclesToMicros,
  type Dispatcher,
  ExecutionContext,
  type RunLimits,
  type RunOutcome,
  type RunResult,
} from "./context.js";
export { COSTS as MACHINE_COSTS } from "./costs.js";
export { Cpu, type ExceptionHandler, hex } from "./cpu.js";
export * from "./cpu-defs.js";
export {
  ceilDiv,
  DeviceBusyError,
  DISK_COMMAND_REGISTER_WRITES,
  DISK_MAX_BLOCKS_PER_COMMAND,
  DISK_STATUS_BUSY,
  DISK_STATUS_DONE,
  Disk,
  type DiskEstimate,
  rotationalWaitNs,
  seekTimeNs,
  transferTimeNs,
} from "./devices/disk.js";
export {
  INTERFRAME_GAP_BYTES,
  NET_STATUS_ALL,
  NET_STATUS_MISS,
  NET_STATUS_RX,
  NET_STATUS_TX,
  NET_TRANSMIT_REGISTER_WRITES,
  NetworkCard,
  type NetworkPort,
  type TrafficOptions,
} from "./devices/network.js";
export { IntervalTimer } from "./devices/timer.js";
export {
  ConfigError,
  ContextAbort,
  checkInt,
  KernelContractError,
  PhysicalAddressError,
} from "./errors.js";
export { EventQueue, type MachineEvent } from "./events.js";
export * from "./index.js";
export { DEFAULT_MEMORY_BYTES, Machine, type MachineConfig } from "./machine.js";
export { PhysicalMemory } from "./memory.js";
export {
  baseProfileName,
  COUNTED_SUFFIX,
  type DiskProfile,
  getProfile,
  isProfileName,
  type MachineProfile,
  MEMORY_SUFFIX,
  type NetworkProfile,
  PROFILES,
  validateProfile,
  withMemorySystem,
} from "./profiles.js";
export { checkStackReserve, RESERVE_BYTES } from "./reserve.js";
export { entryHi, entryLo, TLB_D, TLB_G, TLB_N, TLB_V, Tlb } from "./tlb.js";
export { type ChromeTrace, type ChromeTraceEvent, Tracer } from "./trace.js";
export {
  Link,
  type MachineDriver,
  type QuantumInfo,
  World,
  WorldError,
  type WorldRunOptions,
  type WorldRunResult,
} from "./world.js";
