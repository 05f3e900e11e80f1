import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { arch, availableParallelism, platform } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type BenchmarkJs from "benchmark";
import type { HostEnvironment, HostTimer } from "../host.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Runs git in this package's folder; undefined when git or the checkout is missing. */
function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync("git", [...args], {
      cwd: HERE,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5_000,
    }).trim();
  } catch {
    return undefined;
  }
}

/** The commit of the sources and whether tracked files differ from it; nulls without git. */
export function sourceCommit(): { commit: string | null; dirty: boolean | null } {
  const commit = git(["rev-parse", "HEAD"]);
  if (commit === undefined || !/^[0-9a-f]{40}$/.test(commit)) return { commit: null, dirty: null };
  const status = git(["status", "--porcelain", "--untracked-files=no"]);
  return { commit, dirty: status === undefined ? null : status.length > 0 };
}

/** benchmark.js, loaded only when host time is measured (it is not needed otherwise). */
function benchmarkJs(): typeof BenchmarkJs {
  return createRequire(import.meta.url)("benchmark") as typeof BenchmarkJs;
}

/**
 * Host time by benchmark.js over whole runs of a pair (fresh machine, boot, set-up and the
 * measured part): the mean host seconds per run.
 */
export const benchmarkJsTimer: HostTimer = (name, run, quick) => {
  const Benchmark = benchmarkJs();
  const bench = new Benchmark(name, run, {
    maxTime: quick ? 0.02 : 0.25,
    minSamples: quick ? 1 : 3,
    initCount: 1,
  });
  bench.run({ async: false });
  return bench.stats.mean;
};

/** Node's host: the commit from git, Node's version, the OS and cores, benchmark.js. */
export function nodeHost(): HostEnvironment {
  return {
    describe: () => ({
      ...sourceCommit(),
      runtime: process.version,
      platform: platform(),
      arch: arch(),
      cpus: availableParallelism(),
    }),
    timer: benchmarkJsTimer,
  };
}
