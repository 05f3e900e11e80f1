import {
  type ExecutionContext,
  KernelContractError,
  type Thread,
} from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import type { Env } from "../env/env.js";
import { errorText, killActive } from "../exc/upcall.js";

/**
 * Creates the kernel execution context for one entry of an environment (start-of-slice,
 * sync or async PCT entry). The libOS's entry function is called inside the context, at
 * its first resumption, so its work is charged to it. The body is guarded: a JS error
 * thrown by libOS code, or an entry that does not return a generator, destroys the
 * environment (reason recorded) instead of crashing the run loop.
 */
export function entryContext(
  k: Kernel,
  env: Env,
  kind: string,
  start: () => Thread,
): ExecutionContext {
  const ctx = k.machine.createContext(`${env.name}:${kind}`, env.owner, guarded(k, env, start));
  ctx.tag = env;
  return ctx;
}

function* guarded(k: Kernel, env: Env, start: () => Thread): Thread {
  try {
    const gen = start();
    if (gen === null || typeof gen !== "object" || typeof gen.next !== "function") {
      throw killActive(k, env, "an entry did not return a generator");
    }
    yield* gen;
  } catch (e) {
    // A destroyed env's code is unwound by a fresh ContextAbort (whatever it threw, a
    // forged abort included); a kernel bug propagates; anything else a live env's code
    // throws destroys it.
    if (!env.alive) throw k.abortActive(env.deathReason);
    if (e instanceof KernelContractError) throw e;
    throw killActive(k, env, `libOS code threw: ${errorText(e)}`);
  }
}

export function live(ctx: ExecutionContext | null): ExecutionContext | null {
  return ctx !== null && !ctx.finished ? ctx : null;
}
