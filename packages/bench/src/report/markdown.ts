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
import { unitText } from "./table.js";

/** A Markdown table cell: pipes escaped, no line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function mdTable(header: readonly string[], align: readonly ("l" | "r")[], rows: string[][]) {
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

/** The same tables in Markdown, with the policies in force and how to read them. */
export function renderMarkdown(report: BenchReport, systems: readonly string[]): string {
  const rows = buildRows(report, systems);
  const out: string[] = [
    `# ExoLab ${report.suite} suite — ${report.profile}, seed ${report.seed}`,
    "",
    `Made by ${report.meta.tool} ${report.meta.version}${report.meta.commit === null ? "" : ` at commit ${report.meta.commit.slice(0, 12)}${report.meta.dirty === true ? " (with local changes)" : ""}`} on ${report.meta.date} (Node ${report.meta.node}).`,
  ];
  if (rows.length > 0) {
    out.push(
      "",
      "Simulated time per operation; the paper's figure beside ours (DECstation 5000/125 only);",
      "ratio = baseline (monolithic) time / this system's time.",
      "",
      ...mdTable(
        [
          "benchmark",
          "unit",
          ...systems.flatMap((s) => [s, `${s} paper`, `${s} ratio (paper)`]),
          "note",
        ],
        ["l", "l", ...systems.flatMap(() => ["r", "r", "r"] as const), "l"],
        rows.map((r) => [
          r.label,
          unitText(r.unit),
          ...systems.flatMap((s) => {
            const c = r.cells.find((x) => x.system === s);
            if (c === undefined) return ["", "", ""];
            if (!c.supported) return ["n/a", c.paperText, ""];
            return [
              c.text,
              c.paperText,
              `${c.ratio === null ? "" : `${fmt(c.ratio)}x`}${c.paperRatio === null ? "" : ` (${fmt(c.paperRatio)}x)`}`,
            ];
          }),
          r.note,
        ]),
      ),
    );
  }
  const idle = idleLines(report, systems);
  if (idle.length > 0)
    out.push(
      "",
      "## Measured windows with idle cycles",
      "",
      "`[IDLE!]`: not declared by the workload (a fault of the run); `[idle]`: the workload measures idle time.",
      "",
      ...idle.map((l) => `- ${l}`),
    );
  const dirs = directions(report, systems);
  if (dirs.length > 0)
    out.push("", "## Direction against the paper", "", ...dirs.map((d) => `- ${directionLine(d)}`));
  const alone = standalones(report, systems);
  if (alone.length > 0)
    out.push(
      "",
      "## Paper rows with no baseline ratio",
      "",
      ...alone.map((a) => `- ${standaloneLine(a)}`),
    );
  for (const t of metricTables(report, systems)) {
    out.push(
      "",
      `## ${t.benchmark}`,
      "",
      ...mdTable(
        ["system", ...t.paramKeys, ...t.metricKeys.map(metricLabel)],
        ["l", ...t.paramKeys.map(() => "l" as const), ...t.metricKeys.map(() => "r" as const)],
        t.rows.map((r) => [
          r.system,
          ...t.paramKeys.map((k) => valueText(r.params[k])),
          ...t.metricKeys.map((k) => (r.supported ? valueText(r.metrics[k]) : "n/a")),
        ]),
      ),
    );
  }
  const measured = report.results.filter((r) => r.supported && r.simCyclesPerHostSecond !== null);
  if (measured.length > 0) {
    out.push(
      "",
      "## Simulator speed on this host",
      "",
      ...mdTable(
        [
          "benchmark",
          "system",
          "host µs/op",
          "simulated cycles per host second",
          "faster than real time",
        ],
        ["l", "l", "r", "r", "l"],
        measured.map((r) => [
          `${r.benchmark}${paramsText(r.params)}`,
          r.system,
          fmt(r.hostNsPerOp === null ? null : r.hostNsPerOp / 1000),
          `${(r.simCyclesPerHostSecond! / 1e6).toFixed(2)}M`,
          r.fasterThanRealTime === true ? "yes" : "no",
        ]),
      ),
    );
  }
  out.push(
    "",
    "## Policies in force",
    "",
    "```json",
    JSON.stringify(report.policies, null, 2),
    "```",
    "",
  );
  return out.join("\n");
}
