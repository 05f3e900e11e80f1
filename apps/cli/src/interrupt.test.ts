import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HIDE_CURSOR, SHOW_CURSOR } from "./progress.js";
import { exolabArgv } from "./test-run.js";

/**
 * Ctrl-C on a real terminal: the CLI runs on a pseudo-terminal (util-linux `script`), the
 * test types ^C into it once the progress bar is drawn (the terminal turns it into SIGINT
 * for the foreground process), and checks the exit status, that the cursor is shown again,
 * and that no partial output is left.
 */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function interruptOnTerminal(args: string[], ready: RegExp) {
  const dir = mkdtempSync(join(tmpdir(), "exolab-pty-"));
  const command = exolabArgv(args).map(quote).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: dir,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, COLUMNS: "120", LINES: "40" },
  });
  let screen = "";
  let typed = false;
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.stdout.on("data", (chunk: Buffer) => {
      screen += chunk.toString("utf8");
      if (!typed && ready.test(screen)) {
        typed = true;
        child.stdin.write("\u0003");
      }
    });
    child.on("close", (code) => resolve(code));
  });
  return { status, screen, typed, files: readdirSync(dir) };
}

describe("Ctrl-C on a terminal", () => {
  it("during bench: exit 130, the cursor shown again, one line, no partial report", async () => {
    const r = await interruptOnTerminal(
      ["bench", "--json", "r.json", "--html", "r.html"],
      / 3\/\d+ /,
    );
    expect(r.typed, r.screen).toBe(true);
    expect(r.status).toBe(130);
    expect(r.screen).toContain(HIDE_CURSOR);
    expect(r.screen.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(r.screen.lastIndexOf(HIDE_CURSOR));
    expect(r.screen).toMatch(/exolab: interrupted \(SIGINT\); no partial output was left\r?\n$/);
    expect(r.screen).not.toMatch(/^\s+at /m);
    expect(r.files).toEqual([]);
  }, 300_000);

  it("during trace: exit 130, the cursor shown again, no partial trace", async () => {
    const r = await interruptOnTerminal(
      // stride: a counting pass of about a second of CPU (matmul's took ten), long enough
      // for the ^C typed when "counting" shows to arrive before it ends.
      ["trace", "stride", "--system", "exos", "--out", "t.json"],
      /counting/,
    );
    expect(r.typed, r.screen).toBe(true);
    expect(r.status).toBe(130);
    expect(r.screen.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(r.screen.lastIndexOf(HIDE_CURSOR));
    expect(r.files).toEqual([]);
  }, 300_000);
});
