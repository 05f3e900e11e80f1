import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NET_COSTS } from "../costs.js";

describe("NET_COSTS: every network label is documented", () => {
  it("has a source, a positive count, a kernel label and a row in COSTS.md", () => {
    const md = readFileSync(new URL("../../COSTS.md", import.meta.url), "utf8");
    const labels = new Set<string>();
    for (const e of Object.values(NET_COSTS)) {
      expect(e.source.length, e.label).toBeGreaterThan(8);
      expect(Number.isInteger(e.instructions) && e.instructions > 0, e.label).toBe(true);
      expect(e.label.startsWith("aegis.dpf.") || e.label.startsWith("aegis.ash."), e.label).toBe(
        true,
      );
      expect(md.includes(`| \`${e.label}\``), e.label).toBe(true);
      expect(labels.has(e.label), `duplicate ${e.label}`).toBe(false);
      labels.add(e.label);
    }
  });
});
