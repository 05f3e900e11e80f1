import { readFileSync } from "node:fs";
import {
  DEFAULT_ADAPTERS as ADAPTERS,
  adapterFor,
  type BenchReport,
  PAPER_SUITE,
  planTrace,
  runSuite,
  withoutMeta,
  writeTrace,
} from "@exolab/bench";
import { describe, expect, it } from "vitest";
import { buildCatalog } from "../src/catalog.js";
import { pageHost } from "../src/host.js";
import { makeTrace, runJob } from "../src/jobs.js";
import type { FromWorker, Selection } from "../src/protocol.js";
import { defaultSelection } from "../src/selection.js";
import { timelineOf } from "../src/timeline.js";
import { WEB_TOOL, WEB_VERSION } from "../src/version.js";

const catalog = buildCatalog();

function run(selection: Selection): FromWorker[] {
  const out: FromWorker[] = [];
  // Cloned as postMessage does: a message is what it was when posted.
  runJob(7, selection, (m) => out.push(structuredClone(m)), pageHost());
  return out;
}

describe("the worker's run job (the same code as exolab bench)", () => {
  // The paper's three systems (a libOS added to the bench would add rows of its own).
  const systems = ["monolithic", "exokernel", "exos"];
  const selection: Selection = {
    ...defaultSelection(catalog),
    systems,
    benchmarks: ["getpid", "pipe", "stride"],
    seed: 3,
  };

  it("posts started, a row per pair with its ratio, then the report: equal to runSuite's", () => {
    const messages = run(selection);
    expect(messages.map((m) => m.kind)).toEqual([
      "started",
      ...Array<string>(9).fill("row"),
      "done",
    ]);
    for (const m of messages) expect("job" in m && m.job).toBe(7);
    const done = messages.at(-1) as Extract<FromWorker, { kind: "done" }>;
    const node = runSuite({
      suite: "paper",
      workloads: PAPER_SUITE.filter((w) => selection.benchmarks.includes(w.id)),
      adapters: ADAPTERS.filter((a) => systems.includes(a.id)),
      profile: "dec5000_125",
      seed: 3,
    });
    expect(withoutMeta(done.report)).toEqual(withoutMeta(node));
    // Each row as posted already carries the ratio the report ends with.
    const rows = messages.filter((m) => m.kind === "row").map((m) => m.result);
    expect(rows.map((r) => r.ratioToBaseline)).toEqual(
      done.report.results.map((r) => r.ratioToBaseline),
    );
    expect(done.report.meta).toMatchObject({
      tool: "exolab-web",
      version: WEB_VERSION,
      node: "none (web browser: unknown)",
      host: { platform: "web", arch: "unknown" },
    });
  });

  it("policy overrides reach the run and the report", () => {
    const messages = run({
      ...selection,
      systems: ["exos"],
      benchmarks: ["stride"],
      policies: { exos: { "aegis.sliceCycles": 100_000 } },
    });
    const report = (messages.at(-1) as { report: BenchReport }).report;
    expect(report.policies.exos).toMatchObject({ "aegis.sliceCycles": 100_000 });
    // A stride figure is a slice plus the observer's share of the last round (about 3 %).
    const perSlice = report.results[0]!.simulatedCycles;
    expect(perSlice).toBeGreaterThanOrEqual(100_000);
    expect(perSlice).toBeLessThan(105_000);
  });

  it("a selection or a value refused before any pair ran: one line, refused, no row", () => {
    for (const bad of [
      { ...selection, systems: ["vms"] },
      { ...selection, policies: { exos: { pipeRingBytes: 1000 } } },
    ]) {
      const messages = run(bad);
      expect(messages.filter((m) => m.kind === "row")).toEqual([]);
      const failed = messages.at(-1) as Extract<FromWorker, { kind: "failed" }>;
      expect(failed).toMatchObject({ kind: "failed", job: 7, refused: true });
      expect(failed.message).not.toMatch(/\n/);
    }
    expect(
      (
        run({ ...selection, policies: { exos: { pipeRingBytes: 1000 } } }).at(-1) as {
          message: string;
        }
      ).message,
    ).toMatch(/^exos: exos policy pipeRingBytes must be a power of two/);
  });
});

describe("the worker's trace job", () => {
  it("traces the first operations of a pair: the same trace as exolab trace for that window", () => {
    const t = makeTrace({
      benchmark: "pipe",
      system: "exos",
      profile: "dec5000_125",
      seed: 1,
      ops: 4,
      maxSpans: 4000,
    });
    expect(t.window).toBe("operations 0..4 of 400");
    expect(t.droppedSpans).toBe(0);
    const doc = JSON.parse(t.json) as { traceEvents: unknown[]; otherData: { hash: string } };
    expect(doc.otherData.hash).toBe(t.hash);
    expect(doc.traceEvents.length).toBeGreaterThan(t.spans);
    const w = PAPER_SUITE.find((x) => x.id === "pipe")!;
    const a = adapterFor("exos")!;
    const plan = planTrace(w, a, {
      profile: "dec5000_125",
      seed: 1,
      window: { kind: "ops", from: 0, to: 4 },
      maxSpans: 4000,
    });
    expect(writeTrace(plan, w, a, () => {}).hash).toBe(t.hash);
    // Two ExOS environments and the kernel; control passes between them.
    const timeline = timelineOf(t.json);
    expect(timeline.lanes).toEqual(["kernel", "exos #1", "exos #2"]);
    expect(timeline.switches.some((s) => s.from.startsWith("exos") && s.to === "kernel")).toBe(
      true,
    );
    expect(timeline.marks.length).toBeGreaterThan(0);
  });

  it("a pair with fewer operations than asked, or more spans than the bound, is cut from the start", () => {
    const trace = (benchmark: string, ops: number) =>
      makeTrace({ benchmark, system: "exos", profile: "dec5000_125", seed: 1, ops, maxSpans: 500 });
    // appel1 has 99 operations: asked for 1000, the whole measured part, cut at 500 spans.
    const fewer = trace("appel1", 1000);
    expect(fewer.window).toMatch(/^the first \d+ cycles of the measured part \(99 operations\)$/);
    // Four operations of prot100 hold more than 500 spans: the measured part is cut instead.
    const more = trace("prot100", 4);
    expect(more.window).toMatch(/^the first \d+ cycles of the measured part \(100 operations\)$/);
    for (const t of [fewer, more]) {
      expect(t.spans).toBe(500);
      expect(t.droppedSpans).toBe(0);
    }
  });
});

describe("the app's version", () => {
  it("is package.json's, and reports name the page", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(WEB_VERSION).toBe(pkg.version);
    expect(WEB_TOOL).toEqual({ name: "exolab-web", version: pkg.version });
  });
});
