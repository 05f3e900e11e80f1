import { describe, expect, it } from "vitest";
import { runWorkload, type WorkloadOptions } from "../bench/workload.js";
import { Machine } from "./privileged.js";

/** Everything observable about a run, for bit-for-bit comparison. */
function fingerprint(opts: WorkloadOptions) {
  const r = runWorkload({ trace: true, ...opts });
  const m = r.machine;
  return {
    now: m.now,
    hash: m.tracer!.hash(),
    spans: m.tracer!.starts.length,
    refills: r.refills,
    mods: r.mods,
    syscalls: r.syscalls,
    interrupts: r.interrupts,
    switches: r.switches,
    checksum: r.checksum,
    slots: r.randomSlots,
    table: Array.from(m.snapshot().table),
    tlb: Array.from(m.tlb.hi).concat(Array.from(m.tlb.lo)),
  };
}

describe("determinism", () => {
  it("the run is non-trivial: several contexts, refills, Mod faults, syscalls, interrupts", () => {
    const f = fingerprint({ seed: 11 });
    expect(f.refills).toBeGreaterThan(500);
    expect(f.mods).toBeGreaterThan(50);
    expect(f.syscalls).toBeGreaterThan(50);
    expect(f.interrupts).toBeGreaterThan(20);
    expect(f.switches).toBeGreaterThan(20);
    expect(f.spans).toBeGreaterThan(1000);
  });

  it("the same seed gives a bit-identical trace hash, cycles and attribution", () => {
    const a = fingerprint({ seed: 11 });
    const b = fingerprint({ seed: 11 });
    expect(b).toEqual(a);
  });

  it("a different seed changes the random TLB replacement, and with it the run", () => {
    const a = fingerprint({ seed: 11 });
    const b = fingerprint({ seed: 12 });
    const n = Math.min(a.slots.length, b.slots.length);
    expect(b.slots.slice(0, n)).not.toEqual(a.slots.slice(0, n));
    expect(b.hash).not.toBe(a.hash);
    // Same workload choices and the same number of first touches, whatever the seed.
    expect(b.mods).toBe(a.mods);
    expect(b.syscalls).toBe(a.syscalls);
  });

  it("the Chrome trace export is deterministic too", () => {
    const run = () => {
      const r = runWorkload({ trace: true, seed: 3, accesses: 300 });
      const m = r.machine;
      return JSON.stringify(m.tracer!.toChromeTrace(m.profile.cycleNs, m.accounting.owners));
    };
    const a = run();
    expect(run()).toBe(a);
    const parsed = JSON.parse(a) as { traceEvents: { ph: string }[] };
    expect(parsed.traceEvents.some((e) => e.ph === "X")).toBe(true);
  });

  it("machines with equal seeds are independent: running one does not disturb the other", () => {
    const m1 = new Machine({ seed: 5, memoryBytes: 1 << 20 });
    const m2 = new Machine({ seed: 5, memoryBytes: 1 << 20 });
    const a = Array.from({ length: 20 }, (_, i) => m1.cpu.tlbWriteRandom(i << 12, 0));
    const b = Array.from({ length: 20 }, (_, i) => m2.cpu.tlbWriteRandom(i << 12, 0));
    expect(b).toEqual(a);
  });
});
