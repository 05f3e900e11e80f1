/**
 * Freezes a class a process can reach (through its handle, its CPU view or a caught error):
 * the class, its prototype, and every function on the prototype with, for a generator
 * method, the prototype its generator objects inherit from. A process shares these with
 * every other process; frozen, none can plant code there for another to run.
 */
export function freezeClass(c: abstract new (...args: never[]) => unknown): void {
  const proto = c.prototype as object;
  for (const key of Reflect.ownKeys(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, key)!;
    for (const f of [d.value, d.get, d.set]) {
      if (typeof f !== "function") continue;
      const fp: unknown = Object.hasOwn(f, "prototype") ? f.prototype : undefined;
      if (fp !== null && typeof fp === "object") Object.freeze(fp);
      Object.freeze(f);
    }
  }
  Object.freeze(proto);
  Object.freeze(c);
}
