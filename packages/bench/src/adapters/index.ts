import { BASELINE, type SystemAdapter, type SystemId } from "./adapter.js";
import { REGISTRY } from "./registry.js";

/** Every registered system, in report order (the baseline first). */
export const ADAPTERS: readonly SystemAdapter[] = Object.freeze(REGISTRY.map((r) => r.adapter));

/** Their ids. */
export const SYSTEM_IDS: readonly SystemId[] = Object.freeze(ADAPTERS.map((a) => a.id));

/** The systems a run that names none measures: every registered one but those `onlyWhenNamed`. */
export const DEFAULT_ADAPTERS: readonly SystemAdapter[] = Object.freeze(
  REGISTRY.filter((r) => r.onlyWhenNamed !== true).map((r) => r.adapter),
);

export function adapterFor(id: string): SystemAdapter | undefined {
  return ADAPTERS.find((a) => a.id === id);
}

/** The registry's invariants: ids unique, the baseline first. */
function checkRegistry(): void {
  const seen = new Set<string>();
  for (const a of ADAPTERS) {
    if (seen.has(a.id)) throw new Error(`system "${a.id}" is registered twice`);
    seen.add(a.id);
  }
  if (ADAPTERS[0]?.id !== BASELINE) throw new Error(`the baseline (${BASELINE}) must come first`);
}
checkRegistry();
