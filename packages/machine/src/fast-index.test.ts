import { describe, expect, it } from "vitest";
import { runWorkload } from "../bench/workload.js";
import { ExcCode, entryHi, entryLo, Machine, Resolution, TLB_D, TLB_V } from "./privileged.js";

/** The host-side TLB index (Tlb.fast*) must be invisible: same simulation with it off. */
describe("the host fast TLB index is invisible", () => {
  function observe(fastTlbIndex: boolean, seed: number) {
    const r = runWorkload({ trace: true, fastTlbIndex, seed });
    const m = r.machine;
    return {
      now: m.now,
      hash: m.tracer!.hash(),
      refills: r.refills,
      mods: r.mods,
      interrupts: r.interrupts,
      slots: r.randomSlots,
      table: Array.from(m.snapshot().table),
    };
  }

  /** Without a trace the fast path runs and defers its accounting: it must change nothing. */
  function observeUntraced(fastTlbIndex: boolean, seed: number) {
    const r = runWorkload({ trace: false, fastTlbIndex, seed });
    const m = r.machine;
    return {
      now: m.now,
      refills: r.refills,
      mods: r.mods,
      interrupts: r.interrupts,
      slots: r.randomSlots,
      table: Array.from(m.snapshot().table),
    };
  }

  for (const seed of [1, 77]) {
    it(`untraced, the fast path (deferred accounting) gives the figures of the slow path (seed ${seed})`, () => {
      const fast = observeUntraced(true, seed);
      expect(fast.interrupts).toBeGreaterThan(0);
      expect(observeUntraced(false, seed)).toEqual(fast);
      const { hash: _hash, ...traced } = observe(true, seed);
      expect(traced).toEqual(fast);
    });

    it(`the workload gives identical cycles, refills and trace hash with it off (seed ${seed})`, () => {
      const on = observe(true, seed);
      const off = observe(false, seed);
      expect(off).toEqual(on);
    });
  }

  it("the index is filled with it on and stays empty with it off", () => {
    const on = runWorkload({ fastTlbIndex: true, accesses: 200 }).machine.tlb;
    const off = runWorkload({ fastTlbIndex: false, accesses: 200 }).machine.tlb;
    expect(on.indexedEntries).toBeGreaterThan(0);
    expect(off.indexedEntries).toBe(0);
  });

  /** A scenario that rewrites, invalidates and re-ASIDs entries under the index. */
  function churn(fast: boolean) {
    const m = new Machine({ fastTlbIndex: fast, memoryBytes: 1 << 20, seed: 4 });
    const log: string[] = [];
    m.setRefillHandler((cpu) => {
      log.push(`refill ${cpu.asid}:${cpu.badVaddr.toString(16)}`);
      const vpn = cpu.badVaddr >>> 12;
      cpu.tlbWriteRandom(entryHi(vpn, cpu.asid), entryLo(16 + (vpn & 15) + 32 * cpu.asid, TLB_V));
      cpu.rfe();
      return Resolution.Retry;
    });
    m.setExceptionHandler(ExcCode.Mod, (cpu) => {
      log.push(`mod ${cpu.asid}:${cpu.badVaddr.toString(16)}`);
      const vpn = cpu.badVaddr >>> 12;
      const i = cpu.tlbProbe(vpn, cpu.asid);
      cpu.tlbWriteIndexed(
        i,
        entryHi(vpn, cpu.asid),
        entryLo(16 + (vpn & 15) + 32 * cpu.asid, TLB_V | TLB_D),
      );
      cpu.rfe();
      return Resolution.Retry;
    });
    const cpu = m.cpu;
    for (let round = 0; round < 6; round++) {
      for (let asid = 1; asid <= 3; asid++) {
        cpu.setAsid(asid);
        for (let p = 0; p < 12; p++) {
          const va = (p * 4096 + round * 8) >>> 0;
          cpu.store32(va, round * 100 + p);
          log.push(`load ${cpu.load32(va)}`);
        }
        if (round % 2 === 1) cpu.tlbInvalidate(3, asid);
        if (round === 3) m.tlb.invalidateAsid(asid);
      }
    }
    return { log, now: m.now };
  }

  it("rewrites, invalidations and ASID flushes behave the same with it on and off", () => {
    expect(churn(false)).toEqual(churn(true));
  });

  // Regression test (a bug of the first, hashed index): the fast path of load32/store32 skips
  // the DBE check that #translate does, so a host translation for a frame beyond memory would
  // read past the end of memory (undefined) or drop a store. The host map holds no word for
  // such a page (Tlb #word), so every access raises DBE.
  it("a page whose frame lies beyond memory raises DBE on every access", () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    let dbe = 0;
    m.setExceptionHandler(ExcCode.DBE, (cpu) => {
      dbe++;
      cpu.emulatedValue = 7;
      cpu.rfe();
      return Resolution.Emulated;
    });
    m.cpu.tlbWriteIndexed(10, entryHi(5, 0), entryLo(0x100, TLB_V | TLB_D)); // frame 256: none
    expect(m.cpu.load32(0x5000)).toBe(7);
    expect(m.cpu.load32(0x5000)).toBe(7);
    m.cpu.store32(0x5000, 1);
    expect(dbe).toBe(3);
  });

  // Regression test (a bug of the first, hashed index; invisibility): with two entries matching
  // the same (VPN, ASID) the lowest slot wins (Tlb.probe); a host translation cached before the
  // second entry was written must not keep answering. A naive Mod handler that tlbwr's a dirty
  // copy instead of rewriting the probed slot creates exactly this.
  it("duplicate entries resolve to the same slot with the index on and off", () => {
    const run = (fast: boolean) => {
      const m = new Machine({ fastTlbIndex: fast, memoryBytes: 1 << 20 });
      m.memory.write32(20 * 4096, 20);
      m.memory.write32(30 * 4096, 30);
      m.cpu.tlbWriteIndexed(40, entryHi(9, 0), entryLo(20, TLB_V));
      const first = m.cpu.load32(0x9000);
      m.cpu.tlbWriteIndexed(10, entryHi(9, 0), entryLo(30, TLB_V | TLB_D));
      return [first, m.cpu.load32(0x9000), m.tlb.probe(9, 0)];
    };
    expect(run(true)).toEqual(run(false));
  });
});
