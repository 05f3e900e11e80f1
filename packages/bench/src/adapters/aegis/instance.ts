import {
  Aegis,
  defaultPolicy,
  COSTS as KERNEL_COSTS,
  NET_COSTS,
  type Policy,
} from "@exolab/exokernel/kernel";
import { getProfile } from "@exolab/machine/privileged";
import type { Meter } from "../../meter.js";
import type { Workload } from "../../workload.js";
import type { CostTables, SystemInstance, SystemOptions } from "../adapter.js";

/** The kernel's cost table: every system on Aegis charges its labels. */
export const AEGIS_COSTS: CostTables = Object.freeze({
  "@exolab/exokernel": { ...KERNEL_COSTS, ...NET_COSTS },
});

/** Policy overrides: the kernel's fields carry this prefix in a libOS's printed policy. */
export const AEGIS_PREFIX = "aegis.";

type Overrides = Readonly<Record<string, number | string>>;

/** The kernel's policy on `profile`, each field under `prefix` (none for the bare kernel). */
export function aegisPolicies(profile: string, prefix = ""): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(defaultPolicy(getProfile(profile))).map(([k, v]) => [`${prefix}${k}`, v]),
  );
}

/** Splits overrides into the kernel's (`aegis.` prefix, removed) and the libOS's own. */
export function splitPolicy(p: Overrides | undefined): [Overrides | undefined, Overrides] {
  if (p === undefined) return [undefined, {}];
  const kernel: Record<string, number | string> = {};
  const own: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k.startsWith(AEGIS_PREFIX)) kernel[k.slice(AEGIS_PREFIX.length)] = v;
    else own[k] = v;
  }
  return [kernel, own];
}

/**
 * What every system on Aegis shares: a fresh kernel on a machine built from the profile
 * and seed (with the kernel's policy overrides, which it checks), the run of a workload that
 * fails with what its code threw, and the kernel's event counts under the bench's common
 * names.
 */
export abstract class AegisInstance implements SystemInstance {
  readonly aegis: Aegis;
  /** What a workload's code threw first: the kernel kills its env; the bench reports the value. */
  #failure: { value: unknown } | null = null;

  /** `kernelPolicy`: the kernel's policy overrides (default: the options' own). */
  constructor(o: SystemOptions, kernelPolicy: Overrides | undefined = o.policy) {
    this.aegis = new Aegis({
      machineConfig: { profile: o.profile, seed: o.seed, trace: o.trace === true },
      ...(kernelPolicy === undefined ? {} : { policy: kernelPolicy as Partial<Policy> }),
      onDeath: (_death, ...thrown: unknown[]) => {
        if (thrown.length > 0 && this.#failure === null) this.#failure = { value: thrown[0] };
      },
    });
  }

  /**
   * Runs the machine until `done()`; if an environment's code threw (a workload's bug, an
   * `expect` that failed in a test's workload), stops and throws that very value, so the
   * error is the workload's own, not a later "did not finish".
   */
  protected runUntil(done: () => boolean): void {
    this.aegis.run({ stopWhen: () => done() || this.#failure !== null });
    if (this.#failure !== null) throw this.#failure.value;
  }

  /** As runUntil, through another driver (a port that runs two machines). */
  protected runWith(drive: (done: () => boolean) => void, done: () => boolean): void {
    drive(() => done() || this.#failure !== null);
    if (this.#failure !== null) throw this.#failure.value;
  }

  /** Records a failure of code run elsewhere for this instance (the first one counts). */
  fail(value: unknown): void {
    if (this.#failure === null) this.#failure = { value };
  }

  get machine() {
    return this.aegis.machine;
  }

  counters(): Record<string, number> {
    const s = this.aegis.stats;
    const c = this.aegis.machine.cpu.exceptionCounts;
    return {
      syscalls: s.syscalls,
      exceptions: s.exceptions,
      tlbRefills: c[16]!,
      stlbHits: s.stlbHits,
      upcalls: s.refillUpcalls,
      transfers: s.pcts,
      contextSwitches: s.sliceSwitches,
    };
  }

  abstract execute(w: Workload, meter: Meter): void;
}
