/** Helpers shared by the tests (excluded from the build). */
import { type CpuView, type EnvHandle, Result } from "./index.js";
import { Aegis, type AegisOptions } from "./kernel.js";

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
