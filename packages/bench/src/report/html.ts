import type { BenchReport } from "../result.js";
import {
  buildRows,
  type Cell,
  directionLine,
  directions,
  fmt,
  type Row,
  standaloneLine,
  standalones,
} from "./model.js";

/** The report's tables, as the paper groups them. */
export const GROUPS: readonly { title: string; benchmarks: readonly string[] }[] = [
  {
    title: "Procedure call, system call, exceptions, protected control transfer (Tables 4–6)",
    benchmarks: [
      "proc-call",
      "getpid",
      "getpid-stack",
      "getpid-lib",
      "exc-unalign",
      "exc-overflow",
      "exc-coproc",
      "exc-prot",
      "pct",
    ],
  },
  { title: "IPC (Tables 8 and 12)", benchmarks: ["pipe", "pipe-inline", "shm", "lrpc", "tlrpc"] },
  {
    title: "Virtual memory (Table 10)",
    benchmarks: ["dirty", "prot1", "prot100", "unprot100", "trap", "appel1", "appel2"],
  },
  { title: "Computation and scheduling (Table 9, Section 7.3)", benchmarks: ["matmul", "stride"] },
];

const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"];

function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** A grouped bar chart: per benchmark, per system, our bar and the paper's (hatched) beside it. */
function chart(rows: readonly Row[], systems: readonly string[]): string {
  const values: number[] = [];
  for (const r of rows)
    for (const c of r.cells) {
      if (c.ours !== null && c.ours > 0 && r.unit !== "share") values.push(c.ours);
      if (c.paper !== null && c.paper > 0) values.push(c.paper);
    }
  if (values.length === 0) return "";
  const max = Math.max(...values);
  const min = Math.min(...values);
  const log = max / min > 50;
  const h = 220;
  const barW = 10;
  const groupW = systems.length * 2 * barW + 24;
  const w = Math.max(320, rows.length * groupW + 60);
  const y = (v: number) => {
    if (log) {
      const lo = Math.log10(min) - 0.2;
      const hi = Math.log10(max) + 0.1;
      return h - ((Math.log10(v) - lo) / (hi - lo)) * h;
    }
    return h - (v / (max * 1.05)) * h;
  };
  const parts: string[] = [];
  // Axis ticks: powers of ten on a log scale, quarters of the maximum on a linear one.
  const ticks: number[] = [];
  if (log) {
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++)
      ticks.push(10 ** e);
  } else {
    for (let q = 1; q <= 4; q++) ticks.push((max * q) / 4);
  }
  for (const t of ticks) {
    const ty = y(t);
    if (ty < 0 || ty > h) continue;
    parts.push(
      `<line x1="45" y1="${ty.toFixed(1)}" x2="${w}" y2="${ty.toFixed(1)}" stroke="#eee"/><text class="tick" x="42" y="${(ty + 3).toFixed(1)}" font-size="9" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const x0 = 50 + i * groupW;
    systems.forEach((s, j) => {
      const c: Cell | undefined = r.cells.find((x) => x.system === s);
      const color = COLORS[j % COLORS.length];
      const bx = x0 + j * 2 * barW;
      if (c?.ours != null && c.ours > 0 && r.unit !== "share") {
        parts.push(
          `<rect class="ours" data-system="${esc(s)}" data-benchmark="${esc(r.benchmark)}" x="${bx}" y="${y(c.ours).toFixed(1)}" width="${barW - 1}" height="${(h - y(c.ours)).toFixed(1)}" fill="${color}"><title>${esc(`${r.benchmark} on ${s}: ${fmt(c.ours)}`)}</title></rect>`,
        );
      }
      if (c?.paper != null && c.paper > 0) {
        parts.push(
          `<rect class="paper" data-system="${esc(s)}" data-benchmark="${esc(r.benchmark)}" x="${bx + barW}" y="${y(c.paper).toFixed(1)}" width="${barW - 1}" height="${(h - y(c.paper)).toFixed(1)}" fill="url(#hatch${j})" stroke="${color}"><title>${esc(`${r.benchmark}, paper, ${s}: ${fmt(c.paper)}`)}</title></rect>`,
        );
      }
    });
    parts.push(
      `<text x="${x0 + groupW / 2 - 12}" y="${h + 14}" font-size="10" text-anchor="middle">${esc(r.benchmark)}</text>`,
    );
  });
  const defs = systems
    .map(
      (_, j) =>
        `<pattern id="hatch${j}" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="4" fill="${COLORS[j % COLORS.length]}" opacity="0.6"/></pattern>`,
    )
    .join("");
  const legend = systems
    .map((s, j) => `<tspan fill="${COLORS[j % COLORS.length]}">■ ${esc(s)}</tspan>`)
    .join("  ");
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + 44}" role="img" aria-label="chart"><defs>${defs}</defs><line x1="45" y1="${h}" x2="${w}" y2="${h}" stroke="#999"/><text x="4" y="12" font-size="10">${log ? "log scale" : "linear"}</text>${parts.join("")}<text x="50" y="${h + 34}" font-size="11">${legend}  (solid: ours, hatched: paper)</text></svg>`;
}

function table(rows: readonly Row[], systems: readonly string[]): string {
  const head = `<tr><th>benchmark</th><th>unit</th>${systems.map((s) => `<th>${esc(s)}</th><th>paper</th><th>ratio (paper)</th>`).join("")}<th>note</th></tr>`;
  const body = rows.map((r) => {
    const cells = systems.map((s) => {
      const c = r.cells.find((x) => x.system === s);
      if (c === undefined) return "<td></td><td></td><td></td>";
      if (!c.supported)
        return `<td class="na" title="${esc(c.reason ?? "")}">n/a</td><td>${esc(c.paperText)}</td><td></td>`;
      const ratio =
        c.ratio === null
          ? ""
          : `${fmt(c.ratio)}x${c.paperRatio === null ? "" : ` (${fmt(c.paperRatio)}x)`}`;
      return `<td class="ours">${esc(c.text)}</td><td>${esc(c.paperText)}</td><td>${ratio}</td>`;
    });
    return `<tr data-benchmark="${esc(r.benchmark)}"><td>${esc(r.benchmark)}</td><td>${esc(r.unit)}</td>${cells.join("")}<td>${esc(r.note)}</td></tr>`;
  });
  return `<table><thead>${head}</thead><tbody>${body.join("")}</tbody></table>`;
}

/** One self-contained page: no scripts, no external resources. */
export function renderHtml(report: BenchReport, systems: readonly string[]): string {
  const rows = buildRows(report, systems);
  const sections = GROUPS.map((g) => {
    const rs = rows.filter((r) => g.benchmarks.includes(r.benchmark));
    if (rs.length === 0) return "";
    return `<section><h2>${esc(g.title)}</h2>${table(rs, systems)}${chart(rs, systems)}</section>`;
  }).join("\n");
  const other = rows.filter((r) => !GROUPS.some((g) => g.benchmarks.includes(r.benchmark)));
  const rest =
    other.length > 0
      ? `<section><h2>Other</h2>${table(other, systems)}${chart(other, systems)}</section>`
      : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ExoLab ${esc(report.suite)} suite — ${esc(report.profile)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.na{color:#999}.disagrees{color:#b00}pre{background:#f6f6f6;padding:1em;overflow:auto}</style>
</head><body>
<h1>ExoLab ${esc(report.suite)} suite on ${esc(report.profile)} (seed ${report.seed})</h1>
<p>Simulated time per operation; the paper's figure (DECstation 5000/125 only) beside ours; ratio = baseline (monolithic) time / this system's time, the paper's ratio in parentheses.</p>
${sections}
${rest}
<section><h2>Direction against the paper</h2><ul class="directions">${directions(report, systems)
    .map((d) => `<li class="${d.agrees ? "agrees" : "disagrees"}">${esc(directionLine(d))}</li>`)
    .join("")}</ul></section>
<section><h2>Paper rows with no baseline ratio</h2><ul class="standalone">${standalones(
    report,
    systems,
  )
    .map((a) => `<li>${esc(standaloneLine(a))}</li>`)
    .join("")}</ul></section>
<section><h2>Policies in force</h2><pre>${esc(JSON.stringify(report.policies, null, 2))}</pre></section>
</body></html>
`;
}
