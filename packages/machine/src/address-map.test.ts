import { describe, expect, it } from "vitest";
import {
  Category,
  ExcCode,
  KernelContractError,
  KSEG0,
  KSEG1,
  KSEG2,
  Machine,
  Resolution,
  SR_IEC,
  SR_IEO,
  SR_IEP,
  SR_KUC,
  SR_KUO,
  SR_KUP,
  SR_USER,
} from "./privileged.js";
import { HITS_ONLY, hitsOnly } from "./test-costs.js";

describe("address map: kernel segments from user mode", () => {
  function userMachine() {
    const m = new Machine({ profile: HITS_ONLY });
    const log: { code: number; bad: number; status: number }[] = [];
    for (const code of [ExcCode.AdEL, ExcCode.AdES]) {
      m.setExceptionHandler(code, (cpu) => {
        log.push({ code: (cpu.cause >>> 2) & 31, bad: cpu.badVaddr, status: cpu.status });
        cpu.emulatedValue = 0x5a5a;
        cpu.rfe();
        return Resolution.Emulated;
      });
    }
    m.cpu.status = SR_USER;
    return { m, log };
  }

  for (const [name, base] of [
    ["kseg0", KSEG0],
    ["kseg1", KSEG1],
    ["kseg2", KSEG2],
  ] as const) {
    it(`a user load / store in ${name} raises AdEL / AdES with BadVAddr, memory untouched`, () => {
      const { m, log } = userMachine();
      m.memory.write32(0x100, 0x77);
      const va = (base + 0x100) >>> 0;
      expect(m.cpu.load32(va)).toBe(0x5a5a);
      m.cpu.store32(va, 1);
      m.cpu.store8(va + 1, 1);
      expect(m.cpu.load16(va + 2)).toBe(0x5a5a);
      expect(log.map((e) => [e.code, e.bad])).toEqual([
        [ExcCode.AdEL, va],
        [ExcCode.AdES, va],
        [ExcCode.AdES, va + 1],
        [ExcCode.AdEL, va + 2],
      ]);
      // In the handler: kernel mode, interrupts off, the user mode pushed to "previous".
      for (const e of log) expect(e.status & 0x3f).toBe(((SR_USER & 0xf) << 2) & 0x3c);
      expect(m.memory.read32(0x100)).toBe(0x77);
      expect(m.cpu.status).toBe(SR_USER);
    });
  }

  it("unaligned accesses raise AdEL / AdES in any segment, with BadVAddr", () => {
    const { m, log } = userMachine();
    m.cpu.load32(0x1001);
    m.cpu.load16(0x1003);
    m.cpu.store32(0x1002, 0);
    m.cpu.store16(0x1001, 0);
    m.cpu.status = 0; // kernel
    m.cpu.load32(KSEG0 + 2);
    m.cpu.store16(KSEG1 + 1, 0);
    expect(log.map((e) => [e.code, e.bad])).toEqual([
      [ExcCode.AdEL, 0x1001],
      [ExcCode.AdEL, 0x1003],
      [ExcCode.AdES, 0x1002],
      [ExcCode.AdES, 0x1001],
      [ExcCode.AdEL, KSEG0 + 2],
      [ExcCode.AdES, KSEG1 + 1],
    ]);
  });
});

describe("address map: kernel kseg0 / kseg1", () => {
  it("kseg0 and kseg1 alias physical memory without the TLB; kseg0 is cached, kseg1 uncached", () => {
    const m = new Machine({ profile: HITS_ONLY });
    m.setRefillHandler(() => {
      throw new Error("unmapped segments never use the TLB");
    });
    const cpu = m.cpu;
    cpu.status = 0; // kernel mode, interrupts off
    const p = m.profile;
    let t = cpu.now;
    cpu.store32(KSEG0 + 0x2000, 0xcafe);
    expect(cpu.now - t).toBe(p.cachedAccessCycles);
    t = cpu.now;
    expect(cpu.load32(KSEG1 + 0x2000)).toBe(0xcafe);
    expect(cpu.now - t).toBe(p.uncachedAccessCycles);
    t = cpu.now;
    cpu.store8(KSEG1 + 0x2004, 1);
    cpu.load16(KSEG1 + 0x2004);
    expect(cpu.now - t).toBe(2 * p.uncachedAccessCycles);
    expect(m.memory.read32(0x2000)).toBe(0xcafe);
    expect(m.accounting.table[Category.Memory]).toBe(
      p.cachedAccessCycles + 3 * p.uncachedAccessCycles,
    );
  });

  it("the profile numbers set the costs (dec3100: uncached 6 cycles)", () => {
    for (const name of ["dec5000_125", "dec3100", "dec2100"] as const) {
      const m = new Machine({ profile: hitsOnly(name) });
      m.cpu.status = 0;
      const t = m.cpu.now;
      m.cpu.load32(KSEG0);
      m.cpu.load32(KSEG1);
      expect(m.cpu.now - t).toBe(m.profile.cachedAccessCycles + m.profile.uncachedAccessCycles);
    }
    expect(new Machine({ profile: "dec3100" }).profile.uncachedAccessCycles).toBe(6);
    expect(new Machine({ profile: HITS_ONLY }).profile.uncachedAccessCycles).toBe(15);
  });

  it("a kernel-mode access to kuseg goes through the TLB (refill vector)", () => {
    const m = new Machine({ profile: HITS_ONLY });
    let refills = 0;
    m.setRefillHandler((cpu) => {
      refills++;
      expect(cpu.status & 0xf).toBe(0); // KUp = 0: the fault came from kernel mode
      cpu.tlbWriteRandom((cpu.badVaddr & 0xfffff000) >>> 0, (10 << 12) | 0x600);
      cpu.rfe();
      return Resolution.Retry;
    });
    m.cpu.status = 0;
    m.cpu.store32(0x3000, 4);
    expect(refills).toBe(1);
    expect(m.memory.read32(10 * 4096)).toBe(4);
  });
});

describe("the KU/IE stack and rfe", () => {
  it("pushes on each exception and pops on each rfe, three levels deep", () => {
    const m = new Machine({ profile: HITS_ONLY });
    const cpu = m.cpu;
    // Bits as (KU, IE) pairs o|p|c; the user thread runs with c = (1, 1), o = p = (0, 0).
    const bits = (o: number, p: number, c: number) => (o << 4) | (p << 2) | c;
    const U = 0b11;
    const KI = 0b01; // kernel, interrupts on
    const K = 0b00;
    const seen: number[] = [];
    m.setExceptionHandler(ExcCode.Sys, (c) => {
      seen.push(c.status & 0x3f);
      c.rfe();
      seen.push(c.status & 0x3f);
      return Resolution.Retry;
    });
    m.setExceptionHandler(ExcCode.Bp, (c) => {
      seen.push(c.status & 0x3f);
      c.status |= SR_IEC; // the kernel re-enables interrupts, then takes a nested syscall
      c.syscall();
      seen.push(c.status & 0x3f);
      c.status &= ~SR_IEC;
      c.rfe();
      return Resolution.Retry;
    });
    cpu.status = SR_USER;
    expect(cpu.status & 0x3f).toBe(bits(K, K, U));
    cpu.breakpoint();
    expect(seen).toEqual([
      bits(K, U, K), // Bp taken: user pushed to previous
      bits(U, KI, K), // Sys taken: user to old, kernel/on to previous
      bits(U, U, KI), // rfe in Sys: previous to current, old to previous (old unchanged)
      bits(U, U, KI), // back in Bp
    ]);
    expect(cpu.status & 3).toBe(U); // Bp's rfe: back to user mode, interrupts on
    expect(cpu.status & ~0x3f).toBe(SR_USER & ~0x3f);
  });

  it("one push then rfe restores c and p exactly; o is left as it was after the push", () => {
    const m = new Machine({ profile: HITS_ONLY });
    const cpu = m.cpu;
    m.setExceptionHandler(ExcCode.Sys, (c) => {
      expect(c.status & 0x3f).toBe(SR_KUO | SR_KUP | SR_IEP);
      c.rfe();
      return Resolution.Retry;
    });
    cpu.status = SR_KUP | SR_KUC | SR_IEC | SR_IEO; // o: kernel/on, p: user/off, c: user/on
    cpu.syscall();
    expect(cpu.status & 0x3f).toBe(SR_KUO | SR_KUP | SR_KUC | SR_IEC);
  });

  it("rfe costs one cp0 operation, charged to TrapExit", () => {
    const m = new Machine({ profile: HITS_ONLY });
    m.setExceptionHandler(ExcCode.Sys, (c) => {
      c.rfe();
      return Resolution.Retry;
    });
    const t = m.cpu.now;
    m.cpu.syscall();
    expect(m.cpu.now - t).toBe(m.profile.exceptionEntryCycles + m.profile.cp0OpCycles);
    expect(m.accounting.table[Category.TrapExit]).toBe(m.profile.cp0OpCycles);
    expect(m.accounting.table[Category.TrapEntry]).toBe(m.profile.exceptionEntryCycles);
  });

  it("a handler that forgets rfe gets a KernelContractError naming the missing rfe", () => {
    const m = new Machine({ profile: HITS_ONLY });
    m.setExceptionHandler(ExcCode.Sys, () => Resolution.Retry);
    m.setRefillHandler(() => Resolution.Retry);
    expect(() => m.cpu.syscall()).toThrow(KernelContractError);
    m.cpu.status = SR_USER;
    expect(() => m.cpu.load32(0x4000)).toThrow(/missing rfe/);
    m.cpu.status = SR_IEC; // kernel mode, interrupts on: the stack push clears IEc
    expect(() => m.cpu.load32(0x4000)).toThrow(KernelContractError);
  });

  // Regression test (was a bug, fixed): raise() (cpu/traps.ts) detects a missing rfe only by comparing KUc/IEc before and
  // after the handler. An exception taken in kernel mode with interrupts off pushes (0, 0)
  // over (0, 0), so a handler that forgets rfe passes the check and leaves the stack pushed.
  it("a forgotten rfe is caught also for an exception taken in kernel mode with IEc = 0", () => {
    const m = new Machine({ profile: HITS_ONLY });
    m.setExceptionHandler(ExcCode.Sys, () => Resolution.Retry);
    m.cpu.status = SR_KUP | SR_IEP; // kernel, interrupts off; previous: user, on
    expect(() => m.cpu.syscall()).toThrow(KernelContractError);
  });

  it("raising an exception with no handler installed is a KernelContractError", () => {
    const m = new Machine({ profile: HITS_ONLY });
    expect(() => m.cpu.breakpoint()).toThrow(/no handler installed for exception 9/);
    expect(() => m.cpu.load32(0x1000)).toThrow(/UTLB refill/);
    expect(m.cpu.status).toBe(SR_USER); // nothing changed
  });
});
