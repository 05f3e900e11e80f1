/**
 * dpf-classify (Table 7): the compiled demultiplexer against the trie interpreter over the
 * same ten TCP/IP filters, in simulated time from the engines' counted work; only the bare
 * exokernel serves the row (the baseline runs no packet filter: a reasoned n/a).
 */
import { describe, expect, it } from "vitest";
import { adapterFor } from "../adapters/index.js";
import { runBenchmark } from "../runner.js";
import { CLASSIFY_PACKETS, dpfClassify, dpfClassifyInterpreted } from "./classify.js";

const opts = { profile: "dec5000_125", seed: 1 };

describe("dpf-classify", () => {
  it("the compiled engine classifies in fewer simulated cycles than the interpreter; pinned", () => {
    const exo = adapterFor("exokernel")!;
    const c = runBenchmark(dpfClassify, exo, opts);
    const i = runBenchmark(dpfClassifyInterpreted, exo, opts);
    expect(c.supported && i.supported).toBe(true);
    // Per packet: the engines' counted instructions (exokernel COSTS.md, "The network
    // engines"): pinned as instructions, which no memory-system setting of the profile moves
    // (on the counted profile they are also the cycles).
    const perPacket = (r: typeof c) => r.labels[0]!.instructions / CLASSIFY_PACKETS;
    expect([perPacket(c), perPacket(i)]).toEqual([PINNED.compiled, PINNED.interpreted]);
    expect(i.simulatedCycles).toBeGreaterThan(2 * c.simulatedCycles);
    expect(c.labels.map((l) => l.label)).toEqual(["aegis.dpf.counted"]);
  });

  it("the baseline and the libOS rows are a reasoned n/a", () => {
    for (const id of ["monolithic", "exos"]) {
      const r = runBenchmark(dpfClassify, adapterFor(id)!, opts);
      expect(r.supported).toBe(false);
      expect(r.reason).toMatch(/\w/);
    }
  });
});

/** Counted instructions per packet: compiled DPF (the paper: about 18 for an IP demultiplexer), and the trie interpreter. */
const PINNED = { compiled: 54, interpreted: 158 };
