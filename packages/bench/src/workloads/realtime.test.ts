import { describe, expect, it } from "vitest";
import { adapterFor } from "../adapters/index.js";
import { ResultSchema } from "../result.js";
import { runBenchmark } from "../runner.js";
import { deadlineWorkloads, releaseLatency, taskSet } from "./realtime.js";

/**
 * A short seeded slice of the `realtime` suite (the whole sweep, 3 systems × 8 rows, runs in
 * `pnpm exolab bench --suite realtime`, about 20 s): the points that show each system's
 * behaviour, with the rows' shape checked against the schema.
 */
const at = (u: number) => deadlineWorkloads.find((w) => w.params?.utilization === u)!;
const run = (u: number, system: string) =>
  runBenchmark(at(u), adapterFor(system)!, { profile: "dec5000_125", seed: 1 });

describe("the realtime suite", () => {
  it("the task set: four periods, the utilisation split evenly over half the CPU", () => {
    expect(taskSet(0.5)).toEqual([
      { periodCycles: 1_562_500, wcetCycles: 97_656 },
      { periodCycles: 3_125_000, wcetCycles: 195_312 },
      { periodCycles: 6_250_000, wcetCycles: 390_625 },
      { periodCycles: 12_500_000, wcetCycles: 781_250 },
    ]);
  });

  it("realtime at 50 %: admitted, no miss; at 120 %: run without a guarantee, misses recorded", () => {
    const ok = run(0.5, "realtime");
    expect(ResultSchema.parse(ok)).toEqual(ok);
    expect(ok.params).toEqual({ utilization: 0.5 });
    expect(ok.metrics).toMatchObject({ missRatio: 0, admitted: 1, jobs: 30, misses: 0 });
    expect(ok.metrics!.worstResponseCycles).toBeLessThan(12_500_000);
    const sum = Object.values(ok.attribution).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(ok.simulatedCycles, 6);
    const over = run(1.2, "realtime");
    expect(over.metrics).toMatchObject({ admitted: 0, jobs: 30 });
    expect(over.metrics!.missRatio).toBeGreaterThan(0.3);
  });

  it("exos's round-robin threads miss at 50 % where the real-time libOS does not", () => {
    const r = run(0.5, "exos");
    expect(r.metrics).toMatchObject({ jobs: 30, admitted: 0 });
    expect(r.metrics!.missRatio).toBeGreaterThanOrEqual(0.5);
  });

  it("release latency on the real-time libOS: the alarm's path, in cycles and µs", () => {
    const latency = (profile: string) =>
      runBenchmark(releaseLatency, adapterFor("realtime")!, { profile, seed: 1 }).metrics;
    // With the memory system (the named profile): the alarm's path pays cache misses after
    // the jobs' work between releases, and write-buffer stalls.
    expect(latency("dec5000_125")).toEqual({
      p50LatencyCycles: 284,
      p50LatencyMicros: 11.36,
      p99LatencyCycles: 683,
      p99LatencyMicros: 27.32,
      maxLatencyCycles: 683,
      maxLatencyMicros: 27.32,
      jobs: 30,
    });
    // The counted path alone (every access a hit).
    expect(latency("dec5000_125+counted")).toEqual({
      p50LatencyCycles: 138,
      p50LatencyMicros: 5.52,
      p99LatencyCycles: 159,
      p99LatencyMicros: 6.36,
      maxLatencyCycles: 159,
      maxLatencyMicros: 6.36,
      jobs: 30,
    });
  });
});
