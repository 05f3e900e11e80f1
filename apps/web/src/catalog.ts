import {
  DEFAULT_ADAPTERS as ADAPTERS,
  BASELINE,
  DEFAULT_PROFILE,
  GROUPS,
  overridablePolicy,
  PROFILE_NAMES,
  PROFILES,
  SUITES,
  TRACE_CATEGORIES,
} from "@exolab/bench";
import type { Catalog } from "./protocol.js";

/** The suite a page opens with (the one `pnpm bench` runs). */
export const DEFAULT_SUITE = "paper";

/**
 * What the page offers, read from the bench (worker side: it imports the simulator): the
 * suites and their benchmarks with the systems that run each, the systems, the profiles,
 * and per profile the policy fields each system lets an override set. The systems are those
 * `pnpm bench` runs: every registered one but those `onlyWhenNamed` (the libOS kit's template).
 */
export function buildCatalog(): Catalog {
  return {
    suites: Object.entries(SUITES).map(([id, workloads]) => ({
      id,
      benchmarks: workloads.map((w) => ({
        id: w.id,
        title: w.title,
        unit: w.unit,
        systems: ADAPTERS.filter((a) => a.unsupported(w.port, w.id, w) === undefined).map(
          (a) => a.id,
        ),
      })),
    })),
    defaultSuite: DEFAULT_SUITE,
    systems: ADAPTERS.map((a) => ({ id: a.id, title: a.title })),
    baseline: BASELINE,
    profiles: PROFILE_NAMES.map((id) => ({ id, description: PROFILES[id].description })),
    defaultProfile: DEFAULT_PROFILE,
    policies: Object.fromEntries(
      PROFILE_NAMES.map((p) => [
        p,
        Object.fromEntries(ADAPTERS.map((a) => [a.id, overridablePolicy(a, p)])),
      ]),
    ),
    groups: GROUPS.map((g) => ({ title: g.title, benchmarks: [...g.benchmarks] })),
    categories: TRACE_CATEGORIES.filter((c) => c !== "event"),
  };
}
