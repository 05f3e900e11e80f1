import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADAPTERS } from "./adapters/index.js";
import { costLabels } from "./cost-tables.js";
import { type PaperRow, paperBenchmarks, withPaperTable } from "./paper.js";
import { type BenchReport, type BenchResult, withoutMeta } from "./result.js";
import { runSuite } from "./suite.js";
import { PAPER_SUITE } from "./workloads/index.js";

/** The simulated part of a result: everything but the paper's figure and host time. */
function simulated(r: BenchResult) {
  const {
    paperMicros: _p,
    hostNsPerOp: _h,
    simCyclesPerHostSecond: _s,
    fasterThanRealTime: _f,
    ...rest
  } = r;
  return rest;
}

function run(seed = 1): BenchReport {
  return runSuite({
    suite: "paper",
    workloads: PAPER_SUITE,
    adapters: ADAPTERS,
    profile: "dec5000_125",
    seed,
  });
}

describe("honesty of the figures", () => {
  let reference: BenchReport;
  beforeAll(() => {
    reference = run();
  }, 120_000);

  it("every system ran something, and every pair is either a result or a reasoned n/a", () => {
    for (const a of ADAPTERS)
      expect(reference.results.some((r) => r.system === a.id && r.supported)).toBe(true);
    for (const r of reference.results) {
      if (r.supported) expect(r.simulatedCycles).toBeGreaterThan(0);
      else expect(r.reason).toMatch(/\w/);
    }
  });

  it("for every row, the simulated cycles equal the sum of the attribution, by category and by owner", () => {
    for (const r of reference.results.filter((x) => x.supported)) {
      const byCat = Object.values(r.attribution).reduce((s, v) => s + v, 0);
      const byOwner = Object.values(r.attributionByOwner).reduce((s, v) => s + v, 0);
      expect(Math.abs(byCat - r.simulatedCycles), `${r.benchmark} on ${r.system}`).toBeLessThan(
        1e-6 * r.simulatedCycles + 1e-9,
      );
      expect(Math.abs(byOwner - r.simulatedCycles), `${r.benchmark} on ${r.system}`).toBeLessThan(
        1e-6 * r.simulatedCycles + 1e-9,
      );
    }
  });

  // That every charge names a costs table's record is a type (Cpu.exec and CpuView.exec take
  // only a `Cost`, which only `defineCosts` makes) and a run-time check of the machine's
  // registry; this checks that every such table is one the bench knows, with its package.
  it("every exec label charged on a measured path is defined in some package's costs.ts", () => {
    const known = costLabels();
    const unknown = new Set<string>();
    const seen = new Set<string>();
    for (const r of reference.results) {
      // Not vacuous: every row that ran charged labels, and they account for part of its cycles.
      if (r.supported) {
        expect(r.labels.length, `${r.benchmark} on ${r.system}`).toBeGreaterThan(0);
        for (const l of r.labels) expect(l.instructions, l.label).toBeGreaterThan(0);
      }
      for (const l of r.labels) {
        seen.add(l.label);
        if (!known.has(l.label)) unknown.add(`${l.label} (${r.benchmark} on ${r.system})`);
      }
    }
    expect(seen.size).toBeGreaterThan(40);
    expect([...unknown]).toEqual([]);
  });

  it("runs are deterministic: the same seed gives the same report but for its meta, bit for bit", () => {
    const again = run();
    expect(again.results.length).toBe(reference.results.length);
    // Everything but meta (who ran it, when): results, policies, profile, seed.
    expect(withoutMeta(again)).toEqual(withoutMeta(reference));
    expect(again.results.map(simulated)).toEqual(reference.results.map(simulated));
    for (const [a, b] of again.results.map((r, i) => [r, reference.results[i]!] as const))
      expect(Object.is(a.simulatedCycles, b.simulatedCycles)).toBe(true);
  }, 120_000);

  it("replacing the paper's reference figures with random numbers changes no simulated figure", () => {
    const random = fc.sample(fc.double({ min: 0.01, max: 1e4, noNaN: true }), {
      seed: 42,
      numRuns: paperBenchmarks().length * 2,
    });
    const table: Record<string, PaperRow> = {};
    paperBenchmarks().forEach((b, i) => {
      table[b] = {
        ultrix: random[2 * i]!,
        exo: random[2 * i + 1]!,
        exoSystem: "exos",
        source: "random",
      };
    });
    const scrambled = withPaperTable(table, () => run());
    expect(scrambled.results.map(simulated)).toEqual(reference.results.map(simulated));
    // And the paper column did change, so the substitution took effect.
    expect(scrambled.results.map((r) => r.paperMicros)).not.toEqual(
      reference.results.map((r) => r.paperMicros),
    );
  }, 120_000);
});

describe("every profile", () => {
  for (const profile of ["dec3100", "dec2100"]) {
    it(`the whole paper suite runs on ${profile}, with no paper figure beside it (the paper measured a 5000/125)`, () => {
      const r = runSuite({
        suite: "paper",
        workloads: PAPER_SUITE,
        adapters: ADAPTERS,
        profile,
        seed: 1,
      });
      expect(r.results.filter((x) => x.supported).length).toBeGreaterThan(30);
      for (const x of r.results) expect(x.paperMicros).toBeNull();
      // The same work at a slower clock: same cycles per instruction, more µs per cycle.
      const getpid = r.results.find(
        (x) => x.benchmark === "getpid-stack" && x.system === "exokernel",
      )!;
      expect(getpid.simulatedMicros).toBeGreaterThan(0);
    }, 120_000);
  }
});
