import type { CpuView } from "@exolab/machine";
import { COSTS } from "../costs.js";
import type { RealtimeOutcome, RealtimeSpec, RealtimeTaskSpec } from "../ports.js";
import { defineWorkload, type Workload } from "../workload.js";

/**
 * The `realtime` suite: a periodic task set at rising utilisation beside best-effort load,
 * and the release latency of timer-released jobs.
 *
 * The set: four tasks of periods 4, 8, 16 and 32 of the exokernel's default slices
 * (62.5, 125, 250 and 500 ms at 25 MHz: 1 562 500 … 12 500 000 cycles), each job due by the
 * end of its period, the utilisation split evenly among them. Utilisation is that of the
 * real-time share of the CPU: half of it (the real-time process holds every other position of
 * the slice vector on Aegis, or competes with one best-effort process for the CPU on the
 * monolithic kernel), so U = 1.0 asks for all of that half. The set runs one simulated
 * second (two hyperperiods: 25 000 000 cycles) beside one best-effort process; points 0.5
 * to 1.0 and an overload at 1.2. A job's work is the same code everywhere (`job` below).
 */

/** The periods, cycles (dec5000_125's 25 MHz: 62.5 ms … 500 ms). */
export const RT_PERIODS = [1_562_500, 3_125_000, 6_250_000, 12_500_000] as const;
/** The share of the CPU the set's utilisation is measured against. */
export const RT_SHARE = 0.5;
/** How long each point runs: 1 s at 25 MHz. */
export const RT_DURATION_CYCLES = 25_000_000;
export const RT_UTILISATIONS = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2] as const;
/** A job's step: at most this many cycles between two safepoints. */
const STEP_CYCLES = 2_000;

/** One job's work: steps of loads, stores and straight-line code on its data page. */
export function* job(
  cpu: CpuView,
  dataVa: number,
  cycles: number,
  safepoint: () => Generator<unknown, void, unknown>,
): Generator<unknown, void, unknown> {
  let left = cycles;
  while (left > 0) {
    const step = Math.min(left, STEP_CYCLES);
    cpu.store32(dataVa, cpu.load32(dataVa) + 1);
    cpu.exec(COSTS["app.rt.step"]);
    if (step > 5) cpu.exec(COSTS["app.rt.work"], step - 5);
    left -= step;
    yield* safepoint();
  }
}

/** The task set at utilisation `u` of the real-time share. */
export function taskSet(u: number): RealtimeTaskSpec[] {
  return RT_PERIODS.map((p) => ({
    periodCycles: p,
    wcetCycles: Math.floor((u * RT_SHARE * p) / RT_PERIODS.length),
  }));
}

function spec(u: number): RealtimeSpec {
  return { tasks: taskSet(u), durationCycles: RT_DURATION_CYCLES, bestEffort: 1, job };
}

function record(m: { metric(n: string, v: number): void }, o: RealtimeOutcome): void {
  m.metric("missRatio", o.jobs === 0 ? 0 : o.misses / o.jobs);
  m.metric("worstResponseCycles", o.worstResponseCycles);
  m.metric("jobs", o.jobs);
  m.metric("misses", o.misses);
  m.metric("admitted", o.admitted);
}

/** One row per utilisation: the deadline-miss ratio and the worst response time. */
export const deadlineWorkloads: readonly Workload[] = RT_UTILISATIONS.map(
  (u) =>
    defineWorkload({
      id: "deadline",
      suite: "realtime",
      title: `periodic tasks at ${Math.round(u * 100)} % of the real-time share, beside best-effort load`,
      port: "realtime",
      unit: "us/op",
      params: { utilization: u },
      config: { realtime: spec(u) },
      iterations: { warmup: 0, measured: 1 },
      note: "figure: cycles per job released; metrics: missRatio, worstResponseCycles",
      threads: [
        function* (p, m) {
          m.start();
          const o = yield* p.run();
          m.stop();
          record(m, o);
          m.finish(Math.max(1, o.jobs));
        },
      ],
    }) as Workload,
);

/** p-th percentile (nearest rank). */
function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1]!;
}

/** Release latency of timer-released jobs: the set at 50 %, its latencies' p50, p99 and max. */
export const releaseLatency = defineWorkload({
  id: "release-latency",
  suite: "realtime",
  title: "release latency of timer-released periodic jobs (set at 50 %)",
  port: "realtime",
  unit: "us/op",
  config: { realtime: spec(0.5) },
  iterations: { warmup: 0, measured: 1 },
  note: "metrics: p50, p99 and max release latency in cycles and µs",
  threads: [
    function* (p, m) {
      m.start();
      const o = yield* p.run();
      m.stop();
      const l = o.releaseLatencies;
      const us = (c: number) => (c * o.cycleNs) / 1000;
      for (const [name, v] of [
        ["p50", percentile(l, 50)],
        ["p99", percentile(l, 99)],
        ["max", l.length === 0 ? 0 : Math.max(...l)],
      ] as const) {
        m.metric(`${name}LatencyCycles`, v);
        m.metric(`${name}LatencyMicros`, us(v));
      }
      m.metric("jobs", o.jobs);
      m.finish(Math.max(1, o.jobs));
    },
  ],
}) as Workload;

export const REALTIME_SUITE: readonly Workload[] = Object.freeze([
  ...deadlineWorkloads,
  releaseLatency,
]);
