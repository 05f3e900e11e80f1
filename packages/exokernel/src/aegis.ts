import {
  ArgumentError,
  type AttributionSnapshot,
  ConfigError,
  Machine,
  type MachineConfig,
  type RunLimits,
  type RunResult,
} from "@exolab/machine/privileged";
import { type Death, Kernel, type KernelStats } from "./core.js";
import type { Env } from "./env/env.js";
import { makeHandle } from "./env/handle.js";
import type { EnvHandle, RevokeRequest } from "./env/handle-types.js";
import { createEnv, destroyEnv } from "./env/lifecycle.js";
import { installDispatch } from "./exc/dispatch.js";
import { installRefill } from "./exc/refill.js";
import type { LibOS } from "./libos.js";
import { defaultPolicy, type Policy } from "./policy.js";
import { requestFrames, requestSlice } from "./revoke/revoke.js";
import { installInterrupt, Scheduler } from "./sched/scheduler.js";
import { installSys } from "./syscall/sys.js";

export interface AegisOptions {
  /** A machine to run on (default: a new one from `machine`). */
  machine?: Machine;
  /** Config of the machine to create when none is given. */
  machineConfig?: MachineConfig;
  /** Policy overrides (tests); the defaults are the documented ones. */
  policy?: Partial<Policy>;
}

/**
 * The Aegis-style exokernel (privileged: tests and the bench hold it; a libOS only ever
 * sees its EnvHandle). It installs every exception handler of the machine, creates and
 * destroys environments, runs the machine with its slice dispatcher, and revokes.
 */
export class Aegis {
  readonly #k: Kernel;
  readonly #handles = new WeakMap<EnvHandle, Env>();

  constructor(options: AegisOptions = {}) {
    const machine = options.machine ?? new Machine(options.machineConfig ?? {});
    const policy = validatePolicy({ ...defaultPolicy(machine.profile), ...(options.policy ?? {}) });
    if (policy.kernelReservedFrames >= machine.memory.frames) {
      throw new ConfigError("the machine has no memory left for environments");
    }
    const k = new Kernel(machine, policy);
    k.sched = new Scheduler(k);
    installSys(k);
    installDispatch(k);
    installRefill(k);
    installInterrupt(k);
    this.#k = k;
  }

  get machine(): Machine {
    return this.#k.machine;
  }

  get policy(): Policy {
    return this.#k.policy;
  }

  /** Kernel counters (a copy). */
  get stats(): Readonly<KernelStats> {
    return { ...this.#k.stats };
  }

  /** Environments destroyed so far, with the reason. */
  get deaths(): readonly Death[] {
    return Object.freeze([...this.#k.deaths]);
  }

  /** Creates an environment (privileged: tests, the bench, `boot`). */
  createEnvironment(opts: { name?: string } = {}): EnvHandle {
    const name = typeof opts?.name === "string" ? opts.name : `env${this.#k.nextEnvId}`;
    const env = createEnv(this.#k, name);
    if (env === null) throw new ConfigError("no address-space id left (63 live environments)");
    env.handle = makeHandle(this.#k, env);
    this.#handles.set(env.handle, env);
    return env.handle;
  }

  /** Creates an environment for `libos` and boots it; returns the handle and the libOS's API. */
  boot<O, A>(libos: LibOS<O, A>, options: O): { env: EnvHandle; api: A } {
    // Each field of the libOS object is read once.
    const bootFn: unknown = libos !== null && typeof libos === "object" ? libos.boot : undefined;
    if (typeof bootFn !== "function") {
      throw new ArgumentError("boot needs a LibOS: { name, boot(env, options) }");
    }
    const libName: unknown = libos.name;
    const name = typeof libName === "string" ? libName : "libos";
    const env = this.createEnvironment({ name });
    const k = this.#k;
    const rec = this.#env(env);
    try {
      // The boot function runs as its env (as a set-up call does): a handle of another env
      // that it holds is refused, as at any time another env runs. An exit unwinds it.
      const api = k.runAs(
        rec,
        () => (bootFn as LibOS<O, A>["boot"]).call(libos, env, options),
        () => undefined as A,
      );
      return { env, api };
    } catch (e) {
      // A libOS that fails to boot leaves nothing behind.
      if (env.alive) this.destroy(env, "boot failed");
      throw e;
    }
  }

  /** Destroys an environment from outside (privileged). */
  destroy(handle: EnvRef, reason = "destroyed by the host"): void {
    const env = this.#env(handle);
    const k = this.#k;
    if (k.activeEnv() === env) {
      // Called from the env's own code (a host harness inside its thread): unwind it.
      destroyEnv(k, env, reason);
      throw k.abortActive(reason);
    }
    k.asKernel(() => destroyEnv(k, env, reason));
  }

  /**
   * Asks `handle`'s env to give back `count` frames (the highest-numbered it holds, or the
   * given ones), with the policy's deadline; past it they are taken by force.
   */
  revokeFrames(handle: EnvRef, count: number, frames?: readonly number[]): RevokeRequest {
    const env = this.#env(handle);
    const k = this.#k;
    let want: number[];
    if (frames !== undefined) {
      want = [...frames];
      for (const f of want) {
        if (!Number.isInteger(f) || f < 0 || f >= k.frames.count || k.frames.owner[f] !== env.id) {
          throw new ArgumentError(`frame ${String(f)} is not held by environment ${env.id}`);
        }
      }
    } else {
      if (!Number.isInteger(count) || count < 1) throw new ArgumentError("count must be >= 1");
      want = [];
      for (let f = k.frames.count - 1; f >= 0 && want.length < count; f--) {
        if (k.frames.owner[f] === env.id) want.push(f);
      }
    }
    return k.asKernel(() => requestFrames(k, env, want));
  }

  /** Asks for a slice position back (same protocol). */
  revokeSlice(handle: EnvRef, position: number): RevokeRequest {
    const env = this.#env(handle);
    const k = this.#k;
    if (!Number.isInteger(position) || k.sched.vector[position] !== env.id) {
      throw new ArgumentError(`position ${String(position)} is not held by environment ${env.id}`);
    }
    return k.asKernel(() => requestSlice(k, env, position));
  }

  /** Runs the machine with the slice dispatcher until a limit (see RunLimits). */
  run(limits: RunLimits = {}): RunResult {
    const k = this.#k;
    if (k.inRun) throw new ArgumentError("Aegis.run is not re-entrant");
    k.inRun = true;
    try {
      k.asKernel(() => k.sched.startTimer());
      return k.machine.run(k.sched, limits);
    } finally {
      k.asKernel(() => k.sched.stopTimer());
      k.inRun = false;
    }
  }

  /** Snapshot of the attribution table (for attributionBetween). */
  snapshot(): AttributionSnapshot {
    return this.#k.machine.snapshot();
  }

  /** Read-only facts about an environment, for tests and reports. */
  inspect(handle: EnvRef): EnvInfo {
    const env = this.#env(handle);
    const k = this.#k;
    const frames: number[] = [];
    for (let f = 0; f < k.frames.count; f++) if (k.frames.owner[f] === env.id) frames.push(f);
    const caps: CapInfo[] = [];
    for (const s of env.caps.slots()) {
      caps.push({
        name: (s | (env.caps.gen[s]! << 12)) >>> 0,
        frame: env.caps.frame[s]!,
        rights: env.caps.rights[s]!,
        stale: k.frames.gen[env.caps.frame[s]!] !== env.caps.frameGen[s],
      });
    }
    const mappings = [...env.bindings.values()].map((b) => ({
      vpn: b.vpn,
      frame: b.frame,
      writable: b.writable,
      guaranteed: b.guaranteed,
    }));
    return {
      id: env.id,
      name: env.name,
      asid: env.asid,
      owner: env.owner,
      alive: env.alive,
      deathReason: env.deathReason,
      frames,
      caps,
      mappings,
      slices: [...env.slices].sort((a, b) => a - b),
      excessSlices: env.excessSlices,
      forfeitSlices: env.forfeitSlices,
      preemptLatencyMaxCycles: env.preemptLatencyMaxCycles,
      maxStretchCycles: env.maxStretchCycles,
      repossessed: [...env.repossessed],
      parkedOn: env.parkedOn?.id ?? 0,
    };
  }

  /** The frame table owner of each frame (0 free, -1 kernel, else env id), a copy. */
  frameOwners(): Int32Array {
    return this.#k.frames.owner.slice();
  }

  /** The software TLB's entry for (vpn, asid), read without charge (tests): EntryLo or -1. */
  peekStlb(vpn: number, asid: number): number {
    const k = this.#k;
    const i = k.stlb.index(vpn, asid);
    const mem = k.machine.memory;
    const tag = mem.read32(k.stlb.basePa + i * 8);
    return tag === ((vpn << 12) | (asid << 6) | 1) >>> 0
      ? mem.read32(k.stlb.basePa + i * 8 + 4)
      : -1;
  }

  /** Every valid STLB entry: [vpn, asid, entryLo] (tests; uncharged). */
  stlbEntries(): [number, number, number][] {
    const k = this.#k;
    const out: [number, number, number][] = [];
    const mem = k.machine.memory;
    for (let i = 0; i < k.stlb.entries; i++) {
      const tag = mem.read32(k.stlb.basePa + i * 8);
      if ((tag & 1) === 0) continue;
      out.push([tag >>> 12, (tag >>> 6) & 63, mem.read32(k.stlb.basePa + i * 8 + 4)]);
    }
    return out;
  }

  /** An environment of this kernel, by handle or by public id. */
  #env(ref: EnvRef): Env {
    const env =
      typeof ref === "number" ? this.#k.envs.get(ref) : this.#handles.get(ref as EnvHandle);
    if (env === undefined)
      throw new ArgumentError("not a handle or id of this kernel's environments");
    return env;
  }
}

/** An environment named by its handle or its public id. */
export type EnvRef = EnvHandle | number;

export interface CapInfo {
  name: number;
  frame: number;
  rights: number;
  stale: boolean;
}

export interface EnvInfo {
  id: number;
  name: string;
  asid: number;
  owner: number;
  alive: boolean;
  deathReason: string;
  frames: number[];
  caps: CapInfo[];
  mappings: { vpn: number; frame: number; writable: boolean; guaranteed: boolean }[];
  slices: number[];
  excessSlices: number;
  forfeitSlices: number;
  preemptLatencyMaxCycles: number;
  maxStretchCycles: number;
  repossessed: number[];
  parkedOn: number;
}

function validatePolicy(p: Policy): Policy {
  for (const [key, v] of Object.entries(p)) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new ConfigError(`policy.${key} must be a non-negative integer, got ${String(v)}`);
    }
  }
  if (p.stlbEntries < 512 || p.stlbEntries > 4096 || (p.stlbEntries & (p.stlbEntries - 1)) !== 0) {
    throw new ConfigError("policy.stlbEntries must be a power of two in [512, 4096]");
  }
  if (p.kernelReservedFrames < (p.stlbEntries * 8) / 4096 + 1) {
    throw new ConfigError("policy.kernelReservedFrames must cover the STLB and the kernel stack");
  }
  if (p.sliceCycles < 1000) throw new ConfigError("policy.sliceCycles must be >= 1000");
  if (p.sliceVectorLength < 1 || p.capSlots < 1 || p.capSlots > 4096) {
    throw new ConfigError("policy.sliceVectorLength >= 1 and capSlots in [1, 4096]");
  }
  if (p.maxEnvironments > 63) throw new ConfigError("policy.maxEnvironments <= 63");
  // The machine treats 256 nested exceptions as a kernel bug: the kernel's bound stays far below.
  if (p.maxExceptionDepth < 1 || p.maxExceptionDepth > 64) {
    throw new ConfigError("policy.maxExceptionDepth must be in [1, 64]");
  }
  return Object.freeze({ ...p });
}
