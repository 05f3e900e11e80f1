import type { EnvHandle } from "./env/handle-types.js";

/**
 * The one shape every library OS has (DESIGN.md §3): a name and a boot function that takes
 * the environment handle the kernel created and the libOS's options, and returns its API.
 * The APIs differ between libOSes, as competing designs do.
 */
export interface LibOS<Options = unknown, Api = unknown> {
  readonly name: string;
  boot(env: EnvHandle, options: Options): Api;
}

/** The folder shape of every libOS package (checked by review, documented in each README). */
export const LIBOS_TEMPLATE: readonly string[] = Object.freeze([
  "src/index.ts",
  "src/costs.ts",
  "src/policy.ts",
  "src/vm/",
  "src/ipc/",
  "src/sched/",
  "README.md",
  "COSTS.md",
]);
