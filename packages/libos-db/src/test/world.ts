/**
 * Test helpers (excluded from the build). Tests import "@exolab/exokernel/kernel" to create
 * the kernel and its environments: the privileged side a shell or the bench plays.
 *
 * The exokernel refuses every handle call made with nothing running: host code that acts
 * for an environment says so with `aegis.actAs(env, fn)`. A test's set-up and checks are
 * host code, so `spawn` returns the process's API as the host uses it: every call runs in
 * an `actAs` window for its environment (inside the process's own threads no window is
 * needed, and `actAs` just runs the call). The library itself, and the threads a test
 * spawns, run on the real API.
 */

import { defineCosts, type EnvHandle } from "@exolab/exokernel";
import { Aegis, type AegisOptions } from "@exolab/exokernel/kernel";
import { withMemorySystem } from "@exolab/machine/privileged";
import { type LibOsApi, type LibOsOptions, libos } from "../index.js";

/**
 * dec5000_125 with its memory system off: every access a one-cycle hit, so a path costs exactly
 * its counted instructions (costs.ts) and machine operations. The default of `world()`: these
 * tests pin counted paths and exact timing; a test that measures with the memory system names
 * its profile (`machineConfig.profile`), and the bench measures every figure with it.
 */
export const COUNTED_PROFILE = withMemorySystem("dec5000_125", false);

export interface World {
  aegis: Aegis;
  /** Boots a process; returns its API as host code uses it (see above). */
  spawn(options?: LibOsOptions): LibOsApi;
  /** Runs until `done()` or the cycle budget; returns the outcome. */
  runUntil(done: () => boolean, maxCycles?: number): string;
}

/** The labels tests charge from their threads: one instruction each, charged `exec(cost, n)`. */
export const TEST_COSTS = defineCosts({
  "test.work": { instructions: 1, source: "test code: one instruction, charged `times` times" },
});

export function world(opts: AegisOptions = {}): World {
  const aegis = new Aegis({
    ...opts,
    machineConfig: { profile: COUNTED_PROFILE, ...opts.machineConfig },
  });
  return {
    aegis,
    spawn(options: LibOsOptions = {}) {
      return hosted(aegis, aegis.boot(libos, options).api);
    },
    runUntil(done, maxCycles = 50_000_000) {
      const start = aegis.machine.now;
      return aegis.run({ stopWhen: done, untilCycle: start + maxCycles }).outcome;
    },
  };
}

/** `api` with every method call (of it, its sub-objects and `env`) in an actAs window. */
export function hosted(aegis: Aegis, api: LibOsApi): LibOsApi {
  return hostedObject(aegis, api.env, api, new WeakMap());
}

function hostedObject<T extends object>(
  aegis: Aegis,
  handle: EnvHandle,
  obj: T,
  seen: WeakMap<object, object>,
): T {
  const known = seen.get(obj);
  if (known !== undefined) return known as T;
  const out: Record<PropertyKey, unknown> = {};
  seen.set(obj, out);
  for (
    let p: object | null = obj;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === "constructor" || Object.hasOwn(out, key)) continue;
      const d = Object.getOwnPropertyDescriptor(p, key)!;
      if (typeof d.value === "function") {
        const f = d.value as (...args: unknown[]) => unknown;
        out[key] = (...args: unknown[]) => aegis.actAs(handle, () => Reflect.apply(f, obj, args));
        continue;
      }
      // Data and accessors read live (counters, lastError…); sub-objects are wrapped too.
      Object.defineProperty(out, key, {
        enumerable: true,
        get: () => {
          const v: unknown = Reflect.get(obj, key);
          if (v === null || typeof v !== "object" || Array.isArray(v) || ArrayBuffer.isView(v))
            return v;
          return hostedObject(aegis, handle, v, seen);
        },
      });
    }
  }
  return out as T;
}
