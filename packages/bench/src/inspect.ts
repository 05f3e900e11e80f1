import { CATEGORY_NAMES, OWNER_KIND_NAMES, type OwnerInfo } from "@exolab/machine";
import { type ChromeTrace, getProfile, type Machine, Tracer } from "@exolab/machine/privileged";
import type { SystemAdapter, SystemInstance, SystemOptions } from "./adapters/adapter.js";
import { Meter } from "./meter.js";
import { simulateOn } from "./runner.js";
import type { Workload } from "./workload.js";

export interface InspectOptions {
  readonly profile: string;
  readonly seed: number;
  /** Policy overrides of the system (SystemOptions.policy). */
  readonly policy?: SystemOptions["policy"];
}

/** The system options of an inspected run. */
function systemOptions(o: InspectOptions, trace: boolean): SystemOptions {
  return {
    profile: o.profile,
    seed: o.seed,
    ...(trace ? { trace: true } : {}),
    ...(o.policy === undefined ? {} : { policy: o.policy }),
  };
}

/** Bytes of a text in UTF-8 (what a trace file holds), without encoding it. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        bytes += 4; // a surrogate pair: one code point past the BMP
        i++;
      } else bytes += 3; // a lone surrogate is written as U+FFFD
    } else bytes += 3;
  }
  return bytes;
}

type TraceWrite = Parameters<Tracer["streamChromeTrace"]>[0];

/** Refuses a pair the system cannot run (callers check first; this is the API's guard). */
function assertRuns(w: Workload, adapter: SystemAdapter): void {
  const reason = adapter.unsupported(w.port, w.id, w);
  if (reason !== undefined) throw new Error(`${w.id} does not run on ${adapter.id}: ${reason}`);
}

/**
 * One traced run of a benchmark on a system, as Chrome/Perfetto trace-event JSON, whole and
 * in memory (up to the tracer's default 2 000 000 spans). For a trace written to a file,
 * with a window, filters and a bound, see planTrace and writeTrace.
 */
export function traceBenchmark(
  w: Workload,
  adapter: SystemAdapter,
  o: InspectOptions,
): ChromeTrace & { hash: string } {
  assertRuns(w, adapter);
  const sys = adapter.create(systemOptions(o, true), w);
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

// ---- traces of a window ---------------------------------------------------------------

/** Categories a trace can be filtered to: the machine's, and `event` for instants. */
export const TRACE_CATEGORIES: readonly string[] = Object.freeze([...CATEGORY_NAMES, "event"]);

/** Spans a trace keeps unless told otherwise (about 100 bytes each in the file). */
export const DEFAULT_MAX_SPANS = 250_000;

/** Which part of a run to trace. */
export type TraceWindow =
  /** The measured part: from the meter's first start to its last stop (the default). */
  | { readonly kind: "measured" }
  /** Operations [from, to) of the measured part, at its average cycles per operation. */
  | { readonly kind: "ops"; readonly from: number; readonly to: number }
  /** Cycles [from, to) of the run, counted from the machine's power-on; to: the run's end. */
  | { readonly kind: "cycles"; readonly from: number; readonly to?: number };

export interface TraceRequest extends InspectOptions {
  readonly window?: TraceWindow;
  /** Categories to keep (names of TRACE_CATEGORIES); default all. */
  readonly categories?: readonly string[];
  /** Owners to keep: kinds (kernel, libos, application) or owner names; default all. */
  readonly owners?: readonly string[];
  /** Most spans kept; past it spans are dropped and counted. Default DEFAULT_MAX_SPANS. */
  readonly maxSpans?: number;
}

/** A request that cannot be met (a window outside the run, an unknown owner): one line. */
export class TraceRequestError extends Error {
  override name = "TraceRequestError";
}

/** What an untraced run of the pair shows: its length, its measured part and its owners. */
export interface RunSurvey {
  /** Cycles of the whole run (boot, set-up, measured part, the end). */
  readonly runCycles: number;
  /** The meter's first start and last stop. */
  readonly measuredFromCycle: number;
  readonly measuredToCycle: number;
  readonly ops: number;
  readonly owners: readonly OwnerInfo[];
}

/** A trace about to be written: the window in cycles and how big it will be. */
export interface TracePlan {
  readonly benchmark: string;
  readonly system: string;
  readonly profile: string;
  readonly seed: number;
  /** The system's policy overrides, as requested. */
  readonly policy?: SystemOptions["policy"];
  readonly survey: RunSurvey;
  readonly fromCycle: number;
  readonly toCycle: number;
  /** The window in words ("the measured part", "operations 0..10", "cycles a..b"). */
  readonly window: string;
  /**
   * True when the default window was cut to the span bound (the measured part holds more):
   * the trace then covers its beginning, to `toCycle`.
   */
  readonly shortened: boolean;
  /** Events (spans, instants, thread names) the file will hold, and its size in bytes. */
  readonly events: number;
  readonly bytes: number;
  /** False when the window holds more spans than the bound: events/bytes are extrapolated. */
  readonly exact: boolean;
  readonly maxSpans: number;
  readonly categories: readonly string[] | undefined;
  readonly owners: readonly string[] | undefined;
}

/** What writeTrace wrote. */
export interface TraceSummary {
  readonly events: number;
  readonly bytes: number;
  readonly spans: number;
  readonly droppedSpans: number;
  /** The cycle of the first dropped span, -1 when none was dropped. */
  readonly firstDroppedAt: number;
  readonly hash: string;
  /** Cycles of the traced run (the survey's: tracing changes no cycle). */
  readonly runCycles: number;
}

/** A meter that also tells when the measured part begins and ends (the cycles). */
class WatchedMeter extends Meter {
  firstStartCycle = -1;
  lastStopCycle = -1;

  constructor(
    private readonly sys: SystemInstance,
    private readonly onFirstStart: () => void = () => {},
  ) {
    super(sys.machine, () => sys.counters());
  }

  override start(): void {
    super.start();
    if (this.firstStartCycle < 0) {
      this.firstStartCycle = this.sys.machine.now;
      this.onFirstStart();
    }
  }

  override stop(): void {
    super.stop();
    this.lastStopCycle = this.sys.machine.now;
  }
}

/** Runs the pair untraced and reads where its measured part lies. */
export function surveyRun(w: Workload, adapter: SystemAdapter, o: InspectOptions): RunSurvey {
  assertRuns(w, adapter);
  const sys = adapter.create(systemOptions(o, false), w);
  const meter = new WatchedMeter(sys);
  const run = simulateOn(sys, w, adapter, meter);
  return {
    runCycles: run.runCycles,
    measuredFromCycle: meter.firstStartCycle,
    measuredToCycle: meter.lastStopCycle,
    ops: run.ops,
    owners: [...sys.machine.accounting.owners],
  };
}

/** The window in cycles, checked against the run. */
function windowCycles(
  survey: RunSurvey,
  window: TraceWindow,
): { fromCycle: number; toCycle: number; text: string } {
  const { measuredFromCycle: m0, measuredToCycle: m1, ops, runCycles } = survey;
  switch (window.kind) {
    case "measured":
      return { fromCycle: m0, toCycle: m1, text: `the measured part (${ops} operations)` };
    case "ops": {
      if (!(Number.isInteger(window.from) && Number.isInteger(window.to)))
        throw new TraceRequestError("--ops takes whole operation numbers");
      if (window.from < 0 || window.to > ops || window.from >= window.to)
        throw new TraceRequestError(
          `the measured part has ${ops} operation${ops === 1 ? "" : "s"}: --ops must lie within 0..${ops} (got ${window.from}..${window.to})`,
        );
      const perOp = (m1 - m0) / ops;
      return {
        fromCycle: m0 + Math.floor(window.from * perOp),
        toCycle: window.to === ops ? m1 : m0 + Math.ceil(window.to * perOp),
        text: `operations ${window.from}..${window.to} of ${ops}`,
      };
    }
    case "cycles": {
      const to = window.to ?? runCycles;
      if (window.from >= runCycles)
        throw new TraceRequestError(
          `the run has ${runCycles} cycles: --from ${window.from} is past its end`,
        );
      if (to <= window.from)
        throw new TraceRequestError(`--to ${to} must be after --from ${window.from}`);
      return {
        fromCycle: window.from,
        toCycle: Math.min(to, runCycles),
        text: `cycles ${window.from}..${Math.min(to, runCycles)} of ${runCycles}`,
      };
    }
  }
}

/** The owner ids a filter keeps, checked against the owners the run registers. */
function ownerFilter(
  survey: RunSurvey,
  owners: readonly string[] | undefined,
): ((machine: Machine) => (owner: number) => boolean) | undefined {
  if (owners === undefined) return undefined;
  const names = new Set(survey.owners.map((o) => o.name));
  for (const o of owners) {
    if (!OWNER_KIND_NAMES.includes(o) && !names.has(o))
      throw new TraceRequestError(
        `unknown owner "${o}"; valid owners: ${[...OWNER_KIND_NAMES, ...[...names].filter((n) => !OWNER_KIND_NAMES.includes(n))].join(", ")}`,
      );
  }
  const wanted = new Set(owners);
  return (machine) => (id) => {
    const info = machine.accounting.owners[id];
    return (
      info !== undefined && (wanted.has(info.name) || wanted.has(OWNER_KIND_NAMES[info.kind]!))
    );
  };
}

function categoryIndices(categories: readonly string[] | undefined): number[] | undefined {
  if (categories === undefined) return undefined;
  for (const c of categories)
    if (!TRACE_CATEGORIES.includes(c))
      throw new TraceRequestError(
        `unknown category "${c}"; valid categories: ${TRACE_CATEGORIES.join(", ")}`,
      );
  return categories.filter((c) => c !== "event").map((c) => CATEGORY_NAMES.indexOf(c));
}

interface TracedRun {
  readonly tracer: Tracer;
  readonly sys: SystemInstance;
}

/**
 * One run with its tracer set to the window and filters, streaming through `write`. The
 * tracer is attached to the CPU only while it can record: from the measured part's start
 * when the window begins there (a traced CPU takes the slow path on every access), and
 * detached once the window has passed. Attaching changes no simulated cycle.
 */
function tracedRun(
  w: Workload,
  adapter: SystemAdapter,
  plan: {
    readonly profile: string;
    readonly seed: number;
    readonly policy?: SystemOptions["policy"];
    readonly survey: RunSurvey;
    readonly fromCycle: number;
    readonly toCycle: number;
    readonly maxSpans: number;
    readonly categories: readonly string[] | undefined;
    readonly owners: readonly string[] | undefined;
  },
  write: TraceWrite,
  stopWhenFull: boolean,
): TracedRun {
  const sys = adapter.create(systemOptions(plan, true), w);
  const tracer = sys.machine.tracer!;
  const owner = ownerFilter(plan.survey, plan.owners)?.(sys.machine);
  const categories = categoryIndices(plan.categories);
  tracer.configure({
    fromCycle: plan.fromCycle,
    toCycle: plan.toCycle,
    limit: plan.maxSpans,
    ...(categories === undefined ? {} : { categories }),
    instants: plan.categories === undefined || plan.categories.includes("event"),
    ...(owner === undefined ? {} : { owner }),
  });
  const cpu = sys.machine.cpu;
  const detach = () => {
    cpu.tracer = null;
  };
  tracer.onWindowEnd = detach;
  if (stopWhenFull) tracer.onFull = detach;
  const lateStart = plan.fromCycle >= plan.survey.measuredFromCycle;
  if (lateStart) detach();
  tracer.streamChromeTrace(write, { cycleNs: getProfile(plan.profile).cycleNs });
  const meter = new WatchedMeter(sys, () => {
    if (lateStart) cpu.tracer = tracer;
  });
  simulateOn(sys, w, adapter, meter);
  return { tracer, sys };
}

/**
 * Plans a trace: surveys the run, resolves the window, and counts the events and bytes the
 * file will hold by a dry run of the window (nothing written). The default window is the
 * measured part; when it holds more than `maxSpans` spans, it is cut at the first span that
 * would not fit (`shortened`), so that the default trace of any benchmark stays bounded.
 * An explicit window is kept: its size is then extrapolated from the spans that fit.
 * `onProgress` is told the dry run's progress (0..1).
 */
export function planTrace(
  w: Workload,
  adapter: SystemAdapter,
  req: TraceRequest,
  onProgress: (fraction: number) => void = () => {},
): TracePlan {
  assertRuns(w, adapter);
  const maxSpans = req.maxSpans ?? DEFAULT_MAX_SPANS;
  if (!(Number.isSafeInteger(maxSpans) && maxSpans > 0))
    throw new TraceRequestError(`the span bound must be a positive integer, got ${maxSpans}`);
  categoryIndices(req.categories);
  const survey = surveyRun(w, adapter, req);
  ownerFilter(survey, req.owners);
  const window = req.window ?? { kind: "measured" };
  const { fromCycle, toCycle, text } = windowCycles(survey, window);
  let bytes = 0;
  let lastChunkBytes = 0;
  const length = toCycle - fromCycle;
  const dry = tracedRun(
    w,
    adapter,
    {
      ...req,
      survey,
      fromCycle,
      toCycle,
      maxSpans,
      categories: req.categories,
      owners: req.owners,
    },
    (chunk, reached) => {
      lastChunkBytes = utf8Bytes(chunk);
      bytes += lastChunkBytes;
      onProgress(Math.min(1, (reached - fromCycle) / length));
    },
    true,
  );
  const events = dry.tracer.endChromeTrace(dry.sys.machine.accounting.owners);
  const full = dry.tracer.firstDroppedAt >= 0;
  const base = {
    benchmark: w.id,
    system: adapter.id,
    profile: req.profile,
    seed: req.seed,
    ...(req.policy === undefined ? {} : { policy: req.policy }),
    survey,
    fromCycle,
    maxSpans,
    categories: req.categories,
    owners: req.owners,
  };
  // The dry run's closing chunk (its otherData) is replaced by the one the file will end with.
  const sized = (end: number, dropped: number) =>
    bytes -
    lastChunkBytes +
    trailerBytes(getProfile(req.profile).cycleNs, {
      ...fileOtherData(w, adapter, { ...base, toCycle: end }),
      droppedSpans: dropped,
    });
  if (!full)
    return {
      ...base,
      toCycle,
      window: text,
      shortened: false,
      events,
      bytes: sized(toCycle, 0),
      exact: true,
    };
  if (window.kind === "measured") {
    // The dry run stopped at the first span that did not fit: the default trace ends there,
    // and then holds exactly maxSpans spans (the same run, the same spans).
    const cut = dry.tracer.firstDroppedAt;
    return {
      ...base,
      toCycle: cut,
      window: `the first ${cut - fromCycle} cycles of ${text}`,
      shortened: true,
      events,
      bytes: sized(cut, 0),
      exact: true,
    };
  }
  const scale = length / Math.max(1, dry.tracer.firstDroppedAt - fromCycle);
  return {
    ...base,
    toCycle,
    window: text,
    shortened: false,
    events: Math.round(events * scale),
    bytes: Math.round(sized(toCycle, 0) * scale),
    exact: false,
  };
}

/** Bytes of a streamed trace's closing chunk with this otherData (measured on an empty trace). */
function trailerBytes(cycleNs: number, data: Record<string, unknown>): number {
  const empty = new Tracer();
  let text = "";
  empty.streamChromeTrace(
    (chunk) => {
      text += chunk;
    },
    { cycleNs },
  );
  const header = utf8Bytes(text);
  empty.endChromeTrace([], data);
  return utf8Bytes(text) - header;
}

/** What a trace file says of itself (otherData, besides droppedSpans and hash). */
function fileOtherData(
  w: Workload,
  adapter: SystemAdapter,
  plan: Pick<TracePlan, "profile" | "seed" | "fromCycle" | "toCycle" | "categories" | "owners">,
): Record<string, unknown> {
  return {
    benchmark: w.id,
    system: adapter.id,
    profile: plan.profile,
    seed: plan.seed,
    window: { fromCycle: plan.fromCycle, toCycle: plan.toCycle },
    ...(plan.categories === undefined ? {} : { categories: plan.categories }),
    ...(plan.owners === undefined ? {} : { owners: plan.owners }),
  };
}

/**
 * Writes the planned trace through `write` (Chrome trace-event JSON, streamed: the whole
 * trace is never held). Spans past the plan's bound are dropped and counted (a streamed
 * trace says so in `otherData.droppedSpans`; the caller warns).
 */
export function writeTrace(
  plan: TracePlan,
  w: Workload,
  adapter: SystemAdapter,
  write: TraceWrite,
): TraceSummary {
  if (w.id !== plan.benchmark || adapter.id !== plan.system)
    throw new Error(`writeTrace: the plan is for ${plan.benchmark} on ${plan.system}`);
  let bytes = 0;
  const { tracer, sys } = tracedRun(
    w,
    adapter,
    plan,
    (chunk, reached) => {
      bytes += utf8Bytes(chunk);
      write(chunk, reached);
    },
    false,
  );
  const spans = tracer.recordedSpans;
  const events = tracer.endChromeTrace(
    sys.machine.accounting.owners,
    fileOtherData(w, adapter, plan),
  );
  return {
    events,
    bytes,
    spans,
    droppedSpans: tracer.dropped,
    firstDroppedAt: tracer.firstDroppedAt,
    hash: tracer.hash(),
    runCycles: sys.machine.now,
  };
}

// ---- explain ------------------------------------------------------------------------------

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
  /**
   * Every exec label charged in the measured part, per operation: its instructions' cycles,
   * and the memory system's cycles it caused (its declared stores' write-buffer stalls, its
   * code's I-cache misses).
   */
  labels: {
    label: string;
    callsPerOp: number;
    instructionsPerOp: number;
    cyclesPerOp: number;
    stallCyclesPerOp: number;
    missCyclesPerOp: number;
  }[];
  /**
   * Cycles not charged through exec (loads, stores, TLB writes, traps, rfe, devices), with the
   * stalls and misses of those accesses.
   */
  machineOpCyclesPerOp: number;
}

/** Where the cycles of one benchmark's measured part went, label by label. */
export function explainBenchmark(
  w: Workload,
  adapter: SystemAdapter,
  o: InspectOptions,
): Explanation {
  assertRuns(w, adapter);
  const sys = adapter.create(systemOptions(o, false), w);
  const run = simulateOn(sys, w, adapter);
  const per = (v: number) => v / run.ops;
  const labels = run.labels.map((l) => ({
    label: l.label,
    callsPerOp: per(l.calls),
    instructionsPerOp: per(l.instructions),
    cyclesPerOp: per(l.cycles),
    stallCyclesPerOp: per(run.labelMemory[l.label]?.stallCycles ?? 0),
    missCyclesPerOp: per(run.labelMemory[l.label]?.missCycles ?? 0),
  }));
  const memory = (l: { label: string }) =>
    (run.labelMemory[l.label]?.stallCycles ?? 0) + (run.labelMemory[l.label]?.missCycles ?? 0);
  const execCycles = run.labels.reduce((s, l) => s + l.cycles + memory(l), 0);
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
