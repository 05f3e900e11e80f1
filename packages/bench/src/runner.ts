import { CATEGORY_NAMES, OWNER_KIND_NAMES } from "@exolab/machine";
import { attributionBetween, getProfile } from "@exolab/machine/privileged";
import {
  BASELINE,
  type SystemAdapter,
  type SystemInstance,
  type SystemOptions,
} from "./adapters/adapter.js";
import { type HostTimer, HostTimeUnavailableError } from "./host.js";
import { Meter } from "./meter.js";
import { type PaperSystem, paperFigure } from "./paper.js";
import { type BenchResult, type IdleInWindow, paramsText } from "./result.js";
import type { Workload } from "./workload.js";

export interface RunOptions {
  readonly profile: string;
  readonly seed: number;
  /**
   * Measure host time (`--host-time`): hostNsPerOp and the simulator's speed, with
   * `hostTimer`. Off by default: the simulated figures never need it.
   */
  readonly hostTime?: boolean;
  /** What measures host time (benchmark.js in Node: `nodeHost().timer`); needed by hostTime. */
  readonly hostTimer?: HostTimer;
  /** Shortens the host-time measurement (when measured); simulated figures are the same. */
  readonly quick?: boolean;
  /** Policy overrides of the system (see SystemOptions.policy); the defaults otherwise. */
  readonly policy?: SystemOptions["policy"];
}

export interface SimulatedRun {
  /** Cycles in the measured windows. */
  cycles: number;
  /** Cycles of the whole run, boot and set-up included (the machine's clock at the end). */
  runCycles: number;
  ops: number;
  attribution: Record<string, number>;
  attributionByOwner: Record<string, number>;
  counts: Record<string, number>;
  labels: BenchResult["labels"];
  /** Per label, the memory system's cycles it caused (declared stores' stalls, code misses). */
  labelMemory: Record<string, { stallCycles: number; missCycles: number }>;
  observed: Record<string, number | number[]>;
  metrics: Record<string, number>;
}

/** Runs one workload once on a fresh seeded system and reads the meter's windows. */
export function simulate(
  w: Workload,
  adapter: SystemAdapter,
  options: SystemOptions,
): SimulatedRun {
  return simulateOn(adapter.create(options, w), w, adapter);
}

/**
 * As simulate, on a system the caller created (to read its trace afterwards); `meter`
 * replaces the plain Meter (a subclass that also watches the windows, for traces).
 */
export function simulateOn(
  sys: SystemInstance,
  w: Workload,
  adapter: SystemAdapter,
  meter: Meter = new Meter(sys.machine, () => sys.counters()),
): SimulatedRun {
  sys.execute(w, meter);
  if (!meter.finished)
    throw new Error(`${w.id} on ${adapter.id}: the workload did not finish its measurement`);
  const attribution: Record<string, number> = Object.fromEntries(CATEGORY_NAMES.map((c) => [c, 0]));
  const byOwner: Record<string, number> = Object.fromEntries(OWNER_KIND_NAMES.map((k) => [k, 0]));
  const counts: Record<string, number> = {};
  const labels = new Map<string, { calls: number; instructions: number; cycles: number }>();
  const labelMemory: Record<string, { stallCycles: number; missCycles: number }> = {};
  let cycles = 0;
  for (const win of meter.windows) {
    const r = attributionBetween(sys.machine.accounting, win.before, win.after);
    cycles += r.totalCycles;
    for (const [k, v] of Object.entries(r.byCategory)) attribution[k] = (attribution[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.byOwnerKind)) byOwner[k] = (byOwner[k] ?? 0) + v;
    for (const l of r.labels) {
      const s = labels.get(l.label) ?? { calls: 0, instructions: 0, cycles: 0 };
      s.calls += l.calls;
      s.instructions += l.instructions;
      s.cycles += l.cycles;
      labels.set(l.label, s);
      const m = labelMemory[l.label] ?? { stallCycles: 0, missCycles: 0 };
      m.stallCycles += l.stallCycles;
      m.missCycles += l.missCycles;
      labelMemory[l.label] = m;
    }
    for (const [k, v] of Object.entries(win.afterCounts))
      counts[k] = (counts[k] ?? 0) + v - (win.beforeCounts[k] ?? 0);
  }
  return {
    cycles,
    runCycles: sys.machine.now,
    ops: meter.ops,
    attribution,
    attributionByOwner: byOwner,
    counts,
    labels: [...labels]
      .map(([label, s]) => ({ label, ...s }))
      .sort((a, b) => (a.label < b.label ? -1 : 1)),
    labelMemory,
    observed: meter.observed,
    metrics: meter.metrics,
  };
}

/** The host-time figures of a row (all null unless host time is measured). */
interface HostFigures {
  hostNsPerOp: number | null;
  simCyclesPerHostSecond: number | null;
  fasterThanRealTime: boolean | null;
}

const NOT_MEASURED: HostFigures = {
  hostNsPerOp: null,
  simCyclesPerHostSecond: null,
  fasterThanRealTime: null,
};

/**
 * Host time, measured by the host's timer (benchmark.js in Node) over whole runs of the pair
 * (fresh machine, boot, set-up and the measured part): per simulated operation, and as the
 * simulator's speed (simulated cycles of the whole run per host second), which is faster
 * than real time when it exceeds the profile's clock rate. It never feeds a simulated figure.
 */
function measureHost(
  w: Workload,
  adapter: SystemAdapter,
  options: SystemOptions,
  run: SimulatedRun,
  timer: HostTimer,
  quick: boolean,
): HostFigures {
  const hostSeconds = timer(`${w.id}@${adapter.id}`, () => simulate(w, adapter, options), quick);
  const simCyclesPerHostSecond = run.runCycles / hostSeconds;
  const clockHz = 1e9 / getProfile(options.profile).cycleNs;
  return {
    hostNsPerOp: (hostSeconds * 1e9) / run.ops,
    simCyclesPerHostSecond,
    fasterThanRealTime: simCyclesPerHostSecond > clockHz,
  };
}

export function runBenchmark(
  w: Workload,
  adapter: SystemAdapter,
  options: RunOptions,
): BenchResult {
  const base = {
    suite: w.suite,
    benchmark: w.id,
    system: adapter.id,
    unit: w.unit,
    paperMicros: paperMicros(w, adapter.paper, options.profile),
    baselineBenchmark: w.baselineBenchmark ?? w.id,
    iterations: { warmup: w.iterations.warmup, measured: w.iterations.measured },
    ...(w.params === undefined ? {} : { params: { ...w.params } }),
  };
  const timer = options.hostTime === true ? options.hostTimer : undefined;
  if (options.hostTime === true && timer === undefined) throw new HostTimeUnavailableError();
  const reason = adapter.unsupported(w.port, w.id, w);
  if (reason !== undefined) {
    return {
      ...base,
      supported: false,
      reason,
      simulatedCycles: 0,
      simulatedMicros: 0,
      ratioToBaseline: null,
      attribution: {},
      attributionByOwner: {},
      counts: {},
      labels: [],
      idleInWindow: null,
      ...NOT_MEASURED,
    };
  }
  const profile = getProfile(options.profile);
  const sysOptions: SystemOptions = {
    profile: options.profile,
    seed: options.seed,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  };
  const run = simulate(w, adapter, sysOptions);
  const cyclesPerOp = run.cycles / run.ops;
  const micros = (cyclesPerOp * profile.cycleNs) / 1000;
  const result: BenchResult = {
    ...base,
    supported: true,
    simulatedCycles: cyclesPerOp,
    simulatedMicros: micros,
    ratioToBaseline: null,
    attribution: perOp(run.attribution, run.ops),
    attributionByOwner: perOp(run.attributionByOwner, run.ops),
    counts: perOp(run.counts, run.ops),
    labels: run.labels,
    idleInWindow: idleInWindow(w, run),
    ...(timer === undefined
      ? NOT_MEASURED
      : measureHost(w, adapter, sysOptions, run, timer, options.quick === true)),
  };
  if (Object.keys(run.observed).length > 0) result.observed = run.observed;
  if (Object.keys(run.metrics).length > 0) result.metrics = { ...run.metrics };
  return result;
}

/**
 * The idle cycles of a run's measured windows per operation, and whether the workload says
 * idle time is what it measures; null when the windows hold none.
 */
export function idleInWindow(w: Workload, run: SimulatedRun): IdleInWindow | null {
  const idle = run.attribution.idle ?? 0;
  if (idle <= 0) return null;
  return { cyclesPerOp: idle / run.ops, declared: w.idleMeasured !== undefined };
}

/** The paper's figure in microseconds per operation (Table 9's seconds converted). */
function paperMicros(w: Workload, column: PaperSystem | null, profile: string): number | null {
  const f = paperFigure(w.id, column, profile);
  if (f === null || w.unit === "share") return null;
  return w.unit === "s/op" ? f * 1e6 : f;
}

function perOp(r: Record<string, number>, ops: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v / ops;
  return out;
}

/**
 * Fills ratioToBaseline: baseline cycles / system cycles, per benchmark (and params), the
 * baseline's row being the one of `baselineBenchmark` (Ultrix's getpid for getpid-stack and
 * getpid-lib) with the same params.
 */
export function fillRatios(results: BenchResult[]): void {
  for (const r of results) {
    const against = r.baselineBenchmark ?? r.benchmark;
    const params = paramsText(r.params);
    const base = results.find(
      (b) =>
        b.benchmark === against &&
        b.system === BASELINE &&
        b.supported &&
        paramsText(b.params) === params,
    );
    r.ratioToBaseline =
      r.supported && base !== undefined && r.simulatedCycles > 0
        ? base.simulatedCycles / r.simulatedCycles
        : null;
  }
}
