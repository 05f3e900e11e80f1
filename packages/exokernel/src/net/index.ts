/**
 * The network engines, self-contained: dynamic packet filters (dpf/) and application-specific
 * safe handlers (ash/). Re-exported by the privileged entry point (`@exolab/exokernel/kernel`);
 * the kernel's network binding (syscalls, receive rings, interrupts) will stand on them.
 */

export { type AshFn, type CompiledAsh, compileAsh } from "./ash/compile.js";
export {
  type AshInstruction,
  type AshProgram,
  encodeAsh,
  Op as AshOp,
  type OpName as AshOpName,
  REGISTERS as ASH_REGISTERS,
} from "./ash/isa.js";
export {
  copyChecksumProgram,
  copyProgram,
  UDP_FRAME,
  udpReplyProgram,
} from "./ash/programs.js";
export { AshFault, AshRunner, type GrantView } from "./ash/runner.js";
export {
  ASH_LIMITS,
  CHECK_ALIGN,
  CHECK_BOUNDS,
  type GrantSpec,
  type VerifiedAsh,
  type VerifyOptions,
  type VerifyResult,
  verifyAsh,
  verifyAshWords,
} from "./ash/verify.js";
export {
  type AtomSpec,
  DPF_LIMITS,
  type EqAtom,
  encodeFilter,
  eq,
  type FilterSpec,
  fullMask,
  parseFilter,
  parseFilterWords,
  type ShiftAtom,
  shift,
} from "./dpf/atoms.js";
export {
  type DemuxWork,
  type EngineOptions,
  type FilterInfo,
  type InsertWork,
  MAX_OWNER,
  NO_OWNER,
  PacketFilterEngine,
} from "./dpf/engine.js";
export {
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  type IpFilterOptions,
  ipFilter,
  ipPacket,
  L4_OFFSET,
  type PacketOptions,
  PROTO_TCP,
  PROTO_UDP,
} from "./dpf/examples.js";
