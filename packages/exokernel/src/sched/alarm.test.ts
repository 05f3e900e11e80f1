import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EnvHandle, Reg, Result, type Thread } from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import {
  Aegis,
  counted,
  envWithSaveArea,
  expectDeath,
  type Hosted,
  hostileValues,
  SAVE_VA,
} from "../test-util.js";

const SLICE = 20_000;

/** A thread that works in steps of `step` instructions, reaching a safepoint after each. */
function worker(env: EnvHandle, counter: { n: number }, step = 500): () => Thread {
  return function* () {
    for (;;) {
      env.cpu.exec(TEST_COSTS["test.work"], step);
      counter.n++;
      yield* env.safepoint();
    }
  };
}

interface Delivery {
  readonly env: number;
  readonly now: number;
  readonly t1: number;
}

/** An env with a save area, a worker, a slice and an alarm handler that logs deliveries. */
function busyEnv(aegis: Aegis, name: string, log: Delivery[], counter = { n: 0 }): Hosted {
  const env = envWithSaveArea(aegis, name);
  const h = env.handle;
  env.onStartOfSlice(worker(h, counter));
  env.allocSlice();
  expect(
    env.setInterruptHandler(
      "alarm",
      (x) => {
        log.push({ env: x.id, now: x.cpu.now, t1: x.cpu.reg(Reg.t1) });
      },
      SAVE_VA,
    ),
  ).toBe(Result.Ok);
  return env;
}

/**
 * The interrupt path from the alarm's cycle to the handler's first instruction, dec5000_125
 * (COSTS.md): the timer interrupt's exception entry 3, the acknowledge (uncached) 15,
 * `aegis.int.timer` 8, `aegis.int.alarmCheck` 8, `aegis.alarm.expire` 7, the timer
 * reprogrammed (uncached) 15, `rfe` 1; then IP0's exception entry 3, 3 `sw` of the save area
 * (cached) 3, `aegis.int.alarmDispatch` 18, `rfe` 1: 82 cycles (3.28 µs).
 */
const ALARM_LATENCY = 82;

/** The cycles at which the interval timer raises its line (the machine's own record). */
function timerExpiries(aegis: Aegis): number[] {
  const cpu = aegis.machine.cpu;
  const assert = cpu.assertIrq.bind(cpu);
  const out: number[] = [];
  cpu.assertIrq = (line: number) => {
    if (line === 7) out.push(cpu.now);
    assert(line);
  };
  return out;
}

describe("alarms", () => {
  it("fire at the exact cycle when the owner runs: same latency wherever the cycle falls", () => {
    for (const offset of [5_003, 7_777, 12_345]) {
      const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
      const log: Delivery[] = [];
      const a = busyEnv(aegis, "a", log);
      const at = a.cpu.now + offset;
      expect(a.setAlarm(at)).toBe(Result.Ok);
      aegis.run({ untilCycle: at + 3 * SLICE });
      expect(log).toEqual([{ env: a.id, now: at + ALARM_LATENCY, t1: at }]);
      expect(aegis.stats.alarmsDelivered).toBe(1);
      expect(aegis.inspect(a.id).alive).toBe(true);
    }
  });

  it("are pending while the owner is off the CPU and delivered as its code resumes", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const log: Delivery[] = [];
    const a = busyEnv(aegis, "a", log);
    // a's thread notes, each time it goes on after a yield, the cycle and the deliveries so far.
    const ha = a.handle;
    const steps: { now: number; seen: number }[] = [];
    a.onStartOfSlice(function* (): Thread {
      for (;;) {
        steps.push({ now: ha.cpu.now, seen: log.length });
        ha.cpu.exec(TEST_COSTS["test.work"], 500);
        yield* ha.safepoint();
      }
    });
    const bWork = { n: 0 };
    busyEnv(aegis, "b", [], bWork);
    // Slices: a, b, a, … from the run's start. Arm a's alarm in the middle of b's first slice.
    const start = a.cpu.now;
    const at = start + SLICE + SLICE / 2;
    a.setAlarm(at);
    aegis.run({ untilCycle: start + 2 * SLICE + 5_000 });
    expect(log.length).toBe(1);
    const d = log[0]!;
    expect(d.t1).toBe(at);
    // Delivered at a's next slice (after b's), never early, before a's code went on.
    expect(d.now).toBeGreaterThanOrEqual(start + 2 * SLICE);
    expect(d.now).toBeLessThan(start + 2 * SLICE + 1_000);
    const firstAfter = steps.find((x) => x.now > at)!;
    expect(firstAfter.now).toBeGreaterThanOrEqual(d.now);
    expect(firstAfter.seen).toBe(1);
    expect(bWork.n).toBeGreaterThan(0);
    expect(aegis.stats.alarmsExpired).toBe(1);
  });

  it("cancel disarms; re-arming replaces; a past cycle is due at once", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const log: Delivery[] = [];
    const a = busyEnv(aegis, "a", log);
    const now = a.cpu.now;
    a.setAlarm(now + 3_000);
    expect(a.cancelAlarm()).toBe(Result.Ok);
    aegis.run({ untilCycle: now + 2 * SLICE });
    expect(log).toEqual([]);
    const t = a.cpu.now;
    a.setAlarm(t + 9_000);
    a.setAlarm(t + 4_000); // replaces
    aegis.run({ untilCycle: t + 2 * SLICE });
    expect(log.map((d) => d.t1)).toEqual([t + 4_000]);
    // In the past: delivered before the call returns (in the caller's own window).
    const before = log.length;
    let seen = -1;
    expect(
      aegis.actAs(a.handle, () => {
        const r = a.handle.setAlarm(5);
        seen = log.length;
        return r;
      }),
    ).toBe(Result.Ok);
    expect(seen).toBe(before + 1);
    expect(log.at(-1)!.t1).toBe(5);
    expect(aegis.stats.alarmsExpired).toBe(1);
  });

  it("refuses ill-typed cycles without a getter run and changes nothing", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const a = envWithSaveArea(aegis, "a");
    const { values, reads } = hostileValues();
    for (const v of [...values, -1, 2 ** 53, 0.5, Number.NaN]) {
      if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** 53) continue;
      expect(a.setAlarm(v as number)).toBe(Result.Invalid);
    }
    for (const v of values) {
      expect(a.setInterruptHandler(v as "alarm", () => undefined, SAVE_VA)).toBe(Result.Invalid);
      if (v !== null && typeof v !== "function") {
        expect(a.setInterruptHandler("alarm", v as () => void, SAVE_VA)).toBe(Result.Invalid);
      }
    }
    expect(reads()).toBe(0);
    expect(a.setInterruptHandler("alarm", () => undefined, 0x1000)).toBe(Result.Fault);
    expect(a.setInterruptHandler("alarm", () => undefined, SAVE_VA + 2)).toBe(Result.Invalid);
    expect(aegis.inspect(a.id).alarmAtCycle).toBe(-1);
    expect(aegis.inspect(a.id).alarmPendingCycle).toBe(-1);
  });

  it("many envs' alarms never move a slice boundary; each reaches its owner only, never early", () => {
    const run = (alarms: readonly (readonly [number, number])[]) => {
      const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
      const expiries = timerExpiries(aegis);
      const log: Delivery[] = [];
      const envs = [0, 1, 2].map((i) => busyEnv(aegis, `e${i}`, log));
      const boundaries: number[] = [];
      for (const e of envs) {
        e.onEndOfSlice(() => {
          boundaries.push(aegis.stats.lastSliceBoundaryCycle);
        });
      }
      const start = envs[0]!.cpu.now;
      // Each env re-arms from its handler (periodic) or once, as the case says.
      for (const [i, off] of alarms) envs[i % 3]!.setAlarm(start + off);
      const runStart = aegis.machine.now;
      aegis.run({ untilCycle: start + 12 * SLICE });
      return {
        expiries: expiries.map((b) => b - runStart),
        boundaries: boundaries.map((b) => b - runStart),
        log,
        start,
        ids: envs.map((e) => e.id),
        ticks: aegis.stats.ticks,
        runStart,
      };
    };
    const base = run([]);
    expect(base.boundaries.length).toBe(base.ticks);
    // The timer starts one register write (15 cycles) into the run; then every slice.
    expect(base.boundaries).toEqual(base.boundaries.map((_, k) => 15 + (k + 1) * SLICE));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(8), fc.integer({ min: 2_000, max: 11 * SLICE })), {
          maxLength: 6,
        }),
        (alarms) => {
          const r = run(alarms);
          // Boundaries: the same cycles as with no alarm at all — as the kernel counts them,
          // and as the timer raised them (every expiry is a boundary or an alarm's cycle).
          expect(r.boundaries).toEqual(base.boundaries);
          const armed = new Set(alarms.map(([, off]) => off));
          const extra = r.expiries.filter((e) => !base.expiries.includes(e));
          expect(base.expiries.filter((e) => !r.expiries.includes(e))).toEqual([]);
          for (const e of extra) expect(armed.has(e + r.runStart - r.start)).toBe(true);
          // Each env's last armed alarm (re-arming replaces) is delivered once, to it, never early.
          const want = new Map<number, number>();
          for (const [i, off] of alarms) want.set(r.ids[i % 3]!, r.start + off);
          expect(r.log.length).toBe(want.size);
          for (const d of r.log) {
            const at = want.get(d.env);
            expect(at).toBeDefined();
            expect(d.t1).toBe(at! | 0);
            expect(d.now).toBeGreaterThanOrEqual(at!);
          }
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 15), seed: 13 },
    );
  });

  it("a hostile handler (throws, loops, loses its save area) dies alone; the others run on", () => {
    for (const kind of ["throws", "loops", "save area"] as const) {
      const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
      const victimLog: Delivery[] = [];
      const vWork = { n: 0 };
      const v = busyEnv(aegis, "victim", victimLog, vWork);
      const boundaries: number[] = [];
      v.onEndOfSlice(() => {
        boundaries.push(aegis.stats.lastSliceBoundaryCycle);
      });
      const x = envWithSaveArea(aegis, "hostile");
      x.onStartOfSlice(worker(x.handle, { n: 0 }));
      x.allocSlice();
      x.setInterruptHandler(
        "alarm",
        (h) => {
          if (kind === "throws") throw new Error("hostile");
          if (kind === "loops") for (;;) h.cpu.exec(TEST_COSTS["test.spin"], 1000);
        },
        SAVE_VA,
      );
      if (kind === "save area") x.tlbDelete(SAVE_VA);
      expectDeath(aegis, "hostile");
      const start = v.cpu.now;
      x.setAlarm(start + 100);
      v.setAlarm(start + 10 * SLICE + 7);
      const runStart = aegis.machine.now;
      aegis.run({ untilCycle: start + 12 * SLICE });
      expect(aegis.inspect(x.id).alive).toBe(false);
      expect(victimLog.map((d) => d.t1)).toEqual([start + 10 * SLICE + 7]);
      expect(vWork.n).toBeGreaterThan(0);
      // The victim's boundaries stay on the grid.
      expect(boundaries.length).toBeGreaterThan(3);
      for (const b of boundaries) expect((b - runStart - 15) % SLICE).toBe(0);
    }
  });
});
