import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * Code blocks copied from tested sources. In a Markdown file, a block preceded by
 *
 *     <!-- from: ../packages/libos-template/src/vm/vm.ts#refill -->
 *
 * (a path relative to the Markdown file, and optionally a region) must hold exactly that
 * source's region: the lines between `// #region refill` and `// #endregion refill`, less
 * their common indentation and any region markers nested in them (a whole file without a
 * region). `check` finds the blocks that drifted; `sync` rewrites them from the sources.
 */
export interface Block {
  /** The Markdown file, relative to the root. */
  readonly file: string;
  /** 1-based line of the marker. */
  readonly line: number;
  /** The source, relative to the Markdown file, and its region (or null: the whole file). */
  readonly from: string;
  readonly region: string | null;
  /** The block's current body (without fences) and where it sits (line indices of the fences). */
  readonly body: string;
  readonly open: number;
  readonly close: number;
}

const MARKER = /^<!-- from: ([^\s#]+)(?:#([\w.-]+))? -->$/;
const FENCE = /^```/;

/** The blocks of a Markdown text; `problems` gets each marker not followed by a code block. */
export function findBlocks(file: string, markdown: string, problems: string[]): Block[] {
  const lines = markdown.split("\n");
  const out: Block[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    // A marker shown inside a code block (as in this package's README) is an example.
    if (FENCE.test(line)) inFence = !inFence;
    const m = inFence ? null : MARKER.exec(line);
    if (m === null) continue;
    let open = i + 1;
    while (open < lines.length && lines[open]!.trim() === "") open++;
    const close = lines.findIndex((l, j) => j > open && FENCE.test(l.trim()));
    if (open >= lines.length || !FENCE.test(lines[open]!.trim()) || close < 0) {
      problems.push(`${file}:${i + 1}: the marker is not followed by a fenced code block`);
      continue;
    }
    out.push({
      file,
      line: i + 1,
      from: m[1]!,
      region: m[2] ?? null,
      body: lines.slice(open + 1, close).join("\n"),
      open,
      close,
    });
    i = close;
  }
  return out;
}

/** A source's region (or the whole text), dedented, without region markers; null if absent. */
export function extractRegion(source: string, region: string | null): string | null {
  let lines = source.replace(/\n$/, "").split("\n");
  if (region !== null) {
    const start = lines.findIndex((l) =>
      new RegExp(`#region ${escapeRegExp(region)}\\s*$`).test(l),
    );
    const end = lines.findIndex(
      (l, i) => i > start && new RegExp(`#endregion ${escapeRegExp(region)}\\s*$`).test(l),
    );
    if (start < 0 || end < 0) return null;
    lines = lines.slice(start + 1, end);
  }
  lines = lines.filter((l) => !/^\s*(\/\/|#|<!--)\s*#(end)?region\b/.test(l));
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join("\n");
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export interface BlockState {
  readonly block: Block;
  /** The source's region now, or null when the source or the region is missing. */
  readonly expected: string | null;
}

/** Each block of a Markdown file (path relative to `root`) with what it should hold. */
export function blockStates(root: string, file: string, problems: string[]): BlockState[] {
  const md = readFileSync(join(root, file), "utf8");
  return findBlocks(file, md, problems).map((block) => {
    const source = resolve(root, dirname(file), block.from);
    if (!existsSync(source)) {
      problems.push(`${file}:${block.line}: no such source ${block.from}`);
      return { block, expected: null };
    }
    const expected = extractRegion(readFileSync(source, "utf8"), block.region);
    if (expected === null)
      problems.push(`${file}:${block.line}: no region "${block.region}" in ${block.from}`);
    return { block, expected };
  });
}

/** The Markdown text with every block rewritten from its source (blocks with problems kept). */
export function syncedText(markdown: string, states: readonly BlockState[]): string {
  const lines = markdown.split("\n");
  // From the last block up, so that earlier line numbers stay valid.
  for (const { block, expected } of [...states].reverse()) {
    if (expected === null) continue;
    lines.splice(block.open + 1, block.close - block.open - 1, ...expected.split("\n"));
  }
  return lines.join("\n");
}

/** The repository's Markdown files that may hold blocks: docs/ and every package's notes. */
export function markdownFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      if (["node_modules", "dist", ".turbo", ".git", ".ci", "fixtures"].includes(name)) continue;
      const path = dir === "" ? name : `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) {
        if (path.split("/").length <= 3) walk(path);
      } else if (name.endsWith(".md")) out.push(path);
    }
  };
  walk("");
  return out.map((f) => relative(root, join(root, f)));
}
