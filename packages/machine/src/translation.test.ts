import { describe, expect, it } from "vitest";
import {
  type Cpu,
  ExcCode,
  entryHi,
  entryLo,
  KSEG0,
  Machine,
  Resolution,
  SR_KERNEL_IE,
  TLB_D,
  TLB_G,
  TLB_V,
} from "./privileged.js";
import { HITS_ONLY } from "./test-costs.js";

/** Frame that the test kernels below map a virtual page number to. */
const frameOf = (vpn: number) => 64 + (vpn & 0xff);

/** A refill handler that maps the faulting kuseg page, writable, and counts refills. */
function installRefill(
  m: Machine,
  log: { va: number; cause: number }[] = [],
  flags = TLB_V | TLB_D,
) {
  m.setRefillHandler((cpu) => {
    log.push({ va: cpu.badVaddr, cause: (cpu.cause >>> 2) & 31 });
    const vpn = cpu.badVaddr >>> 12;
    cpu.tlbWriteRandom(entryHi(vpn, cpu.asid), entryLo(frameOf(vpn), flags));
    cpu.rfe();
    return Resolution.Retry;
  });
  return log;
}

/** Makes the entry for the faulting page (probe) valid, and writable when `dirty`. */
function fixEntry(cpu: Cpu, dirty: boolean): Resolution {
  const vpn = cpu.badVaddr >>> 12;
  const i = cpu.tlbProbe(vpn, cpu.asid);
  const lo = entryLo(frameOf(vpn), TLB_V | (dirty ? TLB_D : 0));
  if (i >= 0) cpu.tlbWriteIndexed(i, entryHi(vpn, cpu.asid), lo);
  else cpu.tlbWriteRandom(entryHi(vpn, cpu.asid), lo);
  cpu.rfe();
  return Resolution.Retry;
}

describe("translation: kuseg through the TLB", () => {
  it("a miss goes to the UTLB refill vector once, then hits without a fault", () => {
    const m = new Machine({ profile: HITS_ONLY, seed: 3 });
    const log = installRefill(m);
    m.setExceptionHandler(ExcCode.TLBL, () => {
      throw new Error("a kuseg miss must use the refill vector, not the general one");
    });
    m.memory.write32(frameOf(0x12) * 4096 + 0x344, 0xdeadbeef);
    const t0 = m.cpu.now;
    expect(m.cpu.load32(0x12344)).toBe(0xdeadbeef);
    expect(log).toEqual([{ va: 0x12344, cause: ExcCode.TLBL }]);
    // exception entry + tlbwr (3 cp0 ops) + rfe + the access itself.
    const p = m.profile;
    expect(m.cpu.now - t0).toBe(p.exceptionEntryCycles + 3 * p.cp0OpCycles + p.cp0OpCycles + 1);
    const t1 = m.cpu.now;
    expect(m.cpu.load32(0x12344)).toBe(0xdeadbeef);
    expect(log.length).toBe(1);
    expect(m.cpu.now - t1).toBe(p.cachedAccessCycles);
  });

  it("a store miss refills with Cause TLBS and the store lands in the mapped frame", () => {
    const m = new Machine({ profile: HITS_ONLY });
    const log = installRefill(m);
    m.cpu.store32(0x7000, 0x01020304);
    expect(log).toEqual([{ va: 0x7000, cause: ExcCode.TLBS }]);
    expect(m.memory.read32(frameOf(7) * 4096)).toBe(0x01020304);
  });

  it("an invalid entry raises TLBL / TLBS through the general vector, not the refill vector", () => {
    const m = new Machine({ profile: HITS_ONLY });
    let refills = 0;
    m.setRefillHandler((cpu) => {
      refills++;
      cpu.rfe();
      return Resolution.Retry;
    });
    const seen: number[] = [];
    for (const code of [ExcCode.TLBL, ExcCode.TLBS]) {
      m.setExceptionHandler(code, (cpu) => {
        seen.push(code, cpu.badVaddr);
        return fixEntry(cpu, true);
      });
    }
    // Present but invalid (V clear) entries for pages 0x30 and 0x31.
    m.cpu.tlbWriteIndexed(20, entryHi(0x30, 0), entryLo(frameOf(0x30), 0));
    m.cpu.tlbWriteIndexed(21, entryHi(0x31, 0), entryLo(frameOf(0x31), TLB_D));
    m.memory.write32(frameOf(0x30) * 4096 + 8, 77);
    expect(m.cpu.load32(0x30008)).toBe(77);
    m.cpu.store32(0x31010, 99);
    expect(m.memory.read32(frameOf(0x31) * 4096 + 0x10)).toBe(99);
    expect(seen).toEqual([ExcCode.TLBL, 0x30008, ExcCode.TLBS, 0x31010]);
    expect(refills).toBe(0);
  });

  it("a store to a clean page (D clear) raises Mod; the kernel sets D and the store retries", () => {
    const m = new Machine({ profile: HITS_ONLY });
    installRefill(m, [], TLB_V); // maps pages clean
    const mods: number[] = [];
    m.setExceptionHandler(ExcCode.Mod, (cpu) => {
      mods.push(cpu.badVaddr);
      return fixEntry(cpu, true);
    });
    m.memory.write32(frameOf(0x40) * 4096, 5);
    expect(m.cpu.load32(0x40000)).toBe(5); // a load of a clean page is fine
    expect(mods).toEqual([]);
    m.cpu.store32(0x40004, 6);
    m.cpu.store8(0x40008, 7);
    expect(mods).toEqual([0x40004]);
    expect(m.memory.read32(frameOf(0x40) * 4096 + 4)).toBe(6);
    expect(m.memory.read8(frameOf(0x40) * 4096 + 8)).toBe(7);
  });

  it("8/16/32-bit loads and stores are little-endian and zero-extended", () => {
    const m = new Machine({ profile: HITS_ONLY });
    installRefill(m);
    const cpu = m.cpu;
    const pa = frameOf(0x50) * 4096 + 0x100;
    m.memory.write32(pa, 0x11223344);
    expect(cpu.load8(0x50100)).toBe(0x44);
    expect(cpu.load8(0x50101)).toBe(0x33);
    expect(cpu.load8(0x50103)).toBe(0x11);
    expect(cpu.load16(0x50100)).toBe(0x3344);
    expect(cpu.load16(0x50102)).toBe(0x1122);
    cpu.store8(0x50101, 0xab);
    expect(m.memory.read32(pa)).toBe(0x1122ab44);
    cpu.store16(0x50102, 0xcdef);
    expect(m.memory.read32(pa)).toBe(0xcdefab44);
    cpu.store32(0x50104, -1);
    expect(cpu.load32(0x50104)).toBe(0xffffffff);
    expect(cpu.load8(0x50107)).toBe(0xff);
    expect(cpu.load16(0x50106)).toBe(0xffff);
    expect(m.memory.readBytes(pa, 8)).toEqual(
      new Uint8Array([0x44, 0xab, 0xef, 0xcd, 0xff, 0xff, 0xff, 0xff]),
    );
  });

  it("each access of a TLB hit costs one cached access", () => {
    const m = new Machine({ profile: HITS_ONLY });
    installRefill(m);
    m.cpu.store32(0x60000, 1); // map
    const t = m.cpu.now;
    m.cpu.load8(0x60001);
    m.cpu.load16(0x60002);
    m.cpu.store16(0x60002, 3);
    m.cpu.store8(0x60003, 3);
    m.cpu.load32(0x60000);
    expect(m.cpu.now - t).toBe(5 * m.profile.cachedAccessCycles);
  });
});

describe("block copy and zero across pages, with faults mid-way", () => {
  it("copy refills each page as it gets there and copies every byte", () => {
    const m = new Machine({ profile: HITS_ONLY });
    const log = installRefill(m);
    const src = 0x10800;
    const dst = 0x20800;
    const bytes = 8192; // spans three pages at each end
    for (let i = 0; i < bytes; i += 4) {
      const va = src + i;
      m.memory.write32(frameOf(va >>> 12) * 4096 + (va & 0xfff), (i * 2654435761) >>> 0);
    }
    const t = m.cpu.now;
    m.cpu.copy(dst, src, bytes);
    const elapsed = m.cpu.now - t;
    const pages = log.map((e) => e.va >>> 12);
    expect(pages).toEqual([0x20, 0x10, 0x21, 0x11, 0x22, 0x12]);
    expect(log.map((e) => e.cause)).toEqual([
      ExcCode.TLBS,
      ExcCode.TLBL,
      ExcCode.TLBS,
      ExcCode.TLBL,
      ExcCode.TLBS,
      ExcCode.TLBL,
    ]);
    const d = frameOf(0x20) * 4096 + 0x800;
    const s = frameOf(0x10) * 4096 + 0x800;
    // frameOf keeps consecutive pages in consecutive frames, so both ranges are contiguous.
    expect(m.memory.readBytes(d, bytes)).toEqual(m.memory.readBytes(s, bytes));
    expect(m.memory.read32(d + 4)).toBe((4 * 2654435761) >>> 0);
    // One load and one store per word, plus 6 refills (entry, tlbwr, rfe).
    const p = m.profile;
    const refill = p.exceptionEntryCycles + 4 * p.cp0OpCycles;
    expect(elapsed).toBe((bytes / 4) * 2 * p.cachedAccessCycles + 6 * refill);
  });

  it("a clean page in the middle of the destination takes Mod there and the copy completes", () => {
    const m = new Machine({ profile: HITS_ONLY });
    installRefill(m);
    const mods: number[] = [];
    m.setExceptionHandler(ExcCode.Mod, (cpu) => {
      mods.push(cpu.badVaddr);
      return fixEntry(cpu, true);
    });
    // Destination pages 0x31 is mapped clean in advance.
    m.cpu.tlbWriteIndexed(9, entryHi(0x31, 0), entryLo(frameOf(0x31), TLB_V));
    for (let i = 0; i < 3 * 4096; i++)
      m.memory.write8(frameOf(0x10 + (i >> 12)) * 4096 + (i & 0xfff), i & 0xff);
    m.cpu.copy(0x30000, 0x10000, 3 * 4096);
    expect(mods).toEqual([0x31000]);
    for (let i = 0; i < 3 * 4096; i += 509) expect(m.cpu.load8(0x30000 + i)).toBe(i & 0xff);
  });

  it("an unaligned copy is done byte by byte (one load and one store per byte)", () => {
    const m = new Machine({ profile: HITS_ONLY });
    installRefill(m);
    m.cpu.store32(0x10000, 0x04030201);
    m.cpu.store32(0x20000, 0);
    m.cpu.store32(0x20004, 0);
    const t = m.cpu.now;
    m.cpu.copy(0x20001, 0x10000, 4);
    expect(m.cpu.now - t).toBe(4 * 2 * m.profile.cachedAccessCycles);
    expect(m.cpu.load32(0x20000)).toBe(0x03020100);
    expect(m.cpu.load8(0x20004)).toBe(0x04);
  });

  it("zero clears across a page boundary, refilling the second page mid-way", () => {
    const m = new Machine({ profile: HITS_ONLY });
    const log = installRefill(m);
    for (let i = 0; i < 8192; i += 4)
      m.memory.write32(frameOf(0x40 + (i >> 12)) * 4096 + (i & 0xfff), 0xffffffff);
    const t = m.cpu.now;
    m.cpu.zero(0x40ff0, 32);
    expect(log.map((e) => e.va)).toEqual([0x40ff0, 0x41000]);
    expect(m.memory.read32(frameOf(0x40) * 4096 + 0xfec)).toBe(0xffffffff);
    for (let o = 0xff0; o < 0x1000; o += 4)
      expect(m.memory.read32(frameOf(0x40) * 4096 + o)).toBe(0);
    for (let o = 0; o < 0x10; o += 4) expect(m.memory.read32(frameOf(0x41) * 4096 + o)).toBe(0);
    expect(m.memory.read32(frameOf(0x41) * 4096 + 0x10)).toBe(0xffffffff);
    const p = m.profile;
    expect(m.cpu.now - t).toBe(
      8 * p.cachedAccessCycles + 2 * (p.exceptionEntryCycles + 4 * p.cp0OpCycles),
    );
  });
});

describe("bus error", () => {
  it("kseg0 beyond installed memory raises DBE; BadVAddr is not set (R3000)", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    m.cpu.status = SR_KERNEL_IE;
    m.cpu.badVaddr = 0x1234;
    const seen: { cause: number; epc: number }[] = [];
    m.setExceptionHandler(ExcCode.DBE, (cpu) => {
      seen.push({ cause: (cpu.cause >>> 2) & 31, epc: cpu.epc });
      cpu.emulatedValue = 0xbad;
      cpu.rfe();
      return Resolution.Emulated;
    });
    m.cpu.pc = 0x80001000;
    expect(m.cpu.load32(KSEG0 + (1 << 20))).toBe(0xbad);
    expect(m.cpu.load32(KSEG0 + (1 << 20) - 4)).toBe(0); // last word exists
    m.cpu.store8(0xa0000000 + (1 << 20) + 3, 1); // kseg1 too
    expect(seen.map((e) => e.cause)).toEqual([ExcCode.DBE, ExcCode.DBE]);
    expect(seen[0]!.epc).toBe(0x80001000);
    expect(m.cpu.badVaddr).toBe(0x1234);
  });

  it("a mapped page whose frame lies beyond memory raises DBE", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    let dbe = 0;
    m.setExceptionHandler(ExcCode.DBE, (cpu) => {
      dbe++;
      cpu.emulatedValue = 1;
      cpu.rfe();
      return Resolution.Emulated;
    });
    m.cpu.tlbWriteIndexed(10, entryHi(0x5, 0), entryLo(0x100, TLB_V | TLB_D)); // 1 MiB: frame 256
    expect(m.cpu.load8(0x5000)).toBe(1);
    expect(dbe).toBe(1);
  });
});

describe("ASID isolation", () => {
  function twoSpaces() {
    const m = new Machine({ profile: HITS_ONLY });
    let refills = 0;
    m.setRefillHandler(() => {
      refills++;
      throw new Error("no refill expected");
    });
    const cpu = m.cpu;
    cpu.tlbWriteIndexed(10, entryHi(0x100, 1), entryLo(200, TLB_V | TLB_D));
    cpu.tlbWriteIndexed(11, entryHi(0x100, 2), entryLo(300, TLB_V | TLB_D));
    cpu.tlbWriteIndexed(12, entryHi(0x200, 5), entryLo(400, TLB_V | TLB_D | TLB_G));
    return { m, cpu, refills: () => refills };
  }

  it("the same VPN under two ASIDs maps to different frames", () => {
    const { m, cpu } = twoSpaces();
    cpu.setAsid(1);
    cpu.store32(0x100010, 111);
    cpu.setAsid(2);
    cpu.store32(0x100010, 222);
    expect(cpu.load32(0x100010)).toBe(222);
    cpu.setAsid(1);
    expect(cpu.load32(0x100010)).toBe(111);
    expect(m.memory.read32(200 * 4096 + 0x10)).toBe(111);
    expect(m.memory.read32(300 * 4096 + 0x10)).toBe(222);
  });

  it("an address space without an entry for the VPN misses, even though others have one", () => {
    const { m, cpu } = twoSpaces();
    const log: number[] = [];
    m.setRefillHandler((c) => {
      log.push(c.asid, c.badVaddr, c.entryHi);
      c.tlbWriteRandom(entryHi(0x100, 3), entryLo(500, TLB_V | TLB_D));
      c.rfe();
      return Resolution.Retry;
    });
    cpu.setAsid(3);
    cpu.store32(0x100000, 7);
    expect(log).toEqual([3, 0x100000, entryHi(0x100, 3)]);
    expect(m.memory.read32(500 * 4096)).toBe(7);
  });

  it("a global entry matches under every ASID", () => {
    const { cpu, refills } = twoSpaces();
    for (const a of [0, 1, 2, 5, 63]) {
      cpu.setAsid(a);
      cpu.store32(0x200000 + a * 4, a + 1);
    }
    cpu.setAsid(7);
    for (const a of [0, 1, 2, 5, 63]) expect(cpu.load32(0x200000 + a * 4)).toBe(a + 1);
    expect(refills()).toBe(0);
  });

  it("switching ASID back and forth needs no flush: every access still hits", () => {
    const { cpu, refills } = twoSpaces();
    for (let round = 0; round < 50; round++) {
      cpu.setAsid(1 + (round & 1));
      cpu.store32(0x100000 + 4 * round, round);
    }
    cpu.setAsid(1);
    expect(cpu.load32(0x100000 + 4 * 48)).toBe(48);
    cpu.setAsid(2);
    expect(cpu.load32(0x100000 + 4 * 49)).toBe(49);
    expect(refills()).toBe(0);
  });
});
