import { CATEGORY_COUNT, type Category } from "./accounting.js";
import { MachineError } from "./errors.js";
import { weakSetAdd, weakSetHas } from "./intrinsics.js";

/**
 * The one typed cost API. Every counted path — a step of straight-line code whose MIPS
 * instructions a package counted, with where the count comes from — is a **cost record**,
 * made by `defineCosts` in the package's `src/costs.ts`, and charged by `Cpu.exec(cost,
 * times)` (a kernel) or `CpuView.exec(cost, times)` (a library OS or an application). A literal
 * count or an inline object is a type error there: a count can only come from a costs table.
 */

/**
 * The brand of a cost record. Declared, never defined: no value of this type exists, so only
 * `defineCosts` (which asserts it) makes a `Cost`. The runtime counterpart is the registry
 * below (a cast can fool the type checker, not the registry).
 */
declare const COST_BRAND: unique symbol;

/** What a costs table states for one label. */
export interface CostSpec {
  /**
   * MIPS instructions of the step other than its charged accesses: every load and store the
   * step makes through the CPU (its own `load32`/`store32`/`copy`…) is charged by the access
   * itself and is NOT counted here.
   */
  readonly instructions: number;
  /**
   * Loads among the counted instructions that are not separate charged accesses (a load from a
   * table the model keeps host-side, counted as one instruction, like a cached load). Default 0.
   * Recorded, not charged differently today: room for a memory model that will charge them as
   * memory references (their cycles are now those of one instruction each).
   */
  readonly loads?: number;
  /** Stores among the counted instructions that are not separate charged accesses. Default 0. */
  readonly stores?: number;
  /** The category the step is charged to; absent: the CPU mode's (kernel, or user in user mode). */
  readonly category?: Category;
  /** Where the count comes from: the code it stands for, step by step, or the paper's figure. */
  readonly source: string;
}

/** A cost record: one label of a costs table, frozen, registered, branded. */
export interface Cost<L extends string = string> {
  readonly label: L;
  readonly instructions: number;
  readonly loads: number;
  readonly stores: number;
  readonly category?: Category;
  readonly source: string;
  readonly [COST_BRAND]: true;
}

/** The table `defineCosts` returns: keyed by label, each record carrying its own label. */
export type CostTable<T> = { readonly [K in keyof T & string]: Cost<K> };

/** A costs table that failed validation: names the label and what is wrong with it. */
export class CostTableError extends MachineError {
  override name = "CostTableError";
  constructor(
    readonly label: string,
    message: string,
  ) {
    super(`cost ${JSON.stringify(label)}: ${message}`);
  }
}
Object.freeze(CostTableError.prototype);
Object.freeze(CostTableError);

/**
 * A label: lower-case first, then letters and digits, in segments separated by `.` or `-`
 * (`aegis.pct.sync`, `exos.pt.search.step`, `app.proc-call`, `psignal`), at most
 * MAX_COST_LABEL_LENGTH characters.
 */
export const COST_LABEL_PATTERN = /^[a-z][a-zA-Z0-9]*(?:[.-][a-zA-Z0-9]+)*$/;
export const MAX_COST_LABEL_LENGTH = 64;
/** Largest count a single record may state (a whole `exec` is bounded by the CPU's limit). */
export const MAX_COST_INSTRUCTIONS = 1_000_000_000;

/**
 * Every record `defineCosts` made, held weakly. `isCost` asks it: a WeakSet lookup runs no
 * getter, Proxy trap or `valueOf` of the value asked about, so a kernel can test what untrusted
 * code handed it before reading anything from it.
 */
const registry = new WeakSet<object>();

/** Whether `value` is a record made by `defineCosts` (runs no code of the value). */
export function isCost(value: unknown): value is Cost {
  return typeof value === "object" && value !== null && weakSetHas(registry, value);
}

const SPEC_KEYS: ReadonlySet<string> = new Set([
  "instructions",
  "loads",
  "stores",
  "category",
  "source",
]);

function count(label: string, what: string, v: unknown, fallback: number | undefined): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_COST_INSTRUCTIONS) {
    throw new CostTableError(
      label,
      `${what} must be an integer in [0, ${MAX_COST_INSTRUCTIONS}], got ${typeof v === "number" ? v : typeof v}`,
    );
  }
  return v;
}

/** Validates one entry and makes its frozen record (registered by `defineCosts`). */
function record(label: string, spec: unknown): Cost {
  if (label.length > MAX_COST_LABEL_LENGTH || !COST_LABEL_PATTERN.test(label)) {
    throw new CostTableError(
      label,
      `a label is 1 to ${MAX_COST_LABEL_LENGTH} characters: a lower-case letter, then letters and digits in segments separated by "." or "-"`,
    );
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new CostTableError(label, "the entry must be an object { instructions, source, … }");
  }
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key)) {
      throw new CostTableError(
        label,
        `unknown field ${JSON.stringify(key)} (a cost has instructions, loads, stores, category, source)`,
      );
    }
  }
  const s = spec as Record<string, unknown>;
  const instructions = count(label, "instructions", s.instructions, undefined);
  const loads = count(label, "loads", s.loads, 0);
  const stores = count(label, "stores", s.stores, 0);
  if (loads + stores > instructions) {
    throw new CostTableError(
      label,
      `loads (${loads}) + stores (${stores}) are among the counted instructions (${instructions})`,
    );
  }
  const category = s.category;
  if (
    category !== undefined &&
    !(
      typeof category === "number" &&
      Number.isInteger(category) &&
      category >= 0 &&
      category < CATEGORY_COUNT
    )
  ) {
    throw new CostTableError(label, "category must be a Category (0 to 9) or absent");
  }
  const source = s.source;
  if (typeof source !== "string" || source.trim().length === 0) {
    throw new CostTableError(label, "source must say where the count comes from (non-empty)");
  }
  // Every record has the same fields in the same order (one shape for the engine).
  return Object.freeze({
    label,
    instructions,
    loads,
    stores,
    category: category as Category | undefined,
    source,
  }) as unknown as Cost;
}

/**
 * Makes a package's costs table: `{ [label]: { instructions, loads?, stores?, category?,
 * source } }` → a frozen table of frozen, registered cost records keyed by the same labels,
 * each `{ label, instructions, loads, stores, category, source }` (loads and stores default
 * to 0; category is undefined when absent). Every entry is validated first — the label's
 * pattern and length, non-negative integer counts, loads + stores within the instructions, a
 * real category, a non-empty source, no unknown field — and a bad one throws
 * `CostTableError` naming it, with nothing registered.
 *
 * ```ts
 * export const COSTS = defineCosts({
 *   "exos.pt.search.step": { instructions: 12, source: "one probe: addu, srl, sll, …" },
 * });
 * cpu.exec(COSTS["exos.pt.search.step"], probes);
 * ```
 */
export function defineCosts<const T extends { readonly [label: string]: CostSpec }>(
  table: T,
): CostTable<T> {
  if (typeof table !== "object" || table === null || Array.isArray(table)) {
    throw new CostTableError("", "a costs table is an object keyed by label");
  }
  const out: Record<string, Cost> = {};
  for (const label of Object.keys(table)) {
    out[label] = record(label, (table as Record<string, unknown>)[label]);
  }
  for (const label of Object.keys(out)) weakSetAdd(registry, out[label]!);
  return Object.freeze(out) as CostTable<T>;
}
