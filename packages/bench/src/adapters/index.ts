import type { SystemAdapter, SystemId } from "./adapter.js";
import { exokernelAdapter } from "./exokernel.js";
import { exosAdapter } from "./exos.js";
import { monolithicAdapter } from "./monolithic.js";

/** Every system the bench can measure, in report order (the baseline first). */
export const ADAPTERS: readonly SystemAdapter[] = Object.freeze([
  monolithicAdapter,
  exokernelAdapter,
  exosAdapter,
]);

export function adapterFor(id: string): SystemAdapter | undefined {
  return ADAPTERS.find((a) => a.id === (id as SystemId));
}
