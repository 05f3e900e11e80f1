import type { HostEnvironment } from "@exolab/bench";

/**
 * The host a report made in the page records: the commit the page was built from (where the
 * build knew it), the browser that ran it, its cores. It cannot measure host time (that is
 * benchmark.js's job, in Node).
 */
export function pageHost(): HostEnvironment {
  const nav: Partial<Navigator> = typeof navigator === "undefined" ? {} : navigator;
  return {
    describe: () => ({
      commit: typeof __EXOLAB_COMMIT__ === "undefined" ? null : __EXOLAB_COMMIT__,
      dirty: typeof __EXOLAB_DIRTY__ === "undefined" ? null : __EXOLAB_DIRTY__,
      runtime: `none (web browser: ${nav.userAgent ?? "unknown"})`,
      platform: "web",
      arch: "unknown",
      cpus: nav.hardwareConcurrency ?? 0,
    }),
  };
}
