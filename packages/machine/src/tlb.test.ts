import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entryHi, entryLo, Machine, TLB_D, TLB_G, TLB_V } from "./privileged.js";

const SMALL = 64 * 1024;

describe("TLB: wired entries and seeded random replacement", () => {
  it("tlbWriteRandom never picks an index below `wired`, and never disturbs wired entries", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0x7ffff }), fc.integer({ min: 0, max: 63 })), {
          minLength: 1,
          maxLength: 300,
        }),
        (seed, writes) => {
          const m = new Machine({ seed, memoryBytes: SMALL });
          const wired = m.tlb.wired;
          for (let i = 0; i < wired; i++) {
            m.cpu.tlbWriteIndexed(i, entryHi(0x1000 + i, 0), entryLo(i, TLB_V | TLB_G));
          }
          const wiredHi = m.tlb.hi.slice(0, wired);
          const wiredLo = m.tlb.lo.slice(0, wired);
          for (const [vpn, asid] of writes) {
            const i = m.cpu.tlbWriteRandom(entryHi(vpn, asid), entryLo(vpn & 0xf, TLB_V));
            if (i < wired || i >= m.tlb.size) return false;
            if (m.tlb.hi[i] !== entryHi(vpn, asid)) return false;
          }
          expect(m.tlb.hi.slice(0, wired)).toEqual(wiredHi);
          expect(m.tlb.lo.slice(0, wired)).toEqual(wiredLo);
          return true;
        },
      ),
      { numRuns: 60, seed: 20261127 },
    );
  });

  it("reaches every non-wired slot (the choice is not stuck)", () => {
    const m = new Machine({ seed: 9, memoryBytes: SMALL });
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(m.cpu.tlbWriteRandom(entryHi(i, 0), 0));
    expect(seen.size).toBe(m.tlb.size - m.tlb.wired);
  });

  it("the sequence of chosen slots is a function of the seed", () => {
    const slots = (seed: number) => {
      const m = new Machine({ seed, memoryBytes: SMALL });
      return Array.from({ length: 200 }, (_, i) => m.cpu.tlbWriteRandom(entryHi(i, 1), 0));
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        expect(slots(seed)).toEqual(slots(seed));
      }),
      { numRuns: 20, seed: 7 },
    );
    expect(slots(1)).not.toEqual(slots(2));
  });

  it("each random write costs three cp0 operations, charged to the TLB category", () => {
    const m = new Machine({ memoryBytes: SMALL });
    const t = m.cpu.now;
    m.cpu.tlbWriteRandom(entryHi(1, 0), 0);
    expect(m.cpu.now - t).toBe(3 * m.profile.cp0OpCycles);
    expect(m.accounting.table[7]).toBe(3 * m.profile.cp0OpCycles); // kernel owner x Tlb
  });
});

describe("TLB: probe and invalidate", () => {
  it("probe matches VPN and ASID, or VPN alone for a global entry; the lowest index wins", () => {
    const m = new Machine({ memoryBytes: SMALL });
    const cpu = m.cpu;
    cpu.tlbWriteIndexed(30, entryHi(0x42, 3), entryLo(1, TLB_V));
    cpu.tlbWriteIndexed(31, entryHi(0x43, 9), entryLo(2, TLB_V | TLB_G));
    cpu.tlbWriteIndexed(40, entryHi(0x42, 3), entryLo(3, TLB_V));
    expect(cpu.tlbProbe(0x42, 3)).toBe(30);
    expect(cpu.index).toBe(30 << 8);
    expect(cpu.tlbProbe(0x42, 4)).toBe(-1);
    expect(cpu.index >>> 0).toBe(0x80000000); // Index.P: probe failure
    expect(cpu.tlbProbe(0x43, 0)).toBe(31);
    expect(cpu.tlbProbe(0x43, 63)).toBe(31);
  });

  it("reset leaves no entry matching any kuseg or kseg2 address", () => {
    const m = new Machine({ memoryBytes: SMALL });
    for (const vpn of [0, 1, 0x7ffff, 0xc0000, 0xfffff]) {
      for (const asid of [0, 1, 63]) expect(m.tlb.probe(vpn, asid)).toBe(-1);
    }
  });

  it("tlbInvalidate removes the mapping, and the next access misses", () => {
    const m = new Machine({ memoryBytes: SMALL });
    const cpu = m.cpu;
    let refills = 0;
    m.setRefillHandler((c) => {
      refills++;
      c.tlbWriteRandom(entryHi(c.badVaddr >>> 12, c.asid), entryLo(5, TLB_V | TLB_D));
      c.rfe();
      return 0;
    });
    cpu.store32(0x9000, 1);
    cpu.load32(0x9000);
    expect(refills).toBe(1);
    expect(cpu.tlbInvalidate(0x9, 0)).toBe(true);
    expect(cpu.tlbInvalidate(0x9, 0)).toBe(false);
    expect(cpu.tlbProbe(0x9, 0)).toBe(-1);
    cpu.load32(0x9000);
    expect(refills).toBe(2);
  });

  it("rewriting a slot with another VPN makes the old VPN miss at once", () => {
    const m = new Machine({ memoryBytes: SMALL });
    const cpu = m.cpu;
    const misses: number[] = [];
    m.setRefillHandler((c) => {
      misses.push(c.badVaddr);
      c.tlbWriteIndexed(20, entryHi(c.badVaddr >>> 12, c.asid), entryLo(6, TLB_V | TLB_D));
      c.rfe();
      return 0;
    });
    cpu.load32(0x1000);
    cpu.load32(0x1000);
    cpu.load32(0x2000); // evicts 0x1 from slot 20
    cpu.load32(0x1000);
    expect(misses).toEqual([0x1000, 0x2000, 0x1000]);
  });
});
