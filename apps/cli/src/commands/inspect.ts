import {
  COUNTED_SUFFIX,
  type Explanation,
  explainBenchmark,
  type MachineProfile,
  PROFILES,
  planTrace,
  SUITES,
  type TracePlan,
  TraceRequestError,
  type TraceWindow,
  writeTrace,
} from "@exolab/bench";
import {
  adapterNamed,
  parseBenchmarks,
  refuseUnsupported,
  selectAdapters,
  workloadNamed,
} from "../choices.js";
import { type Io, UsageError } from "../io.js";
import { Outputs } from "../outputs.js";
import { Progress } from "../progress.js";

export interface InspectFlags {
  system?: string;
  profile: string;
  seed: number;
  json?: boolean;
}

export interface TraceFlags extends InspectFlags {
  out?: string;
  ops?: { from: number; to: number };
  from?: number;
  to?: number;
  category?: string[];
  owner?: string[];
  maxSpans: number;
}

const MB = 1024 * 1024;

function megabytes(bytes: number): string {
  return bytes >= 10 * MB ? (bytes / MB).toFixed(0) : (bytes / MB).toFixed(1);
}

function grouped(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function traceWindow(flags: TraceFlags): TraceWindow {
  if (flags.ops !== undefined && (flags.from !== undefined || flags.to !== undefined))
    throw new UsageError("--ops and --from/--to both choose the window; give one of them");
  if (flags.ops !== undefined) return { kind: "ops", ...flags.ops };
  if (flags.from !== undefined || flags.to !== undefined)
    return {
      kind: "cycles",
      from: flags.from ?? 0,
      ...(flags.to === undefined ? {} : { to: flags.to }),
    };
  return { kind: "measured" };
}

/** The estimate printed before writing: the window, events and size, and what was cut. */
function estimateLine(plan: TracePlan): string {
  const size = `${plan.exact ? "" : "about "}${grouped(plan.events)} events, ${plan.exact ? "" : "about "}${megabytes(plan.bytes)} MB`;
  let line = `trace of ${plan.benchmark} on ${plan.system}: ${plan.window}, cycles ${plan.fromCycle}..${plan.toCycle}: ${size}`;
  if (plan.shortened) {
    const whole =
      (plan.maxSpans * (plan.survey.measuredToCycle - plan.fromCycle)) /
      (plan.toCycle - plan.fromCycle);
    line += `; the whole measured part holds about ${grouped(whole)} spans, more than --max-spans ${plan.maxSpans} (choose a window with --ops or --from/--to, or raise --max-spans)`;
  }
  return line;
}

/**
 * `exolab trace <benchmark> --system S --out FILE`: a Perfetto/Chrome trace of a window of
 * one run. The output path is checked first; the run is surveyed and the window's size
 * counted (printed on stderr) before the file is streamed; a bar shows both passes on a
 * terminal; dropped spans get a one-line warning.
 */
export async function traceCommand(benchmark: string, flags: TraceFlags, io: Io): Promise<number> {
  const w = workloadNamed(benchmark);
  const a = adapterNamed(flags.system);
  if (flags.out === undefined)
    throw new UsageError("--out FILE is required (where to write the trace)");
  refuseUnsupported(w, a);
  const window = traceWindow(flags);
  const outputs = Outputs.open(io, [{ option: "--out", path: flags.out, stdoutAllowed: false }]);
  try {
    const request = {
      profile: flags.profile,
      seed: flags.seed,
      window,
      maxSpans: flags.maxSpans,
      ...(flags.category === undefined ? {} : { categories: flags.category }),
      ...(flags.owner === undefined ? {} : { owners: flags.owner }),
    };
    const bar = new Progress(io, " {phase} {bar} {percentage}% {detail}");
    let plan: TracePlan;
    await io.breathe();
    bar.start(1000, { phase: "counting", detail: `${w.id} on ${a.id}` });
    try {
      plan = planTrace(w, a, request, (f) =>
        bar.update(Math.round(f * 1000), { phase: "counting", detail: `${w.id} on ${a.id}` }),
      );
    } catch (e) {
      if (e instanceof TraceRequestError) throw new UsageError(e.message);
      throw e;
    } finally {
      bar.stop();
    }
    io.err(`${estimateLine(plan)}\n`);
    await io.breathe();
    const out = outputs.get("--out")!;
    const length = plan.toCycle - plan.fromCycle;
    let written = 0;
    bar.start(1000, { phase: "writing", detail: "" });
    let summary: ReturnType<typeof writeTrace>;
    try {
      summary = writeTrace(plan, w, a, (chunk, reached) => {
        out.write(chunk);
        written += Buffer.byteLength(chunk);
        bar.update(Math.round((Math.min(1, (reached - plan.fromCycle) / length) || 0) * 1000), {
          phase: "writing",
          detail: `${megabytes(written)} MB`,
        });
      });
    } finally {
      bar.stop();
    }
    outputs.commit();
    if (summary.droppedSpans > 0)
      io.err(
        `warning: ${grouped(summary.droppedSpans)} spans past --max-spans ${plan.maxSpans} were dropped (the trace stops at cycle ${summary.firstDroppedAt}); narrow the window (--ops, --from/--to) or raise --max-spans\n`,
      );
    io.out(
      `wrote ${grouped(summary.events)} trace events (${megabytes(summary.bytes)} MB) to ${flags.out} (trace hash ${summary.hash}); open it in https://ui.perfetto.dev\n`,
    );
    return 0;
  } finally {
    outputs.abort();
  }
}

function explanationText(e: Explanation): string {
  const f = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  return [
    `${e.benchmark} on ${e.system} (${e.profile}): ${f(e.cyclesPerOp)} cycles = ${f(e.microsPerOp)} µs per operation, ${e.ops} operations measured`,
    "",
    "label                                     calls/op  instr/op  cycles/op  stall/op   miss/op",
    ...e.labels.map(
      (l) =>
        `${l.label.padEnd(40)} ${f(l.callsPerOp).padStart(9)} ${f(l.instructionsPerOp).padStart(9)} ${f(l.cyclesPerOp).padStart(10)} ${f(l.stallCyclesPerOp).padStart(9)} ${f(l.missCyclesPerOp).padStart(9)}`,
    ),
    `${"(machine operations: loads, stores, TLB, traps, rfe, with their stalls and misses)".padEnd(60)} ${f(e.machineOpCyclesPerOp).padStart(10)}`,
    "(stall/op: the write buffer's wait for the label's declared stores; miss/op: its code's",
    " I-cache misses; by category below: every stall and miss of the path)",
    "",
    `by category: ${Object.entries(e.byCategory)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${f(v)}`)
      .join(", ")}`,
    `by owner:    ${Object.entries(e.byOwner)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${f(v)}`)
      .join(", ")}`,
    `counts/op:   ${
      Object.entries(e.counts)
        .filter(([, v]) => v !== 0)
        .map(([k, v]) => `${k} ${f(v)}`)
        .join(", ") || "none"
    }`,
  ].join("\n");
}

/**
 * `exolab explain <benchmark[,benchmark…]> --system S`: every charged label on each
 * benchmark's path, per operation (several: one after the other, or a JSON array).
 */
export function explainCommand(benchmarks: string, flags: InspectFlags, io: Io): number {
  let ids: string[];
  try {
    ids = parseBenchmarks(benchmarks, undefined);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const a = adapterNamed(flags.system);
  const pairs = ids.map((id) => workloadNamed(id));
  for (const w of pairs) refuseUnsupported(w, a);
  const explanations = pairs.map((w) =>
    explainBenchmark(w, a, { profile: flags.profile, seed: flags.seed }),
  );
  if (flags.json === true) {
    const value = explanations.length === 1 ? explanations[0] : explanations;
    io.out(`${JSON.stringify(value, null, 2)}\n`);
    return 0;
  }
  io.out(`${explanations.map(explanationText).join("\n\n")}\n`);
  return 0;
}

/** `exolab profiles`: the machine profiles and their hardware facts. */
export function profilesCommand(io: Io): number {
  for (const p of Object.values(PROFILES)) {
    io.out(
      `${p.name.padEnd(12)} ${p.description}; ${(1000 / p.cycleNs).toFixed(2)} MHz, TLB ${p.tlbEntries} entries (${p.tlbWiredEntries} wired), uncached access ${p.uncachedAccessCycles} cycles\n`,
    );
    io.out(`${"".padEnd(12)} ${memorySystemLine(p)}\n`);
  }
  io.out(
    `(NAME${COUNTED_SUFFIX}: the same machine with its memory system off, every access a hit)\n`,
  );
  return 0;
}

/** The memory system a profile models, in one line. */
function memorySystemLine(p: MachineProfile): string {
  if (!p.memorySystem) return "memory system off: every cached access a one-cycle hit";
  return `memory system: ${p.writeBufferDepth}-stage write buffer retiring a word in ${p.writeRetireCycles} cycles, ${p.instructionCacheBytes >> 10} KiB I + ${p.dataCacheBytes >> 10} KiB D cache, a miss ${p.cacheMissCycles} cycles`;
}

export interface ListFlags {
  system?: string[];
  benchmark?: string[];
}

/** `exolab list`: the benchmarks of each suite and which systems run them (a selection of them). */
export function listCommand(flags: ListFlags, io: Io): number {
  const adapters = selectAdapters(flags.system, true);
  for (const [suite, workloads] of Object.entries(SUITES)) {
    const shown = workloads.filter(
      (w) => flags.benchmark === undefined || flags.benchmark.includes(w.id),
    );
    if (shown.length === 0) continue;
    io.out(`suite ${suite} (systems: ${adapters.map((a) => a.id).join(", ")})\n`);
    for (const w of shown) {
      const runs = adapters
        .filter((a) => a.unsupported(w.port, w.id, w) === undefined)
        .map((a) => a.id);
      io.out(
        `  ${w.id.padEnd(14)} ${w.title.padEnd(58)} ${runs.join(", ") || "(none of these)"}\n`,
      );
    }
  }
  return 0;
}
