import { describe, expect, it } from "vitest";
import { HOST_MAP_WORDS, MEMORY_OFFSET_BYTES } from "./memory.js";
import {
  ExcCode,
  entryHi,
  entryLo,
  Machine,
  Resolution,
  TLB_D,
  TLB_G,
  TLB_V,
} from "./privileged.js";
import { HITS_ONLY } from "./test-costs.js";

/**
 * The TLB's host map (tlb.ts): one word per kuseg page for the current ASID, in the same host
 * buffer as memory. These tests pin what it may and may not answer; the property in
 * review.test.ts checks that a machine without it behaves identically.
 */
describe("the host map of the current address space", () => {
  function machine(fast = true) {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20, fastTlbIndex: fast });
    const faults: string[] = [];
    m.setRefillHandler((cpu) => {
      faults.push(`refill ${cpu.asid}:${(cpu.badVaddr >>> 12).toString(16)}`);
      cpu.emulatedValue = 0xdead;
      cpu.rfe();
      return Resolution.Emulated;
    });
    return { m, faults };
  }

  it("the same VPN in two address spaces reads each space's own frame across switches", () => {
    const run = (fast: boolean) => {
      const { m, faults } = machine(fast);
      m.cpu.tlbWriteIndexed(10, entryHi(0x40, 1), entryLo(20, TLB_V | TLB_D));
      m.cpu.tlbWriteIndexed(11, entryHi(0x40, 2), entryLo(21, TLB_V | TLB_D));
      const seen: number[] = [];
      for (let round = 0; round < 4; round++) {
        for (const asid of [1, 2, 3]) {
          m.cpu.setAsid(asid);
          m.cpu.store32(0x40008, asid * 100 + round);
          seen.push(m.cpu.load32(0x40008), m.tlb.indexedEntries);
        }
      }
      return { seen, faults, now: m.now, f20: m.memory.read32(20 * 4096 + 8) };
    };
    const fast = run(true);
    // Space 3 has no entry: its store and load refill (emulated), and the map holds nothing.
    expect(fast.seen.slice(0, 6)).toEqual([100, 1, 200, 1, 0xdead, 0]);
    expect(fast.f20).toBe(103);
    expect(run(false)).toEqual({ ...fast, seen: fast.seen.map((x, i) => (i % 2 ? 0 : x)) });
  });

  it("a global entry hits in every address space; a lower slot for the VPN shadows it", () => {
    const { m, faults } = machine();
    m.memory.write32(30 * 4096, 30);
    m.memory.write32(31 * 4096, 31);
    m.cpu.tlbWriteIndexed(20, entryHi(0x50, 0), entryLo(30, TLB_V | TLB_G));
    for (const asid of [0, 5, 63]) {
      m.cpu.setAsid(asid);
      expect(m.cpu.load32(0x50000)).toBe(30);
    }
    // A lower slot for (0x50, ASID 5) wins in space 5 only.
    m.cpu.tlbWriteIndexed(9, entryHi(0x50, 5), entryLo(31, TLB_V));
    m.cpu.setAsid(5);
    expect(m.cpu.load32(0x50000)).toBe(31);
    m.cpu.setAsid(6);
    expect(m.cpu.load32(0x50000)).toBe(30);
    expect(faults).toEqual([]);
  });

  it("an invalid lower slot hides a valid higher one (TLBL), as the 64-entry TLB does", () => {
    const { m } = machine();
    let tlbl = 0;
    m.setExceptionHandler(ExcCode.TLBL, (cpu) => {
      tlbl++;
      cpu.emulatedValue = 7;
      cpu.rfe();
      return Resolution.Emulated;
    });
    m.cpu.tlbWriteIndexed(30, entryHi(0x60, 0), entryLo(40, TLB_V));
    expect(m.cpu.load32(0x60000)).toBe(0);
    m.cpu.tlbWriteIndexed(12, entryHi(0x60, 0), entryLo(41, 0)); // not valid
    expect(m.cpu.load32(0x60000)).toBe(7);
    expect(tlbl).toBe(1);
  });

  it("physical memory starts after the map: kseg0 and PhysicalMemory agree, the map is not memory", () => {
    const { m } = machine();
    m.cpu.status = 0; // kernel mode
    m.cpu.store32(0x80000000, 0x1234);
    expect(m.memory.read32(0)).toBe(0x1234);
    expect(m.memory.u32[0]).toBe(0x1234);
    expect(m.memory.host[MEMORY_OFFSET_BYTES >>> 2]).toBe(0x1234);
    expect(MEMORY_OFFSET_BYTES).toBeGreaterThan(HOST_MAP_WORDS * 4);
    expect(m.memory.u8.length).toBe(1 << 20);
    let dbe = 0;
    m.setExceptionHandler(ExcCode.DBE, (cpu) => {
      dbe++;
      cpu.rfe();
      return Resolution.Emulated;
    });
    m.cpu.load32(0x80000000 + (1 << 20)); // one past the end: a bus error, not a host word
    expect(dbe).toBe(1);
  });

  it("an event 2^33 cycles away leaves the clock exact (the budget word is 32 bits)", () => {
    for (const fast of [true, false]) {
      const { m } = machine(fast);
      m.cpu.tlbWriteIndexed(10, entryHi(0x40, 0), entryLo(20, TLB_V | TLB_D));
      const t0 = m.now;
      m.events.schedule(t0 + 2 ** 33, "far", () => {});
      expect(m.now).toBe(t0);
      for (let i = 0; i < 10; i++) m.cpu.load32(0x40000 + 4 * i);
      expect(m.now - t0).toBe(10 * m.profile.cachedAccessCycles);
    }
  });

  it("the CPU's ASID is the TLB's: a direct Tlb.setAsid moves both, checked", () => {
    const { m } = machine();
    m.tlb.setAsid(5);
    expect(m.cpu.asid).toBe(5);
    expect(() => m.tlb.setAsid(64)).toThrow(/ASID must be an integer/);
    expect(m.cpu.asid).toBe(5);
  });
});
