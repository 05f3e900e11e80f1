/**
 * The network's data formats as the unprivileged entry hands them to a libOS: the filter
 * language, the ASH instruction set and its stock programs, the receive ring's layout. Pure
 * functions over plain values; every one is frozen here (prototypes included), so a libOS
 * can patch nothing the kernel also calls.
 */

import { ObjectFreeze } from "../intrinsics.js";
import { encodeAsh } from "./ash/isa.js";
import { copyChecksumProgram, copyProgram, UDP_FRAME, udpReplyProgram } from "./ash/programs.js";
import { ASH_LIMITS } from "./ash/verify.js";
import { DPF_LIMITS, encodeFilter, eq, shift } from "./dpf/atoms.js";
import { ETHERTYPE_IP, ipFilter, ipPacket, PROTO_UDP } from "./dpf/examples.js";
import { RING } from "./state.js";

const FUNCTIONS = [
  encodeAsh,
  copyChecksumProgram,
  copyProgram,
  udpReplyProgram,
  encodeFilter,
  eq,
  shift,
  ipFilter,
  ipPacket,
];
for (let i = 0; i < FUNCTIONS.length; i++) {
  ObjectFreeze(FUNCTIONS[i]!.prototype);
  ObjectFreeze(FUNCTIONS[i]!);
}
const TABLES = [UDP_FRAME, ASH_LIMITS, DPF_LIMITS, RING];
for (let i = 0; i < TABLES.length; i++) ObjectFreeze(TABLES[i]!);

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
