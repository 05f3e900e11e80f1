import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COSTS } from "./costs.js";

describe("costs.ts", () => {
  it("every label has a positive count, a source, and a row in COSTS.md", () => {
    const doc = readFileSync(new URL("../COSTS.md", import.meta.url), "utf8");
    for (const [label, c] of Object.entries(COSTS)) {
      expect(label.startsWith("exos.")).toBe(true);
      expect(Number.isInteger(c.instructions) && c.instructions > 0).toBe(true);
      expect(c.source.length).toBeGreaterThan(10);
      expect(doc).toContain(`\`${label}\``);
    }
  });
});

describe("COSTS.md's label table", () => {
  it("lists each label once with the count costs.ts charges, and no other label", () => {
    const doc = readFileSync(new URL("../COSTS.md", import.meta.url), "utf8");
    const rows = [...doc.matchAll(/^\| `(exos\.[a-zA-Z0-9.]+)` +\| (\d+) +\|/gm)];
    const table = new Map(rows.map((m) => [m[1]!, Number(m[2])]));
    expect(table.size).toBe(rows.length);
    expect([...table.keys()].sort()).toEqual(Object.keys(COSTS).sort());
    for (const [label, c] of Object.entries(COSTS))
      expect(table.get(label), label).toBe(c.instructions);
  });
});
