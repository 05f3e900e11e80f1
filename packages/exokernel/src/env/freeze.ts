import {
  ObjectFreeze,
  ObjectGetOwnPropertyDescriptor,
  ObjectHasOwn,
  ReflectOwnKeys,
} from "../intrinsics.js";

/**
 * Freezes an object the kernel hands out and every function reachable from its own
 * properties (methods, getters, and a generator function's prototype, which the generator
 * objects it returns inherit from): no handle or view gives a way to change code that the
 * kernel or another environment will run.
 */
export function freezeAll<T extends object>(obj: T): T {
  const keys = ReflectOwnKeys(obj);
  for (let i = 0; i < keys.length; i++) {
    const d = ObjectGetOwnPropertyDescriptor(obj, keys[i]!)!;
    freezeFunction(d.value);
    freezeFunction(d.get);
    freezeFunction(d.set);
  }
  return ObjectFreeze(obj);
}

/** Freezes a function and, for a generator function, the prototype its generators inherit. */
export function freezeFunction(f: unknown): void {
  if (typeof f !== "function") return;
  const proto: unknown = ObjectHasOwn(f, "prototype") ? f.prototype : undefined;
  if (proto !== null && typeof proto === "object") ObjectFreeze(proto);
  ObjectFreeze(f);
}
