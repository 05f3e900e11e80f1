import { describe, expect, it } from "vitest";
import { NET_COSTS } from "../costs.js";

// (COSTS.md's tables are generated from costs.ts: tools/costs-md checks them.)
describe("NET_COSTS: every network label is the kernel's", () => {
  it("has a positive count and a kernel label of the network engines", () => {
    for (const e of Object.values(NET_COSTS)) {
      expect(e.instructions, e.label).toBeGreaterThan(0);
      expect(e.label.startsWith("aegis.dpf.") || e.label.startsWith("aegis.ash."), e.label).toBe(
        true,
      );
    }
  });
});
