import { getProfile } from "@exolab/machine/privileged";
import type { SystemAdapter } from "./adapters/adapter.js";
import { BARE_HOST, type HostEnvironment, HostTimeUnavailableError } from "./host.js";
import { buildMeta } from "./meta.js";
import { checkPolicy, PolicyError, type PolicyOverrides, policyInForce } from "./policy.js";
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
  /**
   * Policy overrides by system id (each system's fields as its `policies(profile)` names
   * them); checked before anything runs, and shown in the report's `policies`.
   */
  readonly policies?: PolicyOverrides;
  /**
   * The host: what the report's meta says of it, and its host-time timer. Default BARE_HOST
   * (nothing known, no timer); in Node, `nodeHost()` from `@exolab/bench/node`.
   */
  readonly host?: HostEnvironment;
  /** Measure host time (the host's timer) for every row; off by default. */
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
 * `runSuite` runs it through. The profile, the policy overrides and the host timer are
 * checked at the first step, before any pair runs.
 */
export function* suiteSteps(o: SuiteOptions): Generator<BenchResult, BenchReport, void> {
  checkSuite(o);
  const host = o.host ?? BARE_HOST;
  const results: BenchResult[] = [];
  const total = o.workloads.length * o.adapters.length;
  for (const w of o.workloads) {
    for (const a of o.adapters) {
      const policy = o.policies?.[a.id];
      const r = runBenchmark(w, a, {
        profile: o.profile,
        seed: o.seed,
        hostTime: o.hostTime,
        ...(host.timer === undefined ? {} : { hostTimer: host.timer }),
        quick: o.quick,
        ...(policy === undefined ? {} : { policy }),
      });
      results.push(r);
      o.onProgress?.(results.length, total, r);
      yield r;
    }
  }
  return assembleReport(o, host, results);
}

/** Runs the whole suite (see suiteSteps). */
export function runSuite(o: SuiteOptions): BenchReport {
  const steps = suiteSteps(o);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** The checks made before any pair runs (typed errors with one line). */
function checkSuite(o: SuiteOptions): void {
  getProfile(o.profile);
  if (o.hostTime === true && (o.host ?? BARE_HOST).timer === undefined)
    throw new HostTimeUnavailableError();
  for (const [system, override] of Object.entries(o.policies ?? {})) {
    const adapter = o.adapters.find((a) => a.id === system);
    if (adapter === undefined)
      throw new PolicyError(
        `policy overrides for ${system}, which is not among the systems run (${o.adapters.map((a) => a.id).join(", ")})`,
      );
    checkPolicy(adapter, o.profile, override);
  }
}

function assembleReport(
  o: SuiteOptions,
  host: HostEnvironment,
  results: BenchResult[],
): BenchReport {
  fillRatios(results);
  const policies: Record<string, unknown> = {};
  for (const a of o.adapters) policies[a.id] = policyInForce(a, o.profile, o.policies?.[a.id]);
  const meta: ReportMeta = buildMeta(
    {
      tool: o.tool,
      systems: o.adapters.map((a) => a.id),
      benchmarks: o.workloads.map((w) => w.id),
      hostTime: o.hostTime === true,
      quick: o.quick === true,
    },
    host.describe(),
  );
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
