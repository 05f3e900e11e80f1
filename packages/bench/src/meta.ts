import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { arch, availableParallelism, platform } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { ReportMeta } from "./result.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** This package's version (from its package.json, beside src/ and dist/ alike). */
export function benchVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

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

export interface MetaInput {
  readonly tool?: { readonly name: string; readonly version: string };
  readonly systems: readonly string[];
  readonly benchmarks: readonly string[];
  readonly hostTime: boolean;
  readonly quick: boolean;
  /** The date to record (tests); default now. */
  readonly date?: Date;
}

/** The meta record of a report: tool, commit, date, Node, host and the run's options. */
export function buildMeta(o: MetaInput): ReportMeta {
  return {
    tool: o.tool?.name ?? "@exolab/bench",
    version: o.tool?.version ?? benchVersion(),
    ...sourceCommit(),
    date: (o.date ?? new Date()).toISOString(),
    node: process.version,
    host: { platform: platform(), arch: arch(), cpus: availableParallelism() },
    options: {
      systems: [...o.systems],
      benchmarks: [...o.benchmarks],
      hostTime: o.hostTime,
      quick: o.quick,
    },
  };
}
