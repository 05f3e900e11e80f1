import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { READMES, ROOT, readmeCommandsTest } from "./test-readme.js";

/**
 * The root README's and this package's commands run and succeed (test-readme.ts), an old
 * broken example stays out of every README, and no tracked file links outside the
 * repository.
 */

describe("the READMEs' commands", () => {
  readmeCommandsTest("README.md", 7);
  readmeCommandsTest("apps/cli/README.md", 9);
  // The libOS packages' READMEs: readme-libos.test.ts.

  it("the old broken example stays out: getpid does not run on exos", () => {
    for (const readme of READMES) {
      const text = readFileSync(join(ROOT, readme), "utf8");
      expect(text).not.toMatch(/trace getpid --system exos/);
    }
  });
});

/** The repository's tracked files (git), or every file but build output where git is missing. */
function trackedFiles(): string[] {
  try {
    return execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      .filter((f) => f.length > 0 && existsSync(join(ROOT, f)));
  } catch {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(join(ROOT, d))) {
        if ([".git", "node_modules", "dist", ".turbo", "out"].includes(n)) continue;
        const p = d === "" ? n : `${d}/${n}`;
        if (statSync(join(ROOT, p)).isDirectory()) walk(p);
        else out.push(p);
      }
    };
    walk("");
    return out;
  }
}

const TEXT = new Set([
  ".md",
  ".ts",
  ".js",
  ".mjs",
  ".cjs",
  ".json",
  ".yaml",
  ".yml",
  ".html",
  ".sh",
  "",
]);
/** The folder beside the repository that its notes must not point into (built, not literal). */
const OUTSIDE = [".", ".", "/shared/"].join("");

/** Links of a file that leave the repository: relative targets resolving outside it. */
export function outsideLinks(file: string, text: string): string[] {
  const bad: string[] = [];
  const targets = [
    ...[...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]!),
  ];
  for (const t of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(t) || t.startsWith("#")) continue;
    const target = resolve(ROOT, dirname(file), t.split("#")[0]!);
    if (relative(ROOT, target).startsWith("..")) bad.push(`${file}: link ${t}`);
  }
  for (const line of text.split("\n"))
    if (line.includes(OUTSIDE)) bad.push(`${file}: ${line.trim()}`);
  return bad;
}

describe("links", () => {
  it("no tracked file links outside the repository", () => {
    const files = trackedFiles().filter(
      (f) => TEXT.has(extname(f)) && !f.endsWith("pnpm-lock.yaml"),
    );
    expect(files.length).toBeGreaterThan(50);
    const bad = files.flatMap((f) => outsideLinks(f, readFileSync(join(ROOT, f), "utf8")));
    expect(bad).toEqual([]);
  });

  it("the scan finds such links (it can fail)", () => {
    expect(outsideLinks("README.md", `see [the design](${OUTSIDE}DESIGN.md)`)).toHaveLength(2);
    expect(
      outsideLinks("apps/cli/README.md", "[root](../../README.md) [up](../../../x.md)"),
    ).toEqual(["apps/cli/README.md: link ../../../x.md"]);
    expect(outsideLinks("README.md", '<a href="../elsewhere.html">')).toHaveLength(1);
    expect(outsideLinks("README.md", "[web](https://ui.perfetto.dev) [here](#toc)")).toEqual([]);
  });
});
