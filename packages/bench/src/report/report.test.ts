import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parseHTML } from "linkedom";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ADAPTERS } from "../adapters/index.js";
import { BROWSER_REQUIRED, CHROMIUM, layoutInChromium, SKIP_BROWSER } from "../node/chromium.js";
import { nodeHost } from "../node/host.js";
import { renderHtml } from "../node/html.js";
import { type BenchReport, ReportSchema, withoutMeta } from "../result.js";
import { runSuite } from "../suite.js";
import { PAPER_SUITE } from "../workloads/index.js";
import { compareReports, parseReport, ReportFileError, renderComparison } from "./compare.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { buildRows, directions, standalones } from "./model.js";
import { reportJsonSchemaText } from "./schema.js";
import { renderTable } from "./table.js";
import { metricReport, report, result } from "./test-fixtures.js";

const systems = ["monolithic", "exokernel", "exos"];
const SCHEMA_FILE = new URL("../../schema/report.schema.json", import.meta.url);
/** Where CI keeps what it shows (.ci/run creates it; screenshots go there). */
const CI_OUT = new URL("../../../../.ci/out/", import.meta.url).pathname;

/** A real run: the whole paper suite on the default systems (the page a user gets). */
let real: BenchReport;
beforeAll(() => {
  real = runSuite({
    suite: "paper",
    workloads: PAPER_SUITE,
    adapters: DEFAULT_ADAPTERS,
    profile: "dec5000_125",
    seed: 1,
    tool: { name: "test", version: "0" },
    host: nodeHost(),
  });
}, 300_000);

describe("JSON, schema version 3", () => {
  it("validates against the schema and round-trips; meta records tool, commit, date, Node, options", () => {
    const parsed = ReportSchema.parse(JSON.parse(renderJson(real)));
    expect(parsed).toEqual(real);
    expect(parsed.schemaVersion).toBe(3);
    expect(parsed.meta).toMatchObject({
      tool: "test",
      version: "0",
      node: process.version,
      options: { hostTime: false, quick: false, systems, benchmarks: PAPER_SUITE.map((w) => w.id) },
    });
    expect(Date.parse(parsed.meta.date)).not.toBeNaN();
    // In this checkout git knows the commit (outside one, meta.commit is null).
    expect(parsed.meta.commit === null || /^[0-9a-f]{40}$/.test(parsed.meta.commit)).toBe(true);
    for (const r of parsed.results) expect(r.hostNsPerOp).toBeNull();
    // Version 3: every row says whether its windows held idle cycles: none but the UDP round
    // trips', whose windows hold the wire and the peer (declared).
    for (const r of parsed.results) {
      if (r.benchmark.startsWith("udp-") && r.idleInWindow !== null)
        expect(r.idleInWindow.declared).toBe(true);
      else expect(r.idleInWindow).toBeNull();
    }
    expect(parsed.results.some((r) => r.idleInWindow?.declared === true)).toBe(true);
  });

  it("refuses a report that breaks the schema: another version, a missing or unknown field", () => {
    expect(() => renderJson({ ...report, schemaVersion: 1 } as unknown as BenchReport)).toThrow();
    const missing = {
      ...report,
      results: [{ ...report.results[0], simulatedCycles: undefined }],
    } as unknown as BenchReport;
    expect(() => renderJson(missing)).toThrow();
    const { meta: _m, ...noMeta } = report;
    expect(() => renderJson(noMeta as unknown as BenchReport)).toThrow();
    expect(() => renderJson({ ...report, extra: 1 } as unknown as BenchReport)).toThrow();
  });

  it("rows with params and metrics (the new suites' kind) validate", () => {
    const parsed = ReportSchema.parse(JSON.parse(renderJson(metricReport)));
    const bufpool = parsed.results.find((r) => r.benchmark === "bufpool")!;
    expect(bufpool.params).toEqual({ poolFrames: 64, policy: "lru" });
    expect(bufpool.metrics?.hitRate).toBeCloseTo(0.42, 10);
  });

  it("determinism checks compare everything but meta", () => {
    const later = { ...real, meta: { ...real.meta, date: "2030-01-01T00:00:00.000Z" } };
    expect(withoutMeta(later)).toEqual(withoutMeta(real));
    expect(later).not.toEqual(real);
  });
});

describe("the JSON Schema shipped in schema/report.schema.json", () => {
  const shipped = readFileSync(SCHEMA_FILE, "utf8");
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(shipped));

  it("is the one generated from the zod schema (run `pnpm --filter @exolab/bench schema` if not)", () => {
    // Compared as JSON: Biome may lay the file out differently from JSON.stringify.
    expect(JSON.parse(shipped)).toEqual(JSON.parse(reportJsonSchemaText()));
  });

  it("validates a real report and the metric rows", () => {
    expect(validate(JSON.parse(renderJson(real))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(JSON.parse(renderJson(metricReport))), JSON.stringify(validate.errors)).toBe(
      true,
    );
  });

  it("rejects broken ones: a wrong type, a missing meta, an unknown field, schema versions 1 and 2", () => {
    const good = JSON.parse(renderJson(real));
    const broken = [
      { ...good, results: [{ ...good.results[0], hostNsPerOp: "fast" }] },
      (({ meta: _m, ...rest }) => rest)(good),
      { ...good, results: [{ ...good.results[0], figure: 1 }] },
      { ...good, schemaVersion: 1 },
      { ...good, schemaVersion: 2 },
      // A version-2 row: no idle flag.
      { ...good, results: [(({ idleInWindow: _i, ...rest }) => rest)(good.results[0])] },
      {
        ...good,
        results: [{ ...good.results[0], idleInWindow: { cyclesPerOp: 0, declared: false } }],
      },
      { ...good, results: [{ ...good.results[0], idleInWindow: { cyclesPerOp: 5 } }] },
      { ...good, results: [{ ...good.results[0], metrics: { hitRate: "high" } }] },
    ];
    for (const b of broken) expect(validate(b)).toBe(false);
    // zod agrees with the JSON Schema on every one of them.
    for (const b of broken) expect(ReportSchema.safeParse(b).success).toBe(false);
  });
});

describe("the terminal table and Markdown", () => {
  it("the table has a row per benchmark, paper figures and ratios", () => {
    const lines = renderTable(report, systems).split("\n");
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
    const alone = standalones(withStack, systems);
    expect(alone.map((a) => a.benchmark)).toEqual(["dirty", "pct"]);
    expect(alone[1]!.factor).toBeCloseTo(1.5 / 1.4, 12);
    expect(renderTable(withStack, systems)).toMatch(/pct on exokernel: 1\.50 µs \(paper 1\.40 µs/);
  });

  it("metric rows get a table per benchmark: a column per param and per metric, with units", () => {
    const t = renderTable(metricReport, systems);
    expect(t).toMatch(/^deadline:$/m);
    expect(t).toMatch(
      /system\s+utilization\s+missRatio \(fraction\)\s+worstResponseCycles \(cycles\)/,
    );
    expect(t).toMatch(/exos\s+0\.900\s+0\.100\s+900/);
    expect(t).toMatch(/exos\s+lru\s+128\s+0\.740\s+1128\s+372/);
    expect(t).toMatch(/spawn:\n.*processes\s+opsPerSimSecond \(per simulated second\)/);
    // Metric rows are not timed rows: they get no row (nor a direction) in the paper table.
    expect(buildRows(metricReport, systems).map((r) => r.benchmark)).toEqual([
      "getpid",
      "dirty",
      "trap",
    ]);
  });

  it("with host time measured, a speed table: cycles per host second and faster than real time", () => {
    const timed: BenchReport = {
      ...report,
      results: report.results.map((r) =>
        r.supported
          ? { ...r, hostNsPerOp: 2000, simCyclesPerHostSecond: 30e6, fasterThanRealTime: true }
          : r,
      ),
    };
    const t = renderTable(timed, systems);
    expect(t).toMatch(/Simulator speed on this host .*25\.00 MHz.*5 of 5 rows simulate faster/);
    expect(t).toMatch(/getpid\s+exokernel\s+2\.00\s+30\.00M\s+1\.20\s+yes/);
    expect(renderTable(report, systems)).not.toMatch(/Simulator speed/);
    expect(renderMarkdown(timed, systems)).toMatch(/## Simulator speed on this host/);
  });

  it("Markdown: a header, a separator and one row per benchmark, every row as wide; metric tables", () => {
    const md = renderMarkdown(metricReport, systems).split("\n");
    const start = md.findIndex((l) => l.startsWith("| benchmark |"));
    const rows = md.slice(start, start + 5);
    expect(rows[1]).toMatch(/^\|---\|---\|---:/);
    const cols = rows[0]!.split("|").length;
    for (const r of rows) expect(r.split("|").length).toBe(cols);
    expect(md).toContain("## deadline");
    expect(md.some((l) => /^\| exos \| lru \| 64 \| 0\.420 \| 1064 \| 436 \|$/.test(l))).toBe(true);
  });
});

/** Every bar a report's charts must draw: (label on system, ours or the paper's). */
function expectedBars(r: BenchReport): string[] {
  const out: string[] = [];
  for (const row of buildRows(r, systems)) {
    if (row.unit === "share") continue;
    for (const c of row.cells) {
      if (c.supported && c.ours !== null && c.ours > 0)
        out.push(`${row.label} on ${c.system} (ours)`);
      if (c.paper !== null && c.paper > 0) out.push(`${row.label} on ${c.system} (the paper's)`);
    }
  }
  return out;
}

function barName(title: string): string {
  const m = /^(.*) on (\S+): .* \((ours|the paper's)\)$/.exec(title);
  return m === null ? title : `${m[1]} on ${m[2]} (${m[3]})`;
}

describe("HTML", () => {
  let html: string;
  beforeAll(async () => {
    html = await renderHtml(
      { ...real, results: [...real.results, ...metricReport.results.filter((r) => r.metrics)] },
      systems,
    );
  });

  it("one self-contained page: tables, charts drawn by Plot with units, no script or external resource", () => {
    const { document } = parseHTML(html);
    expect(document.querySelector("h1")?.textContent).toContain("dec5000_125");
    // The paper's groups with rows (Tables 4-6, 7, 8, 10, 9, 11) and three more tables.
    expect(document.querySelectorAll("table").length).toBe(6 + 3);
    expect(document.querySelectorAll("script").length).toBe(0);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(http/);
    // Plot had nothing to warn about (its warnings would be kept in a comment).
    expect(html).not.toContain("chart warnings");
    const figures = [...document.querySelectorAll("figure.chart")];
    // µs charts of the 5 time groups (Table 11's UDP round trips the fifth), matmul's seconds,
    // stride's shares, 6 metric charts.
    expect(figures.map((f) => f.getAttribute("data-chart"))).toHaveLength(7 + 6);
    for (const f of figures) {
      // Each chart at two widths, CSS shows one; an axis label with its unit; a legend.
      expect(f.querySelectorAll("svg.chart")).toHaveLength(2);
      expect(f.querySelector("ul.legend")).not.toBeNull();
      expect(f.textContent).toMatch(/\((µs|s|×|fraction|cycles|per simulated second|I\/Os)\)/);
    }
  });

  it("draws a bar for every figure of ours and of the paper's, and one chart per unit", () => {
    const { document } = parseHTML(html);
    const wide = [
      ...document.querySelectorAll(
        'figure[data-chart$=":us/op"] svg.chart.wide, figure[data-chart$=":s/op"] svg.chart.wide',
      ),
    ];
    const titles = wide.flatMap((svg) =>
      [...svg.querySelectorAll("g.ours rect title, g.paper rect title")].map((t) =>
        barName(t.textContent ?? ""),
      ),
    );
    expect(titles.sort()).toEqual(expectedBars(real).sort());
    // No chart mixes units: matmul (seconds) has its own.
    const matmul = document.querySelector('figure[data-chart$=":s/op"]')!;
    expect(matmul.textContent).toContain("seconds per run (s)");
    // The stride shares: three processes, ours and the paper's.
    const share = document.querySelector('figure[data-chart$=":share"] svg.wide')!;
    expect(share.querySelectorAll("g.ours rect")).toHaveLength(3);
    expect(share.querySelectorAll("g.paper rect")).toHaveLength(3);
  });

  it("metric rows: a chart per metric, against a numeric param with a line per series", () => {
    const { document } = parseHTML(html);
    const miss = document.querySelector('figure[data-chart="deadline:missRatio"] svg.wide')!;
    expect(miss.querySelectorAll("g.ours circle")).toHaveLength(6);
    expect(miss.querySelectorAll("g.line path")).toHaveLength(2);
    expect(miss.textContent).toContain("utilization");
    const hits = document.querySelector('figure[data-chart="bufpool:hitRate"]')!;
    expect(hits.querySelector("ul.legend")?.textContent).toContain("exos [policy=lru]");
    // One value of processes: bars, not a line.
    const spawn = document.querySelector('figure[data-chart="spawn:opsPerSimSecond"] svg.wide')!;
    expect(spawn.querySelectorAll("g.ours rect")).toHaveLength(2);
  });

  it.skipIf(SKIP_BROWSER)(
    `in headless Chromium at 420 and 1440 px: no overflow, legends fit, every series drawn${BROWSER_REQUIRED ? "" : " (where installed)"}`,
    async () => {
      expect(CHROMIUM, "Chromium is required here (CI)").toBeDefined();
      const layouts = await layoutInChromium(html, [420, 1440], `${CI_OUT}report`);
      const want = expectedBars(real).sort();
      for (const page of layouts) {
        const at = `${page.viewportWidth} px`;
        expect(page.scrollWidth, `page width at ${at}`).toBeLessThanOrEqual(page.viewportWidth);
        expect(page.tables, at).toBe(9);
        expect(page.charts, at).toHaveLength(13);
        for (const c of page.charts) {
          expect(c.overflowing, `${c.name} at ${at}`).toEqual([]);
          expect(c.legendFits, `${c.name} legend at ${at}`).toBe(true);
          expect(c.widthPx, `${c.name} at ${at}`).toBeLessThanOrEqual(page.viewportWidth);
          for (const m of c.marks) {
            expect(m.width, `${m.title} at ${at}`).toBeGreaterThan(0);
            expect(m.height, `${m.title} at ${at}`).toBeGreaterThan(0);
          }
        }
        const drawn = page.charts
          .flatMap((c) => c.marks)
          .map((m) => barName(m.title))
          .filter((t) => want.includes(t));
        expect(drawn.sort(), at).toEqual(want);
        expect(page.screenshot).toBeDefined();
      }
      // The narrow layout is the phone one: charts at most 380 px wide there.
      expect(Math.max(...layouts[0]!.charts.map((c) => c.widthPx))).toBeLessThanOrEqual(380);
    },
  );
});

describe("compare", () => {
  const next: BenchReport = {
    ...report,
    meta: { ...report.meta, date: "2026-02-01T00:00:00.000Z" },
    results: [
      { ...result("getpid", "monolithic", 20, 21.3), ratioToBaseline: 1 },
      { ...result("getpid", "exokernel", 2.5, 1.6), ratioToBaseline: 8 },
      { ...result("trap", "monolithic", 150, 161), ratioToBaseline: 1 },
      { ...result("trap", "exos", 3, 4.8), ratioToBaseline: 50 },
      result("pct", "exokernel", 1.5, 1.4),
    ],
  };

  it("puts the shared rows side by side with the change, and lists the rows only one side has", () => {
    const c = compareReports(report, next);
    expect(c.shared.map((r) => `${r.label}@${r.system}`)).toEqual([
      "getpid@monolithic",
      "getpid@exokernel",
      "trap@monolithic",
      "trap@exos",
    ]);
    const getpid = c.shared.find((r) => r.label === "getpid" && r.system === "exokernel")!;
    expect(getpid).toMatchObject({ old: 2, new: 2.5, oldRatio: 10, newRatio: 8 });
    expect(getpid.change).toBeCloseTo(0.25, 12);
    expect(c.onlyOld).toEqual(["dirty on monolithic", "dirty on exos"]);
    expect(c.onlyNew).toEqual(["pct on exokernel"]);
    const text = renderComparison(c, "a.json", "b.json");
    expect(text).toMatch(/getpid\s+exokernel\s+µs\s+2\.00\s+2\.50\s+\+25%\s+10\.0x\s+8\.00x/);
    expect(text).toMatch(/trap\s+exos\s+µs\s+3\.00\s+3\.00\s+=\s+50\.0x\s+50\.0x/);
    expect(text).toMatch(/4 shared rows: 1 changed, 3 the same\./);
    expect(text).toMatch(/Only in old \(2\): dirty on monolithic, dirty on exos\./);
    expect(text).toMatch(/Only in new \(1\): pct on exokernel\./);
  });

  it("matches rows by params too, and compares metrics", () => {
    const moved: BenchReport = {
      ...metricReport,
      results: metricReport.results.map((r) =>
        r.benchmark === "bufpool" && r.params?.policy === "lru"
          ? { ...r, metrics: { ...r.metrics!, hitRate: r.metrics!.hitRate! + 0.1 } }
          : r,
      ),
    };
    const c = compareReports(metricReport, moved);
    expect(c.onlyOld).toEqual([]);
    const lru64 = c.shared.find((r) => r.label === "bufpool [policy=lru, poolFrames=64]")!;
    expect(lru64.metrics.find((m) => m.name === "hitRate")!.change).toBeCloseTo(0.1 / 0.42, 10);
    expect(renderComparison(c, "a", "b")).toMatch(
      /bufpool \[policy=lru, poolFrames=64\]\s+exos\s+hitRate \(fraction\)\s+0\.420\s+0\.520\s+\+24%/,
    );
  });

  it("refuses a file that is not JSON, of another version, or off the schema, with one line", () => {
    const one = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ReportFileError);
        expect((e as Error).message.split("\n")).toHaveLength(1);
        return (e as Error).message;
      }
      throw new Error("not refused");
    };
    expect(one(() => parseReport("{", "x.json"))).toMatch(/^x\.json is not JSON/);
    expect(one(() => parseReport('{"schemaVersion":1}', "x.json"))).toMatch(
      /x\.json has schema version 1; this exolab reads version 3/,
    );
    const bad = JSON.parse(renderJson(report));
    bad.results[2].simulatedCycles = "many";
    expect(one(() => parseReport(JSON.stringify(bad), "x.json"))).toMatch(
      /x\.json is not an exolab report \(schema version 3\): results\.2\.simulatedCycles: /,
    );
    expect(parseReport(renderJson(report), "ok.json")).toEqual(report);
  });
});
