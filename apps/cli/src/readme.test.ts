import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { captureIo as capture } from "./test-io.js";

/**
 * The READMEs' commands work: every `pnpm exolab …` / `pnpm bench …` line of a `sh` block of
 * the root README, this package's README, the template libOS's and the real-time libOS's runs (in-process, in one temporary folder, in
 * order) and succeeds; the root README's sample table has the rows and columns of a real
 * run; and no tracked file links outside the repository.
 */

const ROOT = resolve(new URL("../../../", import.meta.url).pathname);
const READMES = [
  "README.md",
  "apps/cli/README.md",
  "packages/libos-template/README.md",
  "packages/libos-realtime/README.md",
];

/** The exolab command lines of a Markdown file's `sh` blocks, as argument lists. */
export function readmeCommands(markdown: string): { line: string; args: string[] }[] {
  const out: { line: string; args: string[] }[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split("\n")) {
      for (const part of raw.split("&&").map((s) => s.replace(/#.*$/, "").trim())) {
        const words = part.split(/\s+/).filter((w) => w.length > 0);
        if (words[0] !== "pnpm") continue;
        if (words[1] === "bench") out.push({ line: part, args: ["bench", ...words.slice(2)] });
        else if (words[1] === "exolab") out.push({ line: part, args: words.slice(2) });
      }
    }
  }
  return out;
}

/** The cells of a table line: separated by two spaces or more. */
const cells = (line: string) => line.trim().split(/\s{2,}/);

/** The table of `exolab bench`'s output: its header and each row's benchmark and unit. */
function tableShape(text: string): { header: string[]; rows: string[] } {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("benchmark "));
  expect(start, "a table with a benchmark header").toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const l of lines.slice(start + 2)) {
    if (l.trim() === "") break;
    const [benchmark, unit] = l.split(/\s+/);
    rows.push(`${benchmark} ${unit}`);
  }
  return { header: cells(lines[start]!), rows };
}

describe("the READMEs' commands", () => {
  for (const readme of READMES) {
    it(`every exolab command of ${readme} runs and succeeds`, async () => {
      const text = readFileSync(join(ROOT, readme), "utf8");
      const commands = readmeCommands(text);
      // Not vacuous: the examples are there.
      const least: Record<string, number> = { "README.md": 7, "apps/cli/README.md": 9 };
      expect(commands.length, readme).toBeGreaterThanOrEqual(least[readme] ?? 2);
      const dir = capture().dir;
      for (const { line, args } of commands) {
        const c = capture({ cwd: dir });
        const status = await runCli(args, c.io);
        expect(`${line} → ${status}: ${c.errText()}`).toBe(`${line} → 0: ${c.errText()}`);
        expect(c.errText(), line).not.toMatch(/^error:/m);
        if (readme === "README.md" && line === "pnpm bench") {
          // The sample table in the README has the rows and columns of this real run.
          const sample = /```text\n(ExoLab paper suite[\s\S]*?)```/.exec(text)?.[1];
          expect(sample, "the README's sample table").toBeDefined();
          expect(tableShape(sample!)).toEqual(tableShape(c.outText()));
        }
      }
    }, 300_000);
  }

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
