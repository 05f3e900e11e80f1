import type { ContextAbort, Cpu } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import type { Env } from "../env/env.js";
import { destroyEnv } from "../env/lifecycle.js";

/**
 * The jump to user level from inside a kernel exception handler: `rfe` (back to the mode
 * the exception interrupted), then the libOS's function as the libOS owner. The libOS's
 * code may fault again (nested exceptions) or be unwound by ContextAbort.
 *
 * Nothing it throws is inspected (no `instanceof`, no property read: a thrown Proxy could
 * run a trap): if its env is still alive, whatever it threw is an error that destroys the env
 * (`kind` names what threw, e.g. "an exception handler"), handed to the host's death hook
 * as is; if its env is dead, it is being unwound. What unwinds is always a fresh ContextAbort
 * from the kernel. Hostile code may catch that abort and return: a return into the kernel
 * from a destroyed environment's code is therefore unwound again here, so no kernel path
 * resumes after it.
 */
export function upcall<T>(k: Kernel, cpu: Cpu, env: Env, kind: string, fn: () => T): T {
  cpu.rfe();
  const prev = cpu.setOwner(env.owner);
  // The user code runs single accesses of its own, even if a block copy was interrupted.
  const inBlock = k.blockAccess;
  k.blockAccess = false;
  let r: T;
  try {
    r = fn();
  } catch (e) {
    if (!env.alive) throw k.abortActive(env.deathReason);
    throw killActive(k, env, `${kind} threw`, e, true);
  }
  // A host error its code caught (the hook could not run): it is this env's.
  if (cpu.hostThrowPending) k.noteHostThrow(env);
  // The env may have been destroyed under the handler, which then caught the ContextAbort
  // unwinding it and returned: nothing of its code may return into the kernel path that
  // called it (the exception frames below it are abandoned). Unwind again.
  if (!env.alive) throw k.abortActive(env.deathReason);
  k.blockAccess = inBlock;
  cpu.setOwner(prev);
  return r;
}

/**
 * Destroys the active environment and returns the ContextAbort that unwinds its code.
 * `thrown` (when `hasThrown`) is the value its code threw, for the host's death hook.
 */
export function killActive(
  k: Kernel,
  env: Env,
  reason: string,
  thrown: unknown = undefined,
  hasThrown = false,
): ContextAbort {
  destroyEnv(k, env, reason, thrown, hasThrown);
  return k.abortActive(reason);
}
