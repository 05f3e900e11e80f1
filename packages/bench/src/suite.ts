import { getProfile } from "@exolab/machine/privileged";
import type { SystemAdapter, SystemId } from "./adapters/adapter.js";
import type { BenchReport, BenchResult } from "./result.js";
import { SCHEMA_VERSION } from "./result.js";
import { fillRatios, runBenchmark } from "./runner.js";
import type { Workload } from "./workload.js";

export interface SuiteOptions {
  readonly suite: string;
  readonly workloads: readonly Workload[];
  readonly adapters: readonly SystemAdapter[];
  readonly profile: string;
  readonly seed: number;
  readonly quick?: boolean;
  readonly hostTiming?: boolean;
  /** Called after each (benchmark, system) pair. */
  readonly onProgress?: (done: number, total: number, last: BenchResult) => void;
}

/** Runs every workload on every adapter, each on a fresh seeded machine. */
export function runSuite(o: SuiteOptions): BenchReport {
  getProfile(o.profile);
  const results: BenchResult[] = [];
  const total = o.workloads.length * o.adapters.length;
  for (const w of o.workloads) {
    for (const a of o.adapters) {
      const r = runBenchmark(w, a, {
        profile: o.profile,
        seed: o.seed,
        quick: o.quick,
        hostTiming: o.hostTiming,
      });
      results.push(r);
      o.onProgress?.(results.length, total, r);
    }
  }
  fillRatios(results);
  const policies: Record<string, unknown> = {};
  for (const a of o.adapters) policies[a.id as SystemId] = a.policies(o.profile);
  return {
    schemaVersion: SCHEMA_VERSION,
    profile: o.profile,
    seed: o.seed,
    suite: o.suite,
    generator: "exolab bench",
    policies,
    results,
  };
}
