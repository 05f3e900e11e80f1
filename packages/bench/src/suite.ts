import { getProfile } from "@exolab/machine/privileged";
import type { SystemAdapter } from "./adapters/adapter.js";
import { buildMeta } from "./meta.js";
import type { BenchReport, BenchResult, ReportMeta } from "./result.js";
import { SCHEMA_VERSION } from "./result.js";
import { fillRatios, runBenchmark } from "./runner.js";
import type { Workload } from "./workload.js";

export interface SuiteOptions {
  readonly suite: string;
  readonly workloads: readonly Workload[];
  readonly adapters: readonly SystemAdapter[];
  readonly profile: string;
  readonly seed: number;
  /** Measure host time (benchmark.js) for every row; off by default. */
  readonly hostTime?: boolean;
  /** Shorten the host-time measurement (when measured). */
  readonly quick?: boolean;
  /** The program recorded in the report's meta (default: this package). */
  readonly tool?: { readonly name: string; readonly version: string };
  /** Called after each (benchmark, system) pair. */
  readonly onProgress?: (done: number, total: number, last: BenchResult) => void;
}

/**
 * Runs every workload on every adapter, each on a fresh seeded machine, one pair per step:
 * it yields each result as it is made and returns the report. A caller that wants to stay
 * responsive between pairs (a terminal that may be interrupted) drives it itself;
 * `runSuite` runs it through.
 */
export function* suiteSteps(o: SuiteOptions): Generator<BenchResult, BenchReport, void> {
  getProfile(o.profile);
  const results: BenchResult[] = [];
  const total = o.workloads.length * o.adapters.length;
  for (const w of o.workloads) {
    for (const a of o.adapters) {
      const r = runBenchmark(w, a, {
        profile: o.profile,
        seed: o.seed,
        hostTime: o.hostTime,
        quick: o.quick,
      });
      results.push(r);
      o.onProgress?.(results.length, total, r);
      yield r;
    }
  }
  return assembleReport(o, results);
}

/** Runs the whole suite (see suiteSteps). */
export function runSuite(o: SuiteOptions): BenchReport {
  const steps = suiteSteps(o);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

function assembleReport(o: SuiteOptions, results: BenchResult[]): BenchReport {
  fillRatios(results);
  const policies: Record<string, unknown> = {};
  for (const a of o.adapters) policies[a.id] = a.policies(o.profile);
  const meta: ReportMeta = buildMeta({
    tool: o.tool,
    systems: o.adapters.map((a) => a.id),
    benchmarks: o.workloads.map((w) => w.id),
    hostTime: o.hostTime === true,
    quick: o.quick === true,
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    meta,
    profile: o.profile,
    seed: o.seed,
    suite: o.suite,
    policies,
    results,
  };
}
