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
