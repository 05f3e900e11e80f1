import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { type BenchReport, type BenchResult, ReportSchema, SCHEMA_VERSION } from "../result.js";
import { CHROMIUM, renderInChromium } from "./browser.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { directions, standalones } from "./model.js";
import { renderTable } from "./table.js";

function result(
  benchmark: string,
  system: string,
  micros: number,
  paper: number | null,
  supported = true,
): BenchResult {
  return {
    suite: "paper",
    benchmark,
    system,
    supported,
    ...(supported ? {} : { reason: "not offered by this system" }),
    simulatedCycles: micros * 25,
    simulatedMicros: micros,
    paperMicros: paper,
    unit: "us/op",
    ratioToBaseline: null,
    attribution: { user: micros * 5, kernel: micros * 20 },
    attributionByOwner: { kernel: micros * 20, application: micros * 5 },
    counts: { syscalls: 1 },
    labels: [],
    iterations: { warmup: 10, measured: 100 },
    hostNsPerOp: 100,
  };
}

const report: BenchReport = {
  schemaVersion: SCHEMA_VERSION,
  profile: "dec5000_125",
  seed: 1,
  suite: "paper",
  generator: "test",
  policies: { monolithic: { quantumMs: 100 } },
  results: [
    { ...result("getpid", "monolithic", 20, 21.3), ratioToBaseline: 1 },
    { ...result("getpid", "exokernel", 2, 1.6), ratioToBaseline: 10 },
    result("dirty", "monolithic", 0, null, false),
    { ...result("dirty", "exos", 5, 9.8) },
    { ...result("trap", "monolithic", 150, 161), ratioToBaseline: 1 },
    { ...result("trap", "exos", 3, 4.8), ratioToBaseline: 50 },
  ],
};
const systems = ["monolithic", "exokernel", "exos"];

describe("reports", () => {
  it("JSON validates against the schema and round-trips", () => {
    const text = renderJson(report);
    const parsed = ReportSchema.parse(JSON.parse(text));
    expect(parsed.results).toHaveLength(6);
    expect(parsed.results[1]!.paperMicros).toBe(1.6);
  });

  it("JSON refuses a report that breaks the schema", () => {
    const bad = { ...report, schemaVersion: 2 } as unknown as BenchReport;
    expect(() => renderJson(bad)).toThrow();
    const missing = {
      ...report,
      results: [{ ...report.results[0], simulatedCycles: undefined }],
    } as unknown as BenchReport;
    expect(() => renderJson(missing)).toThrow();
  });

  it("the terminal table has a row per benchmark, paper figures and ratios", () => {
    const t = renderTable(report, systems);
    const lines = t.split("\n");
    expect(lines.find((l) => l.startsWith("getpid"))).toMatch(/20\.0 \(21\.3\).*10\.0x \(13\.3x\)/);
    expect(lines.find((l) => l.startsWith("dirty"))).toMatch(/n\/a/);
  });

  it("a row compared with another baseline row takes the paper's ratio from that row too", () => {
    const withStack: BenchReport = {
      ...report,
      results: [
        ...report.results,
        { ...result("getpid-stack", "monolithic", 0, null, false), baselineBenchmark: "getpid" },
        {
          ...result("getpid-stack", "exokernel", 4, 2.3),
          baselineBenchmark: "getpid",
          ratioToBaseline: 5,
        },
        result("pct", "exokernel", 1.5, 1.4),
      ],
    };
    const d = directions(withStack, systems).find((x) => x.benchmark === "getpid-stack")!;
    expect(d.paper).toBeCloseTo(21.3 / 2.3, 12);
    expect(d.ours).toBe(5);
    // dirty and pct have no baseline figure in the paper: they are listed against the paper's figure alone.
    const alone = standalones(withStack, systems);
    expect(alone.map((a) => a.benchmark)).toEqual(["dirty", "pct"]);
    expect(alone[1]!.factor).toBeCloseTo(1.5 / 1.4, 12);
    expect(renderTable(withStack, systems)).toMatch(/pct on exokernel: 1\.50 µs \(paper 1\.40 µs/);
  });

  it("Markdown is a table with a header, a separator and one row per benchmark", () => {
    const md = renderMarkdown(report, systems).split("\n");
    const rows = md.filter((l) => l.startsWith("| "));
    expect(rows).toHaveLength(1 + 3);
    expect(md.some((l) => /^\|---\|---\|/.test(l))).toBe(true);
    const cols = rows[0]!.split("|").length;
    for (const r of rows) expect(r.split("|").length).toBe(cols);
  });

  it("HTML parses, has one table per group present, and bars for ours and the paper's", () => {
    const html = renderHtml(report, systems);
    const { document } = parseHTML(html);
    expect(document.querySelector("h1")?.textContent).toContain("dec5000_125");
    const tables = document.querySelectorAll("table");
    expect(tables.length).toBe(2);
    const svgs = document.querySelectorAll("svg.chart");
    expect(svgs.length).toBe(2);
    expect(document.querySelectorAll('rect.ours[data-benchmark="trap"]').length).toBe(2);
    expect(document.querySelectorAll('rect.paper[data-benchmark="trap"]').length).toBe(2);
    // trap spans 3 to 161 µs: more than 50x, so that chart is drawn on a log scale.
    expect(svgs[1]!.textContent).toContain("log scale");
    expect(document.querySelectorAll("script").length).toBe(0);
    expect(html).not.toMatch(/(src|href)="http/);
  });

  it.skipIf(CHROMIUM === undefined)("HTML renders in headless Chromium (where installed)", () => {
    const dom = renderInChromium(renderHtml(report, systems));
    const { document } = parseHTML(dom);
    expect(document.querySelectorAll("table").length).toBe(2);
    expect(document.querySelectorAll("svg.chart").length).toBe(2);
  });
});
