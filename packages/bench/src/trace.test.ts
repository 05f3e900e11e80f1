import { CATEGORY_NAMES } from "@exolab/machine";
import { type ChromeTraceEvent, getProfile, Tracer } from "@exolab/machine/privileged";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adapterFor } from "./adapters/index.js";
import { planTrace, surveyRun, type TraceRequest, traceBenchmark, writeTrace } from "./inspect.js";
import { simulateOn } from "./runner.js";
import { PAPER_SUITE } from "./workloads/index.js";

/**
 * The tracer (packages/machine/src/trace.ts: windows, filters, streaming) against an
 * independent model, then traces of real runs: the streamed file is the trace a tracer
 * attached all along would record, the estimate is the file, the default stays bounded.
 */

interface Charge {
  at: number;
  cycles: number;
  owner: number;
  cat: number;
  label: string;
}

interface Settings {
  fromCycle: number;
  toCycle: number;
  categories?: number[];
  owners?: number[];
}

/** The model: keep the charges the filters keep, clip them to the window, merge neighbours. */
function model(charges: readonly Charge[], s: Settings): Charge[] {
  const out: Charge[] = [];
  for (const c of charges) {
    if (s.categories !== undefined && !s.categories.includes(c.cat)) continue;
    if (s.owners !== undefined && !s.owners.includes(c.owner)) continue;
    let at = c.at;
    let end = c.at + c.cycles;
    if (at >= s.toCycle) continue;
    if (at < s.fromCycle) {
      if (end <= s.fromCycle) continue;
      at = s.fromCycle;
    }
    end = Math.min(end, s.toCycle);
    const last = out.at(-1);
    if (
      last !== undefined &&
      last.owner === c.owner &&
      last.cat === c.cat &&
      last.label === c.label &&
      last.at + last.cycles === at
    ) {
      last.cycles += end - at;
      continue;
    }
    out.push({ at, cycles: end - at, owner: c.owner, cat: c.cat, label: c.label });
  }
  return out;
}

function recorded(t: Tracer): Charge[] {
  return t.starts.map((at, i) => ({
    at,
    cycles: t.durs[i]!,
    owner: t.owners[i]!,
    cat: t.cats[i]!,
    label: t.labels[t.labelIds[i]!]!,
  }));
}

function options(s: Settings) {
  return {
    fromCycle: s.fromCycle,
    toCycle: s.toCycle,
    ...(s.categories === undefined ? {} : { categories: s.categories }),
    ...(s.owners === undefined ? {} : { owner: (o: number) => s.owners!.includes(o) }),
  };
}

/** A run of charges as the CPU makes them: each starts where the previous one ended. */
const chargesArb = fc
  .array(
    fc.record({
      cycles: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
      owner: fc.integer({ min: 0, max: 3 }),
      cat: fc.integer({ min: 0, max: CATEGORY_NAMES.length - 1 }),
      label: fc.constantFrom("", "a", "b"),
      instant: fc.boolean(),
    }),
    { maxLength: 120 },
  )
  .map((xs) => {
    let now = 0;
    return xs.map((x) => {
      const c = {
        at: now,
        cycles: x.cycles,
        owner: x.owner,
        cat: x.cat,
        label: x.label,
        instant: x.instant,
      };
      now += x.cycles;
      return c;
    });
  });

const settingsArb = fc
  .record({
    from: fc.integer({ min: 0, max: 1500 }),
    length: fc.integer({ min: 1, max: 3000 }),
    categories: fc.option(fc.subarray([...CATEGORY_NAMES.keys()]), { nil: undefined }),
    owners: fc.option(fc.subarray([0, 1, 2, 3]), { nil: undefined }),
  })
  .map(
    (r): Settings => ({
      fromCycle: r.from,
      toCycle: r.from + r.length,
      ...(r.categories === undefined ? {} : { categories: r.categories }),
      ...(r.owners === undefined ? {} : { owners: r.owners }),
    }),
  );

function feed(t: Tracer, charges: readonly (Charge & { instant: boolean })[]) {
  for (const c of charges) {
    if (c.instant) t.instant(c.at, `event:${c.label}`, c.owner);
    t.span(c.at, c.cycles, c.owner, c.cat, c.label);
  }
}

const runs = { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) };

describe("the tracer's windows and filters", () => {
  it("records what the model keeps: filtered, clipped to the window, neighbours merged", () => {
    fc.assert(
      fc.property(chargesArb, settingsArb, (charges, s) => {
        const t = new Tracer(options(s));
        feed(t, charges);
        expect(recorded(t)).toEqual(model(charges, s));
        const instants = charges.filter(
          (c) =>
            c.instant &&
            c.at >= s.fromCycle &&
            c.at < s.toCycle &&
            (s.owners === undefined || s.owners.includes(c.owner)),
        );
        expect(t.instants.map((e) => e.at)).toEqual(instants.map((c) => c.at));
      }),
      runs,
    );
  });

  it("configured after recording, it replays: the same spans and hash as configured from the start", () => {
    fc.assert(
      fc.property(chargesArb, settingsArb, fc.nat(), (charges, s, cut) => {
        const upFront = new Tracer(options(s));
        feed(upFront, charges);
        const late = new Tracer();
        const k = charges.length === 0 ? 0 : cut % (charges.length + 1);
        feed(late, charges.slice(0, k));
        late.configure(options(s));
        feed(late, charges.slice(k));
        expect(recorded(late)).toEqual(recorded(upFront));
        expect(late.hash()).toBe(upFront.hash());
      }),
      runs,
    );
  });

  it("streamed in small chunks, it writes the events toChromeTrace gives, with the same hash", () => {
    fc.assert(
      fc.property(chargesArb, settingsArb, fc.integer({ min: 2, max: 6 }), (charges, s, chunk) => {
        const kept = new Tracer(options(s));
        feed(kept, charges);
        const streamed = new Tracer(options(s));
        let text = "";
        streamed.streamChromeTrace((t) => (text += t), { cycleNs: 40, chunkSpans: chunk });
        feed(streamed, charges);
        const owners = [0, 1, 2, 3].map((id) => ({
          id,
          kind: 0 as const,
          env: -1,
          name: `o${id}`,
        }));
        const count = streamed.endChromeTrace(owners, { note: "x" });
        // While streaming, at most one chunk is held.
        expect(streamed.starts.length).toBeLessThanOrEqual(1);
        const file = JSON.parse(text) as {
          traceEvents: ChromeTraceEvent[];
          otherData: Record<string, unknown>;
        };
        const want = kept.toChromeTrace(40, owners).traceEvents;
        const key = (e: ChromeTraceEvent) => JSON.stringify(e);
        expect(file.traceEvents.map(key).sort()).toEqual(want.map(key).sort());
        expect(count).toBe(want.length);
        expect(file.otherData).toEqual({ note: "x", droppedSpans: 0, hash: kept.hash() });
        expect(streamed.hash()).toBe(kept.hash());
      }),
      runs,
    );
  });

  it("past its limit it counts dropped spans, tells once where, and ends: later instants are skipped", () => {
    const t = new Tracer({ limit: 2 });
    const full: number[] = [];
    t.onFull = (at) => full.push(at);
    t.span(0, 5, 0, 0, "a");
    t.span(5, 5, 0, 0, "a"); // merges: no new span
    t.span(10, 5, 0, 1, "b");
    t.instant(12, "event:x", 0);
    t.span(15, 5, 0, 2, "c"); // the third span: dropped
    t.span(20, 5, 0, 3, "d");
    t.instant(21, "event:y", 0);
    expect(t.starts).toEqual([0, 10]);
    expect(t.durs).toEqual([10, 5]);
    expect(t.dropped).toBe(2);
    expect(t.firstDroppedAt).toBe(15);
    expect(full).toEqual([15]);
    expect(t.instants.map((e) => e.name)).toEqual(["event:x"]);
    expect(() => t.configure({ fromCycle: 3 })).toThrow(RangeError);
  });

  it("tells once when a span starts past the window's end; refuses an empty window and unknown categories", () => {
    const t = new Tracer({ fromCycle: 10, toCycle: 20 });
    let ended = 0;
    t.onWindowEnd = () => ended++;
    t.span(0, 12, 0, 0, "a");
    t.span(12, 10, 0, 0, "b");
    t.span(22, 1, 0, 0, "c");
    t.span(23, 1, 0, 0, "d");
    expect(recorded(t)).toEqual([
      { at: 10, cycles: 2, owner: 0, cat: 0, label: "a" },
      { at: 12, cycles: 8, owner: 0, cat: 0, label: "b" },
    ]);
    expect(ended).toBe(1);
    expect(() => new Tracer({ fromCycle: 5, toCycle: 5 })).toThrow(RangeError);
    expect(() => new Tracer({ categories: [CATEGORY_NAMES.length] })).toThrow(RangeError);
    expect(() => new Tracer({ limit: -1 })).toThrow(RangeError);
  });
});

const PROFILE = "dec5000_125";
const workload = (id: string) => PAPER_SUITE.find((w) => w.id === id)!;

/** Writes a planned trace into a string and parses it. */
function written(id: string, system: string, req: Partial<TraceRequest> = {}) {
  const w = workload(id);
  const a = adapterFor(system)!;
  const plan = planTrace(w, a, { profile: PROFILE, seed: 1, ...req });
  let text = "";
  const summary = writeTrace(plan, w, a, (t) => {
    text += t;
  });
  const file = JSON.parse(text) as {
    traceEvents: ChromeTraceEvent[];
    otherData: Record<string, unknown>;
  };
  return { plan, summary, text, file };
}

/** The same window recorded by a tracer attached from power-on to the end, in memory. */
function attachedAllAlong(id: string, system: string, fromCycle: number, toCycle: number) {
  const w = workload(id);
  const a = adapterFor(system)!;
  const sys = a.create({ profile: PROFILE, seed: 1, trace: true });
  const tracer = sys.machine.tracer!;
  tracer.configure({ fromCycle, toCycle });
  simulateOn(sys, w, a);
  return tracer.toChromeTrace(getProfile(PROFILE).cycleNs, sys.machine.accounting.owners);
}

const key = (e: ChromeTraceEvent) => JSON.stringify(e);

describe("traces of real runs", () => {
  for (const [id, system] of [
    ["getpid", "exokernel"],
    ["pipe", "exos"],
    ["prot1", "monolithic"],
  ] as const) {
    it(`${id} on ${system}: the streamed window is what a tracer attached all along records, and the estimate is the file`, () => {
      const { plan, summary, text, file } = written(id, system);
      expect(plan.window).toMatch(/measured part/);
      expect(plan.fromCycle).toBe(plan.survey.measuredFromCycle);
      expect(plan.toCycle).toBe(plan.survey.measuredToCycle);
      const reference = attachedAllAlong(id, system, plan.fromCycle, plan.toCycle);
      expect(file.traceEvents.map(key).sort()).toEqual(reference.traceEvents.map(key).sort());
      expect(file.traceEvents.length).toBeGreaterThan(20);
      // The estimate printed before writing is exactly the file.
      expect(plan.exact).toBe(true);
      expect(plan.events).toBe(summary.events);
      expect(plan.bytes).toBe(Buffer.byteLength(text));
      expect(summary.bytes).toBe(Buffer.byteLength(text));
      expect(summary.droppedSpans).toBe(0);
      expect(file.otherData).toMatchObject({
        benchmark: id,
        system,
        window: { fromCycle: plan.fromCycle, toCycle: plan.toCycle },
        droppedSpans: 0,
        hash: summary.hash,
      });
      // Attaching the tracer for the window only changed no cycle of the run.
      expect(summary.runCycles).toBe(plan.survey.runCycles);
    });
  }

  it("the whole run, from power-on (the kernel's boot included), is the in-memory trace", () => {
    const w = workload("getpid");
    const a = adapterFor("monolithic")!;
    const survey = surveyRun(w, a, { profile: PROFILE, seed: 1 });
    const { file, summary } = written("getpid", "monolithic", {
      window: { kind: "cycles", from: 0 },
    });
    const whole = traceBenchmark(w, a, { profile: PROFILE, seed: 1 });
    expect(file.traceEvents.map(key).sort()).toEqual(whole.traceEvents.map(key).sort());
    expect(summary.hash).toBe(whole.hash);
    expect(summary.runCycles).toBe(survey.runCycles);
  });

  it("--ops a..b covers those operations at the measured part's average cycles per operation", () => {
    const { plan, file } = written("getpid", "exokernel", {
      window: { kind: "ops", from: 10, to: 20 },
    });
    const { measuredFromCycle: m0, measuredToCycle: m1, ops } = plan.survey;
    expect(ops).toBe(1000);
    expect(plan.fromCycle).toBe(m0 + Math.floor((10 * (m1 - m0)) / ops));
    expect(plan.toCycle).toBe(m0 + Math.ceil((20 * (m1 - m0)) / ops));
    // Ten getpid calls: ten kernel entries (the exception instants), nothing outside the window.
    const syscalls = file.traceEvents.filter((e) => e.ph === "i" && e.name === "exception:8");
    expect(syscalls).toHaveLength(10);
    const cycleUs = getProfile(PROFILE).cycleNs / 1000;
    for (const e of file.traceEvents.filter((x) => x.ph === "X")) {
      expect(e.ts! / cycleUs).toBeGreaterThanOrEqual(plan.fromCycle - 1e-6);
      expect((e.ts! + e.dur!) / cycleUs).toBeLessThanOrEqual(plan.toCycle + 1e-6);
    }
  });

  it("category and owner filters keep only those spans (owners by kind or by name)", () => {
    const byCategory = written("pipe", "exos", { categories: ["kernel", "trapEntry"] });
    const spans = byCategory.file.traceEvents.filter((e) => e.ph === "X");
    expect(spans.length).toBeGreaterThan(10);
    expect(new Set(spans.map((e) => e.cat))).toEqual(new Set(["kernel", "trapEntry"]));
    expect(byCategory.file.traceEvents.some((e) => e.ph === "i")).toBe(false);
    const kernelOnly = written("pipe", "exos", { owners: ["kernel"] });
    const tids = new Set(kernelOnly.file.traceEvents.filter((e) => e.ph === "X").map((e) => e.tid));
    expect([...tids]).toEqual([0]);
    const names = kernelOnly.plan.survey.owners.map((o) => o.name);
    const libos = names.find((n) => n !== "kernel")!;
    const one = written("pipe", "exos", { owners: [libos] });
    const named = one.plan.survey.owners.filter((o) => o.name === libos).map((o) => o.id);
    expect(new Set(one.file.traceEvents.filter((e) => e.ph === "X").map((e) => e.tid))).toEqual(
      new Set(named),
    );
    expect(() => written("pipe", "exos", { owners: ["nobody"] })).toThrow(/valid owners: kernel/);
    expect(() => written("pipe", "exos", { categories: ["cache"] })).toThrow(/valid categories/);
  });

  it("a window with more spans than the bound drops the rest and says where; the estimate is extrapolated", () => {
    // The measured operations: a window of even density (from power-on, the boot's long
    // write-buffer stalls zeroing frames would make the first 300 spans a poor sample).
    const window = { kind: "ops", from: 0, to: 1000 } as const;
    const { plan, summary, file } = written("getpid", "exokernel", { window, maxSpans: 300 });
    expect(plan.exact).toBe(false);
    expect(plan.shortened).toBe(false);
    expect(summary.spans).toBe(300);
    expect(summary.droppedSpans).toBeGreaterThan(1000);
    expect(summary.firstDroppedAt).toBeGreaterThan(0);
    expect(file.otherData.droppedSpans).toBe(summary.droppedSpans);
    // Extrapolated from the spans that fit: the same order of size as what the window holds.
    const all = written("getpid", "exokernel", { window });
    expect(plan.events / all.summary.events).toBeGreaterThan(0.5);
    expect(plan.events / all.summary.events).toBeLessThan(2);
  });

  // (Once matmul with a 20,000-span bound: the same cut, but two passes of matmul took half a
  // minute of CI's CPU.)
  it("the default trace of a run longer than the bound is cut to it, exactly: pipe on exos", () => {
    const { plan, summary, text } = written("pipe", "exos", { maxSpans: 5_000 });
    expect(plan.shortened).toBe(true);
    expect(plan.exact).toBe(true);
    expect(plan.fromCycle).toBe(plan.survey.measuredFromCycle);
    expect(plan.toCycle).toBeLessThan(plan.survey.measuredToCycle);
    expect(summary.spans).toBe(5_000);
    expect(summary.droppedSpans).toBe(0);
    expect(plan.events).toBe(summary.events);
    expect(plan.bytes).toBe(Buffer.byteLength(text));
    expect(Buffer.byteLength(text)).toBeLessThan(5_000 * 200);
  });

  it("a window outside the run is refused with one line", () => {
    expect(() =>
      written("getpid", "exokernel", { window: { kind: "ops", from: 0, to: 1001 } }),
    ).toThrow(/has 1000 operations/);
    expect(() =>
      written("getpid", "exokernel", { window: { kind: "cycles", from: 10 ** 9 } }),
    ).toThrow(/past its end/);
  });
});
