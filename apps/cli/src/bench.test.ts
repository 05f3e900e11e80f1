import { ReportSchema } from "@exolab/bench";
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { captureIo } from "./test-io.js";

const capture = captureIo;

describe("exolab bench outputs", () => {
  const c = capture();
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

  it("--md writes the Markdown table; --html a page that parses with a table per group", () => {
    const md = c.files.get("r.md")!;
    expect(md.split("\n").filter((l) => l.startsWith("| getpid |"))).toHaveLength(1);
    const { document } = parseHTML(c.files.get("r.html")!);
    expect(document.querySelectorAll("table").length).toBeGreaterThanOrEqual(3);
    expect(document.querySelector('tr[data-benchmark="pct"]')).not.toBeNull();
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
