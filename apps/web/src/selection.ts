import type { Catalog, PolicyValue, Selection } from "./protocol.js";

/**
 * The selection and the page's URL. A link carries a whole run, so that a result can be
 * shared (the same seed gives the same cycles everywhere):
 *
 *   ?profile=dec3100&systems=monolithic,exos&benchmarks=getpid,pipe&seed=7&exos.pipeRingBytes=1024
 *
 * `suite`, `profile`, `systems` (comma-separated), `benchmarks` (comma-separated; all of the
 * suite when left out), `seed` (an integer in [0, 2^32 - 1]), and one `<system>.<field>`
 * parameter per policy override (`exos.aegis.sliceCycles=200000`: the field as the system's
 * policy prints it). A parameter left out takes its default. Pure functions: the page and the
 * tests use them alike.
 */

const SEED_MAX = 0xffffffff;
const PLAIN = ["suite", "profile", "systems", "benchmarks", "seed"] as const;

export function defaultSelection(c: Catalog): Selection {
  const suite = c.suites.find((s) => s.id === c.defaultSuite) ?? c.suites[0]!;
  return {
    suite: suite.id,
    profile: c.defaultProfile,
    systems: c.systems.map((s) => s.id),
    benchmarks: suite.benchmarks.map((b) => b.id),
    seed: 1,
    policies: {},
  };
}

/** What a link gave: the selection to use, and the one line that says why it is not the link's. */
export interface FromUrl {
  readonly selection: Selection;
  /** Why the link's selection was refused (the defaults are used instead); undefined when fine. */
  readonly problem?: string;
  /** Whether the link named a selection at all (a page opened from one runs it). */
  readonly explicit: boolean;
}

/** Reads a selection from a URL's query (`location.search`); a bad one gives the defaults. */
export function selectionFromUrl(search: string, c: Catalog): FromUrl {
  const params = new URLSearchParams(search);
  if ([...params.keys()].length === 0) return { selection: defaultSelection(c), explicit: false };
  const parsed = parse(params, c);
  if (typeof parsed === "string")
    return { selection: defaultSelection(c), problem: parsed, explicit: true };
  const problem = selectionProblem(parsed, c);
  if (problem !== undefined) return { selection: defaultSelection(c), problem, explicit: true };
  return { selection: parsed, explicit: true };
}

/** The query that carries a selection (`?…`): what the page's URL shows. */
export function selectionToUrl(s: Selection, c: Catalog): string {
  const parts: [string, string][] = [];
  if (s.suite !== c.defaultSuite) parts.push(["suite", s.suite]);
  parts.push(["profile", s.profile], ["systems", s.systems.join(",")]);
  const all = suiteOf(c, s.suite)?.benchmarks.map((b) => b.id) ?? [];
  if (s.benchmarks.join(",") !== all.join(",")) parts.push(["benchmarks", s.benchmarks.join(",")]);
  parts.push(["seed", String(s.seed)]);
  for (const system of c.systems.map((x) => x.id)) {
    const o = s.policies[system];
    if (o === undefined) continue;
    for (const [field, v] of Object.entries(o)) parts.push([`${system}.${field}`, String(v)]);
  }
  return `?${parts.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2C/g, ",")}`).join("&")}`;
}

/** Why a selection cannot run (one line), or undefined. Value ranges are the worker's to check. */
export function selectionProblem(s: Selection, c: Catalog): string | undefined {
  const suite = suiteOf(c, s.suite);
  if (suite === undefined)
    return `unknown suite "${s.suite}"; valid suites: ${c.suites.map((x) => x.id).join(", ")}`;
  if (!c.profiles.some((p) => p.id === s.profile))
    return `unknown profile "${s.profile}"; valid profiles: ${c.profiles.map((p) => p.id).join(", ")}`;
  const systems = c.systems.map((x) => x.id);
  if (s.systems.length === 0) return `no system selected; valid systems: ${systems.join(", ")}`;
  for (const x of s.systems)
    if (!systems.includes(x)) return `unknown system "${x}"; valid systems: ${systems.join(", ")}`;
  const benchmarks = suite.benchmarks.map((b) => b.id);
  if (s.benchmarks.length === 0)
    return `no benchmark selected; valid benchmarks: ${benchmarks.join(", ")}`;
  for (const b of s.benchmarks)
    if (!benchmarks.includes(b))
      return `benchmark "${b}" is not in suite ${s.suite}; valid benchmarks: ${benchmarks.join(", ")}`;
  if (!(Number.isInteger(s.seed) && s.seed >= 0 && s.seed <= SEED_MAX))
    return `seed must be an integer in [0, ${SEED_MAX}], got ${s.seed}`;
  for (const [system, o] of Object.entries(s.policies)) {
    if (!s.systems.includes(system))
      return `policy overrides for ${system}, which is not selected (systems: ${s.systems.join(", ")})`;
    const fields = c.policies[s.profile]?.[system] ?? {};
    for (const [field, v] of Object.entries(o)) {
      if (!Object.hasOwn(fields, field))
        return `${system} has no policy field "${field}"; its fields: ${Object.keys(fields).join(", ")}`;
      if (typeof v !== typeof fields[field] || (typeof v === "number" && !Number.isFinite(v)))
        return `${system} policy ${field} takes a ${typeof fields[field] === "number" ? "number" : "string"}, got ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

/**
 * A policy value typed into a field, read as the field's kind: a number field takes a
 * decimal number (an error line otherwise), a string field the text.
 */
export function policyValue(
  text: string,
  kindOf: PolicyValue,
): { readonly value: PolicyValue } | { readonly error: string } {
  if (typeof kindOf === "string") return { value: text };
  const t = text.trim();
  const v = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : Number.NaN;
  return Number.isFinite(v) ? { value: v } : { error: `"${text}" is not a number` };
}

/** The selection with one system's override of one field set (or, undefined, removed). */
export function withPolicy(
  s: Selection,
  system: string,
  field: string,
  value: PolicyValue | undefined,
): Selection {
  const current = { ...(s.policies[system] ?? {}) };
  if (value === undefined) delete current[field];
  else current[field] = value;
  const policies: Record<string, Readonly<Record<string, PolicyValue>>> = { ...s.policies };
  if (Object.keys(current).length === 0) delete policies[system];
  else policies[system] = current;
  return { ...s, policies };
}

/** The selection with these systems (catalog order); overrides of systems dropped go too. */
export function withSystems(s: Selection, systems: readonly string[], c: Catalog): Selection {
  const ordered = c.systems.map((x) => x.id).filter((x) => systems.includes(x));
  const policies = Object.fromEntries(
    Object.entries(s.policies).filter(([system]) => ordered.includes(system)),
  );
  return { ...s, systems: ordered, policies };
}

/** The selection with these benchmarks, in suite order. */
export function withBenchmarks(s: Selection, benchmarks: readonly string[], c: Catalog): Selection {
  const all = suiteOf(c, s.suite)?.benchmarks.map((b) => b.id) ?? [];
  return { ...s, benchmarks: all.filter((b) => benchmarks.includes(b)) };
}

function suiteOf(c: Catalog, id: string) {
  return c.suites.find((s) => s.id === id);
}

/** The link's parameters as a selection, or the one line that says what is wrong. */
function parse(params: URLSearchParams, c: Catalog): Selection | string {
  const d = defaultSelection(c);
  const seen = new Set<string>();
  let suite = d.suite;
  let profile = d.profile;
  let systems: string[] | undefined;
  let benchmarks: string[] | undefined;
  let seed = d.seed;
  const overrides: [string, string, string][] = [];
  const systemIds = c.systems.map((x) => x.id);
  for (const [name, value] of params) {
    if (seen.has(name)) return `the parameter "${name}" is given twice`;
    seen.add(name);
    const list = () =>
      value
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== "");
    switch (name) {
      case "suite":
        suite = value;
        break;
      case "profile":
        profile = value;
        break;
      case "systems":
        systems = list();
        break;
      case "benchmarks":
        benchmarks = list();
        break;
      case "seed":
        if (!/^\d+$/.test(value) || Number(value) > SEED_MAX)
          return `seed must be an integer in [0, ${SEED_MAX}], got "${value}"`;
        seed = Number(value);
        break;
      default: {
        const dot = name.indexOf(".");
        const system = dot < 0 ? "" : name.slice(0, dot);
        if (!systemIds.includes(system))
          return `unknown parameter "${name}"; valid parameters: ${PLAIN.join(", ")}, and <system>.<policy field> for ${systemIds.join(", ")}`;
        overrides.push([system, name.slice(dot + 1), value]);
      }
    }
  }
  const suiteBenchmarks = suiteOf(c, suite)?.benchmarks.map((b) => b.id) ?? [];
  let s: Selection = {
    suite,
    profile,
    systems: systems ?? d.systems,
    benchmarks: benchmarks ?? suiteBenchmarks,
    seed,
    policies: {},
  };
  // Order as the catalog does (the report's order), each once; unknown names stay, for the check.
  const known = c.systems.map((x) => x.id);
  s = {
    ...s,
    systems: [
      ...known.filter((x) => s.systems.includes(x)),
      ...s.systems.filter((x) => !known.includes(x)),
    ],
    benchmarks: [
      ...suiteBenchmarks.filter((b) => s.benchmarks.includes(b)),
      ...s.benchmarks.filter((b) => !suiteBenchmarks.includes(b)),
    ],
  };
  const policies: Record<string, Record<string, PolicyValue>> = {};
  for (const [system, field, text] of overrides) {
    const fields = c.policies[profile]?.[system] ?? {};
    if (!Object.hasOwn(fields, field))
      return `${system} has no policy field "${field}"; its fields: ${Object.keys(fields).join(", ")}`;
    const v = policyValue(text, fields[field]!);
    if ("error" in v) return `${system} policy ${field}: ${v.error}`;
    policies[system] = { ...(policies[system] ?? {}), [field]: v.value };
  }
  return { ...s, policies };
}
