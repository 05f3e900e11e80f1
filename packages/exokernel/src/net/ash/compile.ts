/**
 * The ASH compiler: a verified program becomes one JavaScript function (`new Function`) with
 * the interpreter's exact semantics (runner.ts), built as a state machine:
 *
 *   let pc = 0, c = ENTRY, n = 0, k = 0, v = 0, f = 0;
 *   run: for (;;) {
 *     switch (pc) {
 *       case 0: n++; c += 1; r[1] = 42;               // li r1, 42
 *       case 1: n++; c += 5; …                         // ld2 with its bound/alignment checks
 *       case 2: n++; c += 1; if (r[1] === r[2]) { pc = 7; continue run; }
 *       …
 *       case N:                                        // the end: ret 0
 *     }
 *     break;
 *   }
 *
 * Each case falls through to the next instruction; a taken branch sets `pc` and restarts the
 * switch. Operands, displacements, targets and costs are integers from the verified code (the
 * `lit` guard refuses anything else); the checks the verifier proved unnecessary are left out,
 * every other check is the interpreter's. The simulated cost and step count are the same as
 * the interpreter's by construction (the same per-instruction table).
 *
 * Kernel code (intrinsics.ts): it runs in `downloadAsh`, while the caller may have patched the
 * intrinsics, so the source is built by string concatenation (no Array method), the operator
 * tables are switches (an object table would fall through to `Object.prototype` for a missing
 * opcode, where a libOS could plant a string that would become source text), and only the
 * captured `Number.isSafeInteger` and `Function` are used.
 */
import { NET_COSTS as C } from "../../costs.js";
import { FunctionCtor, NumberIsSafeInteger } from "../../intrinsics.js";
import { Result } from "../../result.js";
import { Op, WORDS_PER_INSTRUCTION } from "./isa.js";
import { CHECK_ALIGN, CHECK_BOUNDS, type VerifiedAsh } from "./verify.js";

/** (registers, region bytes, bases, lengths, results, sends) => Result.Ok | Result.Fault. */
export type AshFn = (
  r: Int32Array,
  m: readonly Uint8Array[],
  b: Int32Array,
  l: Int32Array,
  s: Int32Array,
  q: Int32Array,
) => number;

export interface CompiledAsh {
  readonly fn: AshFn;
  readonly source: string;
}

/** An integer as source text; anything else is a kernel bug (the verifier checked every operand). */
function lit(n: number): string {
  if (!NumberIsSafeInteger(n)) throw new Error(`ash codegen: ${typeof n} is not a safe integer`);
  return `${n}`;
}

const FAULT_BOUNDS = 1;
const FAULT_ALIGN = 2;
const FAULT_SEND = 3;

function width(op: number): number {
  return op === Op.ld1 || op === Op.st1 ? 1 : op === Op.ld2 || op === Op.st2 ? 2 : 4;
}

/** The JS operator of a register ALU opcode, or null. */
function alu(op: number): string | null {
  switch (op) {
    case Op.add:
      return "+";
    case Op.sub:
      return "-";
    case Op.and:
      return "&";
    case Op.or:
      return "|";
    case Op.xor:
      return "^";
    case Op.shl:
      return "<<";
    case Op.shr:
      return ">>>";
    case Op.sar:
      return ">>";
    default:
      return null;
  }
}

/** The JS operator of an immediate ALU opcode, or null. */
function alui(op: number): string | null {
  switch (op) {
    case Op.addi:
      return "+";
    case Op.andi:
      return "&";
    case Op.ori:
      return "|";
    case Op.xori:
      return "^";
    case Op.shli:
      return "<<";
    case Op.shri:
      return ">>>";
    case Op.sari:
      return ">>";
    default:
      return null;
  }
}

/** The condition of a branch opcode on operands a and b, or null. */
function branch(op: number, a: string, b: string): string | null {
  switch (op) {
    case Op.beq:
      return `${a} === ${b}`;
    case Op.bne:
      return `${a} !== ${b}`;
    case Op.blt:
      return `${a} < ${b}`;
    case Op.bge:
      return `${a} >= ${b}`;
    case Op.bltu:
      return `${a} >>> 0 < ${b} >>> 0`;
    case Op.bgeu:
      return `${a} >>> 0 >= ${b} >>> 0`;
    default:
      return null;
  }
}

/** The body of one instruction (after its step and cost counts). */
function body(ash: VerifiedAsh, pc: number): string {
  const o = pc * WORDS_PER_INSTRUCTION;
  const code = ash.code;
  const op = code[o]!;
  const x = code[o + 1]!;
  const y = code[o + 2]!;
  const z = code[o + 3]!;
  const d = code[o + 4]!;
  const R = (i: number) => `r[${lit(i)}]`;
  const jump = (t: number) => `{ pc = ${lit(t)}; continue run; }`;
  if (op === Op.li) return `${R(x)} = ${lit(y)};`;
  if (op === Op.mov) return `${R(x)} = ${R(y)};`;
  const aluOp = alu(op);
  if (aluOp !== null) {
    const rhs = op === Op.shl || op === Op.shr || op === Op.sar ? `(${R(z)} & 31)` : R(z);
    return `${R(x)} = (${R(y)} ${aluOp} ${rhs}) | 0;`;
  }
  const aluiOp = alui(op);
  if (aluiOp !== null) return `${R(x)} = (${R(y)} ${aluiOp} ${lit(z)}) | 0;`;
  if (op >= Op.ld1 && op <= Op.st4) {
    const w = width(op);
    const checks = ash.checks[pc]!;
    let src = `k = ${R(z)} + ${lit(d)};`;
    if (checks & CHECK_BOUNDS) {
      src += ` if (k < 0 || k + ${lit(w)} > l[${lit(y)}]) { f = ${FAULT_BOUNDS}; break run; }`;
    }
    if (checks & CHECK_ALIGN && w > 1) {
      src += ` if (k % ${lit(w)} !== 0) { f = ${FAULT_ALIGN}; break run; }`;
    }
    src += ` k += b[${lit(y)}];`;
    const mem = `m[${lit(y)}]`;
    if (op <= Op.ld4) {
      const at = (i: number) => (i === 0 ? `${mem}[k]` : `${mem}[k + ${i}]`);
      const load =
        w === 1
          ? at(0)
          : w === 2
            ? `${at(0)} | (${at(1)} << 8)`
            : `${at(0)} | (${at(1)} << 8) | (${at(2)} << 16) | (${at(3)} << 24)`;
      src += ` ${R(x)} = ${load};`;
    } else {
      src += ` v = ${R(x)}; ${mem}[k] = v;`;
      if (w > 1) src += ` ${mem}[k + 1] = v >>> 8;`;
      if (w > 2) src += ` ${mem}[k + 2] = v >>> 16; ${mem}[k + 3] = v >>> 24;`;
    }
    return src;
  }
  if (op === Op.len) return `${R(x)} = l[${lit(y)}];`;
  const cond = branch(op, R(x), R(y));
  if (cond !== null) return `if (${cond}) ${jump(z)}`;
  if (op === Op.jmp) return jump(x);
  if (op === Op.loop) {
    return `k = ${R(y)} >>> 0; ${R(x)} = k < ${lit(z)} ? k : ${lit(z)}; if (${R(x)} === 0) ${jump(d + 1)}`;
  }
  if (op === Op.next) return `${R(x)} = ${R(x)} - 1; if (${R(x)} !== 0) ${jump(y + 1)}`;
  if (op === Op.send) {
    return (
      `k = ${R(y)}; v = ${R(z)}; ` +
      `if (k < 0 || v < 1 || k + v > l[${lit(x)}]) { f = ${FAULT_BOUNDS}; break run; } ` +
      `if (v > ${lit(ash.regionBytes[0]!)} || e === ${lit(ash.maxSends)}) { f = ${FAULT_SEND}; break run; } ` +
      `q[3 * e] = ${lit(x)}; q[3 * e + 1] = k; q[3 * e + 2] = v; e++;`
    );
  }
  // ret
  return `val = ${R(x)}; break run;`;
}

/** Compiles a verified ASH. */
export function compileAsh(ash: VerifiedAsh): CompiledAsh {
  let source =
    '"use strict";\n' +
    `let pc = 0, c = ${lit(C["aegis.ash.entry"].instructions)}, n = 0, k = 0, v = 0, e = 0, f = 0, val = 0;\n` +
    "run: for (;;) {\n" +
    "  switch (pc) {\n";
  for (let pc = 0; pc < ash.count; pc++) {
    source += `    case ${lit(pc)}: n++; c += ${lit(ash.cost[pc]!)}; ${body(ash, pc)}\n`;
  }
  source +=
    `    case ${lit(ash.count)}:\n` +
    "  }\n" +
    "  break;\n" +
    "}\n" +
    "s[0] = n; s[1] = c; s[2] = f === 0 ? val : 0; s[3] = f; s[4] = f === 0 ? e : 0;\n" +
    `return f === 0 ? ${lit(Result.Ok)} : ${lit(Result.Fault)};`;
  return { fn: new FunctionCtor("r", "m", "b", "l", "s", "q", source) as AshFn, source };
}
