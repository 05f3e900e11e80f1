import {
  ArgumentError,
  type AttributionSnapshot,
  ConfigError,
  Machine,
  type MachineConfig,
  type RunLimits,
  type RunResult,
} from "@exolab/machine/privileged";
import { type Death, type DeathHook, Kernel, type KernelStats } from "./core.js";
import { extentStarts, ownedExtents } from "./disk/disk.js";
import type { Env } from "./env/env.js";
import { makeHandle } from "./env/handle.js";
import type { EnvHandle, RevokeRequest } from "./env/handle-types.js";
import { boundary, createEnv, destroyEnv } from "./env/lifecycle.js";
import { DeadEnvironmentError } from "./errors.js";
import { installDispatch } from "./exc/dispatch.js";
import { installRefill } from "./exc/refill.js";
import {
  frozenArray,
  Int32ArrayCtor,
  listPush,
  NumberIsInteger,
  newList,
  ObjectFreeze,
  ReflectApply,
  ReflectOwnKeys,
  SafeWeakMap,
  setValuesList,
  TypedArrayLength,
} from "./intrinsics.js";
import type { LibOS } from "./libos.js";
import type { NetStats } from "./net/state.js";
import { defaultPolicy, type Policy } from "./policy.js";
import { requestExtents, requestFrames, requestSlice } from "./revoke/revoke.js";
import { installInterrupt, Scheduler } from "./sched/scheduler.js";
import { installSys } from "./syscall/sys.js";

export interface AegisOptions {
  /** A machine to run on (default: a new one from `machine`). */
  machine?: Machine;
  /** Config of the machine to create when none is given. */
  machineConfig?: MachineConfig;
  /** Policy overrides (tests); the defaults are the documented ones. */
  policy?: Partial<Policy>;
  /**
   * Called after each environment's death, at the kernel's next shallow boundary (never
   * inside a kernel path): the death, and — when the death was caused by something its code
   * threw — that value, handed on uninspected. A hook that throws makes the call that
   * reached the boundary (`run`, `actAs`, `boot`, `destroy`…) throw.
   */
  onDeath?: DeathHook;
  /**
   * For a machine driven in pieces (a World's quanta): the slice clock keeps running from one
   * `run` to the next, so a slice spans runs (by default each run starts the timer afresh,
   * with a new slice, and stops it at its end).
   */
  continuousTimer?: boolean;
}

/**
 * The Aegis-style exokernel (privileged: tests and the bench hold it; a libOS only ever
 * sees its EnvHandle). It installs every exception handler of the machine, creates and
 * destroys environments, runs the machine with its slice dispatcher, and revokes.
 *
 * Host windows: a handle call (or CPU-view call) is allowed only while its environment's
 * code is the code on the CPU. Host code that acts for an environment says so: `actAs(env,
 * fn)`, `createEnvironment({ setup })`, `boot` (the boot function runs in such a window).
 * A window leaves the general registers as it found them (it is nobody's simulated time);
 * at its end doomed environments are reaped and deaths reported.
 */
export class Aegis {
  readonly #k: Kernel;
  readonly #handles: SafeWeakMap<EnvHandle, Env> = new SafeWeakMap();
  /**
   * For a machine driven in pieces (a World's quanta): the slice clock keeps running from one
   * `run` to the next, so a slice spans runs (default false: each run starts the timer afresh,
   * with a new slice, and stops it at its end). Set at creation (`AegisOptions`) or before a
   * series of runs.
   */
  continuousTimer: boolean;

  constructor(options: AegisOptions = {}) {
    this.continuousTimer = options.continuousTimer === true;
    const machine = options.machine ?? new Machine(options.machineConfig ?? {});
    const policy = validatePolicy({ ...defaultPolicy(machine.profile), ...(options.policy ?? {}) });
    if (policy.kernelReservedFrames >= machine.memory.frames) {
      throw new ConfigError("the machine has no memory left for environments");
    }
    const onDeath: unknown = options.onDeath;
    if (onDeath !== undefined && typeof onDeath !== "function") {
      throw new ConfigError("onDeath must be a function");
    }
    const k = new Kernel(machine, policy);
    k.onDeath = (onDeath as DeathHook | undefined) ?? null;
    k.sched = new Scheduler(k);
    installSys(k);
    installDispatch(k);
    installRefill(k);
    installInterrupt(k);
    // A host error that crosses a kernel path (the machine restored the CPU state first)
    // dooms the environment the path ran for; it is reaped at the next boundary.
    machine.cpu.onHostThrow = () => k.noteHostThrow(k.activeEnv());
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

  /**
   * Environments destroyed so far, with the reason, oldest first: the last
   * `policy.deathLogLength` of them (`stats.deaths` counts them all).
   */
  get deaths(): readonly Death[] {
    return frozenArray(this.#k.deathLog());
  }

  /**
   * Creates an environment (privileged: tests, the bench, `boot`). `setup(env)`, if given,
   * runs in a host window for it (see `actAs`); if it throws, the environment is destroyed
   * and the error rethrown.
   */
  createEnvironment(opts: { name?: string; setup?: (env: EnvHandle) => void } = {}): EnvHandle {
    const o: unknown = opts;
    const rawName: unknown = o !== null && typeof o === "object" ? opts.name : undefined;
    const setup: unknown = o !== null && typeof o === "object" ? opts.setup : undefined;
    if (setup !== undefined && typeof setup !== "function") {
      throw new ArgumentError("createEnvironment: setup must be a function");
    }
    const k = this.#k;
    const name = typeof rawName === "string" ? rawName : `env${k.nextEnvId}`;
    const env = createEnv(k, name);
    if (env === null) throw new ConfigError("no address-space id left (63 live environments)");
    const handle = makeHandle(k, env);
    env.handle = handle;
    this.#handles.set(handle, env);
    if (setup !== undefined) {
      try {
        this.#window(
          env,
          () => (setup as (env: EnvHandle) => void)(handle),
          () => undefined,
        );
      } catch (e) {
        if (env.alive) this.#destroyWith(env, "set-up failed", e);
        throw e;
      }
    }
    return handle;
  }

  /**
   * Runs host code `fn` as `env` — its handle and CPU view work inside, every other handle
   * is refused — and returns what `fn` returns. If `env`'s code is already on the CPU (its
   * running context, or a window for it), `fn` simply runs; with another environment's
   * context running, it is an ArgumentError. If the environment is destroyed
   * during the window (its code unwound: an exit, a fatal exception), the window ends with a
   * DeadEnvironmentError; anything else `fn` throws propagates.
   */
  actAs<T>(ref: EnvRef, fn: () => T): T {
    if (typeof fn !== "function") throw new ArgumentError("actAs: fn must be a function");
    const death = this.#deathOf(ref);
    if (death !== undefined) {
      throw new DeadEnvironmentError(`environment ${death.envId} is dead: ${death.reason}`);
    }
    const env = this.#env(ref);
    const k = this.#k;
    // Its code is already the code on the CPU (its context, or a window for it): just run.
    if (k.activeEnv() === env) return fn();
    const ctx = k.machine.current;
    if (ctx !== null) {
      throw new ArgumentError(
        `actAs: environment ${(ctx.tag as Env).id} is running; only it may be acted for now`,
      );
    }
    return this.#window(env, fn, () => {
      throw new DeadEnvironmentError(
        `environment ${env.id} was destroyed during the host's window: ${env.deathReason}`,
      );
    });
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
    const rec = this.#env(env);
    try {
      // The boot function runs in a window for its env (a handle of another env that it
      // holds is refused, as at any time another env runs). An exit unwinds it.
      const api = this.#window(
        rec,
        () => ReflectApply(bootFn, libos, [env, options]) as A,
        () => undefined as A,
      );
      return { env, api };
    } catch (e) {
      // A libOS that fails to boot leaves nothing behind; its error goes back uninspected.
      if (rec.alive) this.#destroyWith(rec, "boot failed", e);
      throw e;
    }
  }

  /** Destroys an environment from outside (privileged). */
  destroy(handle: EnvRef, reason = "destroyed by the host"): void {
    if (this.#deathOf(handle) !== undefined) return;
    const env = this.#env(handle);
    const k = this.#k;
    if (k.activeEnv() === env) {
      // Called from the env's own code (a host harness inside its thread): unwind it.
      destroyEnv(k, env, reason);
      throw k.abortActive(reason);
    }
    k.asKernel(() => destroyEnv(k, env, reason));
    if (k.activeEnv() === null) boundary(k, null);
  }

  /**
   * Asks `handle`'s env to give back `count` frames (the highest-numbered it holds, or the
   * given ones), with the policy's deadline; past it they are taken by force.
   */
  revokeFrames(handle: EnvRef, count: number, frames?: readonly number[]): RevokeRequest {
    const env = this.#env(handle);
    const k = this.#k;
    const want = newList<number>();
    if (frames !== undefined) {
      const n = frames.length;
      for (let i = 0; i < n; i++) {
        const f: unknown = frames[i];
        if (
          typeof f !== "number" ||
          !NumberIsInteger(f) ||
          f < 0 ||
          f >= k.frames.count ||
          k.frames.owner[f] !== env.id
        ) {
          throw new ArgumentError(`frame ${describe(f)} is not held by environment ${env.id}`);
        }
        listPush(want, f);
      }
    } else {
      if (!NumberIsInteger(count) || count < 1) throw new ArgumentError("count must be >= 1");
      for (let f = k.frames.count - 1; f >= 0 && want.length < count; f--) {
        if (k.frames.owner[f] === env.id) listPush(want, f);
      }
    }
    const req = k.asKernel(() => requestFrames(k, env, want));
    if (k.activeEnv() === null) boundary(k, env);
    return req;
  }

  /** Asks for a slice position back (same protocol). */
  /**
   * Asks `handle`'s env to give back `count` of its disk extents (the first in its list),
   * with the policy's deadline; past it they are taken by force (their requests complete
   * Stale, every granted copy goes, their blocks read as zeros to the next owner).
   */
  revokeExtents(handle: EnvRef, count: number): RevokeRequest {
    const env = this.#env(handle);
    const k = this.#k;
    if (!NumberIsInteger(count) || count < 1) throw new ArgumentError("count must be >= 1");
    const owned = ownedExtents(k, env);
    if (owned.length < count) {
      throw new ArgumentError(
        `environment ${env.id} holds ${owned.length} extents, fewer than ${count}`,
      );
    }
    owned.length = count;
    const req = k.asKernel(() => requestExtents(k, env, owned));
    if (k.activeEnv() === null) boundary(k, env);
    return req;
  }

  revokeSlice(handle: EnvRef, position: number): RevokeRequest {
    const env = this.#env(handle);
    const k = this.#k;
    if (!NumberIsInteger(position) || k.sched.vector[position] !== env.id) {
      throw new ArgumentError(
        `position ${describe(position)} is not held by environment ${env.id}`,
      );
    }
    const req = k.asKernel(() => requestSlice(k, env, position));
    if (k.activeEnv() === null) boundary(k, env);
    return req;
  }

  /**
   * Runs the machine with the slice dispatcher until a limit (see RunLimits). Nothing the
   * environments' code does makes it throw: what a libOS throws, or a host error in one of
   * its kernel calls, is that environment's death.
   */
  run(limits: RunLimits = {}): RunResult {
    const k = this.#k;
    if (k.inRun) throw new ArgumentError("Aegis.run is not re-entrant");
    k.inRun = true;
    try {
      boundary(k, null);
      k.asKernel(() => k.sched.startTimer());
      return k.machine.run(k.sched, limits);
    } finally {
      if (!this.continuousTimer) k.asKernel(() => k.sched.stopTimer());
      k.inRun = false;
      boundary(k, k.sched.lastEnv);
    }
  }

  /** Snapshot of the attribution table (for attributionBetween). */
  snapshot(): AttributionSnapshot {
    return this.#k.machine.snapshot();
  }

  /** The network binding's counters (a copy), for tests and reports. */
  netStats(): NetStats {
    return { ...this.#k.net.stats };
  }

  /** The live packet filters: id, owner env, ring frame, whether an ASH is attached (by id). */
  netFilters(): { id: number; env: number; ringFrame: number; ash: boolean }[] {
    const out = newList<{ id: number; env: number; ringFrame: number; ash: boolean }>();
    const live = this.#k.net.engine.filters();
    for (let i = 0; i < live.length; i++) {
      const f = live[i]!;
      const rec = this.#k.net.filters.get(f.id);
      listPush(out, {
        id: f.id,
        env: f.owner,
        ringFrame: rec?.ringFrame ?? -1,
        ash: rec !== undefined && rec.ash !== null,
      });
    }
    return out;
  }

  /** Why the last ASH download was refused (the verifier's reason). */
  get lastAshRefusal(): string {
    return this.#k.net.lastRefusal;
  }

  /** Read-only facts about an environment, for tests and reports. */
  inspect(handle: EnvRef): EnvInfo {
    const death = this.#deathOf(handle);
    if (death !== undefined) return deadInfo(death, this.#k);
    const env = this.#env(handle);
    const k = this.#k;
    const frames = newList<number>();
    for (let f = 0; f < k.frames.count; f++) if (k.frames.owner[f] === env.id) listPush(frames, f);
    const caps = newList<CapInfo>();
    const c = env.caps;
    for (let s = 0; s < c.highWater; s++) {
      if (c.used[s] !== 1) continue;
      listPush(caps, {
        name: c.nameOf(s),
        frame: c.frame[s]!,
        rights: c.rights[s]!,
        stale: k.frames.gen[c.frame[s]!] !== c.frameGen[s],
      });
    }
    const mappings = newList<EnvInfo["mappings"][number]>();
    env.bindings.forEach((b) => {
      listPush(mappings, {
        vpn: b.vpn,
        frame: b.frame,
        writable: b.writable,
        guaranteed: b.guaranteed,
      });
    });
    const slices = setValuesList(env.slices);
    sortNumbers(slices);
    const reserved = newList<number>();
    for (let i = 0; i < slices.length; i++) {
      if (k.sched.reservedBy[slices[i]!] !== 0) listPush(reserved, slices[i]!);
    }
    return {
      id: env.id,
      name: env.name,
      asid: env.asid,
      owner: env.owner,
      alive: env.alive,
      deathReason: env.deathReason,
      frames: frozenArray(frames),
      frameCount: env.frameCount,
      extents: frozenArray(extentStarts(k, env)),
      caps: frozenArray(caps),
      mappings: frozenArray(mappings),
      slices: frozenArray(slices),
      excessSlices: env.excessSlices,
      forfeitSlices: env.forfeitSlices,
      preemptLatencyMaxCycles: env.preemptLatencyMaxCycles,
      maxStretchCycles: env.maxStretchCycles,
      repossessed: frozenArray(env.repossessed),
      parkedOn: env.parkedOn?.id ?? 0,
      grantedCaps: c.grantedCount,
      labels: env.labels.size,
      labelOverflows: env.labelOverflows,
      alarmAtCycle: env.alarmAtCycle,
      alarmPendingCycle: env.alarmPendingCycle,
      reservedSlices: frozenArray(reserved),
    };
  }

  /** The frame table owner of each frame (0 free, -1 kernel, else env id), a copy. */
  frameOwners(): Int32Array {
    return new Int32ArrayCtor(this.#k.frames.owner);
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
    const out = newList<[number, number, number]>();
    const mem = k.machine.memory;
    for (let i = 0; i < k.stlb.entries; i++) {
      const tag = mem.read32(k.stlb.basePa + i * 8);
      if ((tag & 1) === 0) continue;
      listPush(out, [tag >>> 12, (tag >>> 6) & 63, mem.read32(k.stlb.basePa + i * 8 + 4)]);
    }
    return frozenArray(out) as [number, number, number][];
  }

  /** Runs `fn` in a host window for `env`: registers kept, a boundary at its end. */
  #window<T>(env: Env, fn: () => T, onAbort: () => T): T {
    const k = this.#k;
    const regs = k.cpu.regs;
    const saved = new Int32ArrayCtor(regs);
    try {
      return k.runAs(env, fn, onAbort);
    } finally {
      for (let i = 1, n = TypedArrayLength(saved); i < n; i++) regs[i] = saved[i]!;
      if (k.windowDepth === 0 && k.machine.current === null) boundary(k, env);
    }
  }

  /** Destroys an env whose set-up or boot threw (the value goes to the death hook). */
  #destroyWith(env: Env, reason: string, thrown: unknown): void {
    const k = this.#k;
    k.asKernel(() => destroyEnv(k, env, reason, thrown, true));
    if (k.activeEnv() === null) boundary(k, null);
  }

  /** An environment of this kernel, by handle or by public id (a live or unreaped one). */
  #env(ref: EnvRef): Env {
    const env =
      typeof ref === "number" ? this.#k.envs.get(ref) : this.#handles.get(ref as EnvHandle);
    if (env === undefined) {
      throw new ArgumentError(
        this.#deathOf(ref) === undefined
          ? "not a handle or id of this kernel's environments"
          : `environment ${describe(ref)} is dead`,
      );
    }
    return env;
  }

  /**
   * The death record of an environment the kernel has forgotten (named by id: a handle still
   * leads to its trimmed record), or undefined.
   */
  #deathOf(ref: EnvRef): Death | undefined {
    if (typeof ref !== "number" || this.#k.envs.get(ref) !== undefined) return undefined;
    const deaths = this.#k.deaths;
    for (let i = 0; i < deaths.length; i++) if (deaths[i]!.envId === ref) return deaths[i];
    return undefined;
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
  frames: readonly number[];
  /** The frames its quota counts (`frameQuota`): always `frames.length`. */
  frameCount: number;
  /** The disk extents it owns, by first block (in its list's order). */
  extents: readonly number[];
  caps: readonly CapInfo[];
  mappings: readonly { vpn: number; frame: number; writable: boolean; guaranteed: boolean }[];
  slices: readonly number[];
  excessSlices: number;
  forfeitSlices: number;
  preemptLatencyMaxCycles: number;
  maxStretchCycles: number;
  repossessed: readonly number[];
  parkedOn: number;
  /** Slots of its list filled by other environments' grants (policy.grantQuota). */
  grantedCaps: number;
  /** Distinct exec labels its code charged under (policy.labelQuota). */
  labels: number;
  /** Exec charges made under LABEL_OVERFLOW once past the label quota. */
  labelOverflows: number;
  /** The cycle its alarm is armed for, or -1; an expired alarm not yet delivered, or -1. */
  alarmAtCycle: number;
  alarmPendingCycle: number;
  /** The positions it holds by reservation (also in `slices`), ascending. */
  reservedSlices: readonly number[];
}

/** What `inspect` says of an environment the kernel forgot (its death record). */
function deadInfo(death: Death, k: Kernel): EnvInfo {
  const owners = k.machine.accounting.owners;
  let owner = -1;
  for (let i = owners.length - 1; i > 0; i--) {
    if (owners[i]!.env === death.envId) {
      owner = i;
      break;
    }
  }
  const none = frozenArray(newList<never>());
  return {
    id: death.envId,
    name: death.name,
    asid: 0,
    owner,
    alive: false,
    deathReason: death.reason,
    frames: none,
    frameCount: 0,
    extents: none,
    caps: none,
    mappings: none,
    slices: none,
    excessSlices: 0,
    forfeitSlices: 0,
    preemptLatencyMaxCycles: 0,
    maxStretchCycles: 0,
    repossessed: none,
    parkedOn: 0,
    grantedCaps: 0,
    labels: 0,
    labelOverflows: 0,
    alarmAtCycle: -1,
    alarmPendingCycle: -1,
    reservedSlices: none,
  };
}

/** A value in a host-API error message: a number as itself, anything else by its type. */
function describe(v: unknown): string {
  return typeof v === "number" ? `${v}` : typeof v;
}

/** Sorts a list of numbers in place (insertion sort: no Array.prototype method). */
function sortNumbers(list: number[]): void {
  for (let i = 1; i < list.length; i++) {
    const x = list[i]!;
    let j = i - 1;
    while (j >= 0 && list[j]! > x) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = x;
  }
}

function validatePolicy(p: Policy): Policy {
  const keys = ReflectOwnKeys(p);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v: unknown = (p as unknown as Record<PropertyKey, unknown>)[key];
    if (typeof v !== "number" || !NumberIsInteger(v) || v < 0) {
      throw new ConfigError(
        `policy.${typeof key === "string" ? key : "?"} must be a non-negative integer, got ${describe(v)}`,
      );
    }
  }
  if (p.stlbEntries < 512 || p.stlbEntries > 4096 || (p.stlbEntries & (p.stlbEntries - 1)) !== 0) {
    throw new ConfigError("policy.stlbEntries must be a power of two in [512, 4096]");
  }
  if (p.kernelReservedFrames < (p.stlbEntries * 8) / 4096 + 5) {
    throw new ConfigError(
      "policy.kernelReservedFrames must cover the STLB, the kernel stack, a spare frame and the three frames of transfer save areas",
    );
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
  if (p.maxLabelLength < 1) throw new ConfigError("policy.maxLabelLength must be >= 1");
  if (p.deathLogLength < 1) throw new ConfigError("policy.deathLogLength must be >= 1");
  if (p.maxBatchEntries < 1 || p.maxBatchEntries > 4096) {
    throw new ConfigError("policy.maxBatchEntries must be in [1, 4096]");
  }
  return ObjectFreeze({ ...p });
}
