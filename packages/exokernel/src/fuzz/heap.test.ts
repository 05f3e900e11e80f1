import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HEAP_CRITERION, HEAP_SAMPLES, type HeapSample, heapSlope, judgeHeap } from "./heap.js";

/**
 * The fuzz command's heap criterion on synthetic series: what a run keeps by design and its
 * warm-up pass, a leak fails. The shapes follow the measured runs (README, the hostile fuzz).
 */
const MiB = 1024 * 1024;
const BASE = 12 * MiB;

interface Shape {
  calls: number;
  /** Hostile deaths per call (0.015 measured with FUZZ_DISK=1, 0.005 without). */
  deathRate: number;
  /** Bytes kept per death. */
  perDeathBytes: number;
  /** Bytes gained while warming up, linearly until `warmCalls`, then a plateau. */
  warmBytes: number;
  warmCalls: number;
  /** Bytes leaked per call. */
  leakPerCall: number;
  /** Bytes added to sample i (noise). */
  noise: (i: number) => number;
}

function series(s: Shape): HeapSample[] {
  const out: HeapSample[] = [];
  for (let i = 1; i <= HEAP_SAMPLES; i++) {
    const calls = Math.round((i * s.calls) / HEAP_SAMPLES);
    const hostileDeaths = Math.floor(calls * s.deathRate);
    const warm = s.warmBytes * Math.min(1, calls / s.warmCalls);
    const heapBytes =
      BASE + warm + hostileDeaths * s.perDeathBytes + calls * s.leakPerCall + s.noise(i);
    out.push({ calls, hostileDeaths, heapBytes });
  }
  return out;
}

/** The disk-heavy run as measured: +2.5 MiB of warm-up over 100,000 calls, 80 bytes a death. */
const measuredDisk: Shape = {
  calls: 300_000,
  deathRate: 0.015,
  perDeathBytes: 80,
  warmBytes: 2.5 * MiB,
  warmCalls: 100_000,
  leakPerCall: 0,
  noise: (i) => (i % 2 === 0 ? 1 : -1) * 0.2 * MiB,
};

describe("the fuzz's heap criterion", () => {
  it("passes a run that warms up, keeps its deaths' records and scatters (the first-tenth rule failed it)", () => {
    const s = series(measuredDisk);
    const j = judgeHeap(s);
    expect(j.judged).toBe(true);
    expect(j.ok).toBe(true);
    expect(j.spanCalls).toBe(150_000);
    expect(j.spanDeaths).toBe(2250);
    // The old rule: the end more than 10% above the first tenth.
    expect((s[HEAP_SAMPLES - 1]!.heapBytes - s[1]!.heapBytes) / s[1]!.heapBytes).toBeGreaterThan(
      0.1,
    );
  });

  it("fails a deliberate leak of 256 bytes a call, and reports it", () => {
    const j = judgeHeap(series({ ...measuredDisk, leakPerCall: 256 }));
    expect(j.ok).toBe(false);
    expect(j.netBytesPerCall).toBeGreaterThan(240);
    expect(j.netBytesPerCall).toBeLessThan(270);
  });

  it("fails a leak just above the limit once the noise is small against it", () => {
    const quiet = { ...measuredDisk, noise: () => 0 };
    expect(judgeHeap(series({ ...quiet, leakPerCall: 15 })).ok).toBe(true);
    expect(judgeHeap(series({ ...quiet, leakPerCall: 17 })).ok).toBe(false);
  });

  it("fails a leak per death (4 KiB kept per hostile death instead of 80 bytes)", () => {
    const j = judgeHeap(series({ ...measuredDisk, perDeathBytes: 4096 }));
    expect(j.ok).toBe(false);
    expect(j.bytesPerDeath).toBeGreaterThan(3500);
  });

  it("takes the records kept by design off: a death every fourth call passes", () => {
    const j = judgeHeap(series({ ...measuredDisk, deathRate: 0.25, noise: () => 0 }));
    expect(j.bytesPerCall).toBeCloseTo(20, 0);
    expect(j.bytesPerDeath).toBeCloseTo(80, 0);
    expect(j.netBytesPerCall).toBeCloseTo(0, 0);
    expect(j.ok).toBe(true);
  });

  it("does not judge a run shorter than judgedFromCalls, and reports its figures", () => {
    const j = judgeHeap(series({ ...measuredDisk, calls: 50_000, leakPerCall: 256 }));
    expect(j.judged).toBe(false);
    expect(j.ok).toBe(true);
    expect(j.netBytesPerCall).toBeGreaterThan(200);
  });

  it("does not judge fewer than three samples, nor none", () => {
    expect(judgeHeap([]).judged).toBe(false);
    const two = series(measuredDisk).slice(-2);
    expect(judgeHeap(two).judged).toBe(false);
  });

  it("the slope is the least-squares line's", () => {
    const s = [0, 1, 2, 3].map((k) => ({
      calls: k * 1000,
      hostileDeaths: 0,
      heapBytes: 5000 * k + (k % 2) * 300,
    }));
    // x: 0..3 thousand; y: 0, 5300, 10000, 15300: slope 5.06 a call.
    expect(heapSlope(s)).toBeCloseTo(5.06, 6);
  });

  it("property: any warm-up over by the middle, deaths kept by design and noise within ±128 KiB pass; a leak of 32 bytes a call or more fails", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: HEAP_CRITERION.judgedFromCalls, max: 2_000_000 }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        fc.double({ min: 0, max: 4 * MiB, noNaN: true }),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.array(fc.integer({ min: -128 * 1024, max: 128 * 1024 }), {
          minLength: HEAP_SAMPLES,
          maxLength: HEAP_SAMPLES,
        }),
        fc.double({ min: 32, max: 1024, noNaN: true }),
        (calls, deathRate, warmBytes, warmFraction, noise, leak) => {
          const shape: Shape = {
            calls,
            deathRate,
            perDeathBytes: HEAP_CRITERION.keptPerDeathBytes,
            warmBytes,
            warmCalls: Math.max(1, Math.floor(calls * warmFraction)),
            leakPerCall: 0,
            noise: (i) => noise[i - 1]!,
          };
          expect(judgeHeap(series(shape)).ok).toBe(true);
          expect(judgeHeap(series({ ...shape, leakPerCall: leak })).ok).toBe(false);
        },
      ),
    );
  });
});
