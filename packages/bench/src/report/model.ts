import { BASELINE } from "../adapters/adapter.js";
import { PAPER_PROFILE, PAPER_STRIDE_RATIOS, paperRow } from "../paper.js";
import type { BenchReport, BenchResult } from "../result.js";

/** One displayed figure: ours, the paper's, and the ratio to the baseline. */
export interface Cell {
  readonly system: string;
  readonly supported: boolean;
  readonly reason?: string;
  readonly ours: number | null;
  readonly paper: number | null;
  readonly ratio: number | null;
  readonly paperRatio: number | null;
  readonly text: string;
  /** The paper's figure as displayed (its shares for a share row), "—" where it has none. */
  readonly paperText: string;
}

export interface Row {
  readonly benchmark: string;
  readonly unit: string;
  readonly cells: Cell[];
  readonly note: string;
}

/** Display value in the row's unit (µs, or seconds for s/op). */
export function displayValue(r: BenchResult): number {
  return r.unit === "s/op" ? r.simulatedMicros / 1e6 : r.simulatedMicros;
}

export function fmt(v: number | null): string {
  if (v === null) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

/** Table rows: one per benchmark, a cell per system (systems in the order given). */
export function buildRows(report: BenchReport, systems: readonly string[]): Row[] {
  const benchmarks = [...new Set(report.results.map((r) => r.benchmark))];
  return benchmarks.map((b) => {
    const results = report.results.filter((r) => r.benchmark === b);
    const unit = results[0]?.unit ?? "us/op";
    // The paper's baseline figure for the row this one is compared with (Ultrix's getpid for
    // getpid-stack and getpid-lib), as the ratio to the baseline is.
    const against = results.find((r) => r.baselineBenchmark !== undefined)?.baselineBenchmark ?? b;
    const baselinePaper =
      report.results.find((r) => r.benchmark === against && r.system === BASELINE)?.paperMicros ??
      null;
    const cells = systems
      .map((s) => results.find((r) => r.system === s))
      .filter((r): r is BenchResult => r !== undefined)
      .map((r): Cell => {
        const paper =
          r.paperMicros === null ? null : r.unit === "s/op" ? r.paperMicros / 1e6 : r.paperMicros;
        const paperRatio =
          baselinePaper !== null && r.paperMicros !== null && r.paperMicros > 0
            ? baselinePaper / r.paperMicros
            : null;
        if (!r.supported) {
          return {
            system: r.system,
            supported: false,
            reason: r.reason,
            ours: null,
            paper,
            ratio: null,
            paperRatio,
            text: "n/a",
            paperText: fmt(paper),
          };
        }
        let text = fmt(displayValue(r));
        let paperText = fmt(paper);
        if (r.observed?.shares !== undefined) {
          text = (r.observed.shares as number[]).map((x) => fmt(x)).join(" : ");
          // Section 7.3's observed shares, on the paper's machine only.
          if (report.profile === PAPER_PROFILE)
            paperText = PAPER_STRIDE_RATIOS.map((x) => fmt(x)).join(" : ");
        }
        return {
          system: r.system,
          supported: true,
          ours: displayValue(r),
          paper,
          ratio: r.ratioToBaseline,
          paperRatio,
          text,
          paperText,
        };
      });
    const row = paperRow(b);
    return { benchmark: b, unit, cells, note: row?.note ?? "" };
  });
}

/** One paper row's direction: does the system beat the baseline in ours as in the paper? */
export interface Direction {
  readonly benchmark: string;
  readonly system: string;
  readonly ours: number;
  readonly paper: number;
  readonly agrees: boolean;
  /** ours / paper: 1 is the paper's ratio exactly; 0.5 half of it; 2 twice it. */
  readonly factor: number;
}

/** A ratio within 5 % of 1 is "even": neither faster nor slower than the baseline. */
function way(ratio: number): "faster" | "slower" | "even" {
  if (Math.abs(ratio - 1) < 0.05) return "even";
  return ratio > 1 ? "faster" : "slower";
}

/** For every row where both we and the paper have a baseline ratio for a system. */
export function directions(report: BenchReport, systems: readonly string[]): Direction[] {
  const out: Direction[] = [];
  for (const row of buildRows(report, systems)) {
    for (const c of row.cells) {
      if (c.system === BASELINE || c.ratio === null || c.paperRatio === null) continue;
      out.push({
        benchmark: row.benchmark,
        system: c.system,
        ours: c.ratio,
        paper: c.paperRatio,
        agrees: way(c.ratio) === way(c.paperRatio),
        factor: c.ratio / c.paperRatio,
      });
    }
  }
  return out;
}

/**
 * A paper row with no baseline ratio to compare (the paper has no Ultrix figure, or the
 * baseline cannot run it): our figure against the paper's, and how far apart they are.
 */
export interface Standalone {
  readonly benchmark: string;
  readonly system: string;
  readonly unit: string;
  readonly ours: number;
  readonly paper: number;
  /** ours / paper. */
  readonly factor: number;
}

/** Every cell with a paper figure that `directions` does not cover. */
export function standalones(report: BenchReport, systems: readonly string[]): Standalone[] {
  const covered = new Set(directions(report, systems).map((d) => `${d.benchmark}@${d.system}`));
  const out: Standalone[] = [];
  for (const row of buildRows(report, systems)) {
    for (const c of row.cells) {
      if (c.system === BASELINE || !c.supported || c.ours === null || c.paper === null) continue;
      if (covered.has(`${row.benchmark}@${c.system}`) || c.paper <= 0) continue;
      out.push({
        benchmark: row.benchmark,
        system: c.system,
        unit: row.unit === "s/op" ? "s" : "µs",
        ours: c.ours,
        paper: c.paper,
        factor: c.ours / c.paper,
      });
    }
  }
  return out;
}

export function standaloneLine(s: Standalone): string {
  return `${s.benchmark} on ${s.system}: ${fmt(s.ours)} ${s.unit} (paper ${fmt(s.paper)} ${s.unit}, no baseline figure to take a direction from); ours is ${fmt(s.factor)}x the paper's`;
}

export function directionLine(d: Direction): string {
  return `${d.benchmark} on ${d.system}: ${fmt(d.ours)}x the baseline (paper ${fmt(d.paper)}x) — ${
    d.agrees
      ? `same direction (${way(d.ours)})`
      : `OPPOSITE direction (ours ${way(d.ours)}, paper ${way(d.paper)})`
  }; our ratio is ${fmt(d.factor)} of the paper's`;
}
