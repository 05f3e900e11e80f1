import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ArgumentError,
  CATEGORY_COUNT,
  Category,
  ContextAbort,
  ExcCode,
  entryHi,
  entryLo,
  KSEG0,
  KSEG1,
  Machine,
  OwnerKind,
  Resolution,
  TLB_D,
  TLB_G,
  TLB_N,
  TLB_V,
  Tracer,
} from "./privileged.js";
import { HITS_ONLY, TEST_COSTS } from "./test-costs.js";

/** Regression tests for bugs found in review (each failed before its fix). */

function dbeLog(m: Machine): number[] {
  const codes: number[] = [];
  for (const code of [ExcCode.DBE, ExcCode.TLBL, ExcCode.TLBS]) {
    m.setExceptionHandler(code, (cpu) => {
      codes.push((cpu.cause >>> 2) & 31);
      cpu.emulatedValue = 5;
      cpu.rfe();
      return Resolution.Emulated;
    });
  }
  return codes;
}

describe("TLB entries the index must not mistranslate", () => {
  // Bug: pageBase was (lo >>> 12) << 12 in an Int32Array: a valid entry with PFN >= 2^19
  // became negative, i.e. "invalid", so the access raised TLBL instead of a bus error.
  for (const fast of [true, false]) {
    it(`a valid entry whose PFN is 2^19 or more raises DBE, not TLBL (index ${fast})`, () => {
      const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20, fastTlbIndex: fast });
      const codes = dbeLog(m);
      m.cpu.tlbWriteIndexed(9, entryHi(4, 0), entryLo(0xfffff, TLB_V | TLB_D));
      expect(m.cpu.load32(0x4000)).toBe(5);
      m.cpu.store32(0x4000, 1);
      expect(codes).toEqual([ExcCode.DBE, ExcCode.DBE]);
    });
  }

  // Bug: the N (non-cacheable) bit was ignored: a mapped uncached page was charged a cache hit.
  for (const fast of [true, false]) {
    it(`a mapped access to a page with N set costs an uncached reference (index ${fast})`, () => {
      const m = new Machine({ profile: HITS_ONLY, fastTlbIndex: fast });
      m.cpu.tlbWriteIndexed(9, entryHi(4, 0), entryLo(40, TLB_V | TLB_D | TLB_N));
      m.cpu.tlbWriteIndexed(10, entryHi(5, 0), entryLo(41, TLB_V | TLB_D));
      const t0 = m.cpu.now;
      for (let i = 0; i < 3; i++) m.cpu.store32(0x4000 + 4 * i, i);
      for (let i = 0; i < 3; i++) expect(m.cpu.load32(0x4000 + 4 * i)).toBe(i);
      expect(m.cpu.now - t0).toBe(6 * m.profile.uncachedAccessCycles);
      const t1 = m.cpu.now;
      for (let i = 0; i < 3; i++) m.cpu.load32(0x5000 + 4 * i);
      expect(m.cpu.now - t1).toBe(3 * m.profile.cachedAccessCycles);
    });
  }
});

describe("block copies are charged each reference's own cost", () => {
  // Bug: copy/zero charged every word as a cache hit, even through kseg1 (uncached).
  it("zero and copy through kseg1 pay uncached references", () => {
    const m = new Machine({ profile: HITS_ONLY });
    const p = m.profile;
    m.cpu.setStatus(0);
    let t = m.cpu.now;
    m.cpu.zero(KSEG1 + 0x1000, 16);
    expect(m.cpu.now - t).toBe(4 * p.uncachedAccessCycles);
    t = m.cpu.now;
    m.cpu.copy(KSEG1 + 0x2000, KSEG0 + 0x1000, 16);
    expect(m.cpu.now - t).toBe(4 * (p.uncachedAccessCycles + p.cachedAccessCycles));
    t = m.cpu.now;
    m.cpu.copy(KSEG0 + 0x3000, KSEG0 + 0x1000, 16);
    expect(m.cpu.now - t).toBe(4 * 2 * p.cachedAccessCycles);
  });
});

describe("deferred fast-path accounting is exact wherever it is read", () => {
  function warm(trace = false) {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20, trace });
    m.cpu.tlbWriteIndexed(9, entryHi(4, 0), entryLo(40, TLB_V | TLB_D));
    m.cpu.load32(0x4000); // indexes the entry
    const app = m.registerOwner(OwnerKind.Application, 1, "app");
    m.cpu.setOwner(app);
    const base = m.cpu.now;
    for (let i = 0; i < 100; i++) m.cpu.load32(0x4000 + 4 * (i & 63));
    return { m, app, base };
  }
  const memOf = (t: Float64Array, owner: number) => t[owner * CATEGORY_COUNT + Category.Memory]!;

  // Bug: `cpu.attr`, `accounting.table` and `accounting.snapshot()` were read without the
  // accesses still held in the budget.
  it("cpu.attr, accounting.table and accounting.snapshot() include the pending accesses", () => {
    const a = warm();
    expect(memOf(a.m.cpu.attr, a.app)).toBe(100);
    const b = warm();
    expect(memOf(b.m.accounting.table, b.app)).toBe(100);
    const c = warm();
    expect(memOf(c.m.accounting.snapshot().table, c.app)).toBe(100);
  });

  // Bug: registering an owner through the Accounting directly grew the table behind the CPU's
  // back: later charges landed in the old array and were lost.
  it("an owner registered on the Accounting directly loses no cycles", () => {
    const { m } = warm();
    const extra: number[] = [];
    for (let i = 0; i < 20; i++) extra.push(m.accounting.registerOwner(OwnerKind.LibOS, i, "x"));
    m.cpu.setOwner(extra[19]!);
    m.cpu.exec(TEST_COSTS["t.work"], 7);
    for (let i = 0; i < 5; i++) m.cpu.load32(0x4000);
    const t = m.snapshot().table;
    let sum = 0;
    for (const v of t) sum += v;
    expect(sum).toBe(m.cpu.now);
    expect(memOf(t, extra[19]!)).toBe(5);
  });

  // Bug: an event put in the queue directly (not through a device) was invisible to the CPU's
  // budget until something else re-read the queue: it fired late.
  it("an event scheduled on the queue directly fires at its exact cycle", () => {
    for (const trace of [false, true]) {
      const { m } = warm(trace);
      const at = m.cpu.now + 10;
      let firedAt = -1;
      m.events.schedule(at, "test", () => {
        firedAt = m.cpu.now;
      });
      for (let i = 0; i < 30; i++) m.cpu.load32(0x4000);
      expect(firedAt).toBe(at);
    }
  });
});

describe("the host TLB map under random churn (property)", () => {
  type Op =
    | { k: "wi"; slot: number; vpn: number; asid: number; pfn: number; flags: number }
    | { k: "wr"; vpn: number; asid: number; pfn: number; flags: number }
    | { k: "inv"; vpn: number; asid: number }
    | { k: "asid"; asid: number }
    | { k: "ld" | "st"; vpn: number; off: number }
    | { k: "flushAsid"; asid: number };

  const vpnA = fc.integer({ min: 0, max: 5 }).map((v) => v + 0x10);
  const asidA = fc.integer({ min: 0, max: 3 });
  // Frames 0..255 exist (1 MiB); 300 and 0xfffff do not.
  const pfnA = fc.constantFrom(20, 21, 22, 23, 300, 0xfffff);
  const flagsA = fc
    .subarray([TLB_V, TLB_D, TLB_G, TLB_N])
    .map((fs) => fs.reduce((a, b) => a | b, 0));
  const opA: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      k: fc.constant("wi" as const),
      slot: fc.integer({ min: 0, max: 63 }),
      vpn: vpnA,
      asid: asidA,
      pfn: pfnA,
      flags: flagsA,
    }),
    fc.record({ k: fc.constant("wr" as const), vpn: vpnA, asid: asidA, pfn: pfnA, flags: flagsA }),
    fc.record({ k: fc.constant("inv" as const), vpn: vpnA, asid: asidA }),
    fc.record({ k: fc.constant("asid" as const), asid: asidA }),
    fc.record({ k: fc.constant("flushAsid" as const), asid: asidA }),
    fc.record({
      k: fc.constantFrom("ld" as const, "st" as const),
      vpn: vpnA,
      off: fc.integer({ min: 0, max: 1023 }).map((w) => w * 4),
    }),
  );

  /** Every exception emulated (so the run never depends on a handler's policy). */
  function run(ops: Op[], fast: boolean, trace: boolean) {
    const m = new Machine({
      profile: HITS_ONLY,
      memoryBytes: 1 << 20,
      fastTlbIndex: fast,
      trace,
      seed: 9,
    });
    const log: number[] = [];
    const handler = (cpu: Machine["cpu"]) => {
      log.push((cpu.cause >>> 2) & 31, cpu.badVaddr, cpu.entryHi, cpu.context, cpu.epc);
      cpu.emulatedValue = 0x5a5a;
      cpu.exec(TEST_COSTS["t.h"], 2);
      cpu.rfe();
      return Resolution.Emulated;
    };
    m.setRefillHandler(handler);
    for (const c of [ExcCode.Mod, ExcCode.TLBL, ExcCode.TLBS, ExcCode.DBE])
      m.setExceptionHandler(c, handler);
    m.timer.start(37); // interrupts at exact cycles in the middle of the fast path
    m.setExceptionHandler(ExcCode.Int, (cpu) => {
      log.push(-1, cpu.now, cpu.epc);
      m.timer.acknowledge();
      cpu.rfe();
      return Resolution.Retry;
    });
    const cpu = m.cpu;
    let v = 1;
    for (const op of ops) {
      switch (op.k) {
        case "wi":
          cpu.tlbWriteIndexed(op.slot, entryHi(op.vpn, op.asid), entryLo(op.pfn, op.flags));
          break;
        case "wr":
          log.push(cpu.tlbWriteRandom(entryHi(op.vpn, op.asid), entryLo(op.pfn, op.flags)));
          break;
        case "inv":
          cpu.tlbInvalidate(op.vpn, op.asid);
          break;
        case "asid":
          cpu.setAsid(op.asid);
          break;
        case "flushAsid":
          m.tlb.invalidateAsid(op.asid);
          break;
        case "ld":
          for (let i = 0; i < 3; i++) log.push(cpu.load32(op.vpn * 4096 + op.off));
          break;
        case "st":
          for (let i = 0; i < 3; i++) cpu.store32(op.vpn * 4096 + op.off, v++);
          break;
      }
    }
    log.push(cpu.now, cpu.pc);
    return {
      log,
      table: Array.from(m.snapshot().table),
      mem: Array.from(m.memory.u32.subarray((20 * 4096) >>> 2, (24 * 4096) >>> 2)),
      hash: trace ? m.tracer!.hash() : "",
    };
  }

  it("refills, faults, cycles, memory and trace are identical with the index off", () => {
    fc.assert(
      fc.property(fc.array(opA, { minLength: 1, maxLength: 120 }), (ops) => {
        const on = run(ops, true, false);
        expect(run(ops, false, false)).toEqual(on);
        const tracedOn = run(ops, true, true);
        expect(run(ops, false, true)).toEqual(tracedOn);
        expect({ ...tracedOn, hash: "" }).toEqual(on);
      }),
      { numRuns: 150, seed: 20261127 },
    );
  });

  it("the host map is a fixed 2 MiB and holds only the current address space's pages", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const before = m.tlb.hostMapBytes;
    for (let asid = 0; asid < 64; asid++) {
      m.cpu.setAsid(asid);
      m.cpu.tlbWriteIndexed(8 + (asid % 56), entryHi(asid, asid), entryLo(asid, TLB_V));
      m.cpu.load32(asid * 4096);
      // This space's one page; the other spaces' entries stay in the TLB, not in the map.
      expect(m.tlb.indexedEntries).toBe(1);
    }
    expect(m.tlb.hostMapBytes).toBe(before);
    expect(before).toBe(2 * 1024 * 1024);
  });
});

describe("host API misuse found in review: typed errors before anything changes", () => {
  function state(m: Machine) {
    return {
      now: m.cpu.now,
      pc: m.cpu.pc,
      owner: m.cpu.owner,
      cause: m.cpu.cause,
      table: Array.from(m.snapshot().table),
    };
  }

  // Bug: setOwner took any number; charges to an unregistered owner fell outside the table
  // (lost), and a fractional owner spread them over the wrong cells.
  it("setOwner with an unregistered or non-integer owner", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const before = state(m);
    for (const o of [1, -1, 1.5, Number.NaN, 99])
      expect(() => m.cpu.setOwner(o)).toThrow(/unknown owner/);
    expect(() => m.createContext("c", 0.5, (function* () {})())).toThrow(ArgumentError);
    expect(state(m)).toEqual(before);
  });

  // Bug: charge accepted NaN, negative or fractional cycles and unknown categories: the clock
  // became NaN or ran backwards, or cycles vanished from the attribution.
  it("charge with bad cycles or category", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const before = state(m);
    for (const c of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => m.cpu.charge(c, Category.Kernel)).toThrow(ArgumentError);
    for (const cat of [-1, 12, 1.5])
      expect(() => m.cpu.charge(1, cat as Category)).toThrow(/category/);
    expect(state(m)).toEqual(before);
  });

  // Bug: a non-function handler was installed silently; the exception then threw a TypeError.
  it("installing a handler that is not a function", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    expect(() => m.setExceptionHandler(ExcCode.Sys, 5 as never)).toThrow(/must be a function/);
    expect(() => m.setRefillHandler({} as never)).toThrow(ArgumentError);
    expect(m.cpu.handlers[ExcCode.Sys]).toBe(undefined);
    expect(m.cpu.refillHandler).toBe(undefined);
  });

  // Bug: assertIrq / clearIrq took any line: line -1 or 1 wrote into Cause.ExcCode / bit 9.
  it("assertIrq / clearIrq with a line outside 2..7", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const before = state(m);
    for (const l of [-1, 0, 1, 8, 2.5]) {
      expect(() => m.cpu.assertIrq(l)).toThrow(/interrupt line/);
      expect(() => m.cpu.clearIrq(l)).toThrow(/interrupt line/);
    }
    expect(state(m)).toEqual(before);
  });
});

describe("exec on a profile with several cycles per instruction", () => {
  // Bug: with cyclesPerInstruction > 1 and an event inside the next instruction (room <
  // cpi), exec found no whole instruction to run before it, "took" the events due (none) and
  // looped forever. Now the straddling instruction completes and the interrupt follows it.
  it("an event inside an instruction is taken at the end of that instruction", () => {
    const m = new Machine({
      profile: { ...m0().profile, cyclesPerInstruction: 2 },
    });
    const seen: number[] = [];
    m.setExceptionHandler(ExcCode.Int, (cpu) => {
      seen.push(cpu.now - m.profile.exceptionEntryCycles, cpu.epc);
      m.timer.stop();
      m.timer.acknowledge();
      cpu.rfe();
      return Resolution.Retry;
    });
    m.cpu.setStatus(0x0000ff01); // kernel mode, interrupts on
    m.timer.start(7, true);
    const t0 = m.cpu.now;
    const pc0 = m.cpu.pc;
    m.cpu.exec(TEST_COSTS["t.work"], 10);
    expect(seen).toEqual([t0 + 8, pc0 + 16]);
    expect(m.cpu.pc).toBe(pc0 + 40);
  });
});

function m0(): Machine {
  return new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
}

describe("execution-model contract after an abort from nested handlers", () => {
  it("the next context runs with its own owner, status and PC; idle stays the kernel's", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const a = m.registerOwner(OwnerKind.Application, 1, "a");
    const b = m.registerOwner(OwnerKind.Application, 2, "b");
    m.setExceptionHandler(ExcCode.Sys, (cpu) => {
      cpu.exec(TEST_COSTS["t.sys"], 5);
      cpu.setStatus(cpu.status | 1); // interrupts on inside the handler: the timer nests
      cpu.exec(TEST_COSTS["t.sys"], 1000);
      cpu.rfe();
      return Resolution.Retry;
    });
    m.setExceptionHandler(ExcCode.Int, () => {
      m.timer.acknowledge();
      throw new ContextAbort("killed from a nested interrupt");
    });
    const seen: number[] = [];
    // biome-ignore lint/correctness/useYield: runs to its end
    function* victim(): Generator<unknown, void, unknown> {
      m.cpu.exec(TEST_COSTS["t.user"], 10);
      m.cpu.syscall();
    }
    // biome-ignore lint/correctness/useYield: runs to its end
    function* next(): Generator<unknown, void, unknown> {
      seen.push(m.cpu.owner, m.cpu.status, m.cpu.pc, m.cpu.exceptionDepth);
      m.cpu.exec(TEST_COSTS["t.user"], 7);
    }
    const v = m.createContext("v", a, victim());
    const n = m.createContext("n", b, next(), { pc: 0x00500000 });
    m.timer.start(200, true);
    const order = [v, n];
    let i = 0;
    const before = m.snapshot();
    m.run({ pickNext: () => order[i++] ?? null });
    expect(v.state).toBe("aborted");
    expect(n.state).toBe("done");
    expect(seen).toEqual([b, 0x0000ff03, 0x00500000, 0]);
    const after = m.snapshot();
    const userOf = (o: number) =>
      after.table[o * CATEGORY_COUNT + Category.User]! -
      before.table[o * CATEGORY_COUNT + Category.User]!;
    expect(userOf(b)).toBe(7);
    expect(userOf(a)).toBe(10);
    let sum = 0;
    for (const x of after.table) sum += x;
    expect(sum).toBe(m.cpu.now);
  });
});

describe("an event already due is taken before the next instruction", () => {
  // Bug: an event scheduled for the current cycle (by kernel code, on the queue) was taken
  // before the next `exec` instruction but only after the next access: one access late.
  for (const fast of [true, false]) {
    it(`before a load or store (index ${fast})`, () => {
      const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20, fastTlbIndex: fast });
      m.cpu.tlbWriteIndexed(9, entryHi(4, 0), entryLo(40, TLB_V | TLB_D));
      m.cpu.load32(0x4000);
      const fired: number[] = [];
      for (const op of [() => m.cpu.load32(0x4000), () => m.cpu.store32(0x4000, 1)]) {
        m.events.schedule(m.cpu.now, "now", () => fired.push(m.cpu.now));
        const t0 = m.cpu.now;
        op();
        expect(fired.at(-1)).toBe(t0);
      }
    });
  }
});

describe("the deferred accounting under toggles and traps (index on vs off)", () => {
  function scenario(fast: boolean) {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20, fastTlbIndex: fast });
    const app = m.registerOwner(OwnerKind.Application, 1, "app");
    const seen: number[] = [];
    m.setExceptionHandler(ExcCode.Sys, (cpu) => {
      seen.push(cpu.epc, cpu.now, cpu.attr[app * CATEGORY_COUNT + Category.Memory]!);
      cpu.load32(0x4000); // a kernel access to kuseg inside the handler, as the kernel
      cpu.rfe();
      return Resolution.Retry;
    });
    m.cpu.tlbWriteIndexed(9, entryHi(4, 1), entryLo(40, TLB_V | TLB_D));
    m.cpu.setAsid(1);
    m.cpu.setOwner(app);
    for (let i = 0; i < 10; i++) m.cpu.load32(0x4000 + 4 * i);
    m.cpu.syscall();
    m.cpu.tracer = new Tracer(); // tracing switched on mid-run
    for (let i = 0; i < 10; i++) m.cpu.store32(0x4000 + 4 * i, i);
    m.cpu.tracer = null;
    m.cpu.setAsid(2); // another address space, mapped below
    m.cpu.tlbWriteIndexed(10, entryHi(4, 2), entryLo(41, TLB_V | TLB_D));
    for (let i = 0; i < 10; i++) m.cpu.load32(0x4000 + 4 * i);
    m.cpu.syscall();
    return { seen, now: m.cpu.now, pc: m.cpu.pc, table: Array.from(m.snapshot().table) };
  }
  it("EPC, clock and attribution seen by a handler are the same with the index off", () => {
    const on = scenario(true);
    expect(scenario(false)).toEqual(on);
    expect(on.seen[0]).toBe(0x00400000 + 4 * 10); // the 10 loads before it
  });
});
