/**
 * The ASH verifier, run once at download. It accepts a program only if:
 *
 * 1. **Well formed.** At most `maxInstructions`; every opcode known; every operand an integer
 *    of its kind's range (registers 0..15, regions bound at download, displacements of 16
 *    bits, shift amounts 0..31, loop limits 1..65536), read once without coercion.
 * 2. **No escape.** A program names only registers and region indices: it can reach nothing
 *    but the bytes of the regions the kernel binds (the message and the grants), and stores
 *    only into regions bound writable.
 * 3. **Bounded.** Control flow goes forward only, except a `next` back to its `loop`. Loops
 *    nest like brackets; a `next` names its loop's counter; no instruction inside a loop's
 *    body writes that counter (so the body runs at most `limit` times); no branch enters a
 *    loop's body from outside (it could skip the `loop` that sets the counter). Hence each
 *    instruction runs at most the product of its enclosing loops' limits per run, and the sum
 *    of these products, the STEP BOUND, must not exceed `maxSteps`.
 * 4. **Memory safety, statically where it can.** A forward constant propagation (every
 *    register is 0 at entry; a loop body starts with every register the body writes unknown)
 *    finds the accesses whose address is a known constant: one into a grant (fixed length) is
 *    checked now, refused if it is always outside or misaligned, and needs no check at run
 *    time; one into the message (whose length varies) is refused if it lies past the largest
 *    message and otherwise keeps its bound check. Every other access, and every `send`, is
 *    checked at run time; a failing check ends the run with a fault (nothing is sent).
 *
 * The result carries the code in words, each instruction's simulated cost (NET_COSTS: the
 * native code a download compiles to, with the checks the verifier could not remove) and
 * which checks remain. Refusals are `Invalid` with a reason and the instruction index.
 */
import { ArgumentError } from "@exolab/machine/privileged";
import { NET_COSTS as C } from "../../costs.js";
import {
  ArrayIsArray,
  frozenArray,
  Int32ArrayCtor,
  listPush,
  MathMax,
  newList,
  ObjectFreeze,
  ReflectOwnKeys,
  SafeMap,
  Uint8ArrayCtor,
} from "../../intrinsics.js";
import { Result } from "../../result.js";
import { isIntIn, isUint32Array, MISSING, ownArray, typedLength } from "../untrusted.js";
import {
  accessWidth,
  isBranch,
  isStore,
  Kind,
  OP_COUNT,
  OPERANDS,
  Op,
  type OpName,
  REGISTERS,
  WORDS_PER_INSTRUCTION,
} from "./isa.js";

export const ASH_LIMITS = ObjectFreeze({
  maxInstructions: 256,
  maxLimit: 65536,
  /** Default step bound (a full-sized copy with checksum needs about 4,000). */
  maxSteps: 16384,
  maxSends: 4,
  /** The largest message (an Ethernet frame). */
  messageBytes: 1518,
  maxGrants: 8,
  maxGrantBytes: 1 << 20,
} as const);

/** A region the kernel binds at download: a frame (or part of one) the owner holds. */
export interface GrantSpec {
  readonly length: number;
  readonly writable: boolean;
}

export interface VerifyOptions {
  readonly grants?: readonly GrantSpec[];
  readonly messageWritable?: boolean;
  readonly messageBytes?: number;
  readonly maxSteps?: number;
  readonly maxSends?: number;
}

/** Bits of `VerifiedAsh.checks` per instruction. */
export const CHECK_BOUNDS = 1;
export const CHECK_ALIGN = 2;

export interface VerifiedAsh {
  readonly count: number;
  /** [op, a, b, c, d] per instruction; a loop's d and a next's b name their partner. */
  readonly code: Int32Array;
  /** Simulated MIPS instructions of each instruction. */
  readonly cost: Int32Array;
  /** CHECK_BOUNDS / CHECK_ALIGN: the run-time checks each access keeps. */
  readonly checks: Uint8Array;
  /** Region lengths: [0] the largest message, then each grant's. */
  readonly regionBytes: readonly number[];
  readonly regionWritable: readonly boolean[];
  readonly stepBound: number;
  readonly maxSends: number;
}

export type VerifyResult =
  | { readonly ok: true; readonly ash: VerifiedAsh; readonly verifyInstructions: number }
  | {
      readonly ok: false;
      readonly code: Result;
      readonly reason: string;
      readonly at: number;
      readonly verifyInstructions: number;
    };

interface Config {
  readonly regionBytes: readonly number[];
  readonly regionWritable: readonly boolean[];
  readonly maxSteps: number;
  readonly maxSends: number;
}

/** Opcode by name, and name by opcode (built at load, read through the safe map's own get). */
const OP_BY_NAME: ReadonlyMap<string, number> = new SafeMap<string, number>();
const OP_NAMES = newList<string>();
{
  const names = ReflectOwnKeys(Op) as OpName[];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    (OP_BY_NAME as Map<string, number>).set(name, Op[name]);
    OP_NAMES[Op[name]] = name;
  }
}

/** Host options (from the kernel) → config; bad ones are host bugs (ArgumentError). */
function configure(o: VerifyOptions): Config {
  const grants = o.grants ?? [];
  if (!ArrayIsArray(grants) || grants.length > ASH_LIMITS.maxGrants) {
    throw new ArgumentError(`grants must be an array of at most ${ASH_LIMITS.maxGrants}`);
  }
  const messageBytes = o.messageBytes ?? ASH_LIMITS.messageBytes;
  const maxSteps = o.maxSteps ?? ASH_LIMITS.maxSteps;
  const maxSends = o.maxSends ?? ASH_LIMITS.maxSends;
  if (!isIntIn(messageBytes, 1, ASH_LIMITS.maxGrantBytes))
    throw new ArgumentError("bad messageBytes");
  if (!isIntIn(maxSteps, 1, 1 << 24)) throw new ArgumentError("bad maxSteps");
  if (!isIntIn(maxSends, 0, 64)) throw new ArgumentError("bad maxSends");
  // Null-prototype lists, filled by index (kernel rules, intrinsics.ts).
  const regionBytes = newList<number>();
  const regionWritable = newList<boolean>();
  listPush(regionBytes, messageBytes);
  listPush(regionWritable, o.messageWritable ?? true);
  for (let i = 0; i < grants.length; i++) {
    const g = grants[i];
    if (!isIntIn(g?.length, 1, ASH_LIMITS.maxGrantBytes) || typeof g.writable !== "boolean") {
      throw new ArgumentError("a grant is { length: 1..2^20, writable: boolean }");
    }
    listPush(regionBytes, g.length);
    listPush(regionWritable, g.writable);
  }
  return { regionBytes, regionWritable, maxSteps, maxSends };
}

// ---- pass 1: decode ----------------------------------------------------------------------

type Decoded = { code: Int32Array; count: number } | { reason: string; at: number };

function operandOk(kind: number, v: number, cfg: Config): boolean {
  switch (kind) {
    case Kind.Reg:
      return isIntIn(v, 0, REGISTERS - 1);
    case Kind.Imm32:
      return isIntIn(v, -0x80000000, 0xffffffff);
    case Kind.Shamt:
      return isIntIn(v, 0, 31);
    case Kind.Region:
      return isIntIn(v, 0, cfg.regionBytes.length - 1);
    case Kind.Disp:
      return isIntIn(v, -32768, 32767);
    case Kind.Target:
      return isIntIn(v, 0, ASH_LIMITS.maxInstructions);
    case Kind.Limit:
      return isIntIn(v, 1, ASH_LIMITS.maxLimit);
    default:
      return false;
  }
}

/**
 * Checks one instruction's opcode and operands (operands[first..]) and writes it into `code`.
 */
function place(
  code: Int32Array,
  pc: number,
  op: unknown,
  operands: readonly unknown[],
  first: number,
  cfg: Config,
): string | null {
  if (!isIntIn(op, 0, OP_COUNT - 1)) return "unknown opcode";
  const kinds = OPERANDS[op]!;
  if (operands.length - first !== kinds.length) return `${kinds.length} operands expected`;
  const o = pc * WORDS_PER_INSTRUCTION;
  code[o] = op;
  for (let k = 0; k < kinds.length; k++) {
    const v = operands[first + k];
    if (typeof v !== "number" || !operandOk(kinds[k]!, v, cfg))
      return `operand ${k + 1} out of range`;
    code[o + 1 + k] = v | 0;
  }
  return null;
}

function decodeTuples(input: unknown, cfg: Config): Decoded {
  const items = ownArray(input, ASH_LIMITS.maxInstructions);
  if (items === MISSING) {
    return {
      reason: `a program is an array of at most ${ASH_LIMITS.maxInstructions} instructions`,
      at: -1,
    };
  }
  const code = new Int32ArrayCtor(items.length * WORDS_PER_INSTRUCTION);
  for (let pc = 0; pc < items.length; pc++) {
    const fields = ownArray(items[pc], WORDS_PER_INSTRUCTION);
    if (fields === MISSING || fields.length === 0)
      return { reason: "an instruction is [op, ...operands]", at: pc };
    const name = fields[0];
    const op = typeof name === "string" ? OP_BY_NAME.get(name) : undefined;
    const err = place(code, pc, op, fields, 1, cfg);
    if (err !== null) return { reason: err, at: pc };
  }
  return { code, count: items.length };
}

function decodeWords(words: unknown, count: unknown, cfg: Config): Decoded {
  if (!isUint32Array(words)) return { reason: "the word form must be a Uint32Array", at: -1 };
  if (!isIntIn(count, 0, ASH_LIMITS.maxInstructions))
    return { reason: "bad instruction count", at: -1 };
  if (typedLength(words) < count * WORDS_PER_INSTRUCTION)
    return { reason: "the word array is too short", at: -1 };
  const code = new Int32ArrayCtor(count * WORDS_PER_INSTRUCTION);
  const operands = newList<number>();
  for (let pc = 0; pc < count; pc++) {
    const o = pc * WORDS_PER_INSTRUCTION;
    const op = words[o]!;
    const kinds = isIntIn(op, 0, OP_COUNT - 1) ? OPERANDS[op]! : [];
    // Words are 32-bit patterns: signed operands (immediates, displacements) as int32.
    operands.length = 0;
    for (let k = 0; k < kinds.length; k++) {
      const w = words[o + 1 + k]!;
      const kind = kinds[k]!;
      listPush(operands, kind === Kind.Imm32 || kind === Kind.Disp ? w | 0 : w);
    }
    const err = place(code, pc, op, operands, 0, cfg);
    if (err !== null) return { reason: err, at: pc };
  }
  return { code, count };
}

// ---- pass 2: structure (loops, branches, bound) --------------------------------------------

interface Structure {
  /** Innermost loop (its `loop` pc) whose body contains pc, or -1. */
  readonly loopOf: Int32Array;
  /** The most instructions one run can execute. */
  readonly stepBound: number;
}

function writtenRegister(code: Int32Array, pc: number): number {
  const o = pc * WORDS_PER_INSTRUCTION;
  const op = code[o]!;
  if (
    op <= Op.sari ||
    (op >= Op.ld1 && op <= Op.ld4) ||
    op === Op.len ||
    op === Op.loop ||
    op === Op.next
  ) {
    return code[o + 1]!;
  }
  return -1;
}

function structure(
  code: Int32Array,
  count: number,
  cfg: Config,
): Structure | { reason: string; at: number } {
  const W = WORDS_PER_INSTRUCTION;
  const loopOf = new Int32ArrayCtor(count);
  // The open loops, innermost at stack[depth - 1] (at most one per instruction).
  const stack = new Int32ArrayCtor(count);
  let depth = 0;
  for (let pc = 0; pc < count; pc++) {
    loopOf[pc] = depth > 0 ? stack[depth - 1]! : -1;
    const op = code[pc * W]!;
    if (op === Op.loop) {
      stack[depth++] = pc;
    } else if (op === Op.next) {
      if (depth === 0) return { reason: "next without a loop", at: pc };
      const open = stack[--depth]!;
      if (code[open * W + 1] !== code[pc * W + 1])
        return { reason: "next names another counter than its loop", at: pc };
      code[open * W + 4] = pc; // loop.d = its next
      code[pc * W + 2] = open; // next.b = its loop
      const rc = code[pc * W + 1]!;
      for (let i = open + 1; i < pc; i++) {
        if (writtenRegister(code, i) === rc)
          return { reason: "the loop body writes its counter", at: i };
      }
    }
  }
  if (depth > 0) return { reason: "loop without a next", at: stack[depth - 1]! };
  // Branches: forward only, never into a loop body from outside it.
  const contains = (loop: number, pc: number): boolean => {
    for (let l = loopOf[pc]!; l >= 0; l = loopOf[l]!) if (l === loop) return true;
    return false;
  };
  for (let pc = 0; pc < count; pc++) {
    const o = pc * W;
    const op = code[o]!;
    const target = isBranch(op) ? code[o + 3]! : op === Op.jmp ? code[o + 1]! : -1;
    if (target < 0) continue;
    if (target <= pc) return { reason: "a branch goes backward (only next may)", at: pc };
    if (target > count) return { reason: "a branch goes past the end", at: pc };
    if (target < count) {
      for (let l = loopOf[target]!; l >= 0; l = loopOf[l]!) {
        if (!contains(l, pc)) return { reason: "a branch enters a loop body from outside", at: pc };
      }
    }
  }
  // The step bound: each instruction at most the product of its enclosing loops' limits.
  let bound = 0;
  for (let pc = 0; pc < count; pc++) {
    let mult = 1;
    for (let l = loopOf[pc]!; l >= 0 && mult <= cfg.maxSteps; l = loopOf[l]!)
      mult *= code[l * W + 3]!;
    bound += mult;
    if (bound > cfg.maxSteps)
      return { reason: `it may run more than ${cfg.maxSteps} instructions`, at: pc };
  }
  return { loopOf, stepBound: bound };
}

// ---- pass 3: constants, memory checks, costs -------------------------------------------------

/** Register knowledge: value if known[i], else unknown. */
interface Regs {
  readonly value: Int32Array;
  readonly known: Uint8Array;
}

/** Fresh register knowledge: every register 0, known (entry) or unknown. */
function newRegs(known: boolean): Regs {
  const r = { value: new Int32ArrayCtor(REGISTERS), known: new Uint8ArrayCtor(REGISTERS) };
  if (known) for (let i = 0; i < REGISTERS; i++) r.known[i] = 1;
  return r;
}

function copyRegs(r: Regs): Regs {
  const out = newRegs(false);
  for (let i = 0; i < REGISTERS; i++) {
    out.value[i] = r.value[i]!;
    out.known[i] = r.known[i]!;
  }
  return out;
}

/** Merges `b` into `a` (a register stays known only if known and equal in both). */
function mergeInto(a: Regs, b: Regs): void {
  for (let i = 0; i < REGISTERS; i++) {
    if (a.known[i] === 1 && (b.known[i] !== 1 || b.value[i] !== a.value[i])) a.known[i] = 0;
  }
}

function aluConst(op: number, x: number, y: number): number {
  switch (op) {
    case Op.add:
    case Op.addi:
      return (x + y) | 0;
    case Op.sub:
      return (x - y) | 0;
    case Op.and:
    case Op.andi:
      return x & y;
    case Op.or:
    case Op.ori:
      return x | y;
    case Op.xor:
    case Op.xori:
      return x ^ y;
    case Op.shl:
    case Op.shli:
      return x << (y & 31);
    case Op.shr:
    case Op.shri:
      return (x >>> (y & 31)) | 0;
    default:
      return x >> (y & 31);
  }
}

function fits(v: number, lo: number, hi: number): boolean {
  return v >= lo && v <= hi;
}

/** The simulated cost of an instruction (checks: the run-time checks it keeps). */
function costOf(op: number, imm: number, checks: number): number {
  switch (op) {
    case Op.li:
      return fits(imm, -32768, 65535)
        ? C["aegis.ash.li"].instructions
        : C["aegis.ash.li.wide"].instructions;
    case Op.addi:
      return fits(imm, -32768, 32767)
        ? C["aegis.ash.alu"].instructions
        : C["aegis.ash.alu.wide"].instructions;
    case Op.andi:
    case Op.ori:
    case Op.xori:
      return fits(imm, 0, 65535)
        ? C["aegis.ash.alu"].instructions
        : C["aegis.ash.alu.wide"].instructions;
    case Op.len:
      return C["aegis.ash.len"].instructions;
    case Op.beq:
    case Op.bne:
      return C["aegis.ash.branch"].instructions;
    case Op.blt:
    case Op.bge:
    case Op.bltu:
    case Op.bgeu:
      return C["aegis.ash.branch.compare"].instructions;
    case Op.jmp:
      return C["aegis.ash.jump"].instructions;
    case Op.loop:
      return C["aegis.ash.loop"].instructions;
    case Op.next:
      return C["aegis.ash.next"].instructions;
    case Op.send:
      return C["aegis.ash.send"].instructions;
    case Op.ret:
      return C["aegis.ash.ret"].instructions;
    default:
      if (accessWidth(op) > 0) {
        return (
          C["aegis.ash.mem"].instructions +
          (checks & CHECK_BOUNDS ? C["aegis.ash.memCheck"].instructions : 0) +
          (checks & CHECK_ALIGN ? C["aegis.ash.alignCheck"].instructions : 0)
        );
      }
      return C["aegis.ash.alu"].instructions; // mov, register ALU ops, immediate shifts
  }
}

function analyse(
  code: Int32Array,
  count: number,
  cfg: Config,
): { cost: Int32Array; checks: Uint8Array } | { reason: string; at: number } {
  const W = WORDS_PER_INSTRUCTION;
  const cost = new Int32ArrayCtor(count);
  const checks = new Uint8ArrayCtor(count);
  const incoming = newList<Regs | null>();
  for (let i = 0; i <= count; i++) listPush(incoming, null);
  const send = (to: number, r: Regs) => {
    if (to > count) return;
    const cur = incoming[to];
    if (cur === null || cur === undefined) incoming[to] = copyRegs(r);
    else mergeInto(cur, r);
  };
  incoming[0] = newRegs(true);
  for (let pc = 0; pc < count; pc++) {
    const o = pc * W;
    const op = code[o]!;
    const a = code[o + 1]!;
    const b = code[o + 2]!;
    const c = code[o + 3]!;
    const d = code[o + 4]!;
    // Unreachable code: nothing is known.
    const r = incoming[pc] ?? newRegs(false);
    const width = accessWidth(op);
    let check = 0;
    if (width > 0) {
      if (isStore(op) && !cfg.regionWritable[b])
        return { reason: "a store into a read-only region", at: pc };
      const limit = cfg.regionBytes[b]!;
      if (r.known[c] === 1) {
        const addr = r.value[c]! + d;
        if (addr < 0 || addr + width > limit)
          return { reason: "an access always outside its region", at: pc };
        if (addr % width !== 0) return { reason: "an access always misaligned", at: pc };
        if (b === 0) check = CHECK_BOUNDS; // the message's length varies
      } else {
        check = CHECK_BOUNDS | (width > 1 ? CHECK_ALIGN : 0);
      }
    } else if (op === Op.send) {
      check = CHECK_BOUNDS;
    }
    checks[pc] = check;
    cost[pc] = costOf(op, op === Op.li ? b : c, check);
    // Transfer: what this instruction makes known.
    const out = copyRegs(r);
    const set = (reg: number, known: boolean, v = 0) => {
      out.known[reg] = known ? 1 : 0;
      out.value[reg] = v;
    };
    if (op === Op.li) set(a, true, b);
    else if (op === Op.mov) set(a, r.known[b] === 1, r.value[b]!);
    else if (op >= Op.add && op <= Op.sar) {
      set(a, r.known[b] === 1 && r.known[c] === 1, aluConst(op, r.value[b]!, r.value[c]!));
    } else if (op >= Op.addi && op <= Op.sari)
      set(a, r.known[b] === 1, aluConst(op, r.value[b]!, c));
    else if ((op >= Op.ld1 && op <= Op.ld4) || op === Op.len) set(a, false);
    if (op === Op.ret || op === Op.jmp) {
      if (op === Op.jmp) send(a, out);
      continue;
    }
    if (isBranch(op)) send(c, out);
    if (op === Op.loop) {
      // Skipped (count 0): past the next, counter 0.
      const skip = copyRegs(out);
      skip.known[a] = 1;
      skip.value[a] = 0;
      send(d + 1, skip);
      // The body: everything the body writes (the counter too) is unknown at its start.
      const body = copyRegs(out);
      for (let i = pc + 1; i <= d; i++) {
        const w = writtenRegister(code, i);
        if (w >= 0) body.known[w] = 0;
      }
      body.known[a] = 0;
      send(pc + 1, body);
      continue;
    }
    if (op === Op.next) set(a, true, 0); // falling through: the counter reached 0
    send(pc + 1, out);
  }
  return { cost, checks };
}

// ---- entry points ----------------------------------------------------------------------------

function finish(decoded: Decoded, cfg: Config): VerifyResult {
  const refuse = (reason: string, at: number, count: number): VerifyResult => ({
    ok: false,
    code: Result.Invalid,
    reason: at >= 0 ? `instruction ${at}: ${reason}` : reason,
    at,
    verifyInstructions: MathMax(1, count) * C["aegis.ash.verify"].instructions,
  });
  if ("reason" in decoded) return refuse(decoded.reason, decoded.at, decoded.at + 1);
  const { code, count } = decoded;
  const s = structure(code, count, cfg);
  if ("reason" in s) return refuse(s.reason, s.at, count);
  const an = analyse(code, count, cfg);
  if ("reason" in an) return refuse(an.reason, an.at, count);
  const ash: VerifiedAsh = ObjectFreeze({
    count,
    code,
    cost: an.cost,
    checks: an.checks,
    regionBytes: frozenArray(cfg.regionBytes),
    regionWritable: frozenArray(cfg.regionWritable),
    stepBound: s.stepBound,
    maxSends: cfg.maxSends,
  });
  return {
    ok: true,
    ash,
    verifyInstructions: MathMax(1, count) * C["aegis.ash.verify"].instructions,
  };
}

/** Verifies an untrusted program (an array of `[op, ...operands]` tuples). Never throws on it. */
export function verifyAsh(program: unknown, options: VerifyOptions = {}): VerifyResult {
  const cfg = configure(options);
  let decoded: Decoded;
  try {
    decoded = decodeTuples(program, cfg);
  } catch {
    decoded = { reason: "reading the program threw", at: -1 };
  }
  return finish(decoded, cfg);
}

/** Verifies the word form: `count` instructions of 5 words in a genuine Uint32Array. */
export function verifyAshWords(
  words: unknown,
  count: unknown,
  options: VerifyOptions = {},
): VerifyResult {
  const cfg = configure(options);
  return finish(decodeWords(words, count, cfg), cfg);
}

/** For tests and reports: the name of an opcode. */
export function opName(op: number): string {
  const name = isIntIn(op, 0, OP_COUNT - 1) ? OP_NAMES[op] : undefined;
  return name ?? `op${op}`;
}
