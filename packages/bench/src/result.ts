import { z } from "zod";

/**
 * The JSON a run writes (`exolab bench --json FILE`), schema version 1. Required fields are
 * those of the issue; more are welcome. The schema is the single definition: the writer
 * validates against it, the tests validate written files against it.
 */
export const SCHEMA_VERSION = 1;

export const ResultSchema = z.object({
  suite: z.string(),
  benchmark: z.string(),
  system: z.string(),
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
  attribution: z.record(z.string(), z.number()),
  attributionByOwner: z.record(z.string(), z.number()),
  counts: z.record(z.string(), z.number()),
  labels: z.array(
    z.object({
      label: z.string(),
      calls: z.number(),
      instructions: z.number(),
      cycles: z.number(),
    }),
  ),
  iterations: z.object({ warmup: z.number().int(), measured: z.number().int() }),
  hostNsPerOp: z.number().nonnegative(),
  /** Extra observations (stride shares). */
  observed: z.record(z.string(), z.union([z.number(), z.array(z.number())])).optional(),
});
export type BenchResult = z.infer<typeof ResultSchema>;

export const ReportSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  profile: z.string(),
  seed: z.number().int(),
  suite: z.string(),
  generator: z.string(),
  policies: z.record(z.string(), z.unknown()),
  results: z.array(ResultSchema),
});
export type BenchReport = z.infer<typeof ReportSchema>;
