import { Aegis, type Policy as AegisPolicy } from "@exolab/exokernel/kernel";
import type { Meter } from "../meter.js";
import type { Workload } from "../workload.js";
import type { SystemInstance, SystemOptions } from "./adapter.js";

/**
 * What every system on the exokernel shares: a fresh Aegis on a machine built from the
 * profile and seed, the run of a workload that fails with what its code threw, and the
 * kernel's event counts under the bench's common names.
 */
export abstract class AegisInstance implements SystemInstance {
  readonly aegis: Aegis;
  /** What a workload's code threw first: the kernel kills its env; the bench reports the value. */
  #failure: { value: unknown } | null = null;

  /** `kernelPolicy`: the kernel's policy overrides (default: the options' own). */
  constructor(o: SystemOptions, kernelPolicy: SystemOptions["policy"] = o.policy) {
    this.aegis = new Aegis({
      machineConfig: { profile: o.profile, seed: o.seed, trace: o.trace === true },
      // The kernel checks every field (a typed error names a bad one).
      policy: kernelPolicy as Partial<AegisPolicy> | undefined,
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
