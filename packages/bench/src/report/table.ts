import type { BenchReport } from "../result.js";
import { buildRows, directionLine, directions, fmt, standaloneLine, standalones } from "./model.js";

/**
 * The terminal table: one row per benchmark; per system, our figure, the paper's in
 * parentheses, and the ratio baseline/system (× faster than the baseline) with the paper's
 * ratio beside it.
 */
export function renderTable(report: BenchReport, systems: readonly string[]): string {
  const rows = buildRows(report, systems);
  const header = [
    "benchmark",
    "unit",
    ...systems.flatMap((s) => [`${s} (paper)`, `ratio (paper)`]),
  ];
  const lines: string[][] = [header];
  for (const r of rows) {
    const line = [r.benchmark, r.unit === "us/op" ? "µs" : r.unit === "s/op" ? "s" : "share"];
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
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)));
  const out = lines.map((l) =>
    l.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "),
  );
  out.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const dirs = directions(report, systems);
  const agree = dirs.filter((d) => d.agrees).length;
  const alone = standalones(report, systems);
  const summary = [
    ...(dirs.length === 0
      ? []
      : [
          "",
          `Direction against the paper: ${agree} of ${dirs.length} ratios point the same way.`,
          ...dirs.map((d) => `  ${directionLine(d)}`),
        ]),
    ...(alone.length === 0
      ? []
      : [
          "",
          "Paper rows with no baseline ratio (our figure against the paper's):",
          ...alone.map((a) => `  ${standaloneLine(a)}`),
        ]),
  ];
  return [
    `ExoLab ${report.suite} suite on ${report.profile} (seed ${report.seed})`,
    "",
    ...out,
    ...summary,
  ].join("\n");
}
