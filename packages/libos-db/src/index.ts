/**
 * A small library OS on the exokernel's unprivileged API: its own page table (demand-zero
 * pages, a refill handler), round-robin threads inside its slices, and calls into other
 * environments by protected control transfer. `libos.boot(env, options)` sets it up inside
 * the environment and returns its API.
 */
import { type EnvHandle, type LibOS, MachineError } from "@exolab/exokernel";
import { Calls } from "./ipc/call.js";
import { type LibOsPolicy, resolvePolicy } from "./policy.js";
import { Threads } from "./sched/threads.js";
import { Vm } from "./vm/vm.js";

export { COSTS, type CostLabel } from "./costs.js";
export type { Procedure } from "./ipc/call.js";
export * as layout from "./layout.js";
export { DEFAULT_POLICY, type LibOsPolicy, PolicyError, resolvePolicy } from "./policy.js";
export { FaultExit } from "./vm/vm.js";
export type { Calls, Threads, Vm };

export interface LibOsOptions {
  /** Overrides of the policy's defaults (checked: a PolicyError names a bad field). */
  readonly policy?: Partial<LibOsPolicy>;
  /** Take no slice: a passive server that runs only on its callers' time. */
  readonly passive?: boolean;
}

/** What `libos.boot` returns. */
export interface LibOsApi {
  readonly env: EnvHandle;
  readonly policy: LibOsPolicy;
  readonly vm: Vm;
  readonly sched: Threads;
  readonly calls: Calls;
}

/** Boot failed: a host-side set-up error, thrown before the library is usable. */
export class BootError extends MachineError {
  override name = "BootError";
  constructor(
    readonly step: string,
    readonly code: number,
  ) {
    super(`boot: ${step} failed with result ${code}`);
  }
}

// #region boot
function boot(env: EnvHandle, options: LibOsOptions = {}): LibOsApi {
  const policy = resolvePolicy(options.policy);
  const check = (step: string, r: number) => {
    if (r < 0) throw new BootError(step, r);
  };
  const vm = new Vm(env, policy);
  check("vm", vm.boot());
  const sched = new Threads(env, policy);
  check("sched", sched.boot(vm, options.passive !== true));
  return Object.freeze({ env, policy, vm, sched, calls: new Calls(env) });
}

/** The library OS: `{ name, boot }`, the shape every library OS has. */
export const libos: LibOS<LibOsOptions, LibOsApi> = Object.freeze({ name: "db", boot });
// #endregion boot
