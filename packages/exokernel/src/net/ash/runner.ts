/**
 * Running a verified ASH on an arriving packet: the interpreter (the reference semantics) and
 * the compiled form (compile.ts, the same semantics as one generated JS function), behind one
 * runner that holds the regions the kernel bound at download.
 *
 *   const runner = new AshRunner(verified, [{ bytes: memory.u8, base: framePa }]);
 *   const status = runner.run(memory.u8, packetPa, packetLength); // Ok or Fault
 *   runner.value / runner.steps / runner.instructions / runner.sendCount / runner.sends
 *
 * A run starts with every register 0. It ends at `ret` (status Ok, `value` = the register),
 * at the end of the program (Ok, value 0), or at a failed run-time check (status Fault,
 * `fault` says which; the sends it queued are dropped). `instructions` is the simulated MIPS
 * count (NET_COSTS["aegis.ash.entry"] + each executed instruction's cost), for the kernel to charge to
 * the owner; `steps` the instructions executed, never more than the verifier's step bound.
 * Nothing is allocated per run.
 *
 * Kernel code (intrinsics.ts): the constructor runs in `downloadAsh` and `run` in the receive
 * interrupt, either while untrusted code may have patched the intrinsics. So: captured
 * constructors, a null-prototype region list, index loops, and a Uint8Array recognised by its
 * brand and measured through the intrinsic getters (untrusted.ts) — not `instanceof` (a libOS
 * can define `Uint8Array[Symbol.hasInstance]`) nor `.length` (a getter on %TypedArray%.prototype).
 */
import { ArgumentError } from "@exolab/machine/privileged";
import { NET_COSTS as C } from "../../costs.js";
import {
  ArrayIsArray,
  Int32ArrayCtor,
  listPush,
  MathMin,
  newList,
  ObjectFreeze,
  Uint8ArrayCtor,
} from "../../intrinsics.js";
import { Result } from "../../result.js";
import { isIntIn, isUint8Array, typedLength } from "../untrusted.js";
import { type AshFn, compileAsh } from "./compile.js";
import { Op, REGISTERS, WORDS_PER_INSTRUCTION } from "./isa.js";
import type { VerifiedAsh } from "./verify.js";

export const AshFault = ObjectFreeze({
  None: 0,
  /** A load, store or send outside its region. */
  Bounds: 1,
  /** A misaligned load or store. */
  Align: 2,
  /** More sends than allowed, or a send of length 0 or over the largest message. */
  Send: 3,
} as const);

/** A grant region as the kernel binds it: the bytes of a frame the owner holds. */
export interface GrantView {
  readonly bytes: Uint8Array;
  readonly base: number;
}

/** Indices of the run's results in the shared Int32Array the engines write. */
export const S_STEPS = 0;
export const S_INSTRUCTIONS = 1;
export const S_VALUE = 2;
export const S_FAULT = 3;
export const S_SENDS = 4;

const ENTRY = C["aegis.ash.entry"].instructions;
const W = WORDS_PER_INSTRUCTION;

export class AshRunner {
  readonly registers = new Int32ArrayCtor(REGISTERS);
  /** (region, offset, length) of each queued send. */
  readonly sends: Int32Array;
  readonly #ash: VerifiedAsh;
  /** Region bytes, bases and lengths; index 0 is set per run to the message. */
  readonly #m: Uint8Array[];
  readonly #b: Int32Array;
  readonly #l: Int32Array;
  readonly #s = new Int32ArrayCtor(5);
  readonly #fn: AshFn;

  constructor(ash: VerifiedAsh, grants: readonly GrantView[] = []) {
    const regions = ash.regionBytes.length;
    if (!ArrayIsArray(grants) || grants.length !== regions - 1) {
      throw new ArgumentError(`this ASH was verified with ${regions - 1} grants`);
    }
    this.#ash = ash;
    this.#m = newList<Uint8Array>();
    listPush(this.#m, new Uint8ArrayCtor(0));
    this.#b = new Int32ArrayCtor(regions);
    this.#l = new Int32ArrayCtor(regions);
    for (let i = 0; i < grants.length; i++) {
      const g = grants[i]!;
      const length = ash.regionBytes[i + 1]!;
      if (
        !isUint8Array(g.bytes) ||
        !isIntIn(g.base, 0, 0x7fffffff) ||
        g.base + length > typedLength(g.bytes)
      ) {
        throw new ArgumentError(`grant ${i + 1} must be ${length} bytes inside a Uint8Array`);
      }
      listPush(this.#m, g.bytes);
      this.#b[i + 1] = g.base;
      this.#l[i + 1] = length;
    }
    this.sends = new Int32ArrayCtor(3 * ash.maxSends);
    this.#fn = compileAsh(ash).fn;
  }

  get steps(): number {
    return this.#s[S_STEPS]!;
  }
  get instructions(): number {
    return this.#s[S_INSTRUCTIONS]!;
  }
  get value(): number {
    return this.#s[S_VALUE]!;
  }
  get fault(): number {
    return this.#s[S_FAULT]!;
  }
  get sendCount(): number {
    return this.#s[S_SENDS]!;
  }

  #bindMessage(msg: Uint8Array, base: number, length: number): void {
    if (
      !isUint8Array(msg) ||
      base >>> 0 !== base ||
      length >>> 0 !== length ||
      base + length > typedLength(msg) ||
      length > this.#ash.regionBytes[0]!
    ) {
      throw new ArgumentError(
        "an ASH message is an integer span of a Uint8Array, at most the verified size",
      );
    }
    this.#m[0] = msg;
    this.#b[0] = base;
    this.#l[0] = length;
    // A loop, not TypedArray.prototype.fill: the kernel runs this in its receive interrupt,
    // while untrusted code may have patched the intrinsics.
    const r = this.registers;
    for (let i = 0; i < REGISTERS; i++) r[i] = 0;
  }

  /** Runs the compiled form on msg[base, base + length). Returns Ok or Fault. */
  run(msg: Uint8Array, base: number, length: number): number {
    this.#bindMessage(msg, base, length);
    return this.#fn(this.registers, this.#m, this.#b, this.#l, this.#s, this.sends);
  }

  /** Runs the interpreter (the reference semantics) on the same message. */
  interpret(msg: Uint8Array, base: number, length: number): number {
    this.#bindMessage(msg, base, length);
    return interpretAsh(this.#ash, this.registers, this.#m, this.#b, this.#l, this.#s, this.sends);
  }
}

/**
 * The interpreter. `r` registers (zeroed by the caller), regions `m`/`b`/`l`, results into
 * `s` (S_*), sends into `q`. Returns Result.Ok or Result.Fault.
 */
export function interpretAsh(
  ash: VerifiedAsh,
  r: Int32Array,
  m: readonly Uint8Array[],
  b: Int32Array,
  l: Int32Array,
  s: Int32Array,
  q: Int32Array,
): number {
  const code = ash.code;
  const cost = ash.cost;
  const n = ash.count;
  const maxSend = ash.regionBytes[0]!;
  const maxSends = ash.maxSends;
  let c = ENTRY;
  let steps = 0;
  let sends = 0;
  let pc = 0;
  let value = 0;
  let fault: number = AshFault.None;
  run: while (pc < n) {
    const o = pc * W;
    const op = code[o]!;
    const x = code[o + 1]!;
    const y = code[o + 2]!;
    const z = code[o + 3]!;
    steps++;
    c += cost[pc]!;
    pc++;
    switch (op) {
      case Op.li:
        r[x] = y;
        break;
      case Op.mov:
        r[x] = r[y]!;
        break;
      case Op.add:
        r[x] = (r[y]! + r[z]!) | 0;
        break;
      case Op.sub:
        r[x] = (r[y]! - r[z]!) | 0;
        break;
      case Op.and:
        r[x] = r[y]! & r[z]!;
        break;
      case Op.or:
        r[x] = r[y]! | r[z]!;
        break;
      case Op.xor:
        r[x] = r[y]! ^ r[z]!;
        break;
      case Op.shl:
        r[x] = r[y]! << (r[z]! & 31);
        break;
      case Op.shr:
        r[x] = r[y]! >>> (r[z]! & 31);
        break;
      case Op.sar:
        r[x] = r[y]! >> (r[z]! & 31);
        break;
      case Op.addi:
        r[x] = (r[y]! + z) | 0;
        break;
      case Op.andi:
        r[x] = r[y]! & z;
        break;
      case Op.ori:
        r[x] = r[y]! | z;
        break;
      case Op.xori:
        r[x] = r[y]! ^ z;
        break;
      case Op.shli:
        r[x] = r[y]! << z;
        break;
      case Op.shri:
        r[x] = r[y]! >>> z;
        break;
      case Op.sari:
        r[x] = r[y]! >> z;
        break;
      case Op.ld1:
      case Op.ld2:
      case Op.ld4:
      case Op.st1:
      case Op.st2:
      case Op.st4: {
        const width = op === Op.ld1 || op === Op.st1 ? 1 : op === Op.ld2 || op === Op.st2 ? 2 : 4;
        const addr = r[z]! + code[o + 4]!;
        if (addr < 0 || addr + width > l[y]!) {
          fault = AshFault.Bounds;
          break run;
        }
        if (addr % width !== 0) {
          fault = AshFault.Align;
          break run;
        }
        const mem = m[y]!;
        const i = b[y]! + addr;
        if (op <= Op.ld4) {
          r[x] =
            width === 1
              ? mem[i]!
              : width === 2
                ? mem[i]! | (mem[i + 1]! << 8)
                : mem[i]! | (mem[i + 1]! << 8) | (mem[i + 2]! << 16) | (mem[i + 3]! << 24);
        } else {
          const v = r[x]!;
          mem[i] = v;
          if (width > 1) mem[i + 1] = v >>> 8;
          if (width > 2) {
            mem[i + 2] = v >>> 16;
            mem[i + 3] = v >>> 24;
          }
        }
        break;
      }
      case Op.len:
        r[x] = l[y]!;
        break;
      case Op.beq:
        if (r[x] === r[y]) pc = z;
        break;
      case Op.bne:
        if (r[x] !== r[y]) pc = z;
        break;
      case Op.blt:
        if (r[x]! < r[y]!) pc = z;
        break;
      case Op.bge:
        if (r[x]! >= r[y]!) pc = z;
        break;
      case Op.bltu:
        if (r[x]! >>> 0 < r[y]! >>> 0) pc = z;
        break;
      case Op.bgeu:
        if (r[x]! >>> 0 >= r[y]! >>> 0) pc = z;
        break;
      case Op.jmp:
        pc = x;
        break;
      case Op.loop: {
        const k = r[y]! >>> 0;
        r[x] = MathMin(k, z);
        if (r[x] === 0) pc = code[o + 4]! + 1;
        break;
      }
      case Op.next:
        r[x] = r[x]! - 1;
        if (r[x] !== 0) pc = y + 1;
        break;
      case Op.send: {
        const off = r[y]!;
        const len = r[z]!;
        if (off < 0 || len < 1 || off + len > l[x]!) {
          fault = AshFault.Bounds;
          break run;
        }
        if (len > maxSend || sends === maxSends) {
          fault = AshFault.Send;
          break run;
        }
        q[3 * sends] = x;
        q[3 * sends + 1] = off;
        q[3 * sends + 2] = len;
        sends++;
        break;
      }
      default: // ret
        value = r[x]!;
        break run;
    }
  }
  s[S_STEPS] = steps;
  s[S_INSTRUCTIONS] = c;
  s[S_VALUE] = fault === AshFault.None ? value : 0;
  s[S_FAULT] = fault;
  s[S_SENDS] = fault === AshFault.None ? sends : 0;
  return fault === AshFault.None ? Result.Ok : Result.Fault;
}
