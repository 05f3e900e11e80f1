/**
 * The network's data formats as the unprivileged entry hands them to a libOS: the filter
 * language, the ASH instruction set and its stock programs, the receive ring's layout. Pure
 * functions over plain values; every one is frozen here (prototypes included), so a libOS
 * can patch nothing the kernel also calls.
 */
import { encodeAsh } from "./ash/isa.js";
import { copyChecksumProgram, copyProgram, UDP_FRAME, udpReplyProgram } from "./ash/programs.js";
import { ASH_LIMITS } from "./ash/verify.js";
import { DPF_LIMITS, encodeFilter, eq, shift } from "./dpf/atoms.js";
import { ETHERTYPE_IP, ipFilter, ipPacket, PROTO_UDP } from "./dpf/examples.js";
import { RING } from "./state.js";

for (const f of [
  encodeAsh,
  copyChecksumProgram,
  copyProgram,
  udpReplyProgram,
  encodeFilter,
  eq,
  shift,
  ipFilter,
  ipPacket,
]) {
  Object.freeze(f.prototype);
  Object.freeze(f);
}
for (const o of [UDP_FRAME, ASH_LIMITS, DPF_LIMITS, RING]) Object.freeze(o);

export type { AshInstruction, AshProgram } from "./ash/isa.js";
export type { AtomSpec, FilterSpec } from "./dpf/atoms.js";
export type { IpFilterOptions, PacketOptions } from "./dpf/examples.js";
export {
  ASH_LIMITS,
  copyChecksumProgram,
  copyProgram,
  DPF_LIMITS,
  ETHERTYPE_IP,
  encodeAsh,
  encodeFilter,
  eq,
  ipFilter,
  ipPacket,
  PROTO_UDP,
  RING,
  shift,
  UDP_FRAME,
  udpReplyProgram,
};
