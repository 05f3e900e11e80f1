import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "./main.js";

const here = fileURLToPath(new URL("..", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

function run(args: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe("exolab-depcheck [ROOT]", () => {
  it("prints file:line: message per violation on stderr and exits 1", () => {
    const r = run([fixture("bad")]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toContain(
      'packages/libos-sly/src/index.ts:3: @exolab/libos-sly may not import "@exolab/machine/privileged" (allowed: @exolab/exokernel)',
    );
    expect(r.err.at(-1)).toBe("depcheck: 26 dependency-direction violation(s)");
  });

  it("says ok and exits 0 on a clean workspace", () => {
    expect(run([fixture("good")])).toEqual({
      code: 0,
      out: ["depcheck: dependency direction ok"],
      err: [],
    });
  });

  it("answers bad input with one line and exit 2", () => {
    expect(run([fixture("missing")])).toEqual({
      code: 2,
      out: [],
      err: [`depcheck: ${fixture("missing")} holds no package (packages/*, apps/*, tools/*)`],
    });
    for (const args of [["--bogus"], ["a", "b"]]) {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.err).toEqual([expect.stringMatching(/^usage: exolab-depcheck \[ROOT\]/)]);
    }
    expect(run(["--help"]).code).toBe(0);
  });

  it("runs as the lint script runs it (tsx src/cli.ts ROOT)", () => {
    const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
    let status = 0;
    let stderr = "";
    try {
      execFileSync(tsx, ["src/cli.ts", "fixtures/bad"], { cwd: here, stdio: "pipe" });
    } catch (e) {
      const failure = e as { status: number; stderr: Buffer };
      status = failure.status;
      stderr = failure.stderr.toString();
    }
    expect(status).toBe(1);
    expect(stderr).toContain(
      'packages/monolithic/src/boot.ts:1: @exolab/monolithic may not import the Node built-in "node:fs"',
    );
  });
});
