/**
 * Copy, checksum and reply written in the ASH instruction set (isa.ts): programs a libOS
 * downloads, not operations of the kernel. Registers start at 0; these programs keep r0 at 0
 * and use it as the constant base of fixed-offset accesses (which lets the verifier prove the
 * accesses into grants and drop their run-time checks).
 */
import { ObjectFreeze } from "../../intrinsics.js";
import type { AshInstruction, AshProgram } from "./isa.js";

const MESSAGE = 0;
const GRANT = 1;

/**
 * Copies the whole message into grant 1 from offset `to` (a multiple of 4): words while 4 or
 * more bytes remain, then the last 0..3 bytes. Returns the length copied.
 *   r1 = length, r2 = count, r3 = offset in the message, r6 = offset in the grant, r4 counter.
 */
export function copyProgram(to = 0): AshProgram {
  return [
    ["len", 1, MESSAGE],
    ["shri", 2, 1, 2], // whole words
    ["li", 6, to],
    ["loop", 4, 2, 512], // at most 2048 bytes
    ["ld4", 5, MESSAGE, 3, 0],
    ["st4", 5, GRANT, 6, 0],
    ["addi", 3, 3, 4],
    ["addi", 6, 6, 4],
    ["next", 4],
    ["andi", 2, 1, 3], // the remaining bytes
    ["loop", 4, 2, 3],
    ["ld1", 5, MESSAGE, 3, 0],
    ["st1", 5, GRANT, 6, 0],
    ["addi", 3, 3, 1],
    ["addi", 6, 6, 1],
    ["next", 4],
    ["ret", 1],
  ];
}

/**
 * Copies message bytes [from, length) into grant 1 at offset `to` and computes their Internet
 * checksum (RFC 1071) in the same pass: the ones'-complement sum of 16-bit words, folded and
 * complemented. It sums little-endian halfwords (the machine's order); the ones'-complement
 * sum is byte-order independent, so storing the result with st2 gives the checksum's bytes in
 * network order. The checksum is stored at grant offset `checksumAt` and returned.
 * `from`, `to` and `checksumAt` must be even.
 *   r1 = length, r2 = count, r3 = source offset, r6 = destination offset, r7 = sum.
 */
export function copyChecksumProgram(from: number, to: number, checksumAt: number): AshProgram {
  const fold: AshInstruction[] = [
    ["shri", 5, 7, 16],
    ["andi", 7, 7, 0xffff],
    ["add", 7, 7, 5],
  ];
  return [
    ["len", 1, MESSAGE],
    ["li", 3, from],
    ["li", 6, to],
    ["sub", 8, 1, 3], // bytes to copy (negative if the message is shorter than `from`)
    ["li", 9, 0],
    ["bge", 8, 9, 7],
    ["li", 8, 0],
    ["shri", 2, 8, 1], // halfwords
    ["loop", 4, 2, 1024],
    ["ld2", 5, MESSAGE, 3, 0],
    ["st2", 5, GRANT, 6, 0],
    ["add", 7, 7, 5],
    ["addi", 3, 3, 2],
    ["addi", 6, 6, 2],
    ["next", 4],
    ["andi", 2, 8, 1], // a last odd byte: the low byte of a little-endian halfword
    ["loop", 4, 2, 1],
    ["ld1", 5, MESSAGE, 3, 0],
    ["st1", 5, GRANT, 6, 0],
    ["add", 7, 7, 5],
    ["next", 4],
    ...fold,
    ...fold,
    ["xori", 7, 7, 0xffff],
    ["st2", 7, GRANT, 0, checksumAt],
    ["ret", 7],
  ];
}

/** Offsets in the UDP ping-pong frame (Ethernet, IPv4 without options, UDP). */
export const UDP_FRAME = ObjectFreeze({
  ethDst: 0,
  ethSrc: 6,
  ipSrc: 26,
  ipDst: 30,
  udpSrcPort: 34,
  udpDstPort: 36,
  udpChecksum: 40,
  payload: 42,
});

/**
 * The reply of the UDP ping-pong, at once, from the kernel: swap the Ethernet addresses, the
 * IP addresses and the UDP ports in place (the IP checksum does not change: the sum is the
 * same), increment the 32-bit little-endian counter at the start of the payload, clear the
 * optional UDP checksum, and send the message back. Returns 0 (consumed: nothing to deliver).
 * Every access is at a constant offset (the header is precomputed, as in the paper's test).
 */
export function udpReplyProgram(): AshProgram {
  const swap16 = (a: number, b: number): AshInstruction[] => [
    ["ld2", 1, MESSAGE, 0, a],
    ["ld2", 2, MESSAGE, 0, b],
    ["st2", 2, MESSAGE, 0, a],
    ["st2", 1, MESSAGE, 0, b],
  ];
  const F = UDP_FRAME;
  return [
    ...swap16(F.ethDst, F.ethSrc),
    ...swap16(F.ethDst + 2, F.ethSrc + 2),
    ...swap16(F.ethDst + 4, F.ethSrc + 4),
    ...swap16(F.ipSrc, F.ipDst),
    ...swap16(F.ipSrc + 2, F.ipDst + 2),
    ...swap16(F.udpSrcPort, F.udpDstPort),
    ["st2", 0, MESSAGE, 0, F.udpChecksum],
    // counter = lo | hi << 16; counter + 1; store both halves
    ["ld2", 1, MESSAGE, 0, F.payload],
    ["ld2", 2, MESSAGE, 0, F.payload + 2],
    ["shli", 2, 2, 16],
    ["or", 1, 1, 2],
    ["addi", 1, 1, 1],
    ["st2", 1, MESSAGE, 0, F.payload],
    ["shri", 1, 1, 16],
    ["st2", 1, MESSAGE, 0, F.payload + 2],
    ["len", 3, MESSAGE],
    ["send", MESSAGE, 0, 3],
    ["ret", 0],
  ];
}
