import { getProfile } from "@exolab/machine/privileged";
import { type BenchReport, paramsText } from "../result.js";
import {
  buildRows,
  directionLine,
  directions,
  fmt,
  idleLines,
  metricLabel,
  metricTables,
  standaloneLine,
  standalones,
  valueText,
} from "./model.js";

/** Columns padded to their widest cell: the first `left` columns left-aligned, the rest right. */
export function alignColumns(lines: readonly (readonly string[])[], left: number): string[] {
  const columns = Math.max(...lines.map((l) => l.length));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(...lines.map((l) => (l[i] ?? "").length)),
  );
  const out = lines.map((l) =>
    widths
      .map((w, i) => (i < left ? (l[i] ?? "").padEnd(w) : (l[i] ?? "").padStart(w)))
      .join("  ")
      .trimEnd(),
  );
  out.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return out;
}

export function unitText(unit: string): string {
  return unit === "us/op" ? "µs" : unit === "s/op" ? "s" : unit;
}

/**
 * The terminal table: one row per benchmark; per system, our figure, the paper's in
 * parentheses, and the ratio baseline/system (× faster than the baseline) with the paper's
 * ratio beside it. Then the directions against the paper, the paper rows with no baseline,
 * a table per metric benchmark, and the simulator's speed when host time was measured.
 */
export function renderTable(report: BenchReport, systems: readonly string[]): string {
  const rows = buildRows(report, systems);
  const out: string[] = [`ExoLab ${report.suite} suite on ${report.profile} (seed ${report.seed})`];
  if (rows.length > 0) {
    const header = [
      "benchmark",
      "unit",
      ...systems.flatMap((s) => [`${s} (paper)`, `ratio (paper)`]),
    ];
    const lines: string[][] = [header];
    for (const r of rows) {
      const line = [r.label, unitText(r.unit)];
      for (const s of systems) {
        const c = r.cells.find((x) => x.system === s);
        if (c === undefined) {
          line.push("", "");
          continue;
        }
        line.push(
          c.supported ? `${c.text} (${c.paperText})` : "n/a",
          c.supported && c.ratio !== null
            ? `${fmt(c.ratio)}x (${c.paperRatio === null ? "—" : `${fmt(c.paperRatio)}x`})`
            : "",
        );
      }
      lines.push(line);
    }
    out.push("", ...alignColumns(lines, 2));
  }
  const idle = idleLines(report, systems);
  if (idle.length > 0)
    out.push(
      "",
      "Measured windows with idle cycles ([IDLE!] not declared, [idle] declared):",
      ...idle.map((l) => `  ${l}`),
    );
  const dirs = directions(report, systems);
  if (dirs.length > 0) {
    const agree = dirs.filter((d) => d.agrees).length;
    out.push(
      "",
      `Direction against the paper: ${agree} of ${dirs.length} ratios point the same way.`,
      ...dirs.map((d) => `  ${directionLine(d)}`),
    );
  }
  const alone = standalones(report, systems);
  if (alone.length > 0) {
    out.push(
      "",
      "Paper rows with no baseline ratio (our figure against the paper's):",
      ...alone.map((a) => `  ${standaloneLine(a)}`),
    );
  }
  for (const t of metricTables(report, systems)) {
    out.push("", `${t.benchmark}:`);
    const lines: string[][] = [["system", ...t.paramKeys, ...t.metricKeys.map(metricLabel)]];
    for (const r of t.rows) {
      lines.push([
        r.system,
        ...t.paramKeys.map((k) => valueText(r.params[k])),
        ...t.metricKeys.map((k) => (r.supported ? valueText(r.metrics[k]) : "n/a")),
      ]);
    }
    out.push(...alignColumns(lines, 1 + t.paramKeys.length).map((l) => `  ${l}`));
  }
  const speed = hostSpeedTable(report, systems);
  if (speed.length > 0) out.push("", ...speed);
  return out.join("\n");
}

/**
 * The simulator's speed per row, when host time was measured: host time per simulated
 * operation, simulated cycles per host second, and how that compares with the profile's
 * clock (× real time; above 1 the simulation runs faster than the machine it models).
 */
export function hostSpeedTable(report: BenchReport, systems: readonly string[]): string[] {
  const measured = report.results.filter(
    (r) => r.supported && r.simCyclesPerHostSecond !== null && systems.includes(r.system),
  );
  if (measured.length === 0) return [];
  const clockHz = 1e9 / getProfile(report.profile).cycleNs;
  const lines: string[][] = [
    ["benchmark", "system", "host µs/op", "sim cycles/host s", "x real time", "faster than real"],
  ];
  for (const r of measured) {
    const speed = r.simCyclesPerHostSecond!;
    lines.push([
      `${r.benchmark}${paramsText(r.params)}`,
      r.system,
      fmt(r.hostNsPerOp === null ? null : r.hostNsPerOp / 1000),
      `${(speed / 1e6).toFixed(2)}M`,
      fmt(speed / clockHz),
      r.fasterThanRealTime === true ? "yes" : "no",
    ]);
  }
  const faster = measured.filter((r) => r.fasterThanRealTime === true).length;
  return [
    `Simulator speed on this host (${report.meta.host.cpus} cores; ${report.profile} runs at ${(clockHz / 1e6).toFixed(2)} MHz): ${faster} of ${measured.length} rows simulate faster than real time.`,
    ...alignColumns(lines, 2).map((l) => `  ${l}`),
  ];
}
