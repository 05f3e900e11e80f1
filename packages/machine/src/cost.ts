import { CATEGORY_COUNT, type Category } from "./accounting.js";
import { MachineError } from "./errors.js";
import {
  arrayIsArray,
  defineProperty,
  imul,
  isInteger,
  newList,
  objectFreeze,
  objectKeys,
  regExpExec,
  stringCharCodeAt,
  weakSetAdd,
  weakSetHas,
} from "./intrinsics.js";

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
  /**
   * Where the step's code sits, as a word address in a synthetic code space, for the
   * instruction cache: 1 + a 28-bit FNV-1a hash of the label (never registration order,
   * which may differ between hosts); its footprint is `instructions` words from there.
   */
  readonly codeWord: number;
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
objectFreeze(CostTableError.prototype);
objectFreeze(CostTableError);

/**
 * A label: lower-case first, then letters and digits, in segments separated by `.` or `-`
 * (`aegis.pct.sync`, `exos.pt.search.step`, `app.proc-call`, `psignal`), at most
 * MAX_COST_LABEL_LENGTH characters.
 */
export const COST_LABEL_PATTERN = objectFreeze(/^[a-z][a-zA-Z0-9]*(?:[.-][a-zA-Z0-9]+)*$/);
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

function specKey(key: string): boolean {
  return (
    key === "instructions" ||
    key === "loads" ||
    key === "stores" ||
    key === "category" ||
    key === "source"
  );
}

function count(label: string, what: string, v: unknown, fallback: number | undefined): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !isInteger(v) || v < 0 || v > MAX_COST_INSTRUCTIONS) {
    throw new CostTableError(
      label,
      `${what} must be an integer in [0, ${MAX_COST_INSTRUCTIONS}], got ${typeof v === "number" ? v : typeof v}`,
    );
  }
  return v;
}

/** 1 + the FNV-1a hash of `label`'s UTF-16 code units, to 28 bits: a code word address. */
export function codeWordOf(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= stringCharCodeAt(label, i);
    h = imul(h, 0x01000193);
  }
  return 1 + (h & 0x0fffffff);
}

/** Validates one entry and makes its frozen record (registered by `defineCosts`). */
function record(label: string, spec: unknown): Cost {
  if (label.length > MAX_COST_LABEL_LENGTH || regExpExec(COST_LABEL_PATTERN, label) === null) {
    throw new CostTableError(
      label,
      `a label is 1 to ${MAX_COST_LABEL_LENGTH} characters: a lower-case letter, then letters and digits in segments separated by "." or "-"`,
    );
  }
  if (typeof spec !== "object" || spec === null || arrayIsArray(spec)) {
    throw new CostTableError(label, "the entry must be an object { instructions, source, … }");
  }
  const keys = objectKeys(spec);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!specKey(key)) {
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
      isInteger(category) &&
      category >= 0 &&
      category < CATEGORY_COUNT
    )
  ) {
    throw new CostTableError(
      label,
      `category must be a Category (0 to ${CATEGORY_COUNT - 1}) or absent`,
    );
  }
  const source = s.source;
  if (typeof source !== "string" || source.trim().length === 0) {
    throw new CostTableError(label, "source must say where the count comes from (non-empty)");
  }
  // Every record has the same fields in the same order (one shape for the engine). Frozen
  // plain data: reading a field never runs code (a kernel's view relies on it).
  return objectFreeze({
    label,
    instructions,
    loads,
    stores,
    category: category as Category | undefined,
    source,
    codeWord: codeWordOf(label),
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
  if (typeof table !== "object" || table === null || arrayIsArray(table)) {
    throw new CostTableError("", "a costs table is an object keyed by label");
  }
  // Captured intrinsics only (intrinsics.ts): code running on the machine may have patched
  // the realm's, and another environment's table must still come out frozen and checked.
  const labels = objectKeys(table);
  const records = newList<Cost>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    records[i] = record(label, (table as Record<string, unknown>)[label]);
  }
  const out: Record<string, Cost> = {};
  for (let i = 0; i < records.length; i++) {
    weakSetAdd(registry, records[i]!);
    defineProperty(out, labels[i]!, { value: records[i]!, enumerable: true });
  }
  return objectFreeze(out) as CostTable<T>;
}

// Reachable by every libOS (re-exported by its kernel): frozen, prototypes included.
for (const f of [defineCosts, isCost]) {
  objectFreeze(f.prototype);
  objectFreeze(f);
}
