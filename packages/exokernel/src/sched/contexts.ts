import type { ExecutionContext, Thread } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import type { Env } from "../env/env.js";
import { killActive } from "../exc/upcall.js";
import { GeneratorPrototypeNext, ObjectFreeze } from "../intrinsics.js";

/**
 * Creates the kernel execution context for one entry of an environment (start-of-slice,
 * sync or async PCT entry). The libOS's entry function is called inside the context, at
 * its first resumption, so its work is charged to it.
 *
 * The machine resumes a context by calling `next()` on its body; the body the kernel gives
 * it is a frozen object whose `next` is an own property (the kernel's driver below), so a
 * libOS that patches `%GeneratorPrototype%.next` cannot intercept the resumption of any
 * context. The driver runs the libOS's generator with the `next` captured at load
 * (intrinsics.ts): for anything but a genuine generator object (a Proxy, a hostile
 * iterator, a plain object) that throws before any of its code runs.
 *
 * Nothing the libOS's code throws is inspected: if its env is alive, the throw destroys it
 * (the value goes to the host's death hook as is); if its env is dead, the code is being
 * unwound, and the driver throws a fresh ContextAbort of the kernel's — also when the code
 * caught its abort and then returned or yielded: a dead env's context never runs again.
 */
export function entryContext(
  k: Kernel,
  env: Env,
  kind: string,
  start: () => Thread,
): ExecutionContext {
  const ctx = k.machine.createContext(`${env.name}:${kind}`, env.owner, driver(k, env, start));
  ctx.tag = env;
  return ctx;
}

const MORE: IteratorResult<unknown, void> = ObjectFreeze({ done: false, value: undefined });
const DONE: IteratorResult<unknown, void> = ObjectFreeze({ done: true, value: undefined });

function driver(k: Kernel, env: Env, start: () => Thread): Thread {
  let gen: unknown = null;
  let started = false;
  const next = (): IteratorResult<unknown, void> => {
    let done: boolean;
    try {
      if (!started) {
        started = true;
        gen = start();
        if (gen === null || typeof gen !== "object") {
          throw killActive(k, env, "an entry did not return a generator", gen, true);
        }
      }
      // An iterator result made by the engine: `done` is an own data property.
      done = GeneratorPrototypeNext(gen as Generator).done === true;
    } catch (e) {
      if (!env.alive) throw k.abortActive(env.deathReason);
      throw killActive(k, env, "libOS code threw (or an entry returned no generator)", e, true);
    }
    // A host error its code caught and went on from (the hook could not run): this env's.
    if (k.cpu.hostThrowPending) k.noteHostThrow(env);
    if (!env.alive) throw k.abortActive(env.deathReason);
    return done ? DONE : MORE;
  };
  return ObjectFreeze({ next }) as unknown as Thread;
}

export function live(ctx: ExecutionContext | null): ExecutionContext | null {
  return ctx !== null && !ctx.finished ? ctx : null;
}
