import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { captureIo as capture } from "./test-io.js";
import { MAIN, runExolab, TSX_LOADER } from "./test-run.js";

/**
 * Every output path is checked before any work, every failure is one line on stderr with a
 * non-zero status, and nothing partial is left behind (nor an existing file clobbered).
 */

/** Runs the CLI in-process (in `dir`, or a fresh folder); checks the one error line and the status. */
async function fails(args: string[], status: number, message: string, dir?: string) {
  const c = capture(dir === undefined ? {} : { cwd: dir });
  const before = c.entries();
  expect(await runCli(args, c.io)).toBe(status);
  const lines = c.errText().trimEnd().split("\n");
  expect(lines, c.errText()).toHaveLength(1);
  expect(lines[0]).toBe(`error: ${message}`);
  expect(c.outText()).toBe("");
  // Nothing new in the folder: no report, no temporary.
  expect(c.entries()).toEqual(before);
  expect(c.pendingUndos()).toBe(0);
  return c;
}

describe("output paths are checked before any work", () => {
  it("a folder given as a file", async () => {
    const c = capture();
    mkdirSync(join(c.dir, "reports"));
    for (const option of ["--json", "--md", "--html"])
      await fails(
        ["bench", option, "reports"],
        1,
        `cannot write ${option} reports: it is a folder`,
        c.dir,
      );
    await fails(
      ["trace", "getpid", "--system", "exokernel", "--out", "reports"],
      1,
      "cannot write --out reports: it is a folder",
      c.dir,
    );
  });

  it("a folder that does not exist", async () => {
    await fails(
      ["bench", "--json", "nowhere/r.json"],
      1,
      "cannot write --json nowhere/r.json: the folder does not exist",
    );
    await fails(
      ["trace", "getpid", "--system", "exokernel", "--out", "nowhere/t.json"],
      1,
      "cannot write --out nowhere/t.json: the folder does not exist",
    );
  });

  it("a full disk (/dev/full): refused up front, the other outputs not written", async () => {
    const c = capture();
    writeFileSync(join(c.dir, "r.json"), "the previous report\n");
    await fails(
      ["bench", "--json", "r.json", "--md", "/dev/full"],
      1,
      "cannot write --md /dev/full: no space left on the device",
      c.dir,
    );
    // The existing report is untouched, and no temporary is left beside it.
    expect(readFileSync(join(c.dir, "r.json"), "utf8")).toBe("the previous report\n");
    await fails(
      ["trace", "getpid", "--system", "exokernel", "--out", "/dev/full"],
      1,
      "cannot write --out /dev/full: no space left on the device",
    );
  });

  it("`-` only where it means standard output; two outputs naming one file", async () => {
    await fails(
      ["bench", "--html", "-"],
      2,
      "--html - : standard output is for --json and --md only; give --html a file name",
    );
    await fails(
      ["trace", "getpid", "--system", "exokernel", "--out", "-"],
      2,
      "--out - : standard output is for --json and --md only; give --out a file name",
    );
    await fails(
      ["bench", "--json", "-", "--md", "-"],
      2,
      "--md and --json name the same standard output",
    );
    await fails(
      ["bench", "--json", "r.x", "--md", "./r.x"],
      2,
      "--md and --json name the same file ./r.x",
    );
  });

  it("a failure after the outputs were opened removes them: nothing partial stays", async () => {
    await fails(
      ["trace", "pipe", "--system", "exos", "--out", "t.json", "--owner", "nobody"],
      2,
      'unknown owner "nobody"; valid owners: kernel, libos, application, exos',
    );
    await fails(
      ["trace", "getpid", "--system", "exokernel", "--out", "t.json", "--ops", "2000"],
      2,
      "the measured part has 1000 operations: --ops must lie within 0..1000 (got 0..2000)",
    );
  });

  it("a device that is not full is written in place (/dev/null)", async () => {
    const c = capture();
    expect(await runCli(["bench", "--benchmark", "getpid", "--json", "/dev/null"], c.io)).toBe(0);
    expect(c.errText()).toBe("");
  });
});

/**
 * A folder the CLI cannot write to. Root may write anywhere: as root, the CLI runs as
 * `nobody` (when that user can read the sources) against a folder it does not own, or else
 * against a read-only tmpfs mounted for the test. Never skipped.
 */
function readOnlyFolder(): { dir: string; uid?: number; gid?: number; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "exolab-ro-"));
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const probe = spawnSync(
    process.execPath,
    [
      "-e",
      `require("fs").accessSync(${JSON.stringify(MAIN)}); require("fs").accessSync(${JSON.stringify(TSX_LOADER)})`,
    ],
    { uid: 65534, gid: 65534, cwd: "/" },
  );
  if (probe.status === 0) {
    chmodSync(dir, 0o555);
    return {
      dir,
      uid: 65534,
      gid: 65534,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "exolab-ro", dir]);
  if (mount.status === 0)
    return {
      dir,
      cleanup: () => {
        spawnSync("umount", [dir]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  throw new Error(
    "no way to make a read-only folder here: `nobody` cannot read the sources and tmpfs cannot be mounted",
  );
}

describe("as a process", () => {
  const ro = readOnlyFolder();
  afterAll(() => ro.cleanup());

  it("a read-only folder: one line, exit 1, nothing written, no stack trace", () => {
    for (const [args, message] of [
      [["bench", "--json", "r.json"], "cannot write --json r.json: "],
      [
        ["trace", "getpid", "--system", "exokernel", "--out", "t.json"],
        "cannot write --out t.json: ",
      ],
    ] as const) {
      const r = runExolab(args, { cwd: ro.dir, uid: ro.uid, gid: ro.gid });
      expect(r.status).toBe(1);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^error: ${message}(permission denied|the file system is read-only)$`),
      );
      expect(r.stdout).toBe("");
      expect(readdirSync(ro.dir)).toEqual([]);
    }
  });

  it("a bad flag and a failed write print one line and no stack trace; --version works", () => {
    const dir = mkdtempSync(join(tmpdir(), "exolab-proc-"));
    const bad = runExolab(["bench", "--json", "/dev/full"], { cwd: dir });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("error: cannot write --json /dev/full: no space left on the device\n");
    const flag = runExolab(["bench", "--fast"], { cwd: dir });
    expect(flag.status).toBe(2);
    expect(flag.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(flag.stderr).not.toMatch(/^\s+at /m);
    const version = runExolab(["--version"], { cwd: dir });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^exolab \d+\.\d+\.\d+\n$/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
