import { MACHINE_COSTS } from "@exolab/machine/privileged";
import type { CostRow, CostTables } from "./adapters/adapter.js";
import { ADAPTERS } from "./adapters/index.js";
import { COSTS as BENCH_COSTS, GLUE_COSTS } from "./costs.js";

export type { CostRow };

/**
 * Every cost table an `exec` label may come from, by package: the machine's, the bench's own
 * (the workloads' code and the adapters' glue), and those each registered system carries.
 */
export const COST_TABLES: CostTables = Object.freeze(
  ADAPTERS.reduce<Record<string, Readonly<Record<string, CostRow>>>>(
    (tables, a) => {
      for (const [pkg, table] of Object.entries(a.costs))
        tables[pkg] = { ...(tables[pkg] ?? {}), ...table };
      return tables;
    },
    {
      "@exolab/machine": MACHINE_COSTS,
      "@exolab/bench": { ...BENCH_COSTS, ...GLUE_COSTS },
    },
  ),
);

/** label -> the package whose costs.ts defines it. */
export function costLabels(): Map<string, string> {
  const m = new Map<string, string>();
  for (const [pkg, table] of Object.entries(COST_TABLES)) {
    for (const label of Object.keys(table)) m.set(label, pkg);
  }
  return m;
}
