import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COSTS } from "./costs.js";
import { libos } from "./index.js";

const doc = readFileSync(new URL("../COSTS.md", import.meta.url), "utf8");

describe("costs.ts", () => {
  it("every label is the library's, with a positive count and a source", () => {
    for (const [label, c] of Object.entries(COSTS)) {
      expect(label.startsWith(`${libos.name}.`), label).toBe(true);
      expect(c.label).toBe(label);
      expect(Number.isInteger(c.instructions) && c.instructions > 0, label).toBe(true);
      expect(c.source.length, label).toBeGreaterThan(10);
    }
  });

  it("COSTS.md's label table lists each label once with the count costs.ts charges, and no other", () => {
    const rows = [...doc.matchAll(/^\| `([a-z0-9-]+\.[a-zA-Z0-9.]+)` +\| (\d+) +\|/gm)];
    const table = new Map(rows.map((m) => [m[1]!, Number(m[2])]));
    expect(table.size).toBe(rows.length);
    expect([...table.keys()].sort()).toEqual(Object.keys(COSTS).sort());
    for (const [label, c] of Object.entries(COSTS))
      expect(table.get(label), label).toBe(c.instructions);
  });
});
