import {
  ADAPTERS,
  explainBenchmark,
  getProfile,
  PAPER_SUITE,
  PROFILES,
  type SystemAdapter,
  traceBenchmark,
  type Workload,
} from "@exolab/bench";
import { adapterNamed, SYSTEM_NAMES, workloadNamed } from "../choices.js";
import { type Io, UsageError } from "../io.js";

export interface InspectFlags {
  system?: string;
  profile: string;
  seed: number;
  out?: string;
  json?: boolean;
}

/** A pair the system cannot run: one line naming why and the systems that do run it. */
function refuseUnsupported(w: Workload, a: SystemAdapter): void {
  const reason = a.unsupported(w.port, w.id);
  if (reason === undefined) return;
  const runs = ADAPTERS.filter((x) => x.unsupported(w.port, w.id) === undefined).map((x) => x.id);
  throw new UsageError(
    `${w.id} does not run on ${a.id}: ${reason}; valid systems for ${w.id}: ${runs.join(", ")}`,
  );
}

/** `exolab trace <benchmark> --system S --out FILE`: a Perfetto/Chrome trace of one run. */
export function traceCommand(benchmark: string, flags: InspectFlags, io: Io): number {
  const w = workloadNamed(benchmark);
  const a = adapterNamed(flags.system);
  if (flags.out === undefined)
    throw new UsageError("--out FILE is required (where to write the trace)");
  refuseUnsupported(w, a);
  const trace = traceBenchmark(w, a, { profile: flags.profile, seed: flags.seed });
  io.writeFile(flags.out, JSON.stringify(trace));
  io.out(
    `wrote ${trace.traceEvents.length} trace events to ${flags.out} (trace hash ${trace.hash}); open it in https://ui.perfetto.dev\n`,
  );
  return 0;
}

/** `exolab explain <benchmark> --system S`: every charged label on the path, per operation. */
export function explainCommand(benchmark: string, flags: InspectFlags, io: Io): number {
  const w = workloadNamed(benchmark);
  const a = adapterNamed(flags.system);
  refuseUnsupported(w, a);
  const e = explainBenchmark(w, a, { profile: flags.profile, seed: flags.seed });
  if (flags.json === true) {
    io.out(`${JSON.stringify(e, null, 2)}\n`);
    return 0;
  }
  const f = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  const lines = [
    `${e.benchmark} on ${e.system} (${e.profile}): ${f(e.cyclesPerOp)} cycles = ${f(e.microsPerOp)} µs per operation, ${e.ops} operations measured`,
    "",
    "label                                     calls/op  instr/op  cycles/op",
    ...e.labels.map(
      (l) =>
        `${l.label.padEnd(40)} ${f(l.callsPerOp).padStart(9)} ${f(l.instructionsPerOp).padStart(9)} ${f(l.cyclesPerOp).padStart(10)}`,
    ),
    `${"(machine operations: loads, stores, TLB, traps, rfe)".padEnd(60)} ${f(e.machineOpCyclesPerOp).padStart(10)}`,
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
  ];
  io.out(`${lines.join("\n")}\n`);
  return 0;
}

/** `exolab profiles`: the machine profiles and their hardware facts. */
export function profilesCommand(io: Io): number {
  for (const p of Object.values(PROFILES)) {
    io.out(
      `${p.name.padEnd(12)} ${p.description}; ${(1000 / p.cycleNs).toFixed(2)} MHz, TLB ${p.tlbEntries} entries (${p.tlbWiredEntries} wired), uncached access ${p.uncachedAccessCycles} cycles\n`,
    );
  }
  getProfile();
  return 0;
}

/** `exolab list`: the benchmarks of the paper suite and which systems run them. */
export function listCommand(io: Io): number {
  io.out(`suite paper (systems: ${SYSTEM_NAMES().join(", ")})\n`);
  for (const w of PAPER_SUITE) {
    const runs = ADAPTERS.filter((a) => a.unsupported(w.port, w.id) === undefined).map((a) => a.id);
    io.out(`  ${w.id.padEnd(14)} ${w.title.padEnd(58)} ${runs.join(", ") || "(no system yet)"}\n`);
  }
  return 0;
}
