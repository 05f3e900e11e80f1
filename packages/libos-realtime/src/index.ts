/**
 * A small library OS on the exokernel's unprivileged API: its own page table (demand-zero
 * pages, a refill handler), round-robin threads inside its slices, and calls into other
 * environments by protected control transfer. `libos.boot(env, options)` sets it up inside
 * the environment and returns its API.
 */
import { type EnvHandle, type LibOS, MachineError } from "@exolab/exokernel";
import { Calls } from "./ipc/call.js";
import { Channels } from "./ipc/channel.js";
import { kernelApi } from "./kernel-api.js";
import { RT_CTX_VA } from "./layout.js";
import { type LibOsPolicy, resolvePolicy } from "./policy.js";
import { contextPages } from "./sched/dispatcher.js";
import { RealTime, type RealTimeSetup } from "./sched/realtime.js";
import { Threads } from "./sched/threads.js";
import { Pinned } from "./vm/pinned.js";
import { Vm } from "./vm/vm.js";

export { COSTS, type CostLabel } from "./costs.js";
export type { Procedure } from "./ipc/call.js";
export {
  Channel,
  type ChannelService,
  MAX_CHANNEL_CAPACITY,
} from "./ipc/channel.js";
export { MessageQueue, type Service } from "./ipc/queue.js";
export * as layout from "./layout.js";
export { DEFAULT_POLICY, type LibOsPolicy, PolicyError, resolvePolicy } from "./policy.js";
export { type Admission, admit, rmOrder, type SchedPolicy } from "./sched/admission.js";
export type { JobBody, JobInfo } from "./sched/dispatcher.js";
export { type ModelRun, runModel } from "./sched/model.js";
export {
  jobOverheadCycles,
  type KernelCosts,
  kernelCostsFrom,
  type ProfileCosts,
  sliceOverheadCycles,
} from "./sched/overheads.js";
export type {
  AdmitRequest,
  AdmitResult,
  RealTime,
  RealTimeSetup,
  RevocationReport,
} from "./sched/realtime.js";
export {
  jitterCycles,
  percentile,
  type Summary,
  summarise,
  type TaskRecord,
} from "./sched/stats.js";
export { Supply } from "./sched/supply.js";
export { checkTask, checkTaskSet, type Task, type TaskSpec } from "./sched/task.js";
export { Pinned } from "./vm/pinned.js";
export { FaultExit } from "./vm/vm.js";
export type { Calls, Channels, Threads, Vm };

export interface LibOsOptions {
  /** Overrides of the policy's defaults (checked: a PolicyError names a bad field). */
  readonly policy?: Partial<LibOsPolicy>;
  /** Take no slice: a passive server that runs only on its callers' time. */
  readonly passive?: boolean;
  /** What real-time admission needs of the kernel and machine (the host hands it over). */
  readonly realtime?: RealTimeSetup;
  /** Use the polled stand-ins for the alarm and reservations even when the kernel has them. */
  readonly polled?: boolean;
}

/** What `libos.boot` returns. */
export interface LibOsApi {
  readonly env: EnvHandle;
  readonly policy: LibOsPolicy;
  readonly vm: Vm;
  readonly sched: Threads;
  readonly calls: Calls;
  /** Channels to and from other environments (ipc/channel.ts). */
  readonly channels: Channels;
  readonly rt: RealTime;
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
  check("rt contexts", vm.guarantee(RT_CTX_VA, contextPages(policy.maxTasks)));
  const kapi = kernelApi(env, { forcePolled: options.polled === true });
  const rt = new RealTime(
    env,
    kapi,
    new Pinned(env),
    options.realtime ?? null,
    policy.reserveFrames,
    policy.maxTasks,
  );
  check("rt", rt.boot());
  check(
    "revoke",
    env.onRevoke((request) => rt.onRevoke(request)),
  );
  return Object.freeze({
    env,
    policy,
    vm,
    sched,
    calls: new Calls(env, () => rt.dispatcher.active),
    channels: new Channels(env, () => rt.dispatcher.active),
    rt,
  });
}

/** The library OS: `{ name, boot }`, the shape every library OS has. */
export const libos: LibOS<LibOsOptions, LibOsApi> = Object.freeze({ name: "realtime", boot });
// #endregion boot
