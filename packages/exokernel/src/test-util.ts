/** Helpers shared by the tests (excluded from the build). */
import { type EnvHandle, Result } from "./index.js";
import { Aegis, type AegisOptions } from "./kernel.js";

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

/** An env with a guaranteed save area at SAVE_VA. */
export function envWithSaveArea(aegis: Aegis, name = "e"): EnvHandle {
  const env = aegis.createEnvironment({ name });
  const save = env.allocFrame();
  if (save < 0 || env.guarantee(SAVE_VA, save, 1) !== Result.Ok) throw new Error("setup failed");
  return env;
}
