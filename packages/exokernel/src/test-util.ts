/** Helpers shared by the tests (excluded from the build). */
import { withMemorySystem } from "@exolab/machine/privileged";
import { afterEach } from "vitest";
import { type CpuView, type EnvHandle, Result } from "./index.js";
import {
  type AegisOptions,
  type DeathMatch,
  DeathWatch,
  type EnvRef,
  Aegis as KernelAegis,
} from "./kernel.js";

// ---- counted paths ---------------------------------------------------------------------------

/**
 * dec5000_125 with its memory system off: every access a one-cycle hit and no write-buffer
 * stall, so a path costs exactly its counted instructions and machine operations. The tests
 * that derive cycles step by step from costs.ts, or that pin exact cycles of the kernel's
 * timing, run on it; every other test runs on the named profile, memory system on. The
 * memory system's part of each measured path is pinned by the bench's figures.
 */
export const COUNTED_PROFILE = withMemorySystem("dec5000_125", false);

/** `options` on the counted profile. */
export function counted(options: AegisOptions = {}): AegisOptions {
  return { ...options, machineConfig: { ...options.machineConfig, profile: COUNTED_PROFILE } };
}

// ---- the test world: an unexpected death fails its test ---------------------------------

/** The watches of the kernels made by the running test (checked, then dropped, after it). */
const live: { aegis: KernelAegis; watch: DeathWatch }[] = [];
const watches = new WeakMap<KernelAegis, DeathWatch>();

afterEach(({ task }) => {
  const all = live.splice(0);
  // A test that already failed (with the death's own error, as a rule) is not failed twice.
  if (task.result?.state === "fail") return;
  for (const { aegis, watch } of all) watch.verify(aegis);
});

/**
 * The kernel of every test: an `Aegis` whose deaths are watched (`DeathWatch`). A death its
 * test did not declare (`expectDeath`), other than an `exit` or a `destroy` the test made,
 * fails the test with what the environment's code threw — an `expect` that failed inside an
 * environment fails its test with the assertion's own message. A test's own `onDeath` still
 * gets every death.
 */
export class Aegis extends KernelAegis {
  constructor(options: AegisOptions = {}) {
    const watch = new DeathWatch();
    const own = options.onDeath;
    super({
      ...options,
      onDeath: (death, ...rest: unknown[]) => {
        own?.(death, ...(rest as [unknown]));
        watch.onDeath(death, ...(rest as [unknown]));
      },
    });
    watches.set(this, watch);
    live.push({ aegis: this, watch });
  }

  /** A death the test causes itself is expected. */
  override destroy(handle: EnvRef, reason?: string): void {
    const id = typeof handle === "number" ? handle : handle.id;
    watches.get(this)!.expect(id);
    super.destroy(handle, reason);
  }
}

/** Declares deaths the running test causes on purpose (env id, name, reason, predicate). */
export function expectDeath(aegis: KernelAegis, ...matches: DeathMatch[]): void {
  watchOf(aegis).expect(...matches);
}

/** Declares that any death of `aegis`'s environments is expected (the test checks them). */
export function allowDeaths(aegis: KernelAegis): void {
  watchOf(aegis).allowAll();
}

function watchOf(aegis: KernelAegis): DeathWatch {
  const w = watches.get(aegis);
  if (w === undefined)
    throw new Error("not a test world's kernel (make it with test-util's Aegis)");
  return w;
}

/** A handle whose every call the host makes for its env (see `hosted`). */
export type Hosted = EnvHandle & { readonly handle: EnvHandle };

const HANDLE_CALLS = [
  "allocFrame",
  "frameOf",
  "freeFrame",
  "grant",
  "dropCap",
  "tlbWrite",
  "tlbDelete",
  "guarantee",
  "bindBatch",
  "setHandler",
  "onEndOfSlice",
  "onStartOfSlice",
  "setEntry",
  "allocSlice",
  "freeSlice",
  "onRevoke",
  "repossessed",
  "exit",
  "nullSyscall",
  "nullSyscallStack",
  "readCycles",
  "setInterruptHandler",
  "setAlarm",
  "cancelAlarm",
  "reserveSlices",
  "releaseSlices",
  "allocExtent",
  "freeExtent",
  "grantExtent",
  "extentOf",
  "diskRead",
  "diskWrite",
  "insertFilter",
  "deleteFilter",
  "netSend",
  "downloadAsh",
] as const;
const PASS_THROUGH = ["pct", "yieldTo", "yieldSlice", "safepoint"] as const;
const VIEW_CALLS = [
  "load8",
  "load16",
  "load32",
  "store8",
  "store16",
  "store32",
  "copy",
  "zero",
  "exec",
  "reg",
  "setReg",
  "multiply",
  "addTrapping",
  "coprocessor1",
] as const;

/**
 * Tests only: `env`'s handle as host code uses it — every call runs in its own
 * `aegis.actAs(env, …)` window (inside env's own running code a window is not needed, and
 * `actAs` just runs the call). This is what a test's set-up and checks do; a libOS's code is
 * given the real handle (`.handle`). Host callbacks and other envs' code get nothing from
 * the real handle (kernel hole 4); `aegis.inspect` and friends take `h.id` or `h.handle`.
 */
export function hosted(aegis: Aegis, handle: EnvHandle): Hosted {
  if ((handle as Partial<Hosted>).handle !== undefined) return handle as Hosted;
  const out: Record<string, unknown> = {};
  for (const name of HANDLE_CALLS) {
    const f = handle[name] as (...args: unknown[]) => unknown;
    out[name] = (...args: unknown[]) => aegis.actAs(handle, () => f(...args));
  }
  for (const name of PASS_THROUGH) out[name] = handle[name];
  const view: Record<string, unknown> = {};
  for (const name of VIEW_CALLS) {
    const f = handle.cpu[name] as (...args: unknown[]) => unknown;
    view[name] = (...args: unknown[]) => aegis.actAs(handle, () => f(...args));
  }
  Object.defineProperties(view, {
    now: { get: () => handle.cpu.now },
    switchPending: { get: () => handle.cpu.switchPending },
  });
  Object.defineProperties(out, {
    id: { get: () => handle.id },
    asid: { get: () => handle.asid },
    alive: { get: () => handle.alive },
    cpu: { value: Object.freeze(view as unknown as CpuView) },
    policy: { value: handle.policy },
    handle: { value: handle },
  });
  return Object.freeze(out) as unknown as Hosted;
}

/** A new environment, as `hosted` (tests). */
export function hostedEnv(aegis: Aegis, name?: string): Hosted {
  return hosted(aegis, aegis.createEnvironment(name === undefined ? {} : { name }));
}

export const SAVE_VA = 0x7ff01000;

/** Hostile argument values, and a counter of how often any of their traps/getters ran. */
export function hostileValues(): { values: unknown[]; reads: () => number } {
  let reads = 0;
  const getterObj = {
    get valueOf() {
      reads++;
      return () => 5;
    },
    get [Symbol.toPrimitive]() {
      reads++;
      return () => 5;
    },
  };
  const proxy = new Proxy(
    {},
    {
      get() {
        reads++;
        return () => 5;
      },
      getPrototypeOf() {
        reads++;
        return null;
      },
      has() {
        reads++;
        return true;
      },
    },
  );
  const fnProxy = new Proxy(() => 5, {
    get() {
      reads++;
      return () => 5;
    },
    apply() {
      reads++;
      return 5;
    },
  });
  return {
    values: [
      Number.NaN,
      1.5,
      -0.5,
      2 ** 40,
      -(2 ** 40),
      Number.POSITIVE_INFINITY,
      "3",
      "",
      true,
      null,
      undefined,
      10n,
      Symbol("x"),
      {},
      [],
      [3],
      getterObj,
      proxy,
      fnProxy,
      new Number(3),
    ],
    reads: () => reads,
  };
}

export function newKernel(opts: AegisOptions = {}): Aegis {
  return new Aegis(opts);
}

/** An env with a guaranteed save area at SAVE_VA (as `hosted`). */
export function envWithSaveArea(aegis: Aegis, name = "e"): Hosted {
  const env = hostedEnv(aegis, name);
  const save = env.allocFrame();
  if (save < 0 || env.guarantee(SAVE_VA, save, 1) !== Result.Ok) throw new Error("setup failed");
  return env;
}
