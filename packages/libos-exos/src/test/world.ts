/**
 * Test helpers (excluded from the build). Tests import "@exolab/exokernel/kernel" to create
 * the kernel and its environments: that is the privileged side a shell or the bench plays.
 *
 * The exokernel refuses every handle call made with nothing running (a host callback, say):
 * host code that acts for an environment says so with `aegis.actAs(env, fn)`. A test's
 * set-up and checks are host code, so `spawn` returns the process's API as the host uses it:
 * every call runs in an `actAs` window for the process's environment (inside the process's
 * own threads no window is needed, and `actAs` just runs the call). The library itself, and
 * the threads a test spawns, run on the real API.
 */

import { defineCosts, type EnvHandle } from "@exolab/exokernel";
import { Aegis, type AegisOptions, type DeathMatch, DeathWatch } from "@exolab/exokernel/kernel";
import { withMemorySystem } from "@exolab/machine/privileged";
import { afterEach } from "vitest";
import { type ExosApi, type ExosOptions, exos } from "../index.js";

/**
 * dec5000_125 with its memory system off: every access a one-cycle hit, so a path costs exactly
 * its counted instructions (costs.ts) and machine operations. The default of `world()`: these
 * tests pin counted paths and exact timing; a test that measures with the memory system names
 * its profile (`machineConfig.profile`), and the bench measures every figure with it.
 */
export const COUNTED_PROFILE = withMemorySystem("dec5000_125", false);

/** dec5000_125 with its memory system on, named (the paper's figures are measured with it). */
export const WITH_MEMORY = withMemorySystem("dec5000_125", true);

/** The watches of the worlds made by the running test (checked, then dropped, after it). */
const live: { aegis: Aegis; watch: DeathWatch }[] = [];

afterEach(({ task }) => {
  const all = live.splice(0);
  // A test that already failed (with the death's own error, as a rule) is not failed twice.
  if (task.result?.state === "fail") return;
  for (const { aegis, watch } of all) watch.verify(aegis);
});

/**
 * A test's kernel and processes. The world fails loudly: an environment death its test did
 * not declare (`expectDeath`) — above all an `expect` that failed inside a process's code,
 * which the kernel turns into that process's death — fails the test with what the code threw
 * (the assertion's own message), at the `run`/`actAs` that reported it or after the test
 * (the exokernel's `DeathWatch`). An `exit` is always expected.
 */
export interface World {
  aegis: Aegis;
  /** Declares deaths the test causes on purpose (env id, name, /reason/, predicate). */
  expectDeath(...matches: DeathMatch[]): void;
  /** Boots a process; returns its API as host code uses it (see above). */
  spawn(options?: ExosOptions): ExosApi;
  /** Runs until `done()` or the cycle budget; returns the outcome. */
  runUntil(done: () => boolean, maxCycles?: number): string;
}

export function world(opts: AegisOptions = {}): World {
  const watch = new DeathWatch();
  const own = opts.onDeath;
  const aegis = new Aegis({
    ...opts,
    machineConfig: { profile: COUNTED_PROFILE, ...opts.machineConfig },
    onDeath: (death, ...thrown: unknown[]) => {
      own?.(death, ...(thrown as [unknown]));
      watch.onDeath(death, ...(thrown as [unknown]));
    },
  });
  live.push({ aegis, watch });
  return {
    aegis,
    expectDeath: (...matches) => watch.expect(...matches),
    spawn(options: ExosOptions = {}) {
      return hostedApi(aegis, aegis.boot(exos, options).api);
    },
    runUntil(done, maxCycles = 50_000_000) {
      const start = aegis.machine.now;
      return aegis.run({ stopWhen: done, untilCycle: start + maxCycles }).outcome;
    },
  };
}

/** The labels tests charge from their threads: one instruction each, charged `exec(cost, n)`. */
export const TEST_COSTS = defineCosts({
  "test.work": { instructions: 1, source: "test code: one instruction, charged `times` times" },
  "test.scribble": { instructions: 1, source: "test code: one instruction, charged `times` times" },
  "test.other": { instructions: 1, source: "test code: one instruction, charged `times` times" },
});

/** Microseconds of `cycles` on the DEC5000/125 (40 ns per cycle). */
export const micros = (cycles: number): number => (cycles * 40) / 1000;

/** `api` with every method call (of it, its sub-objects and `env`) in an actAs window. */
export function hostedApi(aegis: Aegis, api: ExosApi): ExosApi {
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
          if (v === null || typeof v !== "object" || Array.isArray(v) || ArrayBuffer.isView(v)) {
            return v;
          }
          return hostedObject(aegis, handle, v, seen);
        },
      });
    }
  }
  return out as T;
}
