import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Cpu,
  ExcCode,
  entryHi,
  entryLo,
  IRQ,
  KSEG0,
  KSEG2,
  Machine,
  Resolution,
  SR_CU1,
  SR_IEC,
  SR_KERNEL_IE,
  SR_USER,
  TLB_D,
  TLB_V,
} from "./privileged.js";
import { TEST_COSTS } from "./test-costs.js";

interface Seen {
  code: number;
  epc: number;
  badVaddr: number;
  entryHi: number;
  context: number;
  cause: number;
  status: number;
}

const PC = 0x00401000;
const SENTINEL_BAD = 0x5eed0000;
const PTE_BASE = 0xc0000000; // Context bits 31..21, the kernel's page-table base

function snap(cpu: Cpu): Seen {
  return {
    code: (cpu.cause >>> 2) & 31,
    epc: cpu.epc,
    badVaddr: cpu.badVaddr,
    entryHi: cpu.entryHi,
    context: cpu.context,
    cause: cpu.cause,
    status: cpu.status,
  };
}

/** A machine at a known pc, with every handler recording the registers it sees. */
function recorder(opts: { emulate?: boolean } = {}) {
  const m = new Machine({ memoryBytes: 1 << 20 });
  const seen: Seen[] = [];
  const record = (cpu: Cpu) => {
    seen.push(snap(cpu));
    cpu.emulatedValue = 0x1234;
    if (((cpu.cause >>> 2) & 31) === ExcCode.Int) m.timer.acknowledge();
    cpu.rfe();
    return opts.emulate === false ? Resolution.Retry : Resolution.Emulated;
  };
  for (let code = 0; code < 16; code++) m.setExceptionHandler(code, record);
  m.setRefillHandler(record);
  const cpu = m.cpu;
  cpu.pc = PC;
  cpu.badVaddr = SENTINEL_BAD;
  cpu.context = PTE_BASE;
  cpu.setAsid(7);
  return { m, cpu, seen };
}

const hiOf = (va: number, asid: number) => ((va & 0xfffff000) | (asid << 6)) >>> 0;
/** Context = PTEBase (bits 31..21) | BadVPN (bits 20..2) = VA bits 30..12. */
const ctxOf = (va: number) => (PTE_BASE | (((va >>> 12) & 0x7ffff) << 2)) >>> 0;

describe("every exception sets the registers the R3000 sets", () => {
  it("Mod: EPC, ExcCode 1, BadVAddr, EntryHi (VPN, ASID), Context.BadVPN", () => {
    const { cpu, seen } = recorder();
    cpu.tlbWriteIndexed(12, entryHi(0x123, 7), entryLo(5, TLB_V));
    cpu.pc = PC;
    cpu.store32(0x123458, 1);
    expect(seen).toEqual([
      expect.objectContaining({
        code: ExcCode.Mod,
        epc: PC,
        badVaddr: 0x123458,
        entryHi: hiOf(0x123458, 7),
        context: ctxOf(0x123458),
      }),
    ]);
  });

  it("TLBL / TLBS on a kuseg miss (refill vector): same registers, ExcCode by access kind", () => {
    const { cpu, seen } = recorder();
    cpu.load32(0x2340c);
    cpu.pc = PC + 8;
    cpu.store16(0x7fff0ffe, 1);
    expect(seen).toEqual([
      expect.objectContaining({
        code: ExcCode.TLBL,
        epc: PC,
        badVaddr: 0x2340c,
        entryHi: hiOf(0x2340c, 7),
        context: ctxOf(0x2340c),
      }),
      expect.objectContaining({
        code: ExcCode.TLBS,
        epc: PC + 8,
        badVaddr: 0x7fff0ffe,
        entryHi: hiOf(0x7fff0ffe, 7),
        context: ctxOf(0x7fff0ffe),
      }),
    ]);
  });

  it("TLBL / TLBS on a kseg2 miss or an invalid entry (general vector)", () => {
    const { m, cpu, seen } = recorder();
    let refills = 0;
    m.setRefillHandler(() => {
      refills++;
      return Resolution.Retry;
    });
    cpu.status = SR_KERNEL_IE;
    cpu.load8(KSEG2 + 0x5003);
    cpu.tlbWriteIndexed(13, entryHi(0x44, 7), entryLo(5, TLB_D)); // present, invalid
    cpu.pc = PC;
    cpu.context = PTE_BASE;
    cpu.store32(0x44010, 1);
    expect(refills).toBe(0);
    expect(seen).toEqual([
      expect.objectContaining({
        code: ExcCode.TLBL,
        badVaddr: KSEG2 + 0x5003,
        entryHi: hiOf(KSEG2 + 0x5003, 7),
      }),
      expect.objectContaining({
        code: ExcCode.TLBS,
        epc: PC,
        badVaddr: 0x44010,
        entryHi: hiOf(0x44010, 7),
        context: ctxOf(0x44010),
      }),
    ]);
  });

  // Regression test (was a bug, fixed): raise() puts the whole 20-bit VPN into Context (cpu.ts, raise:
  // `(badVaddr >>> 12) << 2`), so a kseg2 address (VPN >= 0xc0000) sets bit 21 and corrupts
  // PTEBase. The R3000's BadVPN field (bits 20..2) holds VA bits 30..12 only.
  it("a kseg2 fault sets Context.BadVPN from VA bits 30..12 and keeps PTEBase", () => {
    const { cpu, seen } = recorder();
    cpu.status = SR_KERNEL_IE;
    cpu.load8(KSEG2 + 0x5003);
    expect(seen[0]!.context).toBe(ctxOf(KSEG2 + 0x5003));
    expect((cpu.context & 0xffe00000) >>> 0).toBe(PTE_BASE);
  });

  it("AdEL / AdES: EPC, ExcCode, BadVAddr; EntryHi and Context untouched", () => {
    const { cpu, seen } = recorder();
    const hi = cpu.entryHi;
    cpu.load16(0x1001);
    cpu.pc = PC + 4;
    cpu.store32(KSEG0 + 8, 1); // user mode
    expect(seen).toEqual([
      expect.objectContaining({
        code: ExcCode.AdEL,
        epc: PC,
        badVaddr: 0x1001,
        entryHi: hi,
        context: PTE_BASE,
      }),
      expect.objectContaining({
        code: ExcCode.AdES,
        epc: PC + 4,
        badVaddr: KSEG0 + 8,
        entryHi: hi,
        context: PTE_BASE,
      }),
    ]);
  });

  it("DBE: EPC and ExcCode 7; BadVAddr is not set", () => {
    const { cpu, seen } = recorder();
    cpu.status = SR_KERNEL_IE;
    expect(cpu.load32(KSEG0 + (1 << 20))).toBe(0x1234);
    expect(seen).toEqual([
      expect.objectContaining({ code: ExcCode.DBE, epc: PC, badVaddr: SENTINEL_BAD }),
    ]);
  });

  it("Sys and Bp: EPC at the instruction, ExcCode 8 / 9, BadVAddr untouched", () => {
    const { cpu, seen } = recorder();
    cpu.syscall();
    cpu.pc = PC + 40;
    cpu.breakpoint();
    expect(seen.map((s) => [s.code, s.epc, s.badVaddr])).toEqual([
      [ExcCode.Sys, PC, SENTINEL_BAD],
      [ExcCode.Bp, PC + 40, SENTINEL_BAD],
    ]);
  });

  it("Ov: EPC at the add, ExcCode 12; an emulating handler supplies the result; no trap without overflow", () => {
    const { cpu, seen } = recorder();
    expect(cpu.addTrapping(0x7ffffff0, 0xf)).toBe(0x7fffffff);
    expect(seen).toEqual([]);
    cpu.pc = PC;
    expect(cpu.addTrapping(0x7fffffff, 1)).toBe(0x1234);
    expect(cpu.pc).toBe(PC + 4);
    expect(cpu.addTrapping(-0x80000000, -1)).toBe(0x1234);
    expect(seen.map((s) => [s.code, s.badVaddr])).toEqual([
      [ExcCode.Ov, SENTINEL_BAD],
      [ExcCode.Ov, SENTINEL_BAD],
    ]);
    expect(seen[0]!.epc).toBe(PC);
    expect(cpu.addTrapping(-5, 3)).toBe(-2);
  });

  it("Ov: a handler that returns Retry re-executes the add, which overflows again (bounded)", () => {
    const { cpu, seen } = recorder({ emulate: false });
    cpu.faultRetryLimit = 3;
    expect(() => cpu.addTrapping(0x7fffffff, 1)).toThrow(/fault storm/);
    expect(seen.length).toBe(4);
    expect(new Set(seen.map((s) => s.epc)).size).toBe(1);
  });

  it("CpU: raised by a coprocessor-1 instruction without CU1, ExcCode 11; none with CU1", () => {
    const { cpu, seen } = recorder();
    expect(cpu.coprocessor1()).toBe(false);
    expect(seen.map((s) => [s.code, s.epc, s.badVaddr])).toEqual([[ExcCode.CpU, PC, SENTINEL_BAD]]);
    expect((cpu.cause >>> 28) & 3).toBe(1);
    cpu.status |= SR_CU1;
    const t = cpu.now;
    expect(cpu.coprocessor1()).toBe(true);
    expect(cpu.now - t).toBe(cpu.profile.cyclesPerInstruction);
    expect(seen.length).toBe(1);
  });

  // Regression test (was a bug, fixed): coprocessor1() sets Cause.CE after the handler has returned, so the handler
  // cannot tell which coprocessor was unusable (cpu.ts, coprocessor1).
  it("CpU: the handler sees Cause.CE = 1 (coprocessor 1)", () => {
    const { cpu, seen } = recorder();
    cpu.cause = 0;
    cpu.coprocessor1();
    expect((seen[0]!.cause >>> 28) & 3).toBe(1);
  });

  // Regression test (was a bug, fixed): coprocessor1() ignores the handler's Resolution. The classic lazy-FPU handler
  // sets CU1 and returns Retry: the instruction must then execute (cpu.ts, coprocessor1).
  it("CpU: a handler that enables CU1 and returns Retry gets the instruction executed", () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    m.setExceptionHandler(ExcCode.CpU, (cpu) => {
      cpu.status |= SR_CU1;
      cpu.rfe();
      return Resolution.Retry;
    });
    expect(m.cpu.coprocessor1()).toBe(true);
  });

  it("Int: ExcCode 0, Cause.IP7 pending, EPC, BadVAddr untouched; status pushed", () => {
    const { m, cpu, seen } = recorder();
    cpu.status = SR_USER;
    m.timer.start(100, true);
    cpu.pc = PC;
    cpu.exec(TEST_COSTS["test.work"], 200);
    expect(seen.length).toBe(1);
    const s = seen[0]!;
    expect(s.code).toBe(ExcCode.Int);
    expect((s.cause >>> 8) & 0xff).toBe(1 << IRQ.Timer);
    expect(s.badVaddr).toBe(SENTINEL_BAD);
    // The interrupt splits the exec: EPC lies within the instructions it covers.
    expect(s.epc).toBeGreaterThanOrEqual(PC);
    expect(s.epc).toBeLessThanOrEqual(PC + 4 * 200);
    expect(s.status & 0x3f).toBe((SR_USER & 3) << 2);
    expect((cpu.cause >>> 8) & 0xff).toBe(0); // acknowledged
  });

  it("every handler runs in kernel mode with interrupts off and as the kernel owner", () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const app = m.registerOwner(2, 1, "app");
    m.cpu.setOwner(app);
    const owners: number[] = [];
    m.setExceptionHandler(ExcCode.Sys, (cpu) => {
      owners.push(cpu.owner, cpu.status & 3, cpu.exceptionDepth);
      cpu.rfe();
      return Resolution.Retry;
    });
    m.cpu.syscall();
    expect(owners).toEqual([0, 0, 1]);
    expect(m.cpu.owner).toBe(app);
    expect(m.cpu.exceptionDepth).toBe(0);
  });
});

describe("a translated access never throws for a simulated reason", () => {
  const frames = 64;

  /** A kernel that maps any page (within memory), sets D on Mod and emulates the rest. */
  function tolerantKernel() {
    const m = new Machine({ memoryBytes: frames * 4096, seed: 5 });
    const map = (cpu: Cpu, dirty: boolean) => {
      const vpn = cpu.badVaddr >>> 12;
      const lo = entryLo(vpn % frames, TLB_V | (dirty ? TLB_D : 0));
      const i = cpu.tlbProbe(vpn, cpu.asid);
      if (i >= 0) cpu.tlbWriteIndexed(i, entryHi(vpn, cpu.asid), lo);
      else cpu.tlbWriteRandom(entryHi(vpn, cpu.asid), lo);
      cpu.rfe();
      return Resolution.Retry;
    };
    const emulate = (cpu: Cpu) => {
      cpu.emulatedValue = 0xffffffff;
      cpu.rfe();
      return Resolution.Emulated;
    };
    // Pages with an odd VPN are mapped clean, so that their first store takes Mod.
    m.setRefillHandler((cpu) => map(cpu, ((cpu.badVaddr >>> 12) & 1) === 0));
    m.setExceptionHandler(ExcCode.TLBL, (cpu) => map(cpu, false));
    m.setExceptionHandler(ExcCode.TLBS, (cpu) => map(cpu, true));
    m.setExceptionHandler(ExcCode.Mod, (cpu) => map(cpu, true));
    m.setExceptionHandler(ExcCode.AdEL, emulate);
    m.setExceptionHandler(ExcCode.AdES, emulate);
    m.setExceptionHandler(ExcCode.DBE, emulate);
    m.setExceptionHandler(ExcCode.Int, (cpu) => {
      m.timer.acknowledge();
      cpu.rfe();
      return Resolution.Retry;
    });
    return m;
  }

  const address = fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.integer({ min: 0, max: 0x20000 }),
    fc.integer({ min: KSEG0, max: KSEG0 + frames * 4096 + 64 }),
    fc.integer({ min: 0xa0000000, max: 0xa0000000 + frames * 4096 + 64 }),
    fc.integer({ min: KSEG2, max: KSEG2 + 0x10000 }),
  );
  const op = fc.record({
    va: address,
    size: fc.constantFrom(1, 2, 4),
    store: fc.boolean(),
    user: fc.boolean(),
    asid: fc.integer({ min: 0, max: 63 }),
    value: fc.integer({ min: -0x80000000, max: 0xffffffff }),
  });

  it("random loads and stores in user and kernel mode complete with a value in range", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const m = tolerantKernel();
        const cpu = m.cpu;
        m.timer.start(97);
        for (const o of ops) {
          cpu.status = o.user ? SR_USER : SR_KERNEL_IE;
          cpu.setAsid(o.asid);
          if (o.store) {
            if (o.size === 4) cpu.store32(o.va, o.value);
            else if (o.size === 2) cpu.store16(o.va, o.value);
            else cpu.store8(o.va, o.value);
          } else {
            const v =
              o.size === 4 ? cpu.load32(o.va) : o.size === 2 ? cpu.load16(o.va) : cpu.load8(o.va);
            const max = o.size === 4 ? 0xffffffff : o.size === 2 ? 0xffff : 0xff;
            if (!(Number.isInteger(v) && v >= 0 && (v <= max || v === 0xffffffff))) return false;
          }
          if ((cpu.status & 0x3f) !== ((o.user ? SR_USER : SR_KERNEL_IE) & 0x3f)) return false;
        }
        return cpu.exceptionDepth === 0;
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it("random block copies and zeroes within kuseg complete and copy the bytes", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dst: fc.integer({ min: 0, max: 0x40000 }),
            src: fc.integer({ min: 0, max: 0x40000 }),
            bytes: fc.integer({ min: 0, max: 9000 }),
            zero: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (ops) => {
          const m = tolerantKernel();
          const cpu = m.cpu;
          cpu.status = SR_USER;
          m.timer.start(211);
          for (const o of ops) {
            if (o.zero) cpu.zero(o.dst, o.bytes);
            else cpu.copy(o.dst, o.src, o.bytes);
          }
          return cpu.status === SR_USER && cpu.exceptionDepth === 0;
        },
      ),
      { numRuns: 60, seed: 43 },
    );
  });

  it("interrupt handlers do not disturb an access in progress", () => {
    const m = tolerantKernel();
    const cpu = m.cpu;
    cpu.status = SR_USER;
    m.timer.start(3);
    for (let i = 0; i < 200; i++) cpu.store32(0x8000 + 4 * i, i);
    let sum = 0;
    for (let i = 0; i < 200; i++) sum += cpu.load32(0x8000 + 4 * i);
    expect(sum).toBe((199 * 200) / 2);
    expect(m.timer.expiries).toBeGreaterThan(100);
    expect(cpu.status & SR_IEC).toBe(SR_IEC);
  });
});
