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

describe("every exec call site takes its label and count from a costs.ts", () => {
  it("no exec in any package's sources has a literal count or a label of its own", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const { join } = await import("node:path");
    const root = new URL("../../", import.meta.url).pathname;
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (n === "node_modules" || n === "dist") continue;
        if (statSync(p).isDirectory()) walk(p);
        else if (n.endsWith(".ts") && !n.endsWith(".test.ts") && !n.startsWith("test-"))
          files.push(p);
      }
    };
    for (const pkg of readdirSync(root)) {
      try {
        walk(join(root, pkg, "src"));
      } catch {
        // a package without src/
      }
    }
    expect(files.length).toBeGreaterThan(20);
    const known = costLabels();
    const offenders: string[] = [];
    let calls = 0;
    const call = /\.exec\(\s*([^,()]+(?:\([^()]*\))?[^,()]*),\s*([^,)]+)[,)]/g;
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(call)) {
        calls++;
        const [count, label] = [m[1]!.trim(), m[2]!.trim()];
        const literalLabel = /^["'`](.*)["'`]$/.exec(label);
        const labelOk =
          literalLabel !== null ? known.has(literalLabel[1]!) : /label\b/i.test(label);
        const countOk =
          /instructions|Instructions|\b(cost|c|n|count|left|fit)\b/.test(count) &&
          !/^\d+$/.test(count);
        if (!labelOk || !countOk)
          offenders.push(`${f.slice(root.length)}: exec(${count}, ${label})`);
      }
    }
    // Not vacuous: the pattern does find the exec call sites of every package.
    expect(calls).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });
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
