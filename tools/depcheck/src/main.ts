import { resolve } from "node:path";
import { checkRepo, NotAWorkspaceError } from "./check.js";

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * `exolab-depcheck [ROOT]`: checks the workspace at ROOT (default: the current folder).
 * Prints each violation as `file:line: message` on stderr. Exit code 0 when clean, 1 on
 * violations, 2 on bad usage (one line, no stack trace).
 */
const USAGE = "usage: exolab-depcheck [ROOT]   (ROOT: the workspace folder, default .)";

export function main(args: readonly string[], io: Io): number {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    io.out(USAGE);
    return 0;
  }
  if (args.length > 1 || args[0]?.startsWith("-")) {
    io.err(USAGE);
    return 2;
  }
  const root = resolve(args[0] ?? ".");
  let violations: ReturnType<typeof checkRepo>;
  try {
    violations = checkRepo(root);
  } catch (e) {
    if (!(e instanceof NotAWorkspaceError)) throw e;
    io.err(`depcheck: ${e.message}`);
    return 2;
  }
  for (const v of violations) io.err(`${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    io.err(`depcheck: ${violations.length} dependency-direction violation(s)`);
    return 1;
  }
  io.out("depcheck: dependency direction ok");
  return 0;
}
