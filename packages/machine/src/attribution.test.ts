import { describe, expect, it } from "vitest";
import { runWorkload } from "../bench/workload.js";
import {
  attributionBetween,
  CATEGORY_COUNT,
  CATEGORY_NAMES,
  Category,
  ExcCode,
  Machine,
  Resolution,
  withMemorySystem,
} from "./privileged.js";
import { HITS_ONLY, TEST_COSTS } from "./test-costs.js";

const sum = (xs: Iterable<number>) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

describe("attribution: every cycle in exactly one (owner, category)", () => {
  it("the accounting table sums to cpu.now after a run with every mechanism", () => {
    const r = runWorkload({ seed: 9, accesses: 1500 });
    const m = r.machine;
    expect(sum(m.accounting.table)).toBe(m.now);
    // Every category the workload exercises got cycles.
    const byCat = new Array<number>(CATEGORY_COUNT).fill(0);
    for (let i = 0; i < m.accounting.table.length; i++)
      byCat[i % CATEGORY_COUNT]! += m.accounting.table[i]!;
    for (const c of [
      Category.User,
      Category.Kernel,
      Category.TrapEntry,
      Category.TrapExit,
      Category.RegSave,
      Category.RegRestore,
      Category.Memory,
      Category.Tlb,
      Category.Device,
    ]) {
      expect(byCat[c], CATEGORY_NAMES[c]).toBeGreaterThan(0);
    }
  });

  it("attributionBetween over a window sums to the window's cycles, by category, owner and kind", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const app = m.registerOwner(2, 1, "app");
    m.setExceptionHandler(ExcCode.Sys, (cpu) => {
      cpu.exec(TEST_COSTS["test.sys"], 20);
      cpu.rfe();
      return Resolution.Retry;
    });
    m.cpu.exec(TEST_COSTS["test.before"], 100);
    const before = m.snapshot();
    const t0 = m.now;
    m.cpu.setOwner(app);
    m.cpu.exec(TEST_COSTS["test.user"], 50);
    m.cpu.syscall();
    m.cpu.exec(TEST_COSTS["test.user"], 7);
    const libos = m.registerOwner(1, 1, "libos"); // registered mid-window
    m.cpu.setOwner(libos);
    m.cpu.exec(TEST_COSTS["test.libos"], 11);
    m.cpu.setOwner(0);
    const after = m.snapshot();
    const rep = attributionBetween(m.accounting, before, after);
    const window = m.now - t0;
    const p = m.profile;
    expect(window).toBe(50 + p.exceptionEntryCycles + 20 + p.cp0OpCycles + 7 + 11);
    expect(rep.totalCycles).toBe(window);
    expect(sum(Object.values(rep.byCategory))).toBe(window);
    expect(sum(Object.values(rep.byOwnerKind))).toBe(window);
    expect(sum(rep.byOwner.map((o) => o.cycles))).toBe(window);
    expect(rep.byOwnerKind).toEqual({
      kernel: p.exceptionEntryCycles + 20 + p.cp0OpCycles,
      libos: 11,
      application: 57,
    });
    expect(rep.byCategory.user).toBe(68);
    expect(rep.byCategory.trapEntry).toBe(p.exceptionEntryCycles);
    expect(rep.labels).toEqual([
      {
        label: "test.libos",
        calls: 1,
        instructions: 11,
        cycles: 11,
        stallCycles: 0,
        missCycles: 0,
      },
      { label: "test.sys", calls: 1, instructions: 20, cycles: 20, stallCycles: 0, missCycles: 0 },
      { label: "test.user", calls: 2, instructions: 57, cycles: 57, stallCycles: 0, missCycles: 0 },
    ]);
  });

  it("windows of a long run add up: attribution is additive over consecutive snapshots", () => {
    const r = runWorkload({ seed: 2, accesses: 600, profile: withMemorySystem("dec5000_125") });
    const m = r.machine;
    const s0 = m.snapshot();
    m.cpu.exec(TEST_COSTS["test.tail"], 123);
    const s1 = m.snapshot();
    m.idleUntil(m.now + 1000);
    const s2 = m.snapshot();
    const a = attributionBetween(m.accounting, s0, s1);
    const b = attributionBetween(m.accounting, s1, s2);
    // test.tail's one line of code is fetched cold: one instruction-cache miss.
    expect(a.totalCycles).toBe(123 + m.profile.cacheMissCycles);
    expect(a.byCategory.cacheMiss).toBe(m.profile.cacheMissCycles);
    expect(b.totalCycles).toBe(1000);
    expect(b.byCategory.idle).toBe(1000);
    expect(b.byOwnerKind.kernel).toBe(1000);
    const empty = { table: new Float64Array(0), owners: 0, labels: new Map() };
    expect(attributionBetween(m.accounting, empty, s2).totalCycles).toBe(m.now);
  });
});
