import type { EnvHandle } from "./env/handle-types.js";

/**
 * The one shape every library OS has (docs/libos-contract.md): a name and a boot function
 * that takes the environment handle the kernel created and the libOS's options, and returns
 * its API. The APIs differ between libOSes, as competing designs do.
 */
export interface LibOS<Options = unknown, Api = unknown> {
  readonly name: string;
  boot(env: EnvHandle, options: Options): Api;
}

/**
 * The folder shape of every libOS package (the kit's template checks its own in a test, and so
 * does every libOS made from it).
 */
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
