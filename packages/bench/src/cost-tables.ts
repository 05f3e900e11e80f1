import { EXAMPLE_LIBOS_COSTS, COSTS as EXOKERNEL_COSTS } from "@exolab/exokernel/kernel";
import { COSTS as EXOS_COSTS } from "@exolab/libos-exos";
import type { Cost } from "@exolab/machine";
import { MACHINE_COSTS } from "@exolab/machine/privileged";
import { COSTS as MONOLITHIC_COSTS } from "@exolab/monolithic";
import { BARE_COSTS, COSTS as BENCH_COSTS, GLUE_COSTS } from "./costs.js";

/**
 * Every package's costs.ts, by package: the only places an `exec` label may come from. Each
 * table is made by `defineCosts` (keyed by label, each record carrying its label).
 */
export const COST_TABLES: Readonly<Record<string, Readonly<Record<string, Cost>>>> = Object.freeze({
  "@exolab/machine": MACHINE_COSTS,
  "@exolab/exokernel": { ...EXOKERNEL_COSTS, ...EXAMPLE_LIBOS_COSTS },
  "@exolab/monolithic": MONOLITHIC_COSTS,
  "@exolab/libos-exos": EXOS_COSTS,
  "@exolab/bench": { ...BENCH_COSTS, ...BARE_COSTS, ...GLUE_COSTS },
});

/** label -> the package whose costs.ts defines it. */
export function costLabels(): Map<string, string> {
  const m = new Map<string, string>();
  for (const [pkg, table] of Object.entries(COST_TABLES)) {
    for (const label of Object.keys(table)) m.set(label, pkg);
  }
  return m;
}
