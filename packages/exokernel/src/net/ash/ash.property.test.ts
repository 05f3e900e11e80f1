/**
 * Fuzzed ASH programs (fast-check).
 *
 * 1. Random programs (nested loops, branches, loads, stores, sends; a few operands out of
 *    range): whenever the verifier accepts one, the interpreter, the compiled function and an
 *    independent reference model (written here from the ISA table, over the program as given)
 *    agree on everything (status, value, fault, registers, memory, sends, steps, simulated
 *    instructions); no byte outside the bound regions changes (canaries around them in the same
 *    buffers), the read-only grant never changes, and the run ends within the step bound.
 * 2. Accepted programs with one unsafe change injected (a backward branch, a store into a
 *    read-only grant, an unbound region, a write to a loop counter, a branch into a loop body,
 *    a bound past maxSteps, a constant access outside a grant, a lost `next`): always
 *    refused, for the reason injected.
 * FC_NUM_RUNS (default 300 programs), FC_SEED to replay.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Result } from "../../result.js";
import { Kind, OPERANDS, Op, type OpName } from "./isa.js";
import { AshFault, AshRunner } from "./runner.js";
import { CHECK_ALIGN, CHECK_BOUNDS, type VerifyOptions, verifyAsh } from "./verify.js";

const numRuns = Number(process.env.FC_NUM_RUNS ?? (process.env.FC_LONG === "1" ? 3000 : 300));
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

const MESSAGE_MAX = 80;
const G1 = { base: 128, length: 64 }; // writable grant, in `mem`
const G2 = { base: 256, length: 32 }; // read-only grant, in `mem`
const MSG_BASE = 40;
const OPTIONS: VerifyOptions = {
  grants: [
    { length: G1.length, writable: true },
    { length: G2.length, writable: false },
  ],
  messageBytes: MESSAGE_MAX,
  maxSteps: 4096,
  maxSends: 2,
};

type Ins = unknown[];

// ---- the reference model ----------------------------------------------------------------------

interface Region {
  buf: Uint8Array;
  base: number;
  len: number;
  writable: boolean;
}

interface Outcome {
  /** Every access executed: pc, region, address, width (the faulting one included). */
  accesses: [number, number, number, number][];
  status: number;
  value: number;
  fault: number;
  steps: number;
  registers: number[];
  sends: number[];
  unsafe: string | null;
}

const i32 = (x: number) => Number(BigInt.asIntN(32, BigInt(Math.trunc(x))));
const u32 = (x: number) => Number(BigInt.asUintN(32, BigInt(Math.trunc(x))));

/** Runs a program as written (names, absolute targets) by the ISA table's words alone. */
function model(
  program: readonly Ins[],
  regions: Region[],
  maxSend: number,
  maxSends: number,
  cap: number,
): Outcome {
  const r = new Array<number>(16).fill(0);
  const partner = new Map<number, number>();
  const stack: number[] = [];
  program.forEach((ins, pc) => {
    if (ins[0] === "loop") stack.push(pc);
    if (ins[0] === "next") {
      const l = stack.pop()!;
      partner.set(l, pc);
      partner.set(pc, l);
    }
  });
  const sends: number[] = [];
  const accesses: [number, number, number, number][] = [];
  let pc = 0;
  let steps = 0;
  const end = (
    status: number,
    value: number,
    fault: number,
    unsafe: string | null = null,
  ): Outcome => ({
    accesses,
    status,
    value,
    fault,
    steps,
    registers: r.slice(),
    sends: status === Result.Ok ? sends : [],
    unsafe,
  });
  while (pc < program.length) {
    if (steps >= cap) return end(Result.Fault, 0, -1, "did not terminate within the cap");
    steps++;
    const [name, a, b, c, d] = program[pc] as [string, number, number, number, number];
    pc++;
    const widths: Record<string, number> = { ld1: 1, ld2: 2, ld4: 4, st1: 1, st2: 2, st4: 4 };
    if (name in widths) {
      const w = widths[name]!;
      const reg = regions[b]!;
      const addr = r[c]! + d;
      accesses.push([pc - 1, b, addr, w]);
      if (addr < 0 || addr + w > reg.len) return end(Result.Fault, 0, AshFault.Bounds);
      if (addr % w !== 0) return end(Result.Fault, 0, AshFault.Align);
      if (name.startsWith("ld")) {
        let v = 0;
        for (let i = w - 1; i >= 0; i--) v = v * 256 + reg.buf[reg.base + addr + i]!;
        r[a] = i32(v);
      } else {
        if (!reg.writable) return end(Result.Fault, 0, -1, "a store into a read-only region ran");
        let v = u32(r[a]!);
        for (let i = 0; i < w; i++) {
          reg.buf[reg.base + addr + i] = v % 256;
          v = Math.floor(v / 256);
        }
      }
      continue;
    }
    switch (name) {
      case "li":
        r[a] = i32(b);
        break;
      case "mov":
        r[a] = r[b]!;
        break;
      case "add":
      case "addi":
        r[a] = i32(r[b]! + (name === "add" ? r[c]! : c));
        break;
      case "sub":
        r[a] = i32(r[b]! - r[c]!);
        break;
      case "and":
      case "andi":
        r[a] = i32(Number(BigInt(u32(r[b]!)) & BigInt(u32(name === "and" ? r[c]! : c))));
        break;
      case "or":
      case "ori":
        r[a] = i32(Number(BigInt(u32(r[b]!)) | BigInt(u32(name === "or" ? r[c]! : c))));
        break;
      case "xor":
      case "xori":
        r[a] = i32(Number(BigInt(u32(r[b]!)) ^ BigInt(u32(name === "xor" ? r[c]! : c))));
        break;
      case "shl":
      case "shli":
        r[a] = i32(u32(r[b]!) * 2 ** ((name === "shl" ? r[c]! : c) & 31));
        break;
      case "shr":
      case "shri":
        r[a] = i32(Math.floor(u32(r[b]!) / 2 ** ((name === "shr" ? r[c]! : c) & 31)));
        break;
      case "sar":
      case "sari":
        r[a] = Math.floor(r[b]! / 2 ** ((name === "sar" ? r[c]! : c) & 31));
        break;
      case "len":
        r[a] = regions[b]!.len;
        break;
      case "beq":
      case "bne":
      case "blt":
      case "bge":
      case "bltu":
      case "bgeu": {
        const x = name.endsWith("u") ? u32(r[a]!) : r[a]!;
        const y = name.endsWith("u") ? u32(r[b]!) : r[b]!;
        const taken = {
          beq: x === y,
          bne: x !== y,
          blt: x < y,
          bge: x >= y,
          bltu: x < y,
          bgeu: x >= y,
        }[name];
        if (taken) pc = c;
        break;
      }
      case "jmp":
        pc = a;
        break;
      case "loop":
        r[a] = Math.min(u32(r[b]!), c);
        if (r[a] === 0) pc = partner.get(pc - 1)! + 1;
        break;
      case "next":
        r[a] = r[a]! - 1;
        if (r[a] !== 0) pc = partner.get(pc - 1)! + 1;
        break;
      case "send": {
        const off = r[b]!;
        const len = r[c]!;
        if (off < 0 || len < 1 || off + len > regions[a]!.len)
          return end(Result.Fault, 0, AshFault.Bounds);
        if (len > maxSend || sends.length === 3 * maxSends)
          return end(Result.Fault, 0, AshFault.Send);
        sends.push(a, off, len);
        break;
      }
      default: // ret
        return end(Result.Ok, r[a]!, AshFault.None);
    }
  }
  return end(Result.Ok, 0, AshFault.None);
}

// ---- generators ---------------------------------------------------------------------------------

const rare = <T>(normal: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 150, arbitrary: normal }, { weight: 1, arbitrary: odd });

/** Registers: mostly the few the preamble sets, so that loops run and sends go out. */
const regArb = rare(
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 5 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
  ),
  fc.constant(16),
);
const imm32Arb = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 7, 8, -1, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0xffffffff),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
const operandArb: Record<number, fc.Arbitrary<number>> = {
  [Kind.Reg]: regArb,
  [Kind.Imm32]: imm32Arb,
  [Kind.Shamt]: rare(fc.integer({ min: 0, max: 31 }), fc.constant(32)),
  [Kind.Region]: rare(fc.integer({ min: 0, max: 2 }), fc.constant(3)),
  [Kind.Disp]: rare(fc.integer({ min: -4, max: 70 }), fc.constant(40000)),
  // Branch targets are relative here (resolved after flattening).
  [Kind.Target]: rare(fc.integer({ min: 1, max: 6 }), fc.integer({ min: -1, max: 0 })),
};

const simpleOps = (Object.keys(Op) as OpName[]).filter((n) => n !== "loop" && n !== "next");

/** A non-loop instruction; targets kept relative as { rel }. */
const insArb: fc.Arbitrary<Ins> = fc.constantFrom(...simpleOps).chain((name) => {
  const kinds = OPERANDS[Op[name]]!;
  return fc.tuple(...kinds.map((k) => operandArb[k]!)).map((ops) => [name, ...ops] as Ins);
});

type Token =
  | { t: "ins"; ins: Ins }
  | { t: "open"; rc: number; ra: number; limit: number }
  | { t: "close" }
  | { t: "seq"; ins: Ins[] };

const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  { weight: 8, arbitrary: insArb.map((ins) => ({ t: "ins" as const, ins })) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("open" as const),
      rc: rare(fc.integer({ min: 6, max: 15 }), regArb),
      ra: regArb,
      limit: rare(fc.integer({ min: 1, max: 6 }), fc.constant(100000)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "close" as const }) },
);

/** Flattens tokens into a program: loops closed like brackets; relative targets resolved. */
function build(tokens: readonly Token[]): Ins[] {
  const out: Ins[] = [];
  const open: number[] = [];
  for (const tk of tokens) {
    if (tk.t === "ins") out.push(tk.ins.slice());
    else if (tk.t === "seq") out.push(...tk.ins.map((x) => x.slice()));
    else if (tk.t === "open") {
      open.push(tk.rc);
      out.push(["loop", tk.rc, tk.ra, tk.limit]);
    } else if (open.length > 0) out.push(["next", open.pop()!]);
  }
  while (open.length > 0) out.push(["next", open.pop()!]);
  out.forEach((ins, pc) => {
    const name = ins[0] as OpName;
    const kinds = OPERANDS[Op[name]]!;
    kinds.forEach((k, i) => {
      if (k === Kind.Target)
        ins[i + 1] = Math.min(out.length, Math.max(0, pc + (ins[i + 1] as number)));
    });
  });
  return out;
}

/**
 * A preamble (small values in r1..r3, the message length in r5 and a value derived from it in
 * r4, which the verifier cannot know), then random tokens.
 */
const programArb = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 4, maxLength: 4 }),
    fc.array(tokenArb, { minLength: 1, maxLength: 24 }),
  )
  .map(([init, tokens]) => [
    ...init.slice(0, 3).map((v, i) => ({ t: "ins" as const, ins: ["li", i + 1, v] })),
    { t: "ins" as const, ins: ["len", 5, 0] },
    { t: "ins" as const, ins: ["addi", 4, 5, init[3]! - 4] },
    ...tokens,
  ])
  .map(build);

/**
 * Programs that compute addresses: constants, arithmetic on a few registers, forward branches
 * that join with different values, loops that move a register, and accesses into the grants
 * based on those registers. They exercise the verifier's constant propagation, whose mistakes
 * would drop a check some execution needs.
 */
const areg = fc.integer({ min: 1, max: 6 });
const lenOrReg = fc.oneof(fc.constant(5), areg);
const addrInsArb: fc.Arbitrary<Ins> = fc
  .oneof(
    fc.tuple(fc.constant("li"), areg, fc.constantFrom(0, 4, 8, 16, 24, 32, 48, 56, 60, 64, 3)),
    fc.tuple(
      fc.constant("addi"),
      areg,
      fc.oneof(areg, fc.constant(5)),
      fc.constantFrom(-4, 4, 8, 16, 28, 1),
    ),
    fc.tuple(fc.constantFrom("andi", "shli", "shri"), areg, areg, fc.integer({ min: 0, max: 3 })),
    fc.tuple(fc.constantFrom("add", "sub"), areg, areg, lenOrReg),
    fc.tuple(fc.constant("mov"), areg, lenOrReg),
    fc.tuple(
      fc.constantFrom("ld1", "st1", "ld4", "st4", "ld2"),
      areg,
      fc.constantFrom(1, 1, 1, 2),
      areg,
      fc.constantFrom(0, 0, 4, 8, 28, 32, 60),
    ),
    fc.tuple(
      fc.constantFrom("beq", "bne", "blt", "bge"),
      lenOrReg,
      areg,
      fc.integer({ min: 1, max: 4 }),
    ),
  )
  .map((t) => [...t] as Ins);
/**
 * A diamond: a register gets one of two values depending on the message length, then is used
 * as an address (a join the constant propagation must not resolve to either value).
 * Targets are relative (+2: over the second `li`).
 */
const diamondArb: fc.Arbitrary<Token> = fc
  .tuple(
    areg,
    fc.constantFrom(0, 4, 32, 60),
    fc.constantFrom(0, 4, 32, 60, 64),
    fc.constantFrom("blt", "bge", "beq"),
    areg,
    fc.constantFrom("ld4", "st4", "ld1", "st1"),
    fc.constantFrom(0, 4),
  )
  .map(([r, v1, v2, br, cmp, mem, disp]) => ({
    t: "seq" as const,
    ins: [
      ["li", r, v1],
      [br, 5, cmp, 2],
      ["li", r, v2],
      [mem, 7, 1, r, disp],
    ],
  }));

const addrTokenArb: fc.Arbitrary<Token> = fc.oneof(
  { weight: 8, arbitrary: addrInsArb.map((ins) => ({ t: "ins" as const, ins })) },
  { weight: 2, arbitrary: diamondArb },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("open" as const),
      rc: fc.integer({ min: 8, max: 12 }),
      ra: lenOrReg,
      limit: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "close" as const }) },
);
const addressProgramArb = fc
  .tuple(
    fc.array(fc.constantFrom(0, 4, 8, 16, 32, 60), { minLength: 3, maxLength: 3 }),
    fc.array(addrTokenArb, { minLength: 1, maxLength: 20 }),
  )
  .map(([init, tokens]) => [
    ...init.map((v, i) => ({ t: "ins" as const, ins: ["li", i + 1, v] })),
    { t: "ins" as const, ins: ["len", 5, 0] },
    ...tokens,
  ])
  .map(build);

// ---- running ---------------------------------------------------------------------------------------

const CANARY = 0xa5;

function fresh(fill: Uint8Array, msgLen: number) {
  const mem = new Uint8Array(512).fill(CANARY);
  mem.set(fill.subarray(0, G1.length), G1.base);
  mem.set(fill.subarray(64, 64 + G2.length), G2.base);
  const msg = new Uint8Array(MSG_BASE + MESSAGE_MAX + 40).fill(CANARY);
  msg.set(fill.subarray(100, 100 + msgLen), MSG_BASE);
  return { mem, msg };
}

function untouchedOutside(buf: Uint8Array, spans: [number, number][]): boolean {
  return buf.every((v, i) => v === CANARY || spans.some(([s, n]) => i >= s && i < s + n));
}

const reasons: Record<string, number> = {};
const stats = { programs: 0, accepted: 0, faults: 0, looped: 0, sent: 0, claims: 0 };

function check(program: Ins[], fill: Uint8Array, msgLen: number): void {
  stats.programs++;
  const v = verifyAsh(program, OPTIONS);
  if (!v.ok) {
    expect(v.code).toBe(Result.Invalid);
    const k = v.reason.replace(/instruction \d+: /, "");
    reasons[k] = (reasons[k] ?? 0) + 1;
    return;
  }
  stats.accepted++;
  const ash = v.ash;
  const outcomes = (["interpret", "run"] as const).map((how) => {
    const { mem, msg } = fresh(fill, msgLen);
    const g2Before = mem.slice(G2.base, G2.base + G2.length);
    const runner = new AshRunner(ash, [
      { bytes: mem, base: G1.base },
      { bytes: mem, base: G2.base },
    ]);
    const status = runner[how](msg, MSG_BASE, msgLen);
    expect(
      untouchedOutside(mem, [
        [G1.base, G1.length],
        [G2.base, G2.length],
      ]),
    ).toBe(true);
    expect(untouchedOutside(msg, [[MSG_BASE, msgLen]])).toBe(true);
    expect(mem.slice(G2.base, G2.base + G2.length)).toEqual(g2Before);
    expect(runner.steps).toBeLessThanOrEqual(ash.stepBound);
    return {
      status,
      value: runner.value,
      fault: runner.fault,
      steps: runner.steps,
      instructions: runner.instructions,
      registers: Array.from(runner.registers),
      sends: Array.from(runner.sends.subarray(0, 3 * runner.sendCount)),
      mem: Array.from(mem),
      msg: Array.from(msg),
    };
  });
  expect(outcomes[1]).toEqual(outcomes[0]);
  const got = outcomes[0]!;
  // The reference model, on its own copy.
  const { mem, msg } = fresh(fill, msgLen);
  const m = model(
    program,
    [
      { buf: msg, base: MSG_BASE, len: msgLen, writable: true },
      { buf: mem, base: G1.base, len: G1.length, writable: true },
      { buf: mem, base: G2.base, len: G2.length, writable: false },
    ],
    MESSAGE_MAX,
    OPTIONS.maxSends!,
    ash.stepBound + 1,
  );
  expect(m.unsafe).toBe(null);
  // The verifier's claims: a check it dropped is one no execution needs.
  for (const [pc, region, addr, w] of m.accesses) {
    const checks = ash.checks[pc]!;
    if (region === 0) expect(checks & CHECK_BOUNDS).toBe(CHECK_BOUNDS);
    const len = region === 1 ? G1.length : region === 2 ? G2.length : msgLen;
    if (!(checks & CHECK_BOUNDS))
      expect(addr >= 0 && addr + w <= len, `pc ${pc} needs its bound check`).toBe(true);
    if (!(checks & CHECK_ALIGN))
      expect(addr % w === 0, `pc ${pc} needs its alignment check`).toBe(true);
    stats.claims++;
  }
  expect({
    status: got.status,
    value: got.value,
    fault: got.fault,
    steps: got.steps,
    registers: got.registers,
    sends: got.sends,
  }).toEqual({
    status: m.status,
    value: m.value,
    fault: m.fault,
    steps: m.steps,
    registers: m.registers,
    sends: m.sends,
  });
  expect(got.mem).toEqual(Array.from(mem));
  expect(got.msg).toEqual(Array.from(msg));
  // The simulated count: the entry plus each executed instruction's cost, at least 1 each.
  expect(got.instructions).toBeGreaterThanOrEqual(8 + got.steps);
  if (got.status === Result.Fault) stats.faults++;
  if (got.steps > program.length) stats.looped++;
  if (got.sends.length > 0) stats.sent++;
}

// ---- unsafe mutations -------------------------------------------------------------------------------

/** Inserts `ins` at `at`, moving every other instruction's targets past `at` along. */
function insertAt(program: readonly Ins[], at: number, ins: Ins): Ins[] {
  const out = program.map((x) => x.slice());
  for (const x of out) {
    const kinds = OPERANDS[Op[x[0] as OpName]]!;
    kinds.forEach((k, i) => {
      if (k === Kind.Target && (x[i + 1] as number) >= at) x[i + 1] = (x[i + 1] as number) + 1;
    });
  }
  out.splice(at, 0, ins);
  return out;
}

type Mutation = (p: readonly Ins[], pick: number) => { program: Ins[]; reason: RegExp } | null;

const MUTATIONS: [string, Mutation][] = [
  [
    "backward branch",
    (p, pick) => ({
      program: [...p.map((x) => x.slice()), ["jmp", pick % (p.length + 1)]],
      reason: /backward/,
    }),
  ],
  [
    "store into the read-only grant",
    (p) => ({ program: insertAt(p, 0, ["st1", 1, 2, 0, 0]), reason: /read-only/ }),
  ],
  [
    "an unbound region",
    (p, pick) => ({
      program: insertAt(p, pick % (p.length + 1), ["ld1", 1, 3, 0, 0]),
      reason: /operand 2/,
    }),
  ],
  [
    "a register that does not exist",
    (p, pick) => ({
      program: insertAt(p, pick % (p.length + 1), ["mov", 16, 0]),
      reason: /operand 1/,
    }),
  ],
  [
    "a write to a loop counter",
    (p) => {
      const l = p.findIndex((x) => x[0] === "loop");
      return l < 0
        ? null
        : { program: insertAt(p, l + 1, ["li", p[l]![1], 7]), reason: /writes its counter/ };
    },
  ],
  [
    "a branch into a loop body",
    (p) => {
      const l = p.findIndex((x) => x[0] === "loop");
      return l < 0
        ? null
        : { program: insertAt(p, 0, ["jmp", l + 2]), reason: /enters a loop body/ };
    },
  ],
  [
    "a bound past maxSteps",
    (p) => {
      const written = new Set(
        p
          .filter(
            (x) =>
              ![
                "st1",
                "st2",
                "st4",
                "beq",
                "bne",
                "blt",
                "bge",
                "bltu",
                "bgeu",
                "jmp",
                "send",
                "ret",
              ].includes(x[0] as string),
          )
          .map((x) => x[1]),
      );
      const rc = [...Array(16).keys()].find((i) => !written.has(i));
      if (rc === undefined) return null;
      const wrapped = insertAt(p, 0, ["loop", rc, 0, 65536]);
      // The loop must end after every instruction: targets past the end become the end.
      for (const x of wrapped) {
        const kinds = OPERANDS[Op[x[0] as OpName]]!;
        kinds.forEach((k, i) => {
          if (k === Kind.Target && (x[i + 1] as number) > p.length) x[i + 1] = p.length + 1;
        });
      }
      wrapped.push(["next", rc]);
      return { program: wrapped, reason: /more than 4096/ };
    },
  ],
  [
    "a constant access outside a grant",
    (p) => ({ program: insertAt(p, 0, ["ld4", 1, 1, 0, G1.length]), reason: /outside/ }),
  ],
  [
    "a lost next",
    (p) => {
      const n = p.findIndex((x) => x[0] === "next");
      if (n < 0) return null;
      const out = p.filter((_, i) => i !== n).map((x) => x.slice());
      for (const x of out) {
        const kinds = OPERANDS[Op[x[0] as OpName]]!;
        kinds.forEach((k, i) => {
          if (k === Kind.Target && (x[i + 1] as number) > n) x[i + 1] = (x[i + 1] as number) - 1;
        });
      }
      // Brackets no longer match: the nearest loop lacks its next, or an outer next meets the
      // inner loop (whose counter differs).
      return { program: out, reason: /loop without a next|another counter/ };
    },
  ],
];

describe("ASH fuzzing", () => {
  it("accepted programs stay inside their regions, terminate within the bound, and all engines agree", () => {
    fc.assert(
      fc.property(
        programArb,
        fc.uint8Array({ minLength: 256, maxLength: 256 }),
        fc.integer({ min: 0, max: MESSAGE_MAX }),
        (program, fill, msgLen) => check(program, fill, msgLen),
      ),
      { numRuns, seed },
    );
    console.log("ash fuzz:", JSON.stringify(stats), JSON.stringify(reasons));
    expect(stats.accepted / stats.programs).toBeGreaterThan(0.2);
    expect(stats.faults).toBeGreaterThan(0);
    expect(stats.looped).toBeGreaterThan(0);
    expect(stats.sent).toBeGreaterThan(0);
  });

  it("address arithmetic: the checks the verifier drops are never needed", () => {
    fc.assert(
      fc.property(
        addressProgramArb,
        fc.uint8Array({ minLength: 256, maxLength: 256 }),
        fc.array(fc.integer({ min: 0, max: MESSAGE_MAX }), { minLength: 3, maxLength: 3 }),
        (program, fill, lengths) => {
          // Several message lengths: branches on the length take different paths.
          for (const len of lengths) check(program, fill, len);
        },
      ),
      { numRuns, seed },
    );
    console.log("ash address fuzz:", JSON.stringify(stats));
  });

  it("an unsafe change to an accepted program is always refused, for its reason", () => {
    let tried = 0;
    fc.assert(
      fc.property(
        programArb,
        fc.nat(),
        fc.integer({ min: 0, max: MUTATIONS.length - 1 }),
        (program, pick, which) => {
          if (!verifyAsh(program, OPTIONS).ok) return;
          const mutated = MUTATIONS[which]![1](program, pick);
          if (mutated === null) return;
          tried++;
          const v = verifyAsh(mutated.program, OPTIONS);
          expect(v.ok, MUTATIONS[which]![0]).toBe(false);
          if (!v.ok) expect(v.reason).toMatch(mutated.reason);
        },
      ),
      { numRuns: numRuns * 2, seed },
    );
    expect(tried).toBeGreaterThan(numRuns / 4);
  });
});
