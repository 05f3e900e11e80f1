import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { periodic, runFor, setUp } from "../test/rt-world.js";

/**
 * The model's promise on the machine itself: random task sets that admission accepts (with
 * the overheads it computes from the kernel's and the library's costs) meet every deadline
 * when their jobs do their full WCET of real work beside best-effort load. A short seeded
 * slice (each run simulates 1.28 M cycles).
 */
describe("on the machine: no admitted set misses a deadline", () => {
  it("random sets, EDF and RM (fast-check, seeded)", () => {
    let admitted = 0;
    fc.assert(
      fc.property(
        fc.constantFrom("edf" as const, "rm" as const),
        fc.array(
          fc.record({
            periodSlices: fc.integer({ min: 4, max: 16 }),
            permille: fc.integer({ min: 20, max: 200 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        (policy, xs) => {
          const specs = xs.map((x, i) =>
            periodic(
              `t${i}`,
              x.periodSlices * 20_000,
              Math.max(500, x.periodSlices * 20 * x.permille),
            ),
          );
          const works = specs.map((s) => s.wcetCycles);
          const { w, os, r } = setUp(policy, specs, works);
          if (!r.ok) return;
          admitted++;
          os.rt.start();
          runFor(w, 1_280_000);
          expect(os.rt.records.map((x) => x.misses)).toEqual(specs.map(() => 0));
          expect(w.aegis.deaths).toEqual([]);
        },
      ),
      { seed: 13, numRuns: 20 },
    );
    expect(admitted).toBeGreaterThanOrEqual(10);
  });
});
