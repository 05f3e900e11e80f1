import { describe, expect, it } from "vitest";
import { adapterFor } from "./adapters/index.js";
import { explainBenchmark } from "./inspect.js";
import { PAPER_SUITE } from "./workloads/index.js";

const workload = (id: string) => PAPER_SUITE.find((w) => w.id === id)!;

describe("explain with the memory system", () => {
  it("splits a path's cycles into labels (instructions, their stalls and misses) and machine operations, to the cycle", () => {
    const e = explainBenchmark(workload("pipe"), adapterFor("monolithic")!, {
      profile: "dec5000_125",
      seed: 1,
    });
    const labelled = e.labels.reduce(
      (s, l) => s + l.cyclesPerOp + l.stallCyclesPerOp + l.missCyclesPerOp,
      0,
    );
    expect(labelled + e.machineOpCyclesPerOp).toBeCloseTo(e.cyclesPerOp, 6);
    // The socket layer's copies declare stores that wait for the write buffer, and its code
    // misses in the I-cache; the register saves' stalls are machine operations.
    expect(e.labels.some((l) => l.stallCyclesPerOp > 0)).toBe(true);
    expect(e.labels.some((l) => l.missCyclesPerOp > 0)).toBe(true);
    expect(e.byCategory.writeStall).toBeGreaterThan(0);
    expect(e.byCategory.cacheMiss).toBeGreaterThan(0);
    const labelStalls = e.labels.reduce((s, l) => s + l.stallCyclesPerOp, 0);
    expect(labelStalls).toBeLessThanOrEqual(e.byCategory.writeStall! + 1e-9);
  });
});

describe("a profile named NAME+counted", () => {
  it("is the machine with its memory system off: only the memory system's cycles differ", () => {
    const off = explainBenchmark(workload("getpid"), adapterFor("monolithic")!, {
      profile: "dec5000_125+counted",
      seed: 1,
    });
    const on = explainBenchmark(workload("getpid"), adapterFor("monolithic")!, {
      profile: "dec5000_125",
      seed: 1,
    });
    expect(off.byCategory.writeStall).toBe(0);
    expect(on.byCategory.writeStall).toBeGreaterThan(0);
    // The counted part is the same machine's: only the memory system's cycles differ (to
    // within the clock ticks that fall into the window at other places).
    const counted = (e: typeof on) =>
      e.cyclesPerOp - (e.byCategory.writeStall ?? 0) - (e.byCategory.cacheMiss ?? 0);
    expect(Math.abs(counted(on) - counted(off))).toBeLessThan(0.01 * counted(off));
  });
});
