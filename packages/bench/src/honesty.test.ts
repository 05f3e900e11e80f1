import { Category, type Machine } from "@exolab/machine/privileged";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { SystemAdapter } from "./adapters/adapter.js";
import { ADAPTERS, adapterFor } from "./adapters/index.js";
import { costLabels } from "./cost-tables.js";
import { COSTS } from "./costs.js";
import { renderHtml } from "./node/html.js";
import { type PaperRow, paperBenchmarks, withPaperTable } from "./paper.js";
import { renderMarkdown } from "./report/markdown.js";
import { renderTable } from "./report/table.js";
import { META } from "./report/test-fixtures.js";
import {
  type BenchReport,
  type BenchResult,
  ReportSchema,
  SCHEMA_VERSION,
  undeclaredIdleRows,
  withoutMeta,
} from "./result.js";
import { runBenchmark } from "./runner.js";
import { runSuite } from "./suite.js";
import { defineWorkload, type Workload } from "./workload.js";
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
  }, 300_000);

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

  it("no measured window contains idle cycles that its workload did not declare", () => {
    // Every row says, idle or not (null: none in its windows).
    for (const r of reference.results)
      expect(r.idleInWindow, `${r.benchmark} on ${r.system}`).toBeDefined();
    expect(
      undeclaredIdleRows(reference.results).map((r) => `${r.benchmark} on ${r.system}`),
    ).toEqual([]);
    for (const r of reference.results)
      if (r.supported && r.idleInWindow === null) expect(r.attribution.idle ?? 0).toBe(0);
  });

  // One run checks both: the same seed gives the same report (but for meta and the paper
  // column), bit for bit, and the paper's reference figures, replaced by random numbers, feed
  // no simulated figure (a run of the whole suite each would double the file's time).
  it("runs are deterministic, and the paper's figures feed none of them: the same seed with random reference figures gives the same report but for meta and the paper column, bit for bit", () => {
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
    const again = withPaperTable(table, () => run());
    expect(again.results.length).toBe(reference.results.length);
    // Everything but meta (who ran it, when) and the paper column: results, policies,
    // profile, seed.
    const paperless = (r: BenchReport) => ({
      ...withoutMeta(r),
      results: r.results.map((x) => ({ ...x, paperMicros: null })),
    });
    expect(paperless(again)).toEqual(paperless(reference));
    expect(again.results.map(simulated)).toEqual(reference.results.map(simulated));
    for (const [a, b] of again.results.map((r, i) => [r, reference.results[i]!] as const))
      expect(Object.is(a.simulatedCycles, b.simulatedCycles)).toBe(true);
    // And the paper column did change, so the substitution took effect.
    expect(again.results.map((r) => r.paperMicros)).not.toEqual(
      reference.results.map((r) => r.paperMicros),
    );
  }, 300_000);
});

/**
 * BENCH_LONG=1 runs the whole suite on the other profiles; by default matmul (half a run's
 * host time, and nothing a profile changes that the other rows do not exercise) is left out.
 */
const LONG = process.env.BENCH_LONG === "1";
const ON_OTHER_PROFILES = LONG ? PAPER_SUITE : PAPER_SUITE.filter((w) => w.id !== "matmul");

describe("every profile", () => {
  for (const profile of ["dec3100", "dec2100"]) {
    it(`the paper suite runs on ${profile}${LONG ? "" : " (but matmul: BENCH_LONG=1 runs it)"}, with no paper figure beside it (the paper measured a 5000/125)`, () => {
      const r = runSuite({
        suite: "paper",
        workloads: ON_OTHER_PROFILES,
        adapters: ADAPTERS,
        profile,
        seed: 1,
      });
      expect(r.results.filter((x) => x.supported).length).toBeGreaterThan(30);
      expect(new Set(r.results.map((x) => x.benchmark)).size).toBe(ON_OTHER_PROFILES.length);
      for (const x of r.results) expect(x.paperMicros).toBeNull();
      // The same work at a slower clock: same cycles per instruction, more µs per cycle.
      const getpid = r.results.find(
        (x) => x.benchmark === "getpid-stack" && x.system === "exokernel",
      )!;
      expect(getpid.simulatedMicros).toBeGreaterThan(0);
    }, 300_000);
  }
});

/**
 * A workload whose measured window waits: the CPU sits idle for `idleCycles` inside it (the
 * test stands in for a workload or adapter that blocks on nothing the workload asked for,
 * charging the machine's Idle category as the run loop does while nothing is runnable).
 */
function idlingWorkload(idleMeasured?: string): { w: Workload<"user">; adapter: SystemAdapter } {
  const base = adapterFor("monolithic")!;
  let machine: Machine | undefined;
  const adapter: SystemAdapter = {
    ...base,
    unsupported: (port, benchmark) => base.unsupported(port, benchmark),
    policies: (profile) => base.policies(profile),
    create: (options) => {
      const sys = base.create(options);
      machine = sys.machine;
      return sys;
    },
  };
  const w = defineWorkload({
    id: "idle-probe",
    suite: "paper",
    title: "a window that waits",
    port: "user",
    unit: "us/op",
    iterations: { warmup: 0, measured: 1 },
    ...(idleMeasured === undefined ? {} : { idleMeasured }),
    threads: [
      // biome-ignore lint/correctness/useYield: one straight-line window
      function* (p, m) {
        m.start();
        p.cpu.exec(COSTS["app.loop"]);
        machine!.cpu.charge(500, Category.Idle);
        m.stop();
        m.finish(1);
      },
    ],
  });
  return { w, adapter };
}

function reportOf(results: BenchResult[]): BenchReport {
  return ReportSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    meta: META,
    profile: "dec5000_125",
    seed: 1,
    suite: "paper",
    policies: {},
    results,
  });
}

describe("a measured window with idle cycles", () => {
  it("is flagged in the JSON, the table, Markdown and HTML, and fails the honesty check when undeclared", async () => {
    const { w, adapter } = idlingWorkload();
    const r = runBenchmark(w as Workload, adapter, { profile: "dec5000_125", seed: 1 });
    expect(r.idleInWindow).toEqual({ cyclesPerOp: 500, declared: false });
    expect(r.attribution.idle).toBe(500);
    // The honesty check the paper suite passes above refuses this row.
    expect(undeclaredIdleRows([r])).toEqual([r]);
    const report = reportOf([r]);
    const systems = ["monolithic"];
    expect(renderTable(report, systems)).toMatch(/\[IDLE!\]/);
    expect(renderTable(report, systems)).toMatch(
      /idle-probe on monolithic: 500 idle cycles per operation .*NOT declared/,
    );
    expect(renderMarkdown(report, systems)).toMatch(/## Measured windows with idle cycles/);
    expect(renderMarkdown(report, systems)).toMatch(/\[IDLE!\]/);
    const html = await renderHtml(report, systems);
    expect(html).toMatch(/class="ours idle-undeclared">[^<]*\[IDLE!\]/);
    expect(html).toMatch(/<h2>Measured windows with idle cycles<\/h2>/);
  });

  it("is marked but passes when the workload declares that idle time is what it measures", () => {
    const { w, adapter } = idlingWorkload("the test waits on purpose");
    const r = runBenchmark(w as Workload, adapter, { profile: "dec5000_125", seed: 1 });
    expect(r.idleInWindow).toEqual({ cyclesPerOp: 500, declared: true });
    expect(undeclaredIdleRows([r])).toEqual([]);
    const text = renderTable(reportOf([r]), ["monolithic"]);
    expect(text).toMatch(/\d \[idle\]/);
    expect(text).not.toMatch(/\d \[IDLE!\]/);
    expect(text).toMatch(
      /500 idle cycles per operation in the measured windows \(the workload measures idle time\)/,
    );
  });

  it("a row without idle cycles has idleInWindow null, and no mark", () => {
    const { w, adapter } = idlingWorkload();
    const quiet = defineWorkload({
      ...w,
      threads: [
        // biome-ignore lint/correctness/useYield: one straight-line window
        function* (p, m) {
          m.start();
          p.cpu.exec(COSTS["app.loop"]);
          m.stop();
          m.finish(1);
        },
      ],
    });
    const r = runBenchmark(quiet as Workload, adapter, { profile: "dec5000_125", seed: 1 });
    expect(r.idleInWindow).toBeNull();
    const text = renderTable(reportOf([r]), ["monolithic"]);
    expect(text).not.toMatch(/\[idle\]|\[IDLE!\]|idle cycles/);
  });
});
