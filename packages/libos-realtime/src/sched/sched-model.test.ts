import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { admit } from "./admission.js";
import { runModel } from "./model.js";
import { Supply } from "./supply.js";
import { checkTask, checkTaskSet, type Task } from "./task.js";

const geometry = { sliceCycles: 1000, vectorLength: 8, sliceOverheadCycles: 50 };
const task = (
  name: string,
  periodCycles: number,
  wcetCycles: number,
  deadlineCycles?: number,
): Task => {
  const c = checkTask({ name, kind: "periodic", periodCycles, wcetCycles, deadlineCycles });
  if (!c.ok) throw new Error(c.reason);
  return c.value;
};

describe("task parameters", () => {
  it.each([
    [{ name: "a", kind: "periodic", periodCycles: 0, wcetCycles: 1 }, 'task "a": period is 0'],
    [
      { name: "a", kind: "periodic", periodCycles: 100, wcetCycles: 60, deadlineCycles: 50 },
      'task "a": WCET 60 cycles is above its deadline 50',
    ],
    [
      { name: "a", kind: "periodic", periodCycles: Number.NaN, wcetCycles: 1 },
      'task "a": periodCycles is NaN',
    ],
    [
      { name: "a", kind: "periodic", periodCycles: 10, wcetCycles: Number.NaN },
      'task "a": wcetCycles is NaN',
    ],
    [
      { name: "a", kind: "periodic", periodCycles: "10", wcetCycles: 1 },
      'task "a": periodCycles must be a number, got string',
    ],
    [
      { name: "a", kind: "periodic", periodCycles: 10, wcetCycles: 1, deadlineCycles: 11 },
      'task "a": deadline 11 cycles is above its period 10 (deadlines are constrained)',
    ],
    [
      { name: "a", kind: "periodic", periodCycles: 100, wcetCycles: 40, blockingCycles: 61 },
      'task "a": WCET 40 plus blocking 61 cycles is above its deadline 100',
    ],
    [
      { name: "a", kind: "periodic", periodCycles: 100, wcetCycles: 40, blockingCycles: -1 },
      'task "a": blockingCycles must be at least 0, got -1',
    ],
    [
      { name: "a", kind: "aperiodic", periodCycles: 10, wcetCycles: 1 },
      'task "a": kind must be "periodic" or "sporadic"',
    ],
  ])("refuses %o with the reason", (spec, reason) => {
    expect(checkTask(spec)).toEqual({ ok: false, reason });
  });

  it("refuses two tasks of one name, and takes the defaults", () => {
    expect(checkTaskSet([task("a", 10, 1), task("a", 20, 1)])).toEqual({
      ok: false,
      reason: 'two tasks are named "a"',
    });
    expect(task("b", 10, 2)).toEqual({
      name: "b",
      kind: "periodic",
      periodCycles: 10,
      wcetCycles: 2,
      deadlineCycles: 10,
      offsetCycles: 0,
      pages: 0,
      blockingCycles: 0,
    });
  });
});

describe("the supply of reserved slices", () => {
  it("is the least supply over every window (brute force on a small vector)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 20_000 }),
        (positions, t) => {
          const s = new Supply(geometry, positions);
          // The least over start points spaced 25 cycles apart is an upper bound of sbf…
          let least = Number.POSITIVE_INFINITY;
          for (let x = 0; x < s.periodCycles; x += 25)
            least = Math.min(least, s.cumulative(x + t) - s.cumulative(x));
          expect(s.sbf(t)).toBeLessThanOrEqual(least);
          // …and sbf is attained at a supply interval's end, and bounded below by the linear bound.
          expect(s.sbf(t)).toBeGreaterThanOrEqual(s.rate * (t - s.delayCycles) - 1e-6);
          expect(s.sbf(t + s.periodCycles)).toBe(s.sbf(t) + s.perPeriodCycles);
          expect(s.sbf(s.inverse(s.sbf(t)))).toBeGreaterThanOrEqual(s.sbf(t));
        },
      ),
      { seed: 13, numRuns: 200 },
    );
  });

  it("every other slice of 8: half the CPU less the switch-in costs, a blackout of one slice and a half", () => {
    const s = new Supply(geometry, [0, 2, 4, 6]);
    expect(s.rate).toBe((4 * 950) / 8000);
    expect(s.blackoutCycles).toBe(1050);
    expect(s.sbf(1050)).toBe(0);
    expect(s.sbf(2000)).toBe(950);
  });
});

describe("EDF and RM", () => {
  const all = new Supply({ ...geometry, sliceOverheadCycles: 0 }, [0, 1, 2, 3, 4, 5, 6, 7]);

  it("EDF runs the earliest deadline first, RM the shortest period", () => {
    // a: period 100, deadline 100; b: period 60, deadline 60, released together with a at 0,
    // but c (period 50, deadline 20) is the most urgent; RM ranks by period: c (50), b (60), a (100).
    const tasks = [task("a", 100, 10, 30), task("b", 60, 10), task("c", 50, 10, 20)];
    const edf = runModel({
      policy: "edf",
      tasks,
      supply: all,
      jobOverheadCycles: 0,
      horizonCycles: 40,
    });
    const rm = runModel({
      policy: "rm",
      tasks,
      supply: all,
      jobOverheadCycles: 0,
      horizonCycles: 40,
    });
    expect(edf.finished).toEqual([2, 0, 1]);
    expect(rm.finished).toEqual([2, 1, 0]);
  });

  it("admission refuses with the reason: utilisation above the supply, a deadline RM cannot meet", () => {
    const half = new Supply(geometry, [0, 2, 4, 6]);
    const r = admit("edf", [task("a", 4000, 2000)], half, 10);
    expect(r).toMatchObject({
      ok: false,
      reason:
        "utilisation 50.25 % with the overheads (10 cycles a job) is not below the reserved supply 47.50 %",
    });
    // RM: fits by utilisation, but the blackout of 1050 cycles comes before the deadline.
    const rm = admit("rm", [task("a", 8000, 100, 1000)], half, 10);
    expect(rm).toMatchObject({
      ok: false,
      reason: 'RM: task "a" may respond in 1160 cycles, after its deadline 1000',
    });
    expect(admit("rm", [task("a", 8000, 100, 1200)], half, 10)).toMatchObject({
      ok: true,
      responseBoundCycles: [1160],
    });
  });

  it("blocking counts: one less important section per job, in EDF's demand and RM's response", () => {
    const half = new Supply(geometry, [0, 2, 4, 6]);
    const blocked = (blockingCycles: number) => {
      const c = checkTask({
        name: "h",
        kind: "periodic",
        periodCycles: 8000,
        wcetCycles: 100,
        deadlineCycles: 1200,
        blockingCycles,
      });
      if (!c.ok) throw new Error(c.reason);
      return c.value;
    };
    // RM: the response bound grows by the blocking, until it passes the deadline.
    expect(admit("rm", [blocked(0)], half, 10)).toMatchObject({
      ok: true,
      responseBoundCycles: [1160],
    });
    expect(admit("rm", [blocked(30)], half, 10)).toMatchObject({
      ok: true,
      responseBoundCycles: [1190],
    });
    expect(admit("rm", [blocked(300)], half, 10)).toMatchObject({
      ok: false,
      reason: 'RM: task "h" may respond in 1460 cycles, after its deadline 1200',
    });
    // EDF: the same task set, admitted without blocking, refused with it, with the reason.
    const other = task("l", 4000, 1000);
    expect(admit("edf", [blocked(0), other], half, 10).ok).toBe(true);
    const r = admit("edf", [blocked(300), other], half, 10);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/may be blocked 300, the reserved slices supply/);
  });

  const taskSet = fc
    .array(
      fc.record({
        period: fc.integer({ min: 2000, max: 40_000 }),
        wcetPermille: fc.integer({ min: 5, max: 400 }),
        deadlinePermille: fc.integer({ min: 300, max: 1000 }),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((xs) =>
      xs.map((x, i) => {
        const wcet = Math.max(1, Math.floor((x.period * x.wcetPermille) / 1000));
        const deadline = Math.max(wcet, Math.floor((x.period * x.deadlinePermille) / 1000));
        return task(`t${i}`, x.period, wcet, deadline);
      }),
    );
  const positions = fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 8 });

  it.each(["edf", "rm"] as const)(
    "%s: no admitted task set misses a deadline under the model's own costs (any phase, any demand up to the WCET)",
    (policy) => {
      let admitted = 0;
      fc.assert(
        fc.property(
          taskSet,
          positions,
          fc.integer({ min: 0, max: 7999 }),
          fc.integer({ min: 0, max: 1000 }),
          (tasks, pos, phase, seed) => {
            const supply = new Supply(geometry, pos);
            const a = admit(policy, tasks, supply, 20);
            if (!a.ok) return;
            admitted++;
            const r = runModel({
              policy,
              tasks,
              supply,
              jobOverheadCycles: 20,
              horizonCycles: 200_000,
              phaseCycles: phase,
              demand: (i, k) =>
                tasks[i]!.wcetCycles -
                ((seed + 7 * k + 13 * i) % 3 === 0 ? k % tasks[i]!.wcetCycles : 0),
            });
            for (const rec of r.records) expect(rec.misses, rec.name).toBe(0);
            if (policy === "rm")
              r.records.forEach((rec, i) => {
                expect(rec.worstResponseCycles).toBeLessThanOrEqual(a.responseBoundCycles[i]!);
              });
          },
        ),
        { seed: 13, numRuns: 150 },
      );
      expect(admitted).toBeGreaterThan(20);
    },
  );

  it("overload: misses are recorded", () => {
    const half = new Supply(geometry, [0, 2, 4, 6]);
    const tasks = [task("a", 4000, 1500), task("b", 6000, 1500)];
    expect(admit("edf", tasks, half, 20).ok).toBe(false);
    for (const policy of ["edf", "rm"] as const) {
      const r = runModel({
        policy,
        tasks,
        supply: half,
        jobOverheadCycles: 20,
        horizonCycles: 120_000,
      });
      const misses = r.records.reduce((n, x) => n + x.misses, 0);
      expect(misses).toBeGreaterThan(5);
    }
  });
});
