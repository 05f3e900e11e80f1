import { type ChromeTrace, getProfile } from "@exolab/machine/privileged";
import type { SystemAdapter } from "./adapters/adapter.js";
import { simulateOn } from "./runner.js";
import type { Workload } from "./workload.js";

export interface InspectOptions {
  readonly profile: string;
  readonly seed: number;
}

/** One traced run of a benchmark on a system, as Chrome/Perfetto trace-event JSON. */
export function traceBenchmark(
  w: Workload,
  adapter: SystemAdapter,
  o: InspectOptions,
): ChromeTrace & { hash: string } {
  const reason = adapter.unsupported(w.port, w.id);
  if (reason !== undefined) throw new Error(`${w.id} does not run on ${adapter.id}: ${reason}`);
  const sys = adapter.create({ profile: o.profile, seed: o.seed, trace: true });
  simulateOn(sys, w, adapter);
  const tracer = sys.machine.tracer!;
  const trace = tracer.toChromeTrace(getProfile(o.profile).cycleNs, sys.machine.accounting.owners);
  trace.otherData = {
    ...trace.otherData,
    benchmark: w.id,
    system: adapter.id,
    profile: o.profile,
    seed: o.seed,
  };
  return { ...trace, hash: tracer.hash() };
}

export interface Explanation {
  benchmark: string;
  system: string;
  profile: string;
  ops: number;
  cyclesPerOp: number;
  microsPerOp: number;
  byCategory: Record<string, number>;
  byOwner: Record<string, number>;
  counts: Record<string, number>;
  /** Every exec label charged in the measured part: per operation. */
  labels: { label: string; callsPerOp: number; instructionsPerOp: number; cyclesPerOp: number }[];
  /** Cycles not charged through exec (loads, stores, TLB writes, traps, rfe, devices). */
  machineOpCyclesPerOp: number;
}

/** Where the cycles of one benchmark's measured part went, label by label. */
export function explainBenchmark(
  w: Workload,
  adapter: SystemAdapter,
  o: InspectOptions,
): Explanation {
  const reason = adapter.unsupported(w.port, w.id);
  if (reason !== undefined) throw new Error(`${w.id} does not run on ${adapter.id}: ${reason}`);
  const sys = adapter.create({ profile: o.profile, seed: o.seed });
  const run = simulateOn(sys, w, adapter);
  const per = (v: number) => v / run.ops;
  const labels = run.labels.map((l) => ({
    label: l.label,
    callsPerOp: per(l.calls),
    instructionsPerOp: per(l.instructions),
    cyclesPerOp: per(l.cycles),
  }));
  const execCycles = run.labels.reduce((s, l) => s + l.cycles, 0);
  const profile = getProfile(o.profile);
  return {
    benchmark: w.id,
    system: adapter.id,
    profile: o.profile,
    ops: run.ops,
    cyclesPerOp: per(run.cycles),
    microsPerOp: (per(run.cycles) * profile.cycleNs) / 1000,
    byCategory: Object.fromEntries(Object.entries(run.attribution).map(([k, v]) => [k, per(v)])),
    byOwner: Object.fromEntries(
      Object.entries(run.attributionByOwner).map(([k, v]) => [k, per(v)]),
    ),
    counts: Object.fromEntries(Object.entries(run.counts).map(([k, v]) => [k, per(v)])),
    labels,
    machineOpCyclesPerOp: per(run.cycles - execCycles),
  };
}
