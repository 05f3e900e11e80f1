import { describe, expect, it } from "vitest";
import { COSTS } from "./costs.js";
import { libos } from "./index.js";

// (COSTS.md's label table is generated from costs.ts by `pnpm costs:md`; CI checks it.)
describe("costs.ts", () => {
  it("every label is the library's, with a positive count and a source", () => {
    for (const [label, c] of Object.entries(COSTS)) {
      expect(label.startsWith(`${libos.name}.`), label).toBe(true);
      expect(c.label).toBe(label);
      expect(c.instructions, label).toBeGreaterThan(0);
      expect(c.source.length, label).toBeGreaterThan(10);
    }
  });
});
