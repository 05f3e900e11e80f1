/**
 * `pnpm --filter @exolab/docs sync [--check]`: rewrites every code block copied from a
 * source (see blocks.ts) in the repository's Markdown files; `--check` only lists the blocks
 * that drifted and exits 1 if any did. A marker whose source or region is missing is an
 * error either way.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { blockStates, markdownFiles, syncedText } from "./blocks.js";

const args = process.argv.slice(2);
const check = args.includes("--check");
const root = resolve(args.find((a) => !a.startsWith("--")) ?? ".");
const problems: string[] = [];
let drifted = 0;
let blocks = 0;
for (const file of markdownFiles(root)) {
  const states = blockStates(root, file, problems);
  blocks += states.length;
  const stale = states.filter((s) => s.expected !== null && s.expected !== s.block.body);
  drifted += stale.length;
  for (const s of stale) console.log(`${check ? "drifted" : "synced"}: ${file}:${s.block.line}`);
  if (!check && stale.length > 0) {
    const md = readFileSync(join(root, file), "utf8");
    writeFileSync(join(root, file), syncedText(md, states));
  }
}
for (const p of problems) console.error(`error: ${p}`);
console.log(`${blocks} blocks, ${drifted} ${check ? "drifted" : "rewritten"}`);
process.exitCode = problems.length > 0 || (check && drifted > 0) ? 1 : 0;
