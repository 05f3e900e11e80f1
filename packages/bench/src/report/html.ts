import { baseProfileName } from "@exolab/machine/privileged";
import { PAPER_PROFILE, PAPER_STRIDE_RATIOS } from "../paper.js";
import { type BenchReport, paramsText } from "../result.js";
import {
  buildRows,
  directionLine,
  directions,
  fmt,
  idleLines,
  type MetricTable,
  metricLabel,
  metricTables,
  type Row,
  standaloneLine,
  standalones,
  valueText,
} from "./model.js";
import { unitText } from "./table.js";

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
  {
    title: "Packet classification (Table 7, a DEC5000/200: shapes only)",
    benchmarks: ["dpf-classify", "dpf-classify-interpreted"],
  },
  { title: "IPC (Tables 8 and 12)", benchmarks: ["pipe", "pipe-inline", "shm", "lrpc", "tlrpc"] },
  {
    title: "Virtual memory (Table 10)",
    benchmarks: ["dirty", "prot1", "prot100", "unprot100", "trap", "appel1", "appel2"],
  },
  { title: "Computation and scheduling (Table 9, Section 7.3)", benchmarks: ["matmul", "stride"] },
  { title: "Network (Table 11)", benchmarks: ["udp-roundtrip", "udp-roundtrip-ash"] },
];

/** Colours of the systems, in the order given (colour-blind safe, Tableau 10). */
export const COLORS: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** Chart widths in CSS pixels: one for wide windows, one for phones (CSS picks one). */
export const WIDE_PX = 860;
export const NARROW_PX = 380;
/** Range (max / min) past which a bar chart uses a log scale. */
const LOG_RANGE = 50;
/** Height of one bar band: ours in its upper half, the paper's in its lower half. */
const BAND_PX = 24;

type PlotModule = typeof import("@observablehq/plot");
/** What the charts need of an element Plot returns (the package targets no DOM library). */
interface SvgElement {
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  readonly outerHTML: string;
}
interface Drawing {
  readonly Plot: PlotModule;
  /** The document Plot draws into (linkedom's in Node, a browser's own). */
  readonly document: unknown;
  readonly systems: readonly string[];
}

function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** One bar: a (row, system) band, ours or the paper's. */
interface Bar {
  readonly band: string;
  readonly benchmark: string;
  readonly system: string;
  readonly source: "ours" | "paper";
  readonly value: number;
  readonly title: string;
}

/** Roughly how wide a label is drawn at `fontPx` (system-ui averages under 0.62em). */
function textPx(text: string, fontPx: number): number {
  return Math.ceil(text.length * fontPx * 0.62);
}

/** Marks an SVG as ours (class, role, label) and returns its markup. */
function svgMarkup(svg: SvgElement, label: string, variant: "wide" | "narrow"): string {
  svg.setAttribute("class", `${svg.getAttribute("class") ?? ""} chart ${variant}`.trim());
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  return svg.outerHTML;
}

/**
 * A horizontal bar chart: per band (a benchmark on a system), our bar in the upper half and
 * the paper's (pale, outlined) in the lower half; colour by system. Log scale when the
 * values span more than LOG_RANGE.
 */
function barChart(d: Drawing, bars: readonly Bar[], axisLabel: string, width: number): string {
  const { Plot, document, systems } = d;
  const bands = [...new Set(bars.map((b) => b.band))];
  const values = bars.map((b) => b.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const log = max / min > LOG_RANGE;
  const lo = log ? 10 ** Math.floor(Math.log10(min)) : 0;
  const hi = log ? 10 ** Math.ceil(Math.log10(max)) : max * 1.05;
  const font = width < 500 ? 10 : 11;
  const marginLeft = Math.max(...bands.map((b) => textPx(b, font))) + 12;
  const half = (BAND_PX * 0.9) / 2;
  const svg = Plot.plot({
    document: document as never,
    width,
    height: 30 + 40 + bands.length * BAND_PX,
    marginTop: 30,
    marginBottom: 40,
    marginLeft,
    marginRight: 28,
    style: { fontSize: `${font}px` },
    ariaLabel: axisLabel,
    x: {
      type: log ? "log" : "linear",
      domain: [lo, hi],
      label: axisLabel,
      labelAnchor: "right",
      grid: true,
      ticks: width < 500 ? 4 : 8,
      tickFormat: log ? "~g" : undefined,
    },
    y: { domain: bands, padding: 0.1, label: null, tickSize: 0 },
    color: { domain: [...systems], range: COLORS.slice(0, Math.max(systems.length, 1)) },
    marks: [
      Plot.barX(
        bars.filter((b) => b.source === "ours"),
        {
          y: "band",
          x1: lo,
          x2: "value",
          fill: "system",
          insetBottom: half,
          title: "title",
          className: "ours",
        },
      ),
      Plot.barX(
        bars.filter((b) => b.source === "paper"),
        {
          y: "band",
          x1: lo,
          x2: "value",
          fill: "system",
          fillOpacity: 0.3,
          stroke: "system",
          strokeWidth: 1,
          insetTop: half,
          title: "title",
          className: "paper",
        },
      ),
      Plot.ruleX([lo]),
    ],
  });
  return svgMarkup(svg as unknown as SvgElement, axisLabel, width < 500 ? "narrow" : "wide");
}

/** A legend that wraps: a swatch per system present, then how ours and the paper's differ. */
function legend(systems: readonly string[], all: readonly string[], paper: boolean): string {
  const items = systems.map(
    (s) =>
      `<li><span class="swatch" style="background:${COLORS[all.indexOf(s) % COLORS.length]}"></span>${esc(s)}</li>`,
  );
  if (paper)
    items.push(
      '<li><span class="swatch ours-key"></span>ours (upper bar)</li>',
      '<li><span class="swatch paper-key"></span>the paper (pale, lower bar)</li>',
    );
  return `<ul class="legend">${items.join("")}</ul>`;
}

/** A chart at both widths, with its legend and caption. */
function figure(
  name: string,
  caption: string,
  legendHtml: string,
  draw: (width: number) => string,
): string {
  return `<figure class="chart" data-chart="${esc(name)}">${legendHtml}<div class="variant wide">${draw(WIDE_PX)}</div><div class="variant narrow">${draw(NARROW_PX)}</div><figcaption>${esc(caption)}</figcaption></figure>`;
}

/** Charts of the timed rows, one per unit present (µs, seconds, shares). */
function rowCharts(d: Drawing, rows: readonly Row[], report: BenchReport, name: string): string {
  const out: string[] = [];
  for (const unit of ["us/op", "s/op"]) {
    const bars: Bar[] = [];
    for (const r of rows.filter((x) => x.unit === unit)) {
      for (const c of r.cells) {
        const band = `${r.label} · ${c.system}`;
        const u = unitText(unit);
        if (c.supported && c.ours !== null && c.ours > 0)
          bars.push({
            band,
            benchmark: r.label,
            system: c.system,
            source: "ours",
            value: c.ours,
            title: `${r.label} on ${c.system}: ${fmt(c.ours)} ${u} (ours)`,
          });
        if (c.paper !== null && c.paper > 0)
          bars.push({
            band,
            benchmark: r.label,
            system: c.system,
            source: "paper",
            value: c.paper,
            title: `${r.label} on ${c.system}: ${fmt(c.paper)} ${u} (the paper's)`,
          });
      }
    }
    if (bars.length === 0) continue;
    const present = d.systems.filter((s) => bars.some((b) => b.system === s));
    const label = unit === "s/op" ? "seconds per run (s)" : "time per operation (µs)";
    out.push(
      figure(
        `${name}:${unit}`,
        `${label}; ours solid, the paper's pale${bars.length > 0 && Math.max(...bars.map((b) => b.value)) / Math.min(...bars.map((b) => b.value)) > LOG_RANGE ? "; log scale" : ""}`,
        legend(
          present,
          d.systems,
          bars.some((b) => b.source === "paper"),
        ),
        (w) => barChart(d, bars, label, w),
      ),
    );
  }
  // Shares (stride): our observed shares per process beside the paper's.
  const shareBars: Bar[] = [];
  for (const r of rows.filter((x) => x.unit === "share")) {
    const result = report.results.find(
      (x) =>
        x.benchmark === r.benchmark &&
        paramsText(x.params) === paramsText(r.params) &&
        x.observed?.shares !== undefined,
    );
    if (result === undefined) continue;
    const shares = result.observed!.shares as number[];
    shares.forEach((v, i) => {
      const band = `${r.label} · ${result.system} · process ${i + 1}`;
      shareBars.push({
        band,
        benchmark: r.label,
        system: result.system,
        source: "ours",
        value: v,
        title: `${band}: share ${fmt(v)} (ours)`,
      });
      const paper = PAPER_STRIDE_RATIOS[i];
      if (baseProfileName(report.profile) === PAPER_PROFILE && paper !== undefined)
        shareBars.push({
          band,
          benchmark: r.label,
          system: result.system,
          source: "paper",
          value: paper,
          title: `${band}: share ${fmt(paper)} (the paper's)`,
        });
    });
  }
  if (shareBars.length > 0) {
    const present = d.systems.filter((s) => shareBars.some((b) => b.system === s));
    const label = "share of the CPU, relative to process 1 (×)";
    out.push(
      figure(
        `${name}:share`,
        `${label}; ours solid, the paper's pale`,
        legend(
          present,
          d.systems,
          shareBars.some((b) => b.source === "paper"),
        ),
        (w) => barChart(d, shareBars, label, w),
      ),
    );
  }
  return out.join("");
}

/**
 * Charts of a metric benchmark, one per metric: against its first numeric parameter (a line
 * per system and other params), or as bars when it has no numeric parameter.
 */
function metricCharts(d: Drawing, t: MetricTable): string {
  const { Plot, document } = d;
  // The x axis: the first parameter that is a number in every row and takes two values or more.
  const numericParam = t.paramKeys.find(
    (k) =>
      t.rows.every((r) => typeof r.params[k] === "number") &&
      new Set(t.rows.map((r) => r.params[k])).size >= 2,
  );
  const out: string[] = [];
  for (const m of t.metricKeys) {
    const points = t.rows
      .filter((r) => r.supported && typeof r.metrics[m] === "number")
      .map((r) => {
        const others = Object.fromEntries(
          Object.entries(r.params).filter(([k]) => k !== numericParam),
        );
        return {
          series: `${r.system}${paramsText(others)}`,
          system: r.system,
          x: numericParam === undefined ? 0 : (r.params[numericParam] as number),
          y: r.metrics[m]!,
          band: `${r.system}${paramsText(r.params)}`,
        };
      });
    if (points.length === 0) continue;
    const series = [...new Set(points.map((p) => p.series))];
    // A series that is a system alone keeps the system's colour, as in every other chart.
    const bySystem = series.every((s) => d.systems.includes(s));
    const seriesColors = series.map(
      (s, i) => COLORS[(bySystem ? d.systems.indexOf(s) : i) % COLORS.length]!,
    );
    const yLabel = metricLabel(m);
    if (numericParam === undefined) {
      const bars: Bar[] = points.map((p) => ({
        band: p.band,
        benchmark: t.benchmark,
        system: p.system,
        source: "ours",
        value: p.y,
        title: `${t.benchmark} ${p.band}: ${m} ${valueText(p.y)}`,
      }));
      if (bars.every((b) => b.value > 0)) {
        const present = d.systems.filter((s) => points.some((p) => p.system === s));
        out.push(
          figure(`${t.benchmark}:${m}`, yLabel, legend(present, d.systems, false), (w) =>
            barChart(d, bars, yLabel, w),
          ),
        );
        continue;
      }
    }
    const xLabel = numericParam === undefined ? "run" : numericParam;
    const draw = (width: number) => {
      const svg = Plot.plot({
        document: document as never,
        width,
        height: width < 500 ? 260 : 320,
        marginTop: 30,
        marginLeft: 64,
        marginRight: 28,
        marginBottom: 40,
        style: { fontSize: width < 500 ? "10px" : "11px" },
        ariaLabel: `${t.benchmark}: ${yLabel} against ${xLabel}`,
        x: { label: xLabel, labelAnchor: "right", grid: true, ticks: width < 500 ? 4 : 8 },
        y: { label: yLabel, grid: true, zero: true, ticks: 6 },
        color: { domain: series, range: seriesColors },
        marks: [
          Plot.line(points, {
            x: "x",
            y: "y",
            z: "series",
            stroke: "series",
            sort: "x",
            className: "line",
          }),
          Plot.dot(points, {
            x: "x",
            y: "y",
            fill: "series",
            r: 3,
            title: (p: { series: string; x: number; y: number }) =>
              `${p.series}: ${m} ${valueText(p.y)} at ${xLabel} ${valueText(p.x)}`,
            className: "ours",
          }),
        ],
      });
      return svgMarkup(svg as unknown as SvgElement, yLabel, width < 500 ? "narrow" : "wide");
    };
    const legendHtml = `<ul class="legend">${series
      .map(
        (s, i) =>
          `<li><span class="swatch" style="background:${seriesColors[i]}"></span>${esc(s)}</li>`,
      )
      .join("")}</ul>`;
    out.push(figure(`${t.benchmark}:${m}`, `${yLabel} against ${xLabel}`, legendHtml, draw));
  }
  return out.join("");
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
      const idle = c.idle === null ? "" : ` idle-${c.idle}`;
      return `<td class="ours${idle}">${esc(c.text)}</td><td>${esc(c.paperText)}</td><td>${ratio}</td>`;
    });
    return `<tr data-benchmark="${esc(r.benchmark)}"><td>${esc(r.label)}</td><td>${esc(unitText(r.unit))}</td>${cells.join("")}<td>${esc(r.note)}</td></tr>`;
  });
  return `<div class="table-wrap"><table><thead>${head}</thead><tbody>${body.join("")}</tbody></table></div>`;
}

function metricTableHtml(t: MetricTable): string {
  const head = `<tr><th>system</th>${t.paramKeys.map((k) => `<th>${esc(k)}</th>`).join("")}${t.metricKeys.map((k) => `<th>${esc(metricLabel(k))}</th>`).join("")}</tr>`;
  const body = t.rows.map(
    (r) =>
      `<tr data-benchmark="${esc(t.benchmark)}"><td>${esc(r.system)}</td>${t.paramKeys
        .map((k) => `<td>${esc(valueText(r.params[k]))}</td>`)
        .join("")}${t.metricKeys
        .map((k) =>
          r.supported
            ? `<td class="ours">${esc(valueText(r.metrics[k]))}</td>`
            : `<td class="na" title="${esc(r.reason ?? "")}">n/a</td>`,
        )
        .join("")}</tr>`,
  );
  return `<div class="table-wrap"><table><thead>${head}</thead><tbody>${body.join("")}</tbody></table></div>`;
}

function hostSpeedHtml(report: BenchReport, systems: readonly string[]): string {
  const measured = report.results.filter(
    (r) => r.supported && r.simCyclesPerHostSecond !== null && systems.includes(r.system),
  );
  if (measured.length === 0) return "";
  const rows = measured.map(
    (r) =>
      `<tr><td>${esc(`${r.benchmark}${paramsText(r.params)}`)}</td><td>${esc(r.system)}</td><td>${fmt(r.hostNsPerOp === null ? null : r.hostNsPerOp / 1000)}</td><td>${(r.simCyclesPerHostSecond! / 1e6).toFixed(2)}M</td><td>${r.fasterThanRealTime === true ? "yes" : "no"}</td></tr>`,
  );
  return `<section><h2>Simulator speed on this host</h2><div class="table-wrap"><table><thead><tr><th>benchmark</th><th>system</th><th>host µs/op</th><th>simulated cycles per host second</th><th>faster than real time</th></tr></thead><tbody>${rows.join("")}</tbody></table></div></section>`;
}

/** What the charts need to look right in a page: figure, legend, variants (exported for pages that show them). */
export const CHART_STYLE = `figure.chart{margin:1em 0;max-width:100%}
figure.chart svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.85em;color:#555}
.variant.narrow{display:none}
ul.legend{display:flex;flex-wrap:wrap;gap:.2em 1.2em;list-style:none;padding:0;margin:.4em 0;font-size:13px}
ul.legend li{display:inline-flex;align-items:center;gap:.4em}
.swatch{display:inline-block;width:12px;height:12px;border:1px solid #777}
.swatch.ours-key{background:#777}.swatch.paper-key{background:rgba(119,119,119,.3)}
@media (max-width:700px){.variant.wide{display:none}.variant.narrow{display:block}}`;

const STYLE = `*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1em;max-width:1200px;line-height:1.4;color:#222;overflow-wrap:anywhere}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}
.meta{color:#555;font-size:.9em}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6em 0;font-size:14px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}
.na{color:#999}.disagrees{color:#b00}.idle-undeclared{color:#b00;font-weight:bold}.idle-declared{font-style:italic}
${CHART_STYLE}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
@media (max-width:700px){body{padding:.5em}table{font-size:12px}}`;

/**
 * Draws with Plot into `document` (linkedom's in Node, the page's own in a browser), keeping
 * Plot's warnings (console.warn) instead of printing them.
 */
async function drawing<T>(
  document: unknown,
  systems: readonly string[],
  draw: (d: Drawing, warnings: string[]) => T,
): Promise<T> {
  const Plot = await import("@observablehq/plot");
  const d: Drawing = { Plot, document, systems };
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(" "));
  };
  try {
    return draw(d, warnings);
  } finally {
    console.warn = warn;
  }
}

/**
 * One self-contained page: the tables, a chart per table drawn with Observable Plot (SVG,
 * drawn with `document`'s DOM: linkedom's in Node — see `renderHtml` in
 * `@exolab/bench/node` — or a browser's), no script and no external resource. Each chart is
 * drawn at two widths and CSS shows the one that fits the window (phones to wide screens).
 */
export async function renderHtmlWith(
  report: BenchReport,
  systems: readonly string[],
  document: unknown,
): Promise<string> {
  return drawing(document, systems, (d, warnings) => page(report, systems, d, warnings));
}

/** The report's timed rows in the paper's groups (GROUPS), then any other rows. */
function groupedRows(
  report: BenchReport,
  systems: readonly string[],
): { title: string; rows: Row[] }[] {
  const rows = buildRows(report, systems);
  const grouped = GROUPS.map((g) => ({
    title: g.title,
    rows: rows.filter((r) => g.benchmarks.includes(r.benchmark)),
  }));
  const other = rows.filter((r) => !GROUPS.some((g) => g.benchmarks.includes(r.benchmark)));
  if (other.length > 0) grouped.push({ title: "Other benchmarks", rows: other });
  return grouped.filter((g) => g.rows.length > 0);
}

/** A section of charts: the report's group (or metric benchmark) and its figures' HTML. */
export interface ChartSection {
  readonly title: string;
  /** The benchmarks of the section's rows. */
  readonly benchmarks: readonly string[];
  /** `<figure class="chart">` elements (style them with CHART_STYLE). */
  readonly html: string;
}

/**
 * The report's charts, section by section, exactly as the HTML report draws them (for a page
 * that shows its own tables): drawn with `document`'s DOM.
 */
export async function drawChartSections(
  report: BenchReport,
  systems: readonly string[],
  document: unknown,
): Promise<ChartSection[]> {
  return drawing(document, systems, (d) => [
    ...groupedRows(report, systems).map((g) => ({
      title: g.title,
      benchmarks: [...new Set(g.rows.map((r) => r.benchmark))],
      html: rowCharts(d, g.rows, report, g.title),
    })),
    ...metricTables(report, systems).map((t) => ({
      title: t.benchmark,
      benchmarks: [t.benchmark],
      html: metricCharts(d, t),
    })),
  ]);
}

function page(
  report: BenchReport,
  systems: readonly string[],
  d: Drawing,
  warnings: string[],
): string {
  const sections = groupedRows(report, systems).map(
    (g) =>
      `<section><h2>${esc(g.title)}</h2>${table(g.rows, systems)}${rowCharts(d, g.rows, report, g.title)}</section>`,
  );
  for (const t of metricTables(report, systems))
    sections.push(
      `<section><h2>${esc(t.benchmark)}</h2>${metricTableHtml(t)}${metricCharts(d, t)}</section>`,
    );
  const m = report.meta;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ExoLab ${esc(report.suite)} suite — ${esc(report.profile)}</title>
<style>${STYLE}</style>
</head><body>
<h1>ExoLab ${esc(report.suite)} suite on ${esc(report.profile)} (seed ${report.seed})</h1>
<p class="meta">Made by ${esc(m.tool)} ${esc(m.version)}${m.commit === null ? "" : ` at commit ${esc(m.commit.slice(0, 12))}${m.dirty === true ? " (with local changes)" : ""}`} on ${esc(m.date)}, Node ${esc(m.node)}.</p>
<p>Simulated time per operation; the paper's figure (DECstation 5000/125 only) beside ours; ratio = baseline (monolithic) time / this system's time, the paper's ratio in parentheses.</p>
${sections.join("\n")}
${
  idleLines(report, systems).length === 0
    ? ""
    : `<section><h2>Measured windows with idle cycles</h2><p>[IDLE!]: not declared by the workload (a fault of the run); [idle]: the workload measures idle time.</p><ul class="idle">${idleLines(
        report,
        systems,
      )
        .map((l) => `<li>${esc(l)}</li>`)
        .join("")}</ul></section>`
}
${
  directions(report, systems).length === 0
    ? ""
    : `<section><h2>Direction against the paper</h2><ul class="directions">${directions(
        report,
        systems,
      )
        .map(
          (x) => `<li class="${x.agrees ? "agrees" : "disagrees"}">${esc(directionLine(x))}</li>`,
        )
        .join("")}</ul></section>`
}
${
  standalones(report, systems).length === 0
    ? ""
    : `<section><h2>Paper rows with no baseline ratio</h2><ul class="standalone">${standalones(
        report,
        systems,
      )
        .map((a) => `<li>${esc(standaloneLine(a))}</li>`)
        .join("")}</ul></section>`
}
${hostSpeedHtml(report, systems)}
<section><h2>Policies in force</h2><pre>${esc(JSON.stringify(report.policies, null, 2))}</pre></section>
${warnings.length === 0 ? "" : `<!-- chart warnings: ${esc(warnings.join(" | ")).replace(/--/g, "- -")} -->`}
</body></html>
`;
}
