import { describe, expect, it } from "vitest";
import { simulate } from "../runner.js";
import { defineWorkload, type Workload } from "../workload.js";
import { ADAPTERS } from "./index.js";

/** A workload whose thread makes a deliberately wrong assertion (a bug in a workload). */
const [wrong] = [
  defineWorkload({
    id: "wrong-assertion",
    suite: "paper",
    title: "a workload with a deliberately wrong assertion",
    port: "user",
    unit: "us/op",
    iterations: { warmup: 0, measured: 1 },
    threads: [
      // biome-ignore lint/correctness/useYield: the thread fails before it could block
      function* (_p, m) {
        m.start();
        expect(1 + 1, "a deliberately wrong assertion").toBe(3);
        m.stop();
      },
    ],
  }),
] as readonly Workload[] as [Workload];

describe("every adapter fails a run with what the workload's code threw", () => {
  for (const adapter of ADAPTERS) {
    it(`${adapter.id}: the assertion's own message, not a later "did not finish"`, () => {
      expect(() => simulate(wrong, adapter, { profile: "dec5000_125", seed: 1 })).toThrow(
        "a deliberately wrong assertion: expected 2 to be 3",
      );
    });
  }
});
