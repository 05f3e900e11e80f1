/**
 * The ASH instruction set: a small register machine an environment downloads into the kernel
 * to run on each packet its filter accepts (application-specific safe handlers).
 *
 * State: 16 registers r0..r15 of 32 bits (all 0 when a run starts); REGIONS of bytes named by
 * index: region 0 is the message (the received frame, its length the packet's), regions 1.. are
 * the grants the kernel binds at download (frames the owner holds), each with a fixed length
 * and a writable flag. Loads and stores use the machine's byte order (little-endian, as the
 * DECstation's R3000), need natural alignment, and address `region[r[ra] + imm]`.
 *
 * | op                                        | operands           | effect                                               |
 * | ----------------------------------------- | ------------------ | ---------------------------------------------------- |
 * | li                                        | rd, imm            | rd = imm (32 bits)                                   |
 * | mov                                       | rd, ra             | rd = ra                                              |
 * | add sub and or xor shl shr sar            | rd, ra, rb         | rd = ra op rb (shifts by rb & 31; shr logical)       |
 * | addi andi ori xori shli shri sari         | rd, ra, imm        | rd = ra op imm                                       |
 * | ld1 ld2 ld4                               | rd, region, ra, imm| rd = zero-extended 1/2-byte or 4-byte load            |
 * | st1 st2 st4                               | rs, region, ra, imm| store the low 1/2/4 bytes of rs                      |
 * | len                                       | rd, region         | rd = the region's length in bytes                    |
 * | beq bne blt bge bltu bgeu                 | ra, rb, target     | if (ra cmp rb) go to target (signed / unsigned)      |
 * | jmp                                       | target             | go to target                                         |
 * | loop                                      | rc, ra, limit      | rc = min(ra unsigned, limit); if rc = 0 skip past the matching next |
 * | next                                      | rc                 | rc -= 1; if rc != 0 go back to the instruction after the matching loop |
 * | send                                      | region, ra, rb     | queue region[ra .. ra + rb) for transmission         |
 * | ret                                       | ra                 | end; the run's value is ra                           |
 *
 * Targets are instruction indices and must lie AHEAD (forward-only control flow); the only way
 * back is a `next`, and loops nest like brackets. Falling off the end is `ret` with value 0.
 * Copy, checksum and reply are programs in this language (programs.ts), not operations.
 */

import { ObjectFreeze, Uint32ArrayCtor } from "../../intrinsics.js";

export const Op = ObjectFreeze({
  li: 0,
  mov: 1,
  add: 2,
  sub: 3,
  and: 4,
  or: 5,
  xor: 6,
  shl: 7,
  shr: 8,
  sar: 9,
  addi: 10,
  andi: 11,
  ori: 12,
  xori: 13,
  shli: 14,
  shri: 15,
  sari: 16,
  ld1: 17,
  ld2: 18,
  ld4: 19,
  st1: 20,
  st2: 21,
  st4: 22,
  len: 23,
  beq: 24,
  bne: 25,
  blt: 26,
  bge: 27,
  bltu: 28,
  bgeu: 29,
  jmp: 30,
  loop: 31,
  next: 32,
  send: 33,
  ret: 34,
} as const);
export type OpName = keyof typeof Op;
export const OP_COUNT = 35;

/** Operand kinds, which decide each operand's range. */
export const Kind = ObjectFreeze({
  Reg: 0,
  /** A 32-bit immediate: an integer in [-2^31, 2^32). */
  Imm32: 1,
  /** A shift amount: 0..31. */
  Shamt: 2,
  /** A region index (checked against the regions bound at download). */
  Region: 3,
  /** A memory displacement: -32768..32767. */
  Disp: 4,
  /** A branch target (an instruction index, checked to lie ahead). */
  Target: 5,
  /** A loop limit: 1..65536. */
  Limit: 6,
} as const);

const R = Kind.Reg;
const ALU3 = [R, R, R] as const;
const ALUI = [R, R, Kind.Imm32] as const;
const SHIFTI = [R, R, Kind.Shamt] as const;
const MEM = [R, Kind.Region, R, Kind.Disp] as const;
const BRANCH = [R, R, Kind.Target] as const;

/** The operands of each opcode, by opcode number. */
export const OPERANDS: readonly (readonly number[])[] = ObjectFreeze([
  [R, Kind.Imm32], // li
  [R, R], // mov
  ALU3, // add
  ALU3, // sub
  ALU3, // and
  ALU3, // or
  ALU3, // xor
  ALU3, // shl
  ALU3, // shr
  ALU3, // sar
  ALUI, // addi
  ALUI, // andi
  ALUI, // ori
  ALUI, // xori
  SHIFTI, // shli
  SHIFTI, // shri
  SHIFTI, // sari
  MEM, // ld1
  MEM, // ld2
  MEM, // ld4
  MEM, // st1
  MEM, // st2
  MEM, // st4
  [R, Kind.Region], // len
  BRANCH, // beq
  BRANCH, // bne
  BRANCH, // blt
  BRANCH, // bge
  BRANCH, // bltu
  BRANCH, // bgeu
  [Kind.Target], // jmp
  [R, R, Kind.Limit], // loop
  [R], // next
  [Kind.Region, R, R], // send
  [R], // ret
]);

export const REGISTERS = 16;
/** Words per instruction in the verified code and in the word form: [op, a, b, c, d]. */
export const WORDS_PER_INSTRUCTION = 5;

/** An instruction as untrusted code writes it: `[name, ...operands]`. */
export type AshInstruction = readonly [OpName, ...number[]];
export type AshProgram = readonly AshInstruction[];

/** Width in bytes of a load or store opcode (0 for any other). */
export function accessWidth(op: number): number {
  switch (op) {
    case Op.ld1:
    case Op.st1:
      return 1;
    case Op.ld2:
    case Op.st2:
      return 2;
    case Op.ld4:
    case Op.st4:
      return 4;
    default:
      return 0;
  }
}

export function isStore(op: number): boolean {
  return op === Op.st1 || op === Op.st2 || op === Op.st4;
}

export function isBranch(op: number): boolean {
  return op >= Op.beq && op <= Op.bgeu;
}

/** The word form of a program (5 words per instruction), as an environment would store it. */
export function encodeAsh(program: AshProgram): Uint32Array {
  const w = new Uint32ArrayCtor(program.length * WORDS_PER_INSTRUCTION);
  for (let i = 0; i < program.length; i++) {
    const ins = program[i]!;
    const o = i * WORDS_PER_INSTRUCTION;
    w[o] = Op[ins[0]];
    for (let k = 1; k < ins.length && k < WORDS_PER_INSTRUCTION; k++)
      w[o + k] = (ins[k] as number) >>> 0;
  }
  return w;
}
