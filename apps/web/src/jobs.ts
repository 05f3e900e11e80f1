import {
  ADAPTERS,
  adapterFor,
  type BenchResult,
  fillRatios,
  getProfile,
  type HostEnvironment,
  planTrace,
  renderJson,
  SUITES,
  suiteSteps,
  surveyRun,
  type TraceWindow,
  writeTrace,
} from "@exolab/bench";
import { buildCatalog } from "./catalog.js";
import type { FromWorker, Selection, TraceRequest, TraceResult } from "./protocol.js";
import { selectionProblem } from "./selection.js";
import { WEB_TOOL } from "./version.js";

/**
 * The worker's jobs, as plain functions (the worker calls them; tests call them in Node):
 * a run of a selection, posting each row as it is made, and a trace of one pair. Each job
 * runs through; the page cancels one by ending the worker.
 */
export type Post = (message: FromWorker) => void;

/** An error as one line (a run's failure is shown as such on the page). */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0]!.trim() || "the run failed";
}

/**
 * Runs a selection: the suite's chosen benchmarks on the chosen systems, the same code as
 * `exolab bench` (suiteSteps), with `host` in the report's meta. Posts `started`, one `row`
 * per pair, then `done` with the report; or `failed` with one line (`refused` when the
 * selection or a policy value was refused before any pair ran).
 */
export function runJob(job: number, selection: Selection, post: Post, host: HostEnvironment): void {
  const problem = selectionProblem(selection, buildCatalog());
  if (problem !== undefined) {
    post({ kind: "failed", job, message: problem, refused: true });
    return;
  }
  const workloads = SUITES[selection.suite]!.filter((w) => selection.benchmarks.includes(w.id));
  const adapters = ADAPTERS.filter((a) => selection.systems.includes(a.id));
  const total = workloads.length * adapters.length;
  const steps = suiteSteps({
    suite: selection.suite,
    workloads,
    adapters,
    profile: selection.profile,
    seed: selection.seed,
    policies: selection.policies,
    host,
    tool: WEB_TOOL,
  });
  const rows: BenchResult[] = [];
  try {
    post({ kind: "started", job, total });
    for (;;) {
      const step = steps.next();
      if (step.done === true) {
        post({ kind: "done", job, report: step.value, json: renderJson(step.value) });
        return;
      }
      // The ratio as far as the rows go (the baseline runs first, so it is already final);
      // the report's own, filled at the end, is the same.
      rows.push(step.value);
      fillRatios(rows);
      post({ kind: "row", job, done: rows.length, total, result: step.value });
    }
  } catch (e) {
    post({ kind: "failed", job, message: oneLine(e), refused: rows.length === 0 });
  }
}

/**
 * Traces one pair for the timeline: the first `ops` operations of its measured part (the
 * whole measured part when it has no more), cut to `maxSpans` spans from its start when the
 * window holds more. The same trace `exolab trace` writes for that window.
 */
export function traceJob(job: number, request: TraceRequest, post: Post): void {
  try {
    post({ kind: "trace", job, trace: makeTrace(request) });
  } catch (e) {
    post({ kind: "failed", job, message: oneLine(e), refused: false });
  }
}

export function makeTrace(request: TraceRequest): TraceResult {
  const w = Object.values(SUITES)
    .flat()
    .find((x) => x.id === request.benchmark);
  const adapter = adapterFor(request.system);
  if (w === undefined) throw new Error(`unknown benchmark "${request.benchmark}"`);
  if (adapter === undefined) throw new Error(`unknown system "${request.system}"`);
  const base = {
    profile: request.profile,
    seed: request.seed,
    ...(request.policy === undefined ? {} : { policy: request.policy }),
    maxSpans: request.maxSpans,
  };
  const survey = surveyRun(w, adapter, base);
  const measured: TraceWindow = { kind: "measured" };
  const window: TraceWindow =
    survey.ops <= request.ops ? measured : { kind: "ops", from: 0, to: request.ops };
  let plan = planTrace(w, adapter, { ...base, window });
  // An explicit window past the bound would drop spans all along: cut the measured part instead.
  if (!plan.exact) plan = planTrace(w, adapter, { ...base, window: measured });
  const chunks: string[] = [];
  const summary = writeTrace(plan, w, adapter, (chunk) => {
    chunks.push(chunk);
  });
  return {
    request,
    json: chunks.join(""),
    window: plan.window,
    fromCycle: plan.fromCycle,
    toCycle: plan.toCycle,
    cycleNs: getProfile(request.profile).cycleNs,
    spans: summary.spans,
    droppedSpans: summary.droppedSpans,
    hash: summary.hash,
  };
}
