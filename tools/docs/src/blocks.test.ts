import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { blockStates, extractRegion, findBlocks, markdownFiles, syncedText } from "./blocks.js";

const ROOT = resolve(new URL("../../../", import.meta.url).pathname);

describe("the repository's copied code blocks", () => {
  const files = markdownFiles(ROOT);
  const problems: string[] = [];
  const states = files.flatMap((f) => blockStates(ROOT, f, problems));

  it("every marker names a source and a region that exist", () => {
    expect(files).toEqual(expect.arrayContaining(["docs/writing-a-libos.md", "README.md"]));
    expect(problems).toEqual([]);
  });

  it("every block holds exactly its source's region (`pnpm --filter @exolab/docs sync` copies them)", () => {
    const drifted = states
      .filter((s) => s.expected !== s.block.body)
      .map((s) => `${s.block.file}:${s.block.line} (${s.block.from}#${s.block.region ?? ""})`);
    expect(drifted).toEqual([]);
  });

  it("the tutorial's code is the template's, quoted in every step", () => {
    const tutorial = states.filter((s) => s.block.file === "docs/writing-a-libos.md");
    expect(tutorial.length).toBeGreaterThanOrEqual(8);
    const sources = new Set(tutorial.map((s) => s.block.from));
    for (const f of ["index.ts", "vm/vm.ts", "sched/threads.ts", "ipc/call.ts"])
      expect(sources).toContain(`../packages/libos-template/src/${f}`);
    expect(sources).toContain("../packages/bench/src/adapters/template.ts");
  });
});

describe("the block check (it can fail)", () => {
  const source = [
    "const a = 1;",
    "  // #region step",
    "  if (a) {",
    "    // #region inner",
    "    go();",
    "    // #endregion inner",
    "  }",
    "  // #endregion step",
  ].join("\n");

  it("extracts a region, dedented, without nested markers; or the whole file", () => {
    expect(extractRegion(source, "step")).toBe("if (a) {\n  go();\n}");
    expect(extractRegion(source, "inner")).toBe("go();");
    expect(extractRegion(source, "nope")).toBeNull();
    expect(extractRegion("x\n// #region r\ny\n// #endregion r\n", null)).toBe("x\ny");
  });

  it("a marker shown inside a code block is an example, not a marker", () => {
    const md = ["```text", "<!-- from: ../nowhere.ts#x -->", "```", "```ts", "y", "```"].join("\n");
    const problems: string[] = [];
    expect(findBlocks("doc", md, problems)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("finds a drifted block, and sync rewrites it", () => {
    const root = mkdtempSync(join(tmpdir(), "exolab-docs-"));
    mkdirSync(join(root, "docs"));
    writeFileSync(join(root, "src.ts"), source);
    const md = [
      "# Doc",
      "<!-- from: ../src.ts#step -->",
      "",
      "```ts",
      "if (a) {",
      "  stale();",
      "}",
      "```",
      "<!-- from: ../src.ts#gone -->",
      "```ts",
      "x",
      "```",
      "<!-- from: ../missing.ts -->",
      "```ts",
      "```",
      "<!-- from: ../src.ts -->",
      "no block here",
    ].join("\n");
    writeFileSync(join(root, "docs/doc.md"), md);
    const problems: string[] = [];
    const states = blockStates(root, "docs/doc.md", problems);
    expect(problems).toEqual([
      "docs/doc.md:16: the marker is not followed by a fenced code block",
      'docs/doc.md:9: no region "gone" in ../src.ts',
      "docs/doc.md:13: no such source ../missing.ts",
    ]);
    expect(states[0]!.expected).not.toBe(states[0]!.block.body);
    const synced = syncedText(md, states);
    expect(synced).toContain("```ts\nif (a) {\n  go();\n}\n```");
    expect(synced).not.toContain("stale()");
    // Synced, the block is in step; the broken markers are left as they were.
    expect(findBlocks("doc", synced, [])[0]!.body).toBe("if (a) {\n  go();\n}");
    expect(synced).toContain("<!-- from: ../src.ts#gone -->\n```ts\nx\n```");
  });
});
