import { z } from "zod";

/**
 * The JSON a run writes (`exolab bench --json FILE`), schema version 2. The zod schema is the
 * single definition: the writer validates against it, `exolab compare` and the tests
 * validate files against it, and `schema/report.schema.json` (the JSON Schema shipped for
 * other consumers) is generated from it (`pnpm --filter @exolab/bench schema`; a test keeps
 * the file in sync).
 *
 * Version 2 (from 1): a `meta` record (who made the file, when, from which commit, with
 * which options); `hostNsPerOp` is null unless host time was measured (`--host-time`), with
 * the simulator's speed beside it; `params` and `metrics` carry rows whose figure is not a
 * time per operation; `generator` is gone (see `meta.tool`). Objects are strict (no unknown
 * fields), so that zod and the generated JSON Schema accept the same files.
 */
export const SCHEMA_VERSION = 2;

/** A parameter of a row (a utilisation, a pool size, a policy name, a process count). */
export const ParamValueSchema = z.union([z.number(), z.string(), z.boolean()]);

export const ResultSchema = z.strictObject({
  suite: z.string(),
  benchmark: z.string(),
  system: z.string(),
  /**
   * The parameters this row was run with, for benchmarks run at several settings (one row
   * per setting). A row is identified by (suite, benchmark, system, params).
   */
  params: z.record(z.string(), ParamValueSchema).optional(),
  supported: z.boolean(),
  /** Why a system cannot run a benchmark (only when supported is false). */
  reason: z.string().optional(),
  simulatedCycles: z.number().nonnegative(),
  simulatedMicros: z.number().nonnegative(),
  paperMicros: z.number().nullable(),
  unit: z.string(),
  /** The benchmark of the baseline this row's ratio is taken against (getpid for getpid-stack). */
  baselineBenchmark: z.string().optional(),
  /** Baseline (monolithic) cycles / this system's cycles, null where there is no baseline. */
  ratioToBaseline: z.number().nullable(),
  /**
   * The row's figures when they are not a time per operation (a miss ratio, a hit rate,
   * operations per simulated second), by name; units at the end of the names.
   */
  metrics: z.record(z.string(), z.number()).optional(),
  attribution: z.record(z.string(), z.number()),
  attributionByOwner: z.record(z.string(), z.number()),
  counts: z.record(z.string(), z.number()),
  labels: z.array(
    z.strictObject({
      label: z.string(),
      calls: z.number(),
      instructions: z.number(),
      cycles: z.number(),
    }),
  ),
  iterations: z.strictObject({ warmup: z.number().int(), measured: z.number().int() }),
  /** Host nanoseconds per simulated operation (benchmark.js), null unless measured. */
  hostNsPerOp: z.number().nonnegative().nullable(),
  /** The simulator's speed on this row: simulated cycles per host second, null unless measured. */
  simCyclesPerHostSecond: z.number().nonnegative().nullable(),
  /** Whether the row simulates faster than the profile's clock runs, null unless measured. */
  fasterThanRealTime: z.boolean().nullable(),
  /** Extra observations (stride shares). */
  observed: z.record(z.string(), z.union([z.number(), z.array(z.number())])).optional(),
});
export type BenchResult = z.infer<typeof ResultSchema>;

/** Who made a report, when and how: everything a reader needs to trust or redo it. */
export const MetaSchema = z.strictObject({
  /** The program that wrote the report ("exolab"). */
  tool: z.string(),
  /** Its version. */
  version: z.string(),
  /** The git commit of the sources, where known (null outside a git checkout). */
  commit: z.string().nullable(),
  /** Whether tracked files differed from that commit; null where unknown. */
  dirty: z.boolean().nullable(),
  /** When the report was made, ISO 8601 (UTC). */
  date: z.string(),
  /**
   * The Node.js version that ran it; a web page that ran it says `none (web browser: …)`, and a
   * caller that gave no host, `unknown`.
   */
  node: z.string(),
  /** The host: platform, architecture and cores (host-time figures depend on it). */
  host: z.strictObject({ platform: z.string(), arch: z.string(), cpus: z.number().int() }),
  /** The options of the run (the profile, seed and suite are top-level fields). */
  options: z.strictObject({
    systems: z.array(z.string()),
    benchmarks: z.array(z.string()),
    hostTime: z.boolean(),
    quick: z.boolean(),
  }),
});
export type ReportMeta = z.infer<typeof MetaSchema>;

export const ReportSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  meta: MetaSchema,
  profile: z.string(),
  seed: z.number().int(),
  suite: z.string(),
  policies: z.record(z.string(), z.unknown()),
  results: z.array(ResultSchema),
});
export type BenchReport = z.infer<typeof ReportSchema>;

/** A report without its meta record: what determinism checks compare. */
export function withoutMeta(report: BenchReport): Omit<BenchReport, "meta"> {
  const { meta: _meta, ...rest } = report;
  return rest;
}

/** The identity of a row: suite, benchmark, system and params (in key order). */
export function rowKey(r: Pick<BenchResult, "suite" | "benchmark" | "system" | "params">): string {
  return `${r.suite}/${r.benchmark}/${r.system}${paramsText(r.params)}`;
}

/** Params as shown beside a benchmark: ` [k=v, k=v]` in key order, "" without params. */
export function paramsText(params: BenchResult["params"]): string {
  if (params === undefined) return "";
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return "";
  return ` [${keys.map((k) => `${k}=${String(params[k])}`).join(", ")}]`;
}
