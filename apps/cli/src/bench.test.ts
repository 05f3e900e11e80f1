import { DEFAULT_ADAPTERS, ReportSchema } from "@exolab/bench";
import { BROWSER_REQUIRED, layoutInChromium, SKIP_BROWSER } from "@exolab/bench/node";
import { parseHTML } from "linkedom";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { HIDE_CURSOR, SHOW_CURSOR } from "./progress.js";
import { captureIo as capture } from "./test-io.js";

/** The fields issue 6 (and issue 16's version 2, issue 12's version 3) require of every result, checked by hand. */
const REQUIRED: Record<string, (v: unknown) => boolean> = {
  suite: (v) => v === "paper",
  benchmark: (v) => typeof v === "string" && v.length > 0,
  system: (v) => typeof v === "string" && v.length > 0,
  simulatedCycles: (v) => typeof v === "number" && Number.isFinite(v),
  simulatedMicros: (v) => typeof v === "number" && Number.isFinite(v),
  paperMicros: (v) => v === null || typeof v === "number",
  unit: (v) => typeof v === "string" && v.length > 0,
  attribution: (v) => typeof v === "object" && v !== null,
  attributionByOwner: (v) => typeof v === "object" && v !== null,
  counts: (v) => typeof v === "object" && v !== null,
  hostNsPerOp: (v) => v === null,
  simCyclesPerHostSecond: (v) => v === null,
  fasterThanRealTime: (v) => v === null,
  // Version 3: no measured window of the paper suite holds idle cycles.
  idleInWindow: (v) => v === null,
};

const CI_OUT = new URL("../../../.ci/out/", import.meta.url).pathname;

describe("exolab bench outputs", () => {
  const c = capture({ tty: true });
  let status: number;
  beforeAll(async () => {
    status = await runCli(
      [
        "bench",
        "--system",
        "exokernel",
        "--seed",
        "7",
        "--json",
        "r.json",
        "--md",
        "r.md",
        "--html",
        "r.html",
      ],
      c.io,
    );
  }, 300_000);

  it("exits 0, prints the table, writes the three files and nothing else", () => {
    expect(status).toBe(0);
    expect(c.outText()).toMatch(/^ExoLab paper suite on dec5000_125 \(seed 7\)/);
    expect(c.outText()).toMatch(/getpid-stack\s+µs\s+[\d.]+ \(2\.30\)/);
    expect(c.entries()).toEqual(["r.html", "r.json", "r.md"]);
    expect(c.errText()).toBe("");
    expect(c.pendingUndos()).toBe(0);
  });

  it("--json writes schema version 3: meta, one entry per (benchmark, system), no host time by default", () => {
    const report = ReportSchema.parse(JSON.parse(c.file("r.json")!));
    expect(report).toMatchObject({ schemaVersion: 3, profile: "dec5000_125", seed: 7 });
    expect(report.meta).toMatchObject({
      tool: "exolab",
      node: process.version,
      options: { systems: ["exokernel"], hostTime: false, quick: false },
    });
    expect(report.meta.options.benchmarks).toHaveLength(27);
    expect(report.results).toHaveLength(27);
    const getpid = report.results.find((r) => r.benchmark === "getpid")!;
    expect(getpid).toMatchObject({
      suite: "paper",
      system: "exokernel",
      supported: true,
      paperMicros: 1.6,
      unit: "us/op",
      hostNsPerOp: null,
    });
    expect(getpid.simulatedMicros).toBeCloseTo((getpid.simulatedCycles * 40) / 1000, 10);
    const pipe = report.results.find((r) => r.benchmark === "pipe")!;
    expect(pipe.supported).toBe(false);
    expect(pipe.reason).toMatch(/libOS/);
  });

  it("--json has the issue's shape field by field, not only our schema's", () => {
    const raw = JSON.parse(c.file("r.json")!);
    expect(raw.schemaVersion).toBe(3);
    expect(typeof raw.meta.version).toBe("string");
    expect(typeof raw.meta.date).toBe("string");
    expect("commit" in raw.meta).toBe(true);
    for (const r of raw.results) {
      for (const [key, ok] of Object.entries(REQUIRED))
        expect(ok(r[key]), `${r.benchmark}.${key} = ${JSON.stringify(r[key])}`).toBe(true);
      if (r.supported === false) continue;
      expect(r.simulatedCycles).toBeGreaterThan(0);
      const sum = Object.values(r.attribution as Record<string, number>).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(r.simulatedCycles, 6);
    }
  });

  it("draws a progress bar on a terminal, pair by pair, and shows the cursor again", () => {
    const bar = c.barText();
    expect(bar).toMatch(/ 1\/27 /);
    expect(bar).toMatch(/ 27\/27 /);
    expect(bar).toContain("stride on exokernel");
    expect(bar.startsWith(HIDE_CURSOR)).toBe(true);
    expect(bar.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(bar.lastIndexOf(HIDE_CURSOR));
  });

  it("draws no bar when the output is not a terminal", async () => {
    const q = capture();
    expect(await runCli(["bench", "--system", "exokernel", "--benchmark", "getpid"], q.io)).toBe(0);
    expect(q.barText()).toBe("");
    expect(q.outText()).toMatch(/^ExoLab paper suite on dec5000_125 \(seed 1\)/);
  });

  it("--md writes the Markdown table; --html a page that parses with a table per group", () => {
    const md = c.file("r.md")!;
    expect(md.split("\n").filter((l) => l.startsWith("| getpid |"))).toHaveLength(1);
    const { document } = parseHTML(c.file("r.html")!);
    expect(document.querySelectorAll("table").length).toBeGreaterThanOrEqual(3);
    expect(document.querySelector('tr[data-benchmark="pct"]')).not.toBeNull();
    // exokernel runs the rows of the first two groups only (Tables 4-6, and 7's
    // dpf-classify): two charts, in µs.
    expect(document.querySelectorAll("figure.chart")).toHaveLength(2);
  });

  it.skipIf(SKIP_BROWSER)(
    `--html opens in headless Chromium at 420 and 1440 px${BROWSER_REQUIRED ? "" : " (where installed)"}`,
    async () => {
      const layouts = await layoutInChromium(c.file("r.html")!, [420, 1440], `${CI_OUT}cli-bench`);
      for (const page of layouts) {
        expect(page.scrollWidth).toBeLessThanOrEqual(page.viewportWidth);
        expect(page.charts).toHaveLength(2);
        for (const chart of page.charts) expect(chart.overflowing).toEqual([]);
        expect(
          page.charts.flatMap((x) => x.marks).filter((m) => m.kind === "ours").length,
        ).toBeGreaterThan(5);
      }
    },
  );

  it("--benchmark a,b runs those only, in the suite's order", async () => {
    const s = capture();
    expect(await runCli(["bench", "--benchmark", "pipe,getpid", "--json", "s.json"], s.io)).toBe(0);
    const report = ReportSchema.parse(JSON.parse(s.file("s.json")!));
    expect([...new Set(report.results.map((r) => r.benchmark))]).toEqual(["getpid", "pipe"]);
    expect(report.meta.options.benchmarks).toEqual(["getpid", "pipe"]);
    expect(s.outText()).toMatch(/^getpid /m);
    expect(s.outText()).not.toMatch(/^stride /m);
  });

  it("`-` sends JSON or Markdown to standard output, alone (no table around it)", async () => {
    const j = capture();
    expect(await runCli(["bench", "--benchmark", "getpid", "--json", "-"], j.io)).toBe(0);
    // One row per default system.
    expect(ReportSchema.parse(JSON.parse(j.outText())).results).toHaveLength(
      DEFAULT_ADAPTERS.length,
    );
    expect(j.entries()).toEqual([]);
    const m = capture();
    expect(
      await runCli(["bench", "--benchmark", "getpid", "--md", "-", "--json", "r.json"], m.io),
    ).toBe(0);
    expect(m.outText()).toMatch(/^# ExoLab paper suite/);
    expect(m.entries()).toEqual(["r.json"]);
  });

  it("--host-time measures the simulator's speed per row and prints it", async () => {
    const h = capture();
    expect(
      await runCli(
        ["bench", "--benchmark", "getpid", "--system", "exokernel", "--quick", "--json", "h.json"],
        h.io,
      ),
    ).toBe(0);
    const report = ReportSchema.parse(JSON.parse(h.file("h.json")!));
    const r = report.results[0]!;
    expect(r.hostNsPerOp).toBeGreaterThan(0);
    expect(r.simCyclesPerHostSecond).toBeGreaterThan(0);
    expect(r.fasterThanRealTime).toBe(r.simCyclesPerHostSecond! > 25e6);
    expect(report.meta.options).toMatchObject({ hostTime: true, quick: true });
    expect(h.outText()).toMatch(/Simulator speed on this host/);
    expect(h.outText()).toMatch(/getpid\s+exokernel\s+[\d.]+\s+[\d.]+M\s+[\d.]+\s+(yes|no)/);
  });

  it("trace writes a window of Chrome trace-event JSON and says its size first; explain lists the labels", async () => {
    const t = capture();
    expect(
      await runCli(["trace", "getpid", "--system", "exokernel", "--out", "t.json"], t.io),
    ).toBe(0);
    const trace = JSON.parse(t.file("t.json")!);
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    expect(
      trace.traceEvents.some(
        (e: { ph: string; name: string }) => e.ph === "X" && e.name === "aegis.abi.stub",
      ),
    ).toBe(true);
    expect(t.errText()).toMatch(
      /^trace of getpid on exokernel: the measured part \(1000 operations\), cycles \d+\.\.\d+: [\d,]+ events, [\d.]+ MB\n$/,
    );
    expect(t.outText()).toMatch(
      /^wrote [\d,]+ trace events \([\d.]+ MB\) to t\.json \(trace hash [0-9a-f]{8}\)/,
    );
    expect(t.entries()).toEqual(["t.json"]);
    const x = capture();
    expect(await runCli(["explain", "getpid", "--system", "exokernel"], x.io)).toBe(0);
    expect(x.outText()).toMatch(/aegis\.abi\.stub/);
    expect(x.outText()).toMatch(/by category: /);
  });

  it("trace with a bound too small warns in one line that spans were dropped", async () => {
    const t = capture();
    expect(
      await runCli(
        [
          "trace",
          "getpid",
          "--system",
          "exokernel",
          "--out",
          "t.json",
          "--from",
          "0",
          "--max-spans",
          "50",
        ],
        t.io,
      ),
    ).toBe(0);
    const lines = t.errText().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/about [\d,]+ events/);
    expect(lines[1]).toMatch(
      /^warning: [\d,]+ spans past --max-spans 50 were dropped \(the trace stops at cycle \d+\)/,
    );
    expect(JSON.parse(t.file("t.json")!).otherData.droppedSpans).toBeGreaterThan(0);
  });

  it("trace draws its progress on a terminal and restores the cursor", async () => {
    const t = capture({ tty: true });
    expect(
      await runCli(["trace", "pipe", "--system", "exos", "--out", "p.json", "--ops", "20"], t.io),
    ).toBe(0);
    expect(t.barText()).toMatch(/counting/);
    expect(t.barText()).toMatch(/writing/);
    expect(t.barText().endsWith(SHOW_CURSOR)).toBe(true);
  });
});

describe("exolab compare", () => {
  it("shows the shared rows side by side, and the rows only one side has", async () => {
    const c = capture();
    // The paper's systems named: a libOS added to the default systems would add rows.
    const paper = ["--system", "monolithic,exokernel,exos"];
    expect(
      await runCli(["bench", ...paper, "--benchmark", "getpid,pct", "--json", "old.json"], c.io),
    ).toBe(0);
    expect(
      await runCli(
        ["bench", "--benchmark", "pct,pipe", "--system", "exokernel,exos", "--json", "new.json"],
        c.io,
      ),
    ).toBe(0);
    const d = capture({ cwd: c.dir });
    expect(await runCli(["compare", "old.json", "new.json"], d.io)).toBe(0);
    const text = d.outText();
    expect(text).toMatch(/^old old\.json: exolab /);
    expect(text).toMatch(/^pct\s+exokernel\s+µs\s+1\.52\s+1\.52\s+=/m);
    expect(text).toMatch(/2 shared rows: 0 changed, 2 the same\./);
    expect(text).toMatch(
      /Only in old \(4\): getpid on monolithic, getpid on exokernel, getpid on exos, pct on monolithic\./,
    );
    expect(text).toMatch(/Only in new \(2\): pipe on exokernel, pipe on exos\./);
  });

  it("refuses a file that does not validate, or cannot be read, with one line and exit 1", async () => {
    const c = capture();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${c.dir}/v1.json`, JSON.stringify({ schemaVersion: 1, results: [] }));
    writeFileSync(`${c.dir}/bad.json`, JSON.stringify({ schemaVersion: 3, results: "none" }));
    writeFileSync(`${c.dir}/text.json`, "not json");
    for (const [file, message] of [
      ["v1.json", "v1.json has schema version 1; this exolab reads version 3"],
      ["bad.json", "bad.json is not an exolab report (schema version 3): "],
      ["text.json", "text.json is not JSON"],
      ["missing.json", "cannot read missing.json: no such file"],
    ] as const) {
      const e = capture({ cwd: c.dir });
      expect(await runCli(["compare", file, "v1.json"], e.io)).toBe(1);
      const lines = e.errText().trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(message);
      expect(e.outText()).toBe("");
    }
  });
});
