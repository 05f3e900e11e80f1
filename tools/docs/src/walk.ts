/**
 * `pnpm --filter @exolab/docs walk [--keep]`: walks the tutorial as a new user would, in a
 * fresh copy of the workspace (its tracked files, committed to a new git repository there):
 * `pnpm install --offline --frozen-lockfile` (what a clone's first install leaves), then
 * every command of the tutorial marked for the walk, in order. It fails when a command fails,
 * when the bench's table has no column for the new libOS, or when any file outside the new
 * package was changed other than by the scaffold and the install. CI runs it (.ci/run).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { unexpectedChanges, walkCommands, walkName } from "./tutorial.js";

const args = process.argv.slice(2);
const root = resolve(args.find((a) => !a.startsWith("--")) ?? ".");
const keep = args.includes("--keep");
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);

class WalkError extends Error {}

function fail(message: string): never {
  throw new WalkError(message);
}

/**
 * A new user's shell: no CI variables (pnpm freezes the lockfile under CI, but a user's
 * `pnpm install` after the scaffold updates it), no colours in the log.
 */
const userEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
for (const k of ["CI", "EXOLAB_REQUIRE_BROWSER", "VITEST_JSON_DIR"]) delete userEnv[k];

/** Runs a shell command in the copy; returns its output (echoed as it is), failing on an error. */
function sh(dir: string, command: string): string {
  console.log(`walk [${seconds()} s]: $ ${command}`);
  const r = spawnSync("bash", ["-c", command], {
    cwd: dir,
    encoding: "utf8",
    env: userEnv,
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0) fail(`"${command}" exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

const tutorial = readFileSync(join(root, "docs/writing-a-libos.md"), "utf8");
const commands = walkCommands(tutorial);
const name = walkName(commands);
const dir = mkdtempSync(join(tmpdir(), "exolab-walk-"));
try {
  const files = execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      cwd: root,
      encoding: "utf8",
    },
  )
    .split("\0")
    .filter((f) => f.length > 0);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      cpSync(join(root, f), join(dir, f));
    } catch {
      // a tracked file deleted in the working tree
    }
  }
  const git = (...a: string[]) =>
    execFileSync("git", ["-c", "user.name=walk", "-c", "user.email=walk@localhost", ...a], {
      cwd: dir,
      encoding: "utf8",
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "the workspace before the walk");
  console.log(`walk: a copy of ${files.length} files in ${dir}`);
  sh(dir, "pnpm install --offline --frozen-lockfile");
  for (const command of commands) {
    const out = sh(dir, command);
    if (/^pnpm exolab bench\b/.test(command)) {
      const header = out.split("\n").find((l) => l.startsWith("benchmark "));
      if (header === undefined || !header.includes(`${name} (paper)`))
        fail(`the bench's table has no column for ${name}: ${header ?? "(no table)"}`);
    }
  }
  const extra = unexpectedChanges(git("status", "--porcelain", "--untracked-files=normal"), name);
  if (extra.length > 0) fail(`files outside the new package were changed: ${extra.join(", ")}`);
  console.log(
    `walk: done in ${seconds()} s: ${commands.length} commands; ${name} tested alone and in the bench; nothing outside packages/libos-${name} changed but the registration`,
  );
} catch (e) {
  console.error(`walk: ${e instanceof WalkError ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`walk: kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
