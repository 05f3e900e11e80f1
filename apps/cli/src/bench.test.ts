import { CHROMIUM, ReportSchema, renderInChromium } from "@exolab/bench";
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { captureIo } from "./test-io.js";

const capture = captureIo;

/** The fields issue 6 requires of every result, checked by hand (not through our own schema). */
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
  hostNsPerOp: (v) => typeof v === "number" && Number.isFinite(v),
};

describe("exolab bench outputs", () => {
  const c = capture({ tty: true });
  const status = runCli(
    [
      "bench",
      "--quick",
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

  it("exits 0 and prints the table", () => {
    expect(status).toBe(0);
    expect(c.outText()).toMatch(/^ExoLab paper suite on dec5000_125 \(seed 7\)/);
    expect(c.outText()).toMatch(/getpid-stack\s+µs\s+[\d.]+ \(2\.30\)/);
  });

  it("--json writes the schema-versioned report: one entry per (benchmark, system)", () => {
    const report = ReportSchema.parse(JSON.parse(c.files.get("r.json")!));
    expect(report).toMatchObject({ schemaVersion: 1, profile: "dec5000_125", seed: 7 });
    expect(report.results).toHaveLength(23);
    const getpid = report.results.find((r) => r.benchmark === "getpid")!;
    expect(getpid).toMatchObject({
      suite: "paper",
      system: "exokernel",
      supported: true,
      paperMicros: 1.6,
      unit: "us/op",
    });
    expect(getpid.simulatedMicros).toBeCloseTo((getpid.simulatedCycles * 40) / 1000, 10);
    for (const key of ["attribution", "attributionByOwner", "counts"])
      expect(getpid).toHaveProperty(key);
    expect(getpid.hostNsPerOp).toBeGreaterThan(0);
    const pipe = report.results.find((r) => r.benchmark === "pipe")!;
    expect(pipe.supported).toBe(false);
    expect(pipe.reason).toMatch(/libOS/);
  });

  it("--json has the issue's shape field by field, not only our schema's", () => {
    const raw = JSON.parse(c.files.get("r.json")!);
    expect(raw.schemaVersion).toBe(1);
    expect(raw.profile).toBe("dec5000_125");
    expect(raw.seed).toBe(7);
    expect(raw.results.length).toBeGreaterThan(0);
    for (const r of raw.results) {
      for (const [key, ok] of Object.entries(REQUIRED))
        expect(ok(r[key]), `${r.benchmark}.${key} = ${JSON.stringify(r[key])}`).toBe(true);
      if (r.supported === false) continue;
      expect(r.simulatedCycles).toBeGreaterThan(0);
      const sum = Object.values(r.attribution as Record<string, number>).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(r.simulatedCycles, 6);
    }
    // An unsupported pair is marked with its reason, not given a figure.
    const unsupported = raw.results.filter((r: { supported: boolean }) => r.supported === false);
    expect(unsupported.map((r: { benchmark: string }) => r.benchmark)).toContain("pipe");
    for (const r of unsupported) expect(r.reason).toMatch(/\w/);
  });

  it("draws a progress bar on a terminal, pair by pair, to the last one", () => {
    const bar = c.barText();
    expect(bar).toMatch(/ 1\/23 /);
    expect(bar).toMatch(/ 23\/23 /);
    expect(bar).toContain("stride on exokernel");
    expect(c.errText()).toBe("");
  });

  it("draws no bar when the output is not a terminal", () => {
    const q = capture();
    expect(runCli(["bench", "--quick", "--system", "exokernel", "--suite", "paper"], q.io)).toBe(0);
    expect(q.barText()).toBe("");
    expect(q.outText()).toMatch(/^ExoLab paper suite on dec5000_125 \(seed 1\)/);
  });

  it("--md writes the Markdown table; --html a page that parses with a table per group", () => {
    const md = c.files.get("r.md")!;
    expect(md.split("\n").filter((l) => l.startsWith("| getpid |"))).toHaveLength(1);
    const { document } = parseHTML(c.files.get("r.html")!);
    expect(document.querySelectorAll("table").length).toBeGreaterThanOrEqual(3);
    expect(document.querySelector('tr[data-benchmark="pct"]')).not.toBeNull();
  });

  it.skipIf(CHROMIUM === undefined)("--html opens in headless Chromium (where installed)", () => {
    const dom = renderInChromium(c.files.get("r.html")!);
    const { document } = parseHTML(dom);
    expect(document.querySelectorAll("table").length).toBeGreaterThanOrEqual(3);
    expect(document.querySelectorAll("svg.chart rect.ours").length).toBeGreaterThan(5);
    expect(document.querySelectorAll("svg.chart rect.paper").length).toBeGreaterThan(5);
  });

  it("trace writes Chrome trace-event JSON; explain lists the labels on the path", () => {
    const t = capture();
    expect(runCli(["trace", "getpid", "--system", "exokernel", "--out", "t.json"], t.io)).toBe(0);
    const trace = JSON.parse(t.files.get("t.json")!);
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    expect(
      trace.traceEvents.some(
        (e: { ph: string; name: string }) => e.ph === "X" && e.name === "aegis.abi.stub",
      ),
    ).toBe(true);
    const x = capture();
    expect(runCli(["explain", "getpid", "--system", "exokernel"], x.io)).toBe(0);
    expect(x.outText()).toMatch(/aegis\.abi\.stub/);
    expect(x.outText()).toMatch(/by category: /);
  });

  it("an unsupported pair is a one-line error for trace and explain", () => {
    const t = capture();
    expect(runCli(["explain", "pipe", "--system", "exokernel"], t.io)).toBe(2);
    expect(t.errText().trim().split("\n")).toHaveLength(1);
  });
});
