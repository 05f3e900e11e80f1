import type { ContextAbort, Cpu } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import type { Env } from "../env/env.js";
import { destroyEnv } from "../env/lifecycle.js";

/**
 * The jump to user level from inside a kernel exception handler: `rfe` (back to the mode
 * the exception interrupted), then the libOS's function as the libOS owner. The libOS's
 * code may fault again (nested exceptions) or be unwound by ContextAbort; a JS error it
 * throws destroys its environment (the error is recorded as the reason) and unwinds it.
 * Hostile code may catch the ContextAbort; a return into the kernel from a destroyed
 * environment's code is therefore unwound again here, so no kernel path resumes after it.
 */
export function upcall<T>(k: Kernel, cpu: Cpu, env: Env, fn: () => T): T {
  cpu.rfe();
  const prev = cpu.setOwner(env.owner);
  // The user code runs single accesses of its own, even if a block copy was interrupted.
  const inBlock = k.blockAccess;
  k.blockAccess = false;
  let r: T;
  try {
    r = fn();
  } catch (e) {
    // Only the kernel unwinds, and only a destroyed env: whatever a live env's code throws
    // (a forged ContextAbort included) is an error that destroys it. What unwinds is always
    // a fresh ContextAbort from the kernel (no instanceof test on a hostile value).
    if (!env.alive) throw k.abortActive(env.deathReason);
    throw killActive(k, env, `a handler threw: ${errorText(e)}`);
  }
  // The env may have been destroyed under the handler, which then caught the ContextAbort
  // unwinding it and returned: nothing of its code may return into the kernel path that
  // called it (the exception frames below it are abandoned). Unwind again.
  if (!env.alive) throw k.abortActive(env.deathReason);
  k.blockAccess = inBlock;
  cpu.setOwner(prev);
  return r;
}

/** Destroys the active environment and returns the ContextAbort that unwinds its code. */
export function killActive(k: Kernel, env: Env, reason: string): ContextAbort {
  destroyEnv(k, env, reason);
  return k.abortActive(reason);
}

export function errorText(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : typeof e;
  } catch {
    return "unprintable error";
  }
}
