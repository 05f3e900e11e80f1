import type { CpuView } from "@exolab/machine";
import { COSTS } from "../costs.js";
import type { BasePort, RealtimeOutcome, RealtimeSpec, RealtimeTaskSpec } from "../ports.js";

/**
 * A periodic task run by a system without a real-time scheduler (a thread of ExOS, a process
 * of the monolithic kernel): it waits at user level for its release (reading the clock,
 * giving the CPU up with `waitStep` between looks), runs its job, and records the job's
 * release latency, response time and lateness. Nothing here chooses what runs: the system's
 * own scheduler (round robin) does.
 */
export interface PeriodicRecord {
  released: number;
  finished: number;
  misses: number;
  worstResponseCycles: number;
  readonly latencies: number[];
}

export const newPeriodicRecord = (): PeriodicRecord => ({
  released: 0,
  finished: 0,
  misses: 0,
  worstResponseCycles: 0,
  latencies: [],
});

export function* periodicTask(
  cpu: CpuView,
  dataVa: number,
  task: RealtimeTaskSpec,
  spec: RealtimeSpec,
  startCycle: number,
  endCycle: number,
  rec: PeriodicRecord,
  safepoint: () => Generator<unknown, void, unknown>,
  waitStep: () => Generator<unknown, void, unknown>,
): Generator<unknown, void, unknown> {
  for (let release = startCycle; release < endCycle; release += task.periodCycles) {
    rec.released++;
    while (cpu.now < release) {
      cpu.exec(COSTS["app.rt.wait"]);
      yield* waitStep();
    }
    rec.latencies.push(cpu.now - release);
    yield* spec.job(cpu, dataVa, task.wcetCycles, safepoint);
    const response = cpu.now - release;
    rec.finished++;
    if (response > rec.worstResponseCycles) rec.worstResponseCycles = response;
    if (response > task.periodCycles) rec.misses++;
  }
  // Past the end: spin at user level (the set is over; the run stops soon). Charged: a loop
  // that charges nothing lets no simulated time pass.
  for (;;) {
    cpu.exec(COSTS["app.spin"], 1000);
    yield* waitStep();
  }
}

/**
 * The outcome at `now`: jobs released by then (every release up to the end counts, run or
 * not), misses (late, or unfinished past their deadline), the worst response.
 */
export function periodicOutcome(
  spec: RealtimeSpec,
  startCycle: number,
  now: number,
  recs: readonly PeriodicRecord[],
  cycleNs: number,
): RealtimeOutcome {
  let jobs = 0;
  let misses = 0;
  let worst = 0;
  const latencies: number[] = [];
  spec.tasks.forEach((t, i) => {
    const r = recs[i]!;
    // The jobs released before the end; run in order, those whose deadline passed by `now`
    // and are not finished are misses.
    const due = Math.ceil(spec.durationCycles / t.periodCycles);
    const deadlinePassed = Math.min(
      due,
      Math.max(0, Math.floor((now - startCycle) / t.periodCycles)),
    );
    jobs += due;
    misses += r.misses + Math.max(0, deadlinePassed - r.finished);
    worst = Math.max(worst, r.worstResponseCycles);
    latencies.push(...r.latencies);
  });
  return {
    jobs,
    misses,
    worstResponseCycles: worst,
    releaseLatencies: latencies,
    admitted: 0,
    cycleNs,
  };
}

/** Spins at user level forever, reaching its safepoint between steps (best-effort load). */
export function* spinner(
  cpu: BasePort["cpu"],
  safepoint: () => Generator<unknown, void, unknown>,
): Generator<unknown, void, unknown> {
  for (;;) {
    cpu.exec(COSTS["app.spin"], 1000);
    yield* safepoint();
  }
}

/** Waits at user level until the clock reaches `end` (the measuring thread's wait). */
export function* waitUntil(
  cpu: BasePort["cpu"],
  end: number,
  safepoint: () => Generator<unknown, void, unknown>,
): Generator<unknown, void, unknown> {
  while (cpu.now < end) {
    cpu.exec(COSTS["app.rt.wait"]);
    cpu.exec(COSTS["app.spin"], 1000);
    yield* safepoint();
  }
}
