import type { BenchReport } from "../result.js";
import { buildRows, directionLine, directions, fmt, standaloneLine, standalones } from "./model.js";

/** The same table in Markdown, with the policies in force and how to read it. */
export function renderMarkdown(report: BenchReport, systems: readonly string[]): string {
  const rows = buildRows(report, systems);
  const head = `| benchmark | unit | ${systems.map((s) => `${s} | ${s} paper | ${s} ratio (paper)`).join(" | ")} | note |`;
  const sep = `|---|---|${systems.map(() => "---:|---:|---:").join("|")}|---|`;
  const body = rows.map((r) => {
    const cells = systems.map((s) => {
      const c = r.cells.find((x) => x.system === s);
      if (c === undefined) return " | | ";
      if (!c.supported) return `n/a | ${c.paperText} | `;
      return `${c.text} | ${c.paperText} | ${c.ratio === null ? "" : `${fmt(c.ratio)}x`}${c.paperRatio === null ? "" : ` (${fmt(c.paperRatio)}x)`}`;
    });
    return `| ${r.benchmark} | ${r.unit} | ${cells.join(" | ")} | ${r.note} |`;
  });
  return [
    `# ExoLab ${report.suite} suite — ${report.profile}, seed ${report.seed}`,
    "",
    "Simulated time per operation; the paper's figure beside ours (DECstation 5000/125 only);",
    "ratio = baseline (monolithic) time / this system's time.",
    "",
    head,
    sep,
    ...body,
    "",
    "## Direction against the paper",
    "",
    ...directions(report, systems).map((d) => `- ${directionLine(d)}`),
    "",
    "## Paper rows with no baseline ratio",
    "",
    ...standalones(report, systems).map((a) => `- ${standaloneLine(a)}`),
    "",
    "## Policies in force",
    "",
    "```json",
    JSON.stringify(report.policies, null, 2),
    "```",
    "",
  ].join("\n");
}
