import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { CostsDocError, packagesWithSections, syncPackage } from "./sync.js";

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const USAGE = "usage: exolab-costs-md [--check] [ROOT]   (ROOT: the workspace folder, default .)";

/**
 * `exolab-costs-md [--check] [ROOT]`: regenerates the label tables of every package's
 * Markdown (COSTS.md, …) from its costs.ts; with `--check`, changes nothing and fails when one
 * is out of date. Exit 0 when up to date (or rewritten), 1 when stale or a label is shown
 * nowhere, 2 on bad usage (one line, no stack trace).
 */
export async function main(args: readonly string[], io: Io): Promise<number> {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    io.out(USAGE);
    return 0;
  }
  const check = args.includes("--check");
  const rest = args.filter((a) => a !== "--check");
  if (rest.length > 1 || rest[0]?.startsWith("-")) {
    io.err(USAGE);
    return 2;
  }
  const root = resolve(rest[0] ?? ".");
  if (!existsSync(join(root, "pnpm-workspace.yaml"))) {
    io.err(`costs-md: ${root} is not a workspace (no pnpm-workspace.yaml)`);
    return 2;
  }
  let failed = 0;
  try {
    for (const pkg of packagesWithSections(root)) {
      const r = await syncPackage(pkg, !check);
      for (const f of r.stale) {
        if (check) {
          io.err(
            `${relative(root, f)}: label tables out of date with costs.ts (run pnpm costs:md)`,
          );
          failed++;
        } else io.out(`rewrote ${relative(root, f)}`);
      }
      for (const m of r.missing) {
        io.err(`${relative(root, pkg)}: ${m} is in no costs section of its Markdown`);
        failed++;
      }
    }
  } catch (e) {
    if (!(e instanceof CostsDocError)) throw e;
    io.err(`costs-md: ${e.message}`);
    return 1;
  }
  if (failed > 0) return 1;
  io.out(check ? "costs-md: every label table is up to date" : "costs-md: done");
  return 0;
}
