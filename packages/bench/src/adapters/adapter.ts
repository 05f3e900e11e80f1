import type { Machine } from "@exolab/machine/privileged";
import type { Meter } from "../meter.js";
import type { PaperSystem } from "../paper.js";
import type { PortId } from "../ports.js";
import type { Workload } from "../workload.js";

/**
 * A system's id: lowercase letters, digits and single hyphens (`monolithic`, `exos`, `db-2`).
 * Systems are registered (src/adapters/registry.ts), not listed in a type: any registered
 * id is a SystemId.
 */
export type SystemId = string;
export const SYSTEM_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** The system every ratio is taken against. */
export const BASELINE: SystemId = "monolithic";

export interface SystemOptions {
  readonly profile: string;
  readonly seed: number;
  readonly trace?: boolean;
  /**
   * Overrides of the system's policy config, by the field names its `policies(profile)`
   * prints (e.g. `pipeRingBytes`, or `aegis.sliceCycles` for the kernel under a libOS);
   * every other field keeps its default. The system's kernel or libOS checks each value
   * (a bad one throws when the system is created).
   */
  readonly policy?: Readonly<Record<string, number | string>>;
}

/** One fresh, seeded system: a machine with its kernel (and libOS) booted. */
export interface SystemInstance {
  readonly machine: Machine;
  /** Event counts of the system (TLB refills, syscalls, upcalls, switches, …), cumulative. */
  counters(): Record<string, number>;
  /** Runs the workload's threads, each as its own process or environment, to completion. */
  execute(workload: Workload, meter: Meter): void;
}

/** A costs.ts entry: keyed by its label (or carrying it), with its count and its source. */
export interface CostRow {
  readonly label?: string;
  readonly instructions: number;
  readonly source: string;
}

/** Cost tables by package: every `exec` label a system's code may charge comes from one. */
export type CostTables = Readonly<Record<string, Readonly<Record<string, CostRow>>>>;

/**
 * Maps workloads onto one system's own API (ports and adapters). The adapter is the only
 * place that knows the system; the workload never does. One file per system in this folder,
 * registered in registry.ts.
 */
export interface SystemAdapter {
  readonly id: SystemId;
  readonly title: string;
  /**
   * The paper's column this system is set against (its figures print beside ours): Ultrix,
   * Aegis's primitives or ExOS; null for a system the paper did not measure.
   */
  readonly paper: PaperSystem | null;
  /** The cost tables of the code the system runs, by package (the bench checks every label). */
  readonly costs: CostTables;
  /**
   * Why the system cannot serve this port, or undefined when it can. `workload`, when given,
   * lets a system refuse some of a workload's rows by their parameters (the monolithic
   * kernel serves only the `db` rows whose replacement policy is its own, LRU).
   */
  unsupported(port: PortId, benchmark: string, workload?: Workload): string | undefined;
  /** A fresh system; `workload`, when given, is the one it will run (a kernel may size itself to it). */
  create(options: SystemOptions, workload?: Workload): SystemInstance;
  /** The policy configs in force on `profile` (printed in every report), flat key → value. */
  policies(profile: string): Record<string, unknown>;
}

/** A system adapter, checked (its id) and frozen: what each adapter file exports. */
export function defineSystem<A extends SystemAdapter>(adapter: A): A {
  if (!SYSTEM_ID_PATTERN.test(adapter.id))
    throw new Error(`system id "${adapter.id}": use lowercase letters, digits and single hyphens`);
  return Object.freeze(adapter);
}
