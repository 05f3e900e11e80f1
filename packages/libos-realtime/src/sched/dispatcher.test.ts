import { Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { percentile } from "../index.js";
import { periodic, runFor, setUp } from "../test/rt-world.js";

describe("the dispatcher on the machine", () => {
  it.each(["edf", "rm"] as const)(
    "%s: an admitted set meets every deadline beside best-effort load",
    (policy) => {
      const specs = [
        periodic("fast", 80_000, 6_000),
        periodic("mid", 160_000, 12_000),
        periodic("slow", 320_000, 20_000),
      ];
      const { w, os, r } = setUp(policy, specs, [6_000, 12_000, 20_000]);
      expect(r.ok, r.ok ? "" : r.reason).toBe(true);
      expect(os.rt.start()).toBe(Result.Ok);
      const end = w.aegis.machine.now + 3_200_000;
      w.runUntil(() => w.aegis.machine.now >= end, 4_000_000);
      const recs = os.rt.records;
      expect(recs.map((x) => x.completed)).toEqual([40, 20, 10]);
      expect(recs.map((x) => x.misses)).toEqual([0, 0, 0]);
      if (r.ok && policy === "rm")
        recs.forEach((x, i) => {
          expect(x.worstResponseCycles).toBeLessThanOrEqual(
            r.admission.ok ? r.admission.responseBoundCycles[i]! : 0,
          );
        });
      expect(w.aegis.deaths).toEqual([]);
    },
  );

  it("overload on purpose: misses are recorded (the jobs run longer than their declared WCET)", () => {
    const specs = [periodic("a", 80_000, 10_000), periodic("b", 160_000, 10_000)];
    const { w, os, r } = setUp("edf", specs, [30_000, 60_000]);
    expect(r.ok).toBe(true);
    os.rt.start();
    const end = w.aegis.machine.now + 1_600_000;
    w.runUntil(() => w.aegis.machine.now >= end, 2_000_000);
    expect(os.rt.summary().misses).toBeGreaterThan(5);
  });
});

describe("interrupt-driven release", () => {
  it("the alarm releases each job within a bounded latency of its release time (p50, p99, max)", () => {
    const { w, os, r } = setUp(
      "edf",
      [periodic("a", 50_000, 3_000), periodic("b", 70_000, 3_000)],
      [3_000, 3_000],
    );
    expect(r.ok).toBe(true);
    os.rt.start(1_000);
    runFor(w, 1_400_000);
    const lat = os.rt.dispatcher.latencies;
    expect(lat.length).toBeGreaterThan(40);
    // Released at the alarm's cycle when the library is running; when it is not (a best-effort
    // slice), at the start of its next reserved slice: bounded by the vector's blackout.
    expect(Math.min(...lat)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lat)).toBeLessThanOrEqual(20_000 + 2_000);
    expect(percentile(lat, 50)).toBeLessThanOrEqual(percentile(lat, 99));
    expect(os.rt.summary().misses).toBe(0);
  });
});

describe("sporadic tasks", () => {
  it("are released by an event, never by the alarm, and no sooner than their minimum inter-arrival", () => {
    const results: number[] = [];
    const specs = [
      periodic("sensor", 80_000, 4_000),
      {
        name: "actuate",
        kind: "sporadic",
        periodCycles: 60_000,
        wcetCycles: 3_000,
        deadlineCycles: 40_000,
        pages: 1,
      } as const,
    ];
    const { w, os, r, bodies } = setUp("edf", specs, [4_000, 3_000]);
    expect(r.ok, r.ok ? "" : r.reason).toBe(true);
    // The sensor's job, then the event: the actuator released twice in a row (the second refused).
    const sensor = bodies[0]!;
    const withEvent = os.rt.admit({
      policy: "edf",
      tasks: specs,
      bodies: [
        function* (job) {
          yield* sensor(job);
          results.push(os.rt.dispatcher.releaseNow(1), os.rt.dispatcher.releaseNow(1));
        },
        bodies[1]!,
      ],
      positions: [0, 2],
    });
    expect(withEvent.ok).toBe(true);
    os.rt.start();
    runFor(w, 640_000);
    const [s, a] = os.rt.records;
    expect(s!.released).toBe(9); // at 0, 80 000, …, 640 000
    // One actuation per sensor job (the last may be cut by the end of the run).
    expect(a!.released).toBeGreaterThanOrEqual(8);
    expect(a!.released).toBeLessThanOrEqual(s!.released);
    expect(a!.misses + s!.misses).toBe(0);
    expect(results.slice(0, 4)).toEqual([Result.Ok, Result.Refused, Result.Ok, Result.Refused]);
    expect(os.rt.dispatcher.releaseNow(0)).toBe(Result.Invalid);
  });
});

describe("on an Aegis without the real-time calls (kernel-api.ts's stand-ins)", () => {
  it("a polled alarm and positions allocated one by one still meet the deadlines of an admitted set", () => {
    const specs = [periodic("fast", 80_000, 6_000), periodic("slow", 160_000, 12_000)];
    const { w, os, r } = setUp("edf", specs, [6_000, 12_000], {}, true);
    expect(r.ok).toBe(true);
    os.rt.start();
    runFor(w, 1_280_000);
    expect(os.rt.records.map((x) => x.misses)).toEqual([0, 0]);
    expect(os.rt.records[0]!.released).toBeGreaterThanOrEqual(16);
    expect(w.aegis.inspect(os.env.id).reservedSlices).toEqual([]);
    expect(w.aegis.inspect(os.env.id).slices).toEqual([0, 2]);
  });
});
