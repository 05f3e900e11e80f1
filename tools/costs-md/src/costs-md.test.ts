import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Category, defineCosts } from "@exolab/machine";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "./main.js";
import { renderTable } from "./render.js";
import { findSections, select, syncPackage } from "./sync.js";

const HERE = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(HERE, "../..");

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** A copy of the fixture package inside this package (so @exolab/machine resolves from it). */
let tmp: string | null = null;
function fixtureCopy(): string {
  tmp = mkdtempSync(join(HERE, ".tmp-"));
  cpSync(join(HERE, "fixtures/pkg"), tmp, { recursive: true });
  return tmp;
}
afterEach(() => {
  if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
  tmp = null;
});

describe("renderTable", () => {
  it("one row per record in table order; loads, stores and category only when some row has them", () => {
    const t = defineCosts({
      "x.one": { instructions: 12, source: "counted: a | b" },
      "x.two": { instructions: 3, stores: 1, category: Category.Tlb, source: "counted: c" },
    });
    expect(renderTable([t["x.one"]]).split("\n")).toEqual([
      "| Label   | Instr. | Source          |",
      "| ------- | ------ | --------------- |",
      "| `x.one` | 12     | counted: a \\| b |",
    ]);
    const both = renderTable(Object.values(t)).split("\n");
    expect(both[0]).toBe("| Label   | Instr. | Loads | Stores | Category | Source          |");
    expect(both[2]).toBe("| `x.one` | 12     | 0     | 0      | (mode)   | counted: a \\| b |");
    expect(both[3]).toBe("| `x.two` | 3      | 0     | 1      | tlb      | counted: c      |");
  });
});

describe("sections", () => {
  it("finds the marked sections with their module, export and globs", () => {
    const text = readFileSync(join(HERE, "fixtures/pkg/COSTS.md"), "utf8");
    const s = findSections("COSTS.md", text);
    expect(s.map((x) => [x.module, x.exportName, x.globs])).toEqual([
      ["src/costs.ts", "COSTS", ["fix.*", "!fix.other.*"]],
      ["src/costs.ts", "COSTS", ["fix.other.*"]],
    ]);
  });

  it("ignores markers inside code blocks (examples)", () => {
    const text = "```md\n<!-- costs:begin src/costs.ts COSTS -->\n<!-- costs:end -->\n```\n";
    expect(findSections("README.md", text)).toEqual([]);
  });

  it("globs select and exclude labels", () => {
    const t = defineCosts({
      "a.b": { instructions: 1, source: "s" },
      "a.b.c": { instructions: 1, source: "s" },
      "a.d": { instructions: 1, source: "s" },
    });
    expect(select(t, []).map((r) => r.label)).toEqual(["a.b", "a.b.c", "a.d"]);
    expect(select(t, ["a.b*"]).map((r) => r.label)).toEqual(["a.b", "a.b.c"]);
    expect(select(t, ["a.*", "!a.b.*"]).map((r) => r.label)).toEqual(["a.b", "a.d"]);
  });
});

describe("syncPackage", () => {
  it("reports a stale file, rewrites it from costs.ts, then finds it up to date", async () => {
    const dir = fixtureCopy();
    const before = await syncPackage(dir, false);
    expect(before.stale.map((f) => f.slice(dir.length))).toEqual(["/COSTS.md"]);
    expect(before.missing).toEqual([]);
    await syncPackage(dir, true);
    const md = readFileSync(join(dir, "COSTS.md"), "utf8");
    expect(md).toContain(
      "| `fix.a` | 3      | 0     | 0      | (mode)   | counted: `addu`, `sll`, a \\| in the source |",
    );
    expect(md).toContain("| `fix.b` | 5      | 1     | 0      | user     |");
    expect(md).toContain("Text between the tables stays.");
    expect(md).not.toContain("| stale |");
    expect((await syncPackage(dir, false)).stale).toEqual([]);
  });

  it("a changed count in costs.ts makes the file stale again", async () => {
    const dir = fixtureCopy();
    await syncPackage(dir, true);
    const costs = join(dir, "src/costs.ts");
    writeFileSync(costs, readFileSync(costs, "utf8").replace("instructions: 3", "instructions: 4"));
    expect((await syncPackage(dir, false)).stale.length).toBe(1);
  });

  it("a label no section shows is reported", async () => {
    const dir = fixtureCopy();
    const md = join(dir, "COSTS.md");
    writeFileSync(md, readFileSync(md, "utf8").replace(" fix.other.* -->", " fix.none -->"));
    await expect(syncPackage(dir, true)).rejects.toThrow(/selects no label/);
    writeFileSync(md, readFileSync(md, "utf8").replace(" fix.none -->", " fix.a -->"));
    const r = await syncPackage(dir, true);
    expect(r.missing).toEqual(["src/costs.ts COSTS: fix.other.c"]);
  });
});

describe("the command", () => {
  it("--check passes on this repository: every COSTS.md matches its costs.ts", async () => {
    const r = io();
    expect(await main(["--check", ROOT], r.io)).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toEqual(["costs-md: every label table is up to date"]);
  });

  it("refuses bad usage and a folder that is not a workspace in one line", async () => {
    const a = io();
    expect(await main(["--nope"], a.io)).toBe(2);
    expect(a.err).toEqual([
      "usage: exolab-costs-md [--check] [ROOT]   (ROOT: the workspace folder, default .)",
    ]);
    const b = io();
    expect(await main(["--check", HERE], b.io)).toBe(2);
    expect(b.err.length).toBe(1);
    expect(b.err[0]).toMatch(/is not a workspace/);
  });
});
