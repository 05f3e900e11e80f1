import { Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { periodic, runFor, setUp } from "../test/rt-world.js";
import { Pinned } from "../vm/pinned.js";

const specs = [
  periodic("control", 80_000, 8_000),
  periodic("telemetry", 160_000, 16_000),
  periodic("logging", 320_000, 40_000),
];
const works = [8_000, 16_000, 40_000];

describe("revocation", () => {
  it("a reserved slice revoked: the set is admitted again, tasks dropped from the end of the set, reported; the rest meets its deadlines", () => {
    const { w, os, r } = setUp("rm", specs, works);
    expect(r.ok).toBe(true);
    os.rt.start();
    runFor(w, 640_000);
    w.aegis.revokeSlice(os.env.id, 2);
    runFor(w, 40_000);
    expect(os.rt.revocations).toEqual([
      { position: 2, dropped: ["logging"], kept: ["control", "telemetry"] },
    ]);
    expect(os.rt.positions).toEqual([0]);
    expect(w.aegis.inspect(os.env.id).slices).toEqual([0]);
    const before = os.rt.records.map((x) => x.released);
    runFor(w, 1_280_000);
    const recs = os.rt.records;
    expect(recs[0]!.released - before[0]!).toBeGreaterThanOrEqual(16);
    expect(recs[1]!.released - before[1]!).toBeGreaterThanOrEqual(8);
    expect(recs[2]!.released).toBe(before[2]);
    expect(recs.map((x) => x.misses)).toEqual([0, 0, 0]);
    expect(w.aegis.deaths).toEqual([]);
  });

  it("a frame of a task's pinned page revoked: answered from the reserve, the data moved, no deadline missed", () => {
    const { w, os, r } = setUp("edf", specs, works);
    expect(r.ok).toBe(true);
    const va = Pinned.vaOf(0, 0);
    os.env.cpu.store32(va + 8, 0xc0ffee);
    os.rt.start();
    runFor(w, 320_000);
    const info = w.aegis.inspect(os.env.id);
    const frame = info.mappings.find((b) => b.vpn === va >>> 12)!.frame;
    w.aegis.revokeFrames(os.env.id, 1, [frame]);
    runFor(w, 320_000);
    expect(w.aegis.inspect(os.env.id).mappings.find((b) => b.vpn === va >>> 12)!.frame).not.toBe(
      frame,
    );
    expect(os.env.cpu.load32(va + 8)).toBe(0xc0ffee);
    expect(os.env.repossessed()).toEqual([]);
    expect(os.rt.summary().misses).toBe(0);
    expect(w.aegis.deaths).toEqual([]);
  });
});

describe("a hostile environment", () => {
  it("trying to take the reserved slices gets refusals; flooding the library with transfers costs it no deadline", () => {
    const { w, os, r, be } = setUp("edf", specs, works);
    expect(r.ok).toBe(true);
    let served = 0;
    expect(
      os.calls.serve((x) => {
        served++;
        return x + 1;
      }),
    ).toBe(Result.Ok);
    // The best-effort environment turns hostile: it tries the reserved positions…
    expect([0, 2].map((p) => be.env.allocSlice(p))).toEqual([Result.Busy, Result.Busy]);
    expect([0, 2].map((p) => be.env.freeSlice(p))).toEqual([Result.NotOwner, Result.NotOwner]);
    // …and calls the library by protected control transfer as fast as it can, in its own slices.
    const results = new Map<number, number>();
    be.sched.spawn(function* () {
      for (;;) {
        yield* be.calls.call(os.env.id, 1);
        const e = be.calls.lastError;
        results.set(e, (results.get(e) ?? 0) + 1);
        yield* be.sched.safepoint();
      }
    });
    os.rt.start();
    expect(os.calls.serve((x) => x)).toBe(Result.Refused);
    runFor(w, 1_280_000);
    // Every call refused by the kernel (the library withdrew its entries when the set started).
    expect(served).toBe(0);
    expect([...results.keys()]).toEqual([Result.Refused]);
    expect(results.get(Result.Refused)).toBeGreaterThan(1000);
    expect(os.rt.records.map((x) => x.released)).toEqual([17, 9, 5]);
    expect(os.rt.summary().misses).toBe(0);
    expect(w.aegis.inspect(os.env.id).slices).toEqual([0, 2]);
    expect(w.aegis.deaths).toEqual([]);
  });
});
