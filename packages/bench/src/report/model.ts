import { baseProfileName } from "@exolab/machine/privileged";
import { BASELINE } from "../adapters/adapter.js";
import { PAPER_PROFILE, PAPER_STRIDE_RATIOS, paperRow } from "../paper.js";
import { type BenchReport, type BenchResult, paramsText } from "../result.js";

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
  /** Idle cycles in the measured windows: declared by the workload, not declared, or none. */
  readonly idle: "declared" | "undeclared" | null;
}

/**
 * The marks a figure carries when its measured windows contain idle cycles, in every format
 * (terminal, Markdown, HTML): `IDLE!` when the workload did not declare idle time part of
 * what it measures (a fault of the run: the honesty tests fail on it), `idle` when it did.
 */
export const IDLE_MARK = { undeclared: " [IDLE!]", declared: " [idle]" } as const;

function idleOf(r: BenchResult): Cell["idle"] {
  if (r.idleInWindow === null || r.idleInWindow === undefined) return null;
  return r.idleInWindow.declared ? "declared" : "undeclared";
}

/** The footnotes of the idle marks: one line per flagged row (empty when none is). */
export function idleLines(report: BenchReport, systems: readonly string[]): string[] {
  return report.results
    .filter((r) => r.idleInWindow !== null && r.idleInWindow !== undefined)
    .filter((r) => systems.includes(r.system))
    .map((r) => {
      const idle = r.idleInWindow!;
      const what = `${r.benchmark}${paramsText(r.params)} on ${r.system}: ${fmt(idle.cyclesPerOp)} idle cycles per operation in the measured windows`;
      return idle.declared
        ? `${what} (the workload measures idle time)`
        : `${what} — NOT declared by the workload: the figure includes time the CPU waited for nothing it asked for`;
    });
}

export interface Row {
  readonly benchmark: string;
  /** The params of the row's results, when the benchmark runs at several settings. */
  readonly params?: BenchResult["params"];
  /** The benchmark with its params, as displayed ("lookup [poolFrames=64]"). */
  readonly label: string;
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

/**
 * Benchmarks whose figures are metrics (a miss ratio, a hit rate) rather than a time per
 * operation: any of their results carries `metrics`. They get metric tables, not rows.
 */
export function metricBenchmarks(report: BenchReport): Set<string> {
  return new Set(report.results.filter((r) => r.metrics !== undefined).map((r) => r.benchmark));
}

/**
 * Table rows of the timed benchmarks: one per benchmark (and params), a cell per system
 * (systems in the order given).
 */
export function buildRows(report: BenchReport, systems: readonly string[]): Row[] {
  const metric = metricBenchmarks(report);
  const timed = report.results.filter((r) => !metric.has(r.benchmark));
  const keys = [...new Set(timed.map((r) => `${r.benchmark}${paramsText(r.params)}`))];
  return keys.map((key) => {
    const results = timed.filter((r) => `${r.benchmark}${paramsText(r.params)}` === key);
    const b = results[0]!.benchmark;
    const params = results[0]!.params;
    const unit = results[0]?.unit ?? "us/op";
    // The paper's baseline figure for the row this one is compared with (Ultrix's getpid for
    // getpid-stack and getpid-lib), as the ratio to the baseline is.
    const against = results.find((r) => r.baselineBenchmark !== undefined)?.baselineBenchmark ?? b;
    const baselinePaper =
      timed.find(
        (r) =>
          r.benchmark === against &&
          r.system === BASELINE &&
          paramsText(r.params) === paramsText(params),
      )?.paperMicros ?? null;
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
            idle: null,
          };
        }
        let text = fmt(displayValue(r));
        let paperText = fmt(paper);
        if (r.observed?.shares !== undefined) {
          text = (r.observed.shares as number[]).map((x) => fmt(x)).join(" : ");
          // Section 7.3's observed shares, on the paper's machine only.
          if (baseProfileName(report.profile) === PAPER_PROFILE)
            paperText = PAPER_STRIDE_RATIOS.map((x) => fmt(x)).join(" : ");
        }
        const idle = idleOf(r);
        if (idle !== null) text += IDLE_MARK[idle];
        return {
          system: r.system,
          supported: true,
          ours: displayValue(r),
          paper,
          ratio: r.ratioToBaseline,
          paperRatio,
          text,
          paperText,
          idle,
        };
      });
    const row = paperRow(b);
    return {
      benchmark: b,
      ...(params === undefined ? {} : { params }),
      label: key,
      unit,
      cells,
      note: row?.note ?? "",
    };
  });
}

/** The unit a metric's name ends with, for table headers and axis labels ("" if none). */
export function metricUnit(name: string): string {
  if (/Cycles$/.test(name)) return "cycles";
  if (/Micros$/.test(name)) return "µs";
  if (/Ratio$|Rate$|Share$/.test(name)) return "fraction";
  if (/PerSimSecond$/.test(name)) return "per simulated second";
  if (/Bytes$/.test(name)) return "bytes";
  if (/Ios$/.test(name)) return "I/Os";
  return "";
}

/** A metric's name with its unit, as a column header or an axis label. */
export function metricLabel(name: string): string {
  const unit = metricUnit(name);
  return unit === "" ? name : `${name} (${unit})`;
}

/** The results of one metric benchmark: a row per (system, params), a column per metric. */
export interface MetricTable {
  readonly benchmark: string;
  readonly paramKeys: readonly string[];
  readonly metricKeys: readonly string[];
  readonly rows: readonly {
    readonly system: string;
    readonly params: NonNullable<BenchResult["params"]>;
    readonly supported: boolean;
    readonly reason?: string;
    readonly metrics: Readonly<Record<string, number>>;
  }[];
}

/** One table per metric benchmark, rows by system (in the order given) then params. */
export function metricTables(report: BenchReport, systems: readonly string[]): MetricTable[] {
  const metric = metricBenchmarks(report);
  return [...metric].map((benchmark) => {
    const results = report.results
      .filter((r) => r.benchmark === benchmark && systems.includes(r.system))
      .sort((a, b) => systems.indexOf(a.system) - systems.indexOf(b.system));
    const paramKeys = [...new Set(results.flatMap((r) => Object.keys(r.params ?? {})))].sort();
    const metricKeys = [...new Set(results.flatMap((r) => Object.keys(r.metrics ?? {})))];
    return {
      benchmark,
      paramKeys,
      metricKeys,
      rows: results.map((r) => ({
        system: r.system,
        params: r.params ?? {},
        supported: r.supported,
        ...(r.reason === undefined ? {} : { reason: r.reason }),
        metrics: r.metrics ?? {},
      })),
    };
  });
}

/** A parameter or metric value as displayed. */
export function valueText(v: number | string | boolean | undefined): string {
  if (v === undefined) return "";
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : fmt(v)) : String(v);
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
        benchmark: row.label,
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
      if (covered.has(`${row.label}@${c.system}`) || c.paper <= 0) continue;
      out.push({
        benchmark: row.label,
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
