import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "./cli.js";
import { captureIo as capture } from "./test-io.js";

/**
 * The READMEs' commands work: every `pnpm exolab …` / `pnpm bench …` line of a `sh` block of
 * a README runs (in-process, in one temporary folder, in order) and succeeds; the root
 * README's sample table has the rows and columns of a real run. Two test files use it
 * (readme.test.ts, readme-libos.test.ts), so that the READMEs' runs go on in parallel.
 */

export const ROOT = resolve(new URL("../../../", import.meta.url).pathname);

/** Every README whose commands a test runs. */
export const READMES = [
  "README.md",
  "apps/cli/README.md",
  "packages/libos-template/README.md",
  "packages/libos-realtime/README.md",
  "packages/libos-db/README.md",
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

/** A test that runs every exolab command of `readme` (at least `least` of them). */
export function readmeCommandsTest(readme: string, least = 2): void {
  it(`every exolab command of ${readme} runs and succeeds`, async () => {
    const text = readFileSync(join(ROOT, readme), "utf8");
    const commands = readmeCommands(text);
    // Not vacuous: the examples are there.
    expect(commands.length, readme).toBeGreaterThanOrEqual(least);
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
