import {
  ADAPTERS,
  adapterFor,
  COUNTED_SUFFIX,
  DEFAULT_ADAPTERS,
  isProfileName,
  PROFILE_NAMES,
  SUITES,
  type SystemAdapter,
  TRACE_CATEGORIES,
  type Workload,
} from "@exolab/bench";
import { InvalidArgumentError } from "commander";
import { UsageError } from "./io.js";

/** Every registered system, in report order. */
export const SYSTEM_NAMES = (): string[] => ADAPTERS.map((a) => a.id);

/** Every benchmark of every suite, in suite order, each once. */
export const BENCHMARK_NAMES = (): string[] => [
  ...new Set(Object.values(SUITES).flatMap((ws) => ws.map((w) => w.id))),
];

/**
 * A comma-separated selection (`--system a,b`, repeatable): names trimmed, each one known.
 * An empty selection (`""`, `,`) is refused: it would select nothing.
 */
function parseList(
  what: string,
  whats: string,
  option: string,
  valid: () => readonly string[],
): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const names = value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (names.length === 0)
      throw new InvalidArgumentError(
        `${option} selects no ${what}; valid ${whats}: ${valid().join(", ")}`,
      );
    for (const n of names) {
      if (!valid().includes(n))
        throw new InvalidArgumentError(
          `unknown ${what} "${n}"; valid ${whats}: ${valid().join(", ")}`,
        );
    }
    return [...new Set([...(previous ?? []), ...names])];
  };
}

export const parseSystems = parseList("system", "systems", "--system", SYSTEM_NAMES);
export const parseBenchmarks = parseList("benchmark", "benchmarks", "--benchmark", BENCHMARK_NAMES);
export const parseCategories = parseList(
  "category",
  "categories",
  "--category",
  () => TRACE_CATEGORIES,
);

/** Owners are known only once the run is surveyed: here only the list's shape is checked. */
export function parseOwners(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0)
    throw new InvalidArgumentError(
      "--owner selects no owner; give owner kinds (kernel, libos, application) or owner names",
    );
  return [...new Set([...(previous ?? []), ...names])];
}

/** A non-negative integer option (cycles, counts), up to 2^53. */
export function parseCount(option: string, min = 0): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min)
      throw new InvalidArgumentError(
        `${option} must be an integer${min > 0 ? ` of at least ${min}` : " of 0 or more"}, got "${value}"`,
      );
    return Number(value);
  };
}

/** `--ops N` (the first N operations) or `--ops A..B` (operations A up to B, B excluded). */
export function parseOps(value: string): { from: number; to: number } {
  const one = /^(\d+)$/.exec(value);
  if (one !== null && Number(one[1]) > 0) return { from: 0, to: Number(one[1]) };
  const range = /^(\d+)\.\.(\d+)$/.exec(value);
  if (range !== null && Number(range[1]) < Number(range[2]))
    return { from: Number(range[1]), to: Number(range[2]) };
  throw new InvalidArgumentError(
    `--ops takes N (the first N operations, N > 0) or A..B (operations A up to B, A < B), got "${value}"`,
  );
}

export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw new InvalidArgumentError(`seed must be an integer in [0, 4294967295], got "${value}"`);
  }
  return Number(value);
}

export function parseProfile(value: string): string {
  if (!isProfileName(value)) {
    throw new InvalidArgumentError(
      `unknown profile "${value}"; valid profiles: ${PROFILE_NAMES.join(", ")} (each also as NAME${COUNTED_SUFFIX}: the memory system off, the counted paths alone)`,
    );
  }
  return value;
}

export function parseSuite(value: string): string {
  if (!Object.hasOwn(SUITES, value)) {
    throw new InvalidArgumentError(
      `unknown suite "${value}"; valid suites: ${Object.keys(SUITES).join(", ")}`,
    );
  }
  return value;
}

/** The workloads of a suite, narrowed to a selection (each must be in the suite). */
export function selectWorkloads(suite: string, selection: readonly string[] | undefined) {
  const all = SUITES[suite]!;
  if (selection === undefined) return all;
  for (const b of selection)
    if (!all.some((w) => w.id === b))
      throw new UsageError(
        `benchmark "${b}" is not in suite ${suite}; valid benchmarks: ${all.map((w) => w.id).join(", ")}`,
      );
  return all.filter((w) => selection.includes(w.id));
}

/**
 * The adapters of a selection, in report order. With none, a run measures every registered
 * system but those registered `onlyWhenNamed` (the kit's template, a new libOS); a listing shows
 * them all (`all`).
 */
export function selectAdapters(
  selection: readonly string[] | undefined,
  all = false,
): SystemAdapter[] {
  if (selection !== undefined) return ADAPTERS.filter((a) => selection.includes(a.id));
  return [...(all ? ADAPTERS : DEFAULT_ADAPTERS)];
}

export function workloadNamed(id: string): Workload {
  for (const ws of Object.values(SUITES)) {
    const w = ws.find((x) => x.id === id);
    if (w !== undefined) return w;
  }
  throw new UsageError(
    `unknown benchmark "${id}"; valid benchmarks: ${BENCHMARK_NAMES().join(", ")}`,
  );
}

export function adapterNamed(id: string | undefined): SystemAdapter {
  if (id === undefined)
    throw new UsageError(`--system is required; valid systems: ${SYSTEM_NAMES().join(", ")}`);
  const a = adapterFor(id);
  if (a === undefined)
    throw new UsageError(`unknown system "${id}"; valid systems: ${SYSTEM_NAMES().join(", ")}`);
  return a;
}

/** A pair the system cannot run: one line naming why and the systems that do run it. */
export function refuseUnsupported(w: Workload, a: SystemAdapter): void {
  const reason = a.unsupported(w.port, w.id, w);
  if (reason === undefined) return;
  const runs = ADAPTERS.filter((x) => x.unsupported(w.port, w.id, w) === undefined).map(
    (x) => x.id,
  );
  throw new UsageError(
    `${w.id} does not run on ${a.id}: ${reason}; valid systems for ${w.id}: ${runs.join(", ")}`,
  );
}
