import { describe, expect, it } from "vitest";
import { COSTS } from "./costs.js";

// (COSTS.md's label table is generated from costs.ts: tools/costs-md checks it.)
describe("costs.ts", () => {
  it("every label is ExOS's own (exos.*), with a positive count", () => {
    for (const c of Object.values(COSTS)) {
      expect(c.label.startsWith("exos."), c.label).toBe(true);
      expect(c.instructions, c.label).toBeGreaterThan(0);
    }
  });
});
