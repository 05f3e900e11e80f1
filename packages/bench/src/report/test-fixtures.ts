import type { BenchReport, BenchResult, ReportMeta } from "../result.js";
import { SCHEMA_VERSION } from "../result.js";

/** Report fixtures for the report tests (not part of the package's build). */

export const META: ReportMeta = {
  tool: "test",
  version: "0.0.0",
  commit: null,
  dirty: null,
  date: "2026-01-01T00:00:00.000Z",
  node: "v20.0.0",
  host: { platform: "linux", arch: "x64", cpus: 2 },
  options: {
    systems: ["monolithic", "exokernel", "exos"],
    benchmarks: [],
    hostTime: false,
    quick: false,
  },
};

export function result(
  benchmark: string,
  system: string,
  micros: number,
  paper: number | null,
  supported = true,
): BenchResult {
  return {
    suite: "paper",
    benchmark,
    system,
    supported,
    ...(supported ? {} : { reason: "not offered by this system" }),
    simulatedCycles: micros * 25,
    simulatedMicros: micros,
    paperMicros: paper,
    unit: "us/op",
    ratioToBaseline: null,
    attribution: { user: micros * 5, kernel: micros * 20 },
    attributionByOwner: { kernel: micros * 20, application: micros * 5 },
    counts: { syscalls: 1 },
    labels: [],
    iterations: { warmup: 10, measured: 100 },
    idleInWindow: null,
    hostNsPerOp: null,
    simCyclesPerHostSecond: null,
    fasterThanRealTime: null,
  };
}

/** A row of a suite whose figures are metrics at a parameter (as the real-time suite's). */
export function metricResult(
  benchmark: string,
  system: string,
  params: NonNullable<BenchResult["params"]>,
  metrics: Record<string, number>,
): BenchResult {
  return {
    ...result(benchmark, system, 0, null),
    suite: "realtime",
    unit: "metrics",
    params,
    metrics,
  };
}

export const report: BenchReport = {
  schemaVersion: SCHEMA_VERSION,
  meta: META,
  profile: "dec5000_125",
  seed: 1,
  suite: "paper",
  policies: { monolithic: { quantumMs: 100 } },
  results: [
    { ...result("getpid", "monolithic", 20, 21.3), ratioToBaseline: 1 },
    { ...result("getpid", "exokernel", 2, 1.6), ratioToBaseline: 10 },
    result("dirty", "monolithic", 0, null, false),
    { ...result("dirty", "exos", 5, 9.8) },
    { ...result("trap", "monolithic", 150, 161), ratioToBaseline: 1 },
    { ...result("trap", "exos", 3, 4.8), ratioToBaseline: 50 },
  ],
};

/** The three kinds of rows the new suites bring: a numeric param, a policy, a count. */
export const metricReport: BenchReport = {
  ...report,
  suite: "mixed",
  results: [
    ...report.results,
    ...[0.5, 0.7, 0.9].flatMap((u) => [
      metricResult(
        "deadline",
        "exos",
        { utilization: u },
        {
          missRatio: u > 0.8 ? 0.1 : 0,
          worstResponseCycles: 1000 * u,
        },
      ),
      metricResult(
        "deadline",
        "monolithic",
        { utilization: u },
        {
          missRatio: u > 0.6 ? 0.3 : 0.05,
          worstResponseCycles: 3000 * u,
        },
      ),
    ]),
    ...[64, 128].flatMap((f) =>
      ["lru", "clock"].map((policy) =>
        metricResult(
          "bufpool",
          "exos",
          { poolFrames: f, policy },
          {
            hitRate: f / 200 + (policy === "lru" ? 0.1 : 0),
            opsPerSimSecond: 1000 + f,
            diskIos: 500 - f,
          },
        ),
      ),
    ),
    metricResult("spawn", "exos", { processes: 4 }, { opsPerSimSecond: 12000 }),
    metricResult("spawn", "monolithic", { processes: 4 }, { opsPerSimSecond: 3000 }),
  ],
};
