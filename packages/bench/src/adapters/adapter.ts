import type { Machine } from "@exolab/machine/privileged";
import type { Meter } from "../meter.js";
import type { PortId } from "../ports.js";
import type { Workload } from "../workload.js";

export type SystemId = "monolithic" | "exokernel" | "exos";
export const SYSTEM_IDS: readonly SystemId[] = Object.freeze(["monolithic", "exokernel", "exos"]);
/** The system every ratio is taken against. */
export const BASELINE: SystemId = "monolithic";

export interface SystemOptions {
  readonly profile: string;
  readonly seed: number;
  readonly trace?: boolean;
  /**
   * Overrides of the system's policy config, by the field names its `policies(profile)`
   * prints (e.g. `pipeRingBytes`, or `aegis.sliceCycles` for the kernel under ExOS); every
   * other field keeps its default. The system's kernel or libOS checks each value.
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

/**
 * Maps workloads onto one system's own API (ports and adapters). The adapter is the only
 * place that knows the system; the workload never does.
 */
export interface SystemAdapter {
  readonly id: SystemId;
  readonly title: string;
  /** Why the system cannot serve this port, or undefined when it can. */
  unsupported(port: PortId, benchmark: string): string | undefined;
  create(options: SystemOptions): SystemInstance;
  /** The policy configs in force on `profile` (printed in every report), flat key → value. */
  policies(profile: string): Record<string, unknown>;
}
