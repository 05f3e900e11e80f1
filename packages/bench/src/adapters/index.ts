import type { SystemAdapter, SystemId } from "./adapter.js";

/** Every system the bench can measure, in report order (the baseline first). */
export const ADAPTERS: readonly SystemAdapter[] = Object.freeze([]);

export function adapterFor(id: string): SystemAdapter | undefined {
  return ADAPTERS.find((a) => a.id === (id as SystemId));
}
