import { ArgumentError } from "@exolab/machine";
import { describe, expect, it } from "vitest";
import { Result } from "../../result.js";
import { ipPacket, PROTO_UDP } from "../dpf/examples.js";
import { compileAsh } from "./compile.js";
import { type AshProgram, encodeAsh } from "./isa.js";
import { copyChecksumProgram, copyProgram, UDP_FRAME, udpReplyProgram } from "./programs.js";
import { AshFault, AshRunner } from "./runner.js";
import { ASH_LIMITS, type VerifyOptions, verifyAsh, verifyAshWords } from "./verify.js";

const GRANT = { length: 4096, writable: true };

function verified(p: unknown, o: VerifyOptions = { grants: [GRANT] }) {
  const v = verifyAsh(p, o);
  if (!v.ok) throw new Error(v.reason);
  return v.ash;
}

/** Runs both engines on copies of the same state; they must agree on everything. */
function runBoth(ash: ReturnType<typeof verified>, msg: Uint8Array, length = msg.length) {
  const outs = (["interpret", "run"] as const).map((how) => {
    const memory = new Uint8Array(3 * 4096).fill(0xee);
    const m = msg.slice();
    const runner = new AshRunner(
      ash,
      ash.regionBytes.length > 1 ? [{ bytes: memory, base: 4096 }] : [],
    );
    const status = runner[how](m, 0, length);
    return {
      status,
      value: runner.value,
      fault: runner.fault,
      steps: runner.steps,
      instructions: runner.instructions,
      sends: Array.from(runner.sends.subarray(0, 3 * runner.sendCount)),
      registers: Array.from(runner.registers),
      memory,
      message: m,
    };
  });
  // Memories compared as Buffers (a deep equal of 12 KiB typed arrays is slow).
  const [a, b] = outs as [(typeof outs)[0], (typeof outs)[0]];
  expect(Buffer.from(b.memory).equals(Buffer.from(a.memory))).toBe(true);
  expect(Buffer.from(b.message).equals(Buffer.from(a.message))).toBe(true);
  expect({ ...b, memory: 0, message: 0 }).toEqual({ ...a, memory: 0, message: 0 });
  return a;
}

/** RFC 1071, in network order, the obvious way. */
function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

describe("ASH programs: copy, checksum and reply are programs, not operations", () => {
  it("copy: the whole message lands in the grant, for every length 0..70", () => {
    const ash = verified(copyProgram(8));
    for (let len = 0; len <= 70; len++) {
      const msg = Uint8Array.from({ length: len }, (_, i) => (i * 29 + 3) & 0xff);
      const out = runBoth(ash, msg);
      expect(out.status).toBe(Result.Ok);
      expect(out.value).toBe(len);
      expect(out.memory.subarray(4096 + 8, 4096 + 8 + len)).toEqual(msg);
      expect(out.memory[4096 + 8 + len]).toBe(0xee); // not one byte more
      expect(out.memory[4096 + 7]).toBe(0xee);
      expect(out.steps).toBeLessThanOrEqual(ash.stepBound);
    }
  });

  it("copy with an integrated Internet checksum agrees with RFC 1071 (odd and even lengths)", () => {
    const ash = verified(copyChecksumProgram(42, 0, 2000));
    for (const payload of [0, 1, 2, 17, 18, 100, 1001]) {
      const p = ipPacket({ proto: PROTO_UDP, srcPort: 1, dstPort: 2, payloadBytes: payload });
      p.forEach((_, i) => {
        if (i >= 42) p[i] = (i * 131) & 0xff;
      });
      const out = runBoth(ash, p);
      expect(out.status).toBe(Result.Ok);
      const data = p.subarray(42);
      expect(out.memory.subarray(4096, 4096 + data.length)).toEqual(data);
      const expected = internetChecksum(data);
      // Stored with st2 (little-endian) from a little-endian sum: network-order bytes.
      expect((out.memory[4096 + 2000]! << 8) | out.memory[4096 + 2001]!).toBe(expected);
    }
    // A message shorter than the offset copies nothing (and does not fault).
    const out = runBoth(ash, new Uint8Array(30));
    expect(out.status).toBe(Result.Ok);
    expect(out.value).toBe(0xffff);
  });

  it("reply: addresses and ports swapped, counter incremented, sent at once; 170 instructions", () => {
    const ash = verified(udpReplyProgram(), {});
    const p = ipPacket({ proto: PROTO_UDP, srcPort: 1111, dstPort: 2222, payloadBytes: 18 });
    const dv = new DataView(p.buffer);
    dv.setUint32(UDP_FRAME.payload, 0x0001ffff, true);
    dv.setUint16(UDP_FRAME.udpChecksum, 0xabcd);
    const out = runBoth(ash, p);
    expect(out.status).toBe(Result.Ok);
    expect(out.value).toBe(0);
    const r = out.message;
    expect(r.subarray(0, 6)).toEqual(p.subarray(6, 12));
    expect(r.subarray(6, 12)).toEqual(p.subarray(0, 6));
    expect(r.subarray(26, 30)).toEqual(p.subarray(30, 34));
    expect(r.subarray(30, 34)).toEqual(p.subarray(26, 30));
    const rv = new DataView(r.buffer);
    expect(rv.getUint16(34)).toBe(2222);
    expect(rv.getUint16(36)).toBe(1111);
    expect(rv.getUint16(UDP_FRAME.udpChecksum)).toBe(0);
    expect(rv.getUint32(UDP_FRAME.payload, true)).toBe(0x00020000);
    expect(out.sends).toEqual([0, 0, p.length]);
    // entry 8; 29 halfword accesses into the message at constant offsets (24 for the swaps,
    // the checksum clear, the counter's 2 loads and 2 stores), each addu + lhu/sh 2 + a bound
    // check 3 (the length varies; the alignment is proven) = 145; shli, or, addi, shri 4;
    // len 1; send 10; ret 2.
    expect(out.instructions).toBe(8 + 29 * 5 + 4 + 1 + 10 + 2);
    expect(out.steps).toBe(36);
  });

  it("reply on a message too short for its header faults, and sends nothing", () => {
    const ash = verified(udpReplyProgram(), {});
    const out = runBoth(ash, new Uint8Array(40));
    expect(out.status).toBe(Result.Fault);
    expect(out.fault).toBe(AshFault.Bounds);
    expect(out.sends).toEqual([]);
  });
});

describe("ASH verifier: refusals with a reason", () => {
  const cases: [string, unknown, VerifyOptions, RegExp][] = [
    ["not an array", { 0: ["ret", 0] }, {}, /array/],
    [
      "too long",
      Array.from({ length: ASH_LIMITS.maxInstructions + 1 }, () => ["ret", 0]),
      {},
      /at most/,
    ],
    ["unknown op", [["syscall", 0]], {}, /unknown opcode/],
    ["op as number", [[34, 0]], {}, /unknown opcode/],
    ["arity", [["add", 1, 2]], {}, /3 operands/],
    ["register 16", [["li", 16, 0]], {}, /operand 1/],
    ["register as string", [["li", "1", 0]], {}, /operand 1/],
    ["imm NaN", [["li", 1, Number.NaN]], {}, /operand 2/],
    ["imm 2^53", [["li", 1, 2 ** 53]], {}, /operand 2/],
    ["imm 2^32", [["li", 1, 2 ** 32]], {}, /operand 2/],
    ["shift 32", [["shli", 1, 1, 32]], {}, /operand 3/],
    ["region not bound", [["ld1", 1, 1, 0, 0]], {}, /operand 2/],
    ["displacement", [["ld1", 1, 0, 0, 40000]], {}, /operand 4/],
    [
      "backward branch",
      [
        ["li", 1, 0],
        ["beq", 1, 1, 0],
      ],
      {},
      /backward/,
    ],
    ["self branch", [["jmp", 0]], {}, /backward/],
    ["past the end", [["jmp", 5]], {}, /past the end/],
    ["next without loop", [["next", 1]], {}, /next without/],
    ["loop without next", [["loop", 1, 2, 5]], {}, /without a next/],
    [
      "wrong counter",
      [
        ["loop", 1, 2, 5],
        ["next", 2],
      ],
      {},
      /another counter/,
    ],
    [
      "counter written",
      [
        ["loop", 1, 2, 5],
        ["addi", 1, 1, 1],
        ["next", 1],
      ],
      {},
      /writes its counter/,
    ],
    [
      "inner loop reuses the counter",
      [
        ["loop", 1, 2, 5],
        ["loop", 1, 2, 5],
        ["next", 1],
        ["next", 1],
      ],
      {},
      /writes its counter/,
    ],
    [
      "branch into a body",
      [
        ["jmp", 2],
        ["loop", 1, 2, 5],
        ["li", 3, 0],
        ["next", 1],
      ],
      {},
      /enters a loop body/,
    ],
    [
      "too many steps",
      [
        ["loop", 1, 2, 200],
        ["loop", 3, 2, 200],
        ["li", 4, 0],
        ["next", 3],
        ["next", 1],
      ],
      {},
      /more than 16384/,
    ],
    [
      "store into a read-only grant",
      [["st1", 1, 1, 0, 0]],
      { grants: [{ length: 64, writable: false }] },
      /read-only/,
    ],
    [
      "store into a read-only message",
      [["st1", 1, 0, 2, 0]],
      { messageWritable: false },
      /read-only/,
    ],
    [
      "constant access past a grant",
      [["ld4", 1, 1, 0, 64]],
      { grants: [{ length: 64, writable: true }] },
      /outside/,
    ],
    [
      "constant negative access",
      [["ld1", 1, 1, 0, -1]],
      { grants: [{ length: 64, writable: true }] },
      /outside/,
    ],
    [
      "constant misaligned access",
      [["ld4", 1, 1, 0, 2]],
      { grants: [{ length: 64, writable: true }] },
      /misaligned/,
    ],
    ["constant access past any message", [["ld1", 1, 0, 0, 1518]], {}, /outside/],
    [
      "a computed constant past a grant",
      [
        ["li", 2, 60],
        ["addi", 2, 2, 4],
        ["st1", 1, 1, 2, 0],
      ],
      { grants: [{ length: 64, writable: true }] },
      /outside/,
    ],
  ];
  for (const [name, program, options, reason] of cases) {
    it(name, () => {
      const v = verifyAsh(program, options);
      expect(v.ok).toBe(false);
      if (!v.ok) {
        expect(v.code).toBe(Result.Invalid);
        expect(v.reason).toMatch(reason);
        expect(v.verifyInstructions).toBeGreaterThan(0);
      }
    });
  }

  it("keeps the checks it cannot prove, and drops the ones it can", () => {
    const ash = verified(
      [
        ["ld4", 1, 1, 0, 8], // constant, inside the grant: no check
        ["ld4", 2, 0, 0, 8], // constant, the message: bound check only
        ["ld4", 3, 1, 1, 0], // r1 is unknown: bound and alignment
        ["ret", 0],
      ],
      { grants: [{ length: 64, writable: true }] },
    );
    expect(Array.from(ash.checks)).toEqual([0, 1, 3, 0]);
    expect(Array.from(ash.cost)).toEqual([2, 5, 7, 2]);
    expect(compileAsh(ash).source.match(/f = 1/g)?.length).toBe(2);
  });

  it("reads untrusted programs without coercion; getters never run; throwing proxies refused", () => {
    const ran: string[] = [];
    const hostile = {
      valueOf() {
        ran.push("valueOf");
        return 1;
      },
    };
    const getterIns: unknown[] = ["li", 1, 0];
    Object.defineProperty(getterIns, 2, {
      get() {
        ran.push("get");
        return 0;
      },
    });
    for (const p of [
      [["li", hostile, 0]],
      [["li", 1, hostile]],
      [getterIns],
      [
        new Proxy(["ret", 0], {
          getOwnPropertyDescriptor: () => {
            throw new Error("x");
          },
        }),
      ],
      new Proxy([], {
        getOwnPropertyDescriptor: () => {
          throw new Error("x");
        },
      }),
      [["ret", 0n]],
      [[{ toString: () => "ret" }, 0]],
    ]) {
      expect(verifyAsh(p).ok).toBe(false);
    }
    expect(ran).toEqual([]);
  });

  it("the word form verifies to the same code", () => {
    const prog: AshProgram = copyChecksumProgram(42, 0, 2000);
    const a = verified(prog);
    const w = verifyAshWords(encodeAsh(prog), prog.length, { grants: [GRANT] });
    expect(w.ok).toBe(true);
    if (w.ok) {
      expect(w.ash.code).toEqual(a.code);
      expect(w.ash.cost).toEqual(a.cost);
    }
    expect(verifyAshWords(Array.from(encodeAsh(prog)), prog.length).ok).toBe(false);
    expect(verifyAshWords(encodeAsh(prog), prog.length + 1).ok).toBe(false);
  });

  it("host misuse (options, grants, message span) throws ArgumentError", () => {
    expect(() => verifyAsh([], { maxSteps: 0 })).toThrow(ArgumentError);
    expect(() => verifyAsh([], { grants: [{ length: 0, writable: true }] })).toThrow(ArgumentError);
    const ash = verified(copyProgram());
    expect(() => new AshRunner(ash, [])).toThrow(ArgumentError);
    expect(() => new AshRunner(ash, [{ bytes: new Uint8Array(100), base: 0 }])).toThrow(
      ArgumentError,
    );
    const runner = new AshRunner(ash, [{ bytes: new Uint8Array(4096), base: 0 }]);
    expect(() => runner.run(new Uint8Array(10), 0, 11)).toThrow(ArgumentError);
    expect(() => runner.run(new Uint8Array(2000), 0, 1519)).toThrow(ArgumentError);
  });

  it("faults: misaligned, too many sends", () => {
    // r1 = length & 1 is not known to the verifier: the alignment is checked at run time.
    const align = verified(
      [
        ["len", 1, 0],
        ["andi", 1, 1, 1],
        ["ld2", 2, 0, 1, 0],
        ["ret", 2],
      ],
      {},
    );
    expect(runBoth(align, new Uint8Array(9)).fault).toBe(AshFault.Align);
    expect(runBoth(align, new Uint8Array(8)).status).toBe(Result.Ok);
    const sends = verified(
      [
        ["li", 1, 1],
        ["li", 2, 5],
        ["loop", 3, 2, 5],
        ["send", 0, 0, 1],
        ["next", 3],
        ["ret", 0],
      ],
      { maxSends: 4 },
    );
    const out = runBoth(sends, new Uint8Array(8));
    expect(out.fault).toBe(AshFault.Send);
    expect(out.sends).toEqual([]);
  });
});
