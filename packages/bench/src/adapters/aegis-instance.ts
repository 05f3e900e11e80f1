import { Aegis } from "@exolab/exokernel/kernel";
import type { Meter } from "../meter.js";
import type { Workload } from "../workload.js";
import type { SystemInstance, SystemOptions } from "./adapter.js";

/**
 * What every system on the exokernel shares: a fresh Aegis on a machine built from the
 * profile and seed, and the kernel's event counts under the bench's common names.
 */
export abstract class AegisInstance implements SystemInstance {
  readonly aegis: Aegis;

  constructor(o: SystemOptions) {
    this.aegis = new Aegis({
      machineConfig: { profile: o.profile, seed: o.seed, trace: o.trace === true },
    });
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
