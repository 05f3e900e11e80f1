import { BARE_HOST, type HostDescription } from "./host.js";
import type { ReportMeta } from "./result.js";
import { BENCH_VERSION } from "./version.js";

export interface MetaInput {
  readonly tool?: { readonly name: string; readonly version: string };
  readonly systems: readonly string[];
  readonly benchmarks: readonly string[];
  readonly hostTime: boolean;
  readonly quick: boolean;
  /** The date to record (tests); default now. */
  readonly date?: Date;
}

/**
 * The meta record of a report: tool, commit, date, runtime, host and the run's options. What
 * is known of the host comes from the caller (`nodeHost().describe()` in Node).
 */
export function buildMeta(o: MetaInput, host: HostDescription = BARE_HOST.describe()): ReportMeta {
  return {
    tool: o.tool?.name ?? "@exolab/bench",
    version: o.tool?.version ?? BENCH_VERSION,
    commit: host.commit,
    dirty: host.dirty,
    date: (o.date ?? new Date()).toISOString(),
    node: host.runtime,
    host: { platform: host.platform, arch: host.arch, cpus: host.cpus },
    options: {
      systems: [...o.systems],
      benchmarks: [...o.benchmarks],
      hostTime: o.hostTime,
      quick: o.quick,
    },
  };
}
