import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { SKIP_BROWSER } from "@exolab/bench/node";
import { afterEach, describe, expect, it } from "vitest";
import { APP_DIR } from "../scripts/build-page.js";

/**
 * The README's commands work, run as a user runs them from the repository root: the build
 * (a static folder with relative URLs), the development and preview servers (started on a
 * free port, asked for the page, stopped), and the timing script (one trial).
 */
const ROOT = join(APP_DIR, "../..");
const run = promisify(execFile);

/** The commands of a Markdown file's `sh` blocks, one per line. */
function shCommands(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((b) =>
    b[1]!
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== ""),
  );
}

const started: ChildProcess[] = [];
afterEach(() => {
  // Stop the servers this test started (each in a process group of its own).
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
});

/** Starts a server command on a free port and returns the URL it says it serves. */
async function serverUrl(command: string): Promise<string> {
  const [bin, ...args] = command.split(" ");
  const child = spawn(bin!, [...args, "--port", "0"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  started.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`${command}: no URL within 60 s:\n${out}`)),
      60_000,
    );
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${out}`));
    });
  });
}

describe("the README's commands", () => {
  const readme = readFileSync(join(APP_DIR, "README.md"), "utf8");

  it("are the ones this test runs; the root README points to the lab", () => {
    expect(shCommands(readme)).toEqual([
      "pnpm web",
      "pnpm --filter @exolab/web build",
      "pnpm --filter @exolab/web preview",
      "pnpm --filter @exolab/web bench",
    ]);
    const root = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(shCommands(root)).toContain("pnpm web");
    expect(root).toContain("[`apps/web`](apps/web)");
  });

  it("pnpm --filter @exolab/web build, then preview: a static folder with relative URLs", async () => {
    await run("pnpm", ["--filter", "@exolab/web", "build"], { cwd: ROOT, timeout: 180_000 });
    const dist = join(APP_DIR, "dist");
    const html = readFileSync(join(dist, "index.html"), "utf8");
    const assets = [...html.matchAll(/(?:src|href)="(\.\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const a of assets) expect(existsSync(join(dist, a))).toBe(true);
    expect(html).not.toMatch(/(?:src|href)="\/(?!\/)/);
    const url = await serverUrl("pnpm --filter @exolab/web preview");
    const page = await (await fetch(url)).text();
    expect(page).toContain('<div id="app">');
    expect(page).toContain("./assets/");
  }, 300_000);

  it("pnpm web: the development server serves the page and its worker", async () => {
    const url = await serverUrl("pnpm web");
    expect(await (await fetch(url)).text()).toContain('<div id="app">');
    const worker = await fetch(new URL("src/worker.ts", url));
    expect(worker.status).toBe(200);
    expect(await worker.text()).toContain("buildCatalog");
  }, 300_000);

  it.skipIf(SKIP_BROWSER)(
    "pnpm --filter @exolab/web bench: the timing script, one trial",
    async () => {
      const { stdout } = await run("pnpm", ["--filter", "@exolab/web", "bench"], {
        cwd: ROOT,
        timeout: 300_000,
        env: { ...process.env, FIRST_ROW_TRIALS: "1" },
      });
      expect(stdout).toMatch(/total \d+\.\d KiB gzipped, budget 500 KiB/);
      expect(stdout).toMatch(
        /press Run to first row \(just loaded\): median \d+ ms, .*\(1 trial\)/,
      );
      expect(stdout).toMatch(/press Run to first row \(idle\): median \d+ ms/);
    },
    300_000,
  );
});
