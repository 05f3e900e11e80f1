import { ArgumentError } from "./errors.js";
import { definePush, mapGet, mapSet, typedArrayLength, typedArraySet } from "./intrinsics.js";

const freeze = Object.freeze;

/**
 * Where a cycle went. Every cycle the machine charges lands in exactly one category and is
 * owned by exactly one owner (see Owners below). One enum for the whole project.
 */
export const Category = Object.freeze({
  /** Instructions executed in user mode (libOS or application code). */
  User: 0,
  /** Instructions executed in kernel mode that are none of the below. */
  Kernel: 1,
  /** Hardware exception entry and the kernel's first-level trap/dispatch code. */
  TrapEntry: 2,
  /** The way back to user mode (`rfe` and the code around it). */
  TrapExit: 3,
  /** Stores of registers into a save area. */
  RegSave: 4,
  /** Loads of registers from a save area. */
  RegRestore: 5,
  /** Data loads and stores (other than register save/restore). */
  Memory: 6,
  /** TLB reads, writes and probes, and software-TLB lookups charged as such. */
  Tlb: 7,
  /** Device register access and device-side time. */
  Device: 8,
  /** The CPU waiting for the next event with nothing to run. */
  Idle: 9,
  /** The CPU stalled on a full write buffer, or draining it (an uncached reference, a flush). */
  WriteStall: 10,
  /** Cache-miss penalties: data loads and instruction fetches served from main memory. */
  CacheMiss: 11,
} as const);
export type Category = (typeof Category)[keyof typeof Category];
export const CATEGORY_COUNT = 12;
export const CATEGORY_NAMES: readonly string[] = Object.freeze([
  "user",
  "kernel",
  "trapEntry",
  "trapExit",
  "regSave",
  "regRestore",
  "memory",
  "tlb",
  "device",
  "idle",
  "writeStall",
  "cacheMiss",
]);

/** Who spent a cycle: a kernel, a library OS, or an application (each by environment). */
export const OwnerKind = Object.freeze({ Kernel: 0, LibOS: 1, Application: 2 } as const);
export type OwnerKind = (typeof OwnerKind)[keyof typeof OwnerKind];
export const OWNER_KIND_NAMES: readonly string[] = Object.freeze([
  "kernel",
  "libos",
  "application",
]);

export interface OwnerInfo {
  readonly id: number;
  readonly kind: OwnerKind;
  /** The environment (or process) this owner belongs to; -1 for the kernel itself. */
  readonly env: number;
  readonly name: string;
}

/** Per-label totals of `exec` charges, for `explain`. */
export interface LabelStat {
  calls: number;
  instructions: number;
  /** Cycles of the instructions (the count times the profile's cycles per instruction). */
  cycles: number;
  /** Write-buffer stall cycles of the stores the label's record declares. */
  stallCycles: number;
  /** Instruction-cache miss cycles of fetching the label's code. */
  missCycles: number;
}

/** Owner 0 always exists: the kernel, which also owns idle time. */
export const KERNEL_OWNER = 0;

/**
 * The attribution table: cycles by (owner, category), in one Float64Array indexed
 * owner * CATEGORY_COUNT + category. Owners are registered once (not per access); the table
 * grows by doubling, and the CPU re-reads `table` after each registration.
 */
export class Accounting {
  #table = new Float64Array(16 * CATEGORY_COUNT);
  /** The CPU's hooks: add its deferred charges; learn of a grown table. */
  #flush: () => void = () => {};
  #onGrow: (table: Float64Array) => void = () => {};
  readonly owners: OwnerInfo[] = [{ id: 0, kind: OwnerKind.Kernel, env: -1, name: "kernel" }];
  readonly labels = new Map<string, LabelStat>();

  /**
   * The (owner x category) table, exact: the CPU's deferred fast-path charges are added
   * before it is returned. Do not keep the array: it is replaced when it grows.
   */
  get table(): Float64Array {
    this.#flush();
    return this.#table;
  }

  /**
   * Binds the CPU that writes the table: `flush` adds its deferred charges (called before any
   * read or growth); `onGrow` hands it the new array. Returns the current array.
   */
  attach(flush: () => void, onGrow: (table: Float64Array) => void): Float64Array {
    this.#flush = flush;
    this.#onGrow = onGrow;
    return this.#table;
  }

  registerOwner(kind: OwnerKind, env: number, name: string): number {
    if (kind !== OwnerKind.Kernel && kind !== OwnerKind.LibOS && kind !== OwnerKind.Application) {
      throw new ArgumentError(
        `owner kind must be 0 (kernel), 1 (libos) or 2 (application), got ${String(kind)}`,
      );
    }
    const id = this.owners.length;
    definePush(this.owners, freeze({ id, kind, env, name }));
    if ((id + 1) * CATEGORY_COUNT > typedArrayLength(this.#table)) {
      this.#flush();
      const bigger = new Float64Array(typedArrayLength(this.#table) * 2);
      typedArraySet(bigger, this.#table);
      this.#table = bigger;
      this.#onGrow(bigger);
    }
    return id;
  }

  noteLabel(label: string, instructions: number, cycles: number): void {
    let s = mapGet(this.labels, label);
    if (s === undefined) {
      s = { calls: 0, instructions: 0, cycles: 0, stallCycles: 0, missCycles: 0 };
      mapSet(this.labels, label, s);
    }
    s.calls++;
    s.instructions += instructions;
    s.cycles += cycles;
  }

  /** Adds a label's memory-system cycles (noted with its instructions, which come first). */
  noteMemory(label: string, stallCycles: number, missCycles: number): void {
    let s = mapGet(this.labels, label);
    if (s === undefined) {
      s = { calls: 0, instructions: 0, cycles: 0, stallCycles: 0, missCycles: 0 };
      mapSet(this.labels, label, s);
    }
    s.stallCycles += stallCycles;
    s.missCycles += missCycles;
  }

  /** A snapshot, so that a benchmark can subtract the warm-up from the measured part. */
  snapshot(): AttributionSnapshot {
    const labels = new Map<string, LabelStat>();
    for (const [k, v] of this.labels) labels.set(k, { ...v });
    return {
      table: this.table.slice(0, this.owners.length * CATEGORY_COUNT),
      owners: this.owners.length,
      labels,
    };
  }
}

export interface AttributionSnapshot {
  readonly table: Float64Array;
  readonly owners: number;
  readonly labels: Map<string, LabelStat>;
}

/** Cycles spent between two snapshots, by category, by owner kind, by owner and by label. */
export interface AttributionReport {
  totalCycles: number;
  byCategory: Record<string, number>;
  byOwnerKind: Record<string, number>;
  byOwner: {
    owner: string;
    kind: string;
    env: number;
    cycles: number;
    byCategory: Record<string, number>;
  }[];
  labels: {
    label: string;
    calls: number;
    instructions: number;
    cycles: number;
    stallCycles: number;
    missCycles: number;
  }[];
}

export function attributionBetween(
  acc: Accounting,
  before: AttributionSnapshot,
  after: AttributionSnapshot,
): AttributionReport {
  const byCategory: Record<string, number> = {};
  for (const n of CATEGORY_NAMES) byCategory[n] = 0;
  const byOwnerKind: Record<string, number> = {};
  for (const n of OWNER_KIND_NAMES) byOwnerKind[n] = 0;
  const byOwner: AttributionReport["byOwner"] = [];
  let total = 0;
  for (let o = 0; o < after.owners; o++) {
    const info = acc.owners[o]!;
    const cats: Record<string, number> = {};
    let ownerTotal = 0;
    for (let c = 0; c < CATEGORY_COUNT; c++) {
      const i = o * CATEGORY_COUNT + c;
      const v = after.table[i]! - (o < before.owners ? before.table[i]! : 0);
      if (v !== 0) cats[CATEGORY_NAMES[c]!] = v;
      byCategory[CATEGORY_NAMES[c]!]! += v;
      ownerTotal += v;
    }
    if (ownerTotal !== 0) {
      byOwner.push({
        owner: info.name,
        kind: OWNER_KIND_NAMES[info.kind]!,
        env: info.env,
        cycles: ownerTotal,
        byCategory: cats,
      });
      byOwnerKind[OWNER_KIND_NAMES[info.kind]!]! += ownerTotal;
    }
    total += ownerTotal;
  }
  const labels: AttributionReport["labels"] = [];
  for (const [label, s] of after.labels) {
    const b = before.labels.get(label);
    const calls = s.calls - (b?.calls ?? 0);
    if (calls === 0) continue;
    labels.push({
      label,
      calls,
      instructions: s.instructions - (b?.instructions ?? 0),
      cycles: s.cycles - (b?.cycles ?? 0),
      stallCycles: s.stallCycles - (b?.stallCycles ?? 0),
      missCycles: s.missCycles - (b?.missCycles ?? 0),
    });
  }
  labels.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return { totalCycles: total, byCategory, byOwnerKind, byOwner, labels };
}
