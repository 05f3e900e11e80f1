import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** Running the CLI as a real process (for tests of what only a process shows). */

export const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
/** tsx's ESM loader, by absolute path (a test's working folder has no node_modules). */
export const TSX_LOADER = createRequire(import.meta.url).resolve("tsx");

/** The command line that runs `exolab ARGS` from the sources. */
export function exolabArgv(args: readonly string[]): string[] {
  return [
    process.execPath,
    "--conditions=@exolab/source",
    "--import",
    `file://${TSX_LOADER}`,
    MAIN,
    ...args,
  ];
}

export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `exolab ARGS` in `cwd` (optionally as another user), to completion. */
export function runExolab(
  args: readonly string[],
  o: { cwd: string; uid?: number; gid?: number; env?: NodeJS.ProcessEnv },
): ProcessResult {
  const [cmd, ...rest] = exolabArgv(args);
  const r: SpawnSyncReturns<string> = spawnSync(cmd!, rest, {
    cwd: o.cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...o.env },
    ...(o.uid === undefined ? {} : { uid: o.uid, gid: o.gid }),
  });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
