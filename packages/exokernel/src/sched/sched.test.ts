import { describe, expect, it } from "vitest";
import type { EnvHandle, Thread } from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import { Aegis, counted, expectDeath, hostedEnv } from "../test-util.js";

/** A thread that works in steps of `step` instructions, reaching a safepoint after each. */
function worker(env: EnvHandle, counter: { n: number }, step = 1000): () => Thread {
  return function* () {
    for (;;) {
      env.cpu.exec(TEST_COSTS["test.work"], step);
      counter.n++;
      yield* env.safepoint();
    }
  };
}

describe("slices, round robin, end-of-slice", () => {
  it("two environments alternate whole slices; end-of-slice upcalls run; latency is bounded", () => {
    const aegis = new Aegis(counted());
    const slice = aegis.policy.sliceCycles;
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const ca = { n: 0 };
    const cb = { n: 0 };
    const order: string[] = [];
    let eosA = 0;
    a.onStartOfSlice(() => {
      order.push("a");
      return worker(a, ca)();
    });
    b.onStartOfSlice(() => {
      order.push("b");
      return worker(b, cb)();
    });
    a.onEndOfSlice(() => {
      eosA++;
    });
    a.allocSlice();
    b.allocSlice();
    aegis.run({ untilCycle: 10 * slice });
    // Each context starts once and is then resumed slice after slice.
    expect(order).toEqual(["a", "b"]);
    expect(eosA).toBe(5);
    expect(Math.abs(ca.n - cb.n)).toBeLessThanOrEqual(400);
    expect(ca.n).toBeGreaterThan(1500);
    const st = aegis.stats;
    expect(st.ticks).toBe(10);
    expect(st.preemptLatencyMaxCycles).toBeLessThanOrEqual(1000);
    expect(aegis.inspect(a.id).excessSlices).toBe(0);
    // The safepoint bound: no honest context ran longer than the policy allows.
    for (const env of [a, b]) {
      expect(aegis.inspect(env.id).maxStretchCycles).toBeGreaterThan(0);
      expect(aegis.inspect(env.id).maxStretchCycles).toBeLessThanOrEqual(
        aegis.policy.safepointBoundCycles + 2000,
      );
    }
    expect(aegis.deaths).toEqual([]);
  });

  it("replays bit for bit: same inputs, same cycles and trace", () => {
    const once = () => {
      const aegis = new Aegis(counted({ machineConfig: { trace: true, seed: 5 } }));
      const a = hostedEnv(aegis, "a");
      const b = hostedEnv(aegis, "b");
      const n = { n: 0 };
      a.onStartOfSlice(worker(a, n, 777));
      b.setEntry("sync", function* (caller: number): Thread {
        b.cpu.exec(TEST_COSTS["test.serve"], 50);
        yield* b.pct(caller, "sync");
      });
      b.onStartOfSlice(function* (): Thread {
        for (;;) {
          yield* b.pct(a.id, "async");
          b.cpu.exec(TEST_COSTS["test.b"], 3000);
          yield* b.safepoint();
        }
      });
      a.setEntry("async", function* (): Thread {
        yield* a.pct(b.id, "sync");
      });
      a.allocSlice();
      b.allocSlice();
      aegis.run({ untilCycle: 4 * aegis.policy.sliceCycles });
      return {
        now: aegis.machine.now,
        n: n.n,
        hash: aegis.machine.tracer!.hash(),
        stats: aegis.stats,
      };
    };
    expect(once()).toEqual(once());
  });

  it("a finished start-of-slice entry starts afresh at its next slice", () => {
    const aegis = new Aegis(counted());
    const slice = aegis.policy.sliceCycles;
    const a = hostedEnv(aegis);
    let starts = 0;
    const at: number[] = [];
    a.onStartOfSlice(function* (): Thread {
      starts++;
      at.push(a.cpu.now);
      a.cpu.exec(TEST_COSTS["test.short"], 100);
    });
    a.allocSlice();
    aegis.run({ untilCycle: 5 * slice + 1000 });
    // Slice k starts just after the k-th tick (the timer was started a few cycles in).
    for (let i = 2; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBe(slice);
    // An idle slice costs one slice switch, not a scan of the whole vector.
    expect(aegis.stats.sliceSwitches).toBeLessThanOrEqual(2 * 6);
    expect(starts).toBe(6);
  });

  it("with nothing to run the machine idles and run() returns", () => {
    const aegis = new Aegis(counted());
    const a = hostedEnv(aegis);
    let done = false;
    a.onStartOfSlice(function* (): Thread {
      a.cpu.exec(TEST_COSTS.x, 10);
      done = true;
      a.onStartOfSlice(null);
    });
    a.allocSlice();
    const r = aegis.run({ untilCycle: 100 * aegis.policy.sliceCycles });
    expect(done).toBe(true);
    expect(r.outcome).toBe("idle");
  });

  it("directed yield hands the rest of the slice to the target; yieldSlice ends it", () => {
    const aegis = new Aegis(counted());
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const trace: string[] = [];
    b.onStartOfSlice(function* (): Thread {
      for (let i = 0; i < 3; i++) {
        trace.push(`b${i}`);
        const r = yield* b.yieldTo(a.id);
        expect(r).toBe(0);
      }
    });
    a.onStartOfSlice(function* (): Thread {
      for (let i = 0; i < 3; i++) {
        trace.push(`a${i}`);
        yield* a.yieldTo(b.id);
      }
    });
    a.allocSlice();
    // b holds no slice: it runs only on time a gives it.
    aegis.run({ stopWhen: () => trace.length >= 6, untilCycle: aegis.policy.sliceCycles });
    expect(trace).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
    expect(aegis.machine.now).toBeLessThan(2000);
  });

  it("yieldSlice moves to the next position at once", () => {
    const aegis = new Aegis(counted());
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const trace: string[] = [];
    for (const [env, name] of [
      [a, "a"],
      [b, "b"],
    ] as const) {
      env.onStartOfSlice(function* (): Thread {
        for (;;) {
          trace.push(name);
          yield* env.yieldSlice();
        }
      });
      env.allocSlice();
    }
    aegis.run({ stopWhen: () => trace.length >= 6 });
    expect(trace).toEqual(["a", "b", "a", "b", "a", "b"]);
    expect(aegis.machine.now).toBeLessThan(1000);
  });
});

describe("excess time", () => {
  it("an environment that never reaches a safepoint forfeits slices and is destroyed; others run on", () => {
    const aegis = new Aegis(counted());
    expectDeath(aegis, /excess time/);
    const slice = aegis.policy.sliceCycles;
    const hog = hostedEnv(aegis, "hog");
    const honest = hostedEnv(aegis, "honest");
    const ch = { n: 0 };
    hog.onStartOfSlice(function* (): Thread {
      for (;;) hog.cpu.exec(TEST_COSTS["test.spin"], 5000); // never yields
    });
    honest.onStartOfSlice(worker(honest, ch));
    hog.allocSlice();
    honest.allocSlice();
    aegis.run({ untilCycle: 20 * slice });
    expect(hog.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/excess time/);
    // The limit is 4 whole slices of overrun: killed at the 5th extra tick.
    expect(aegis.deaths[0]!.atCycle).toBeGreaterThanOrEqual(6 * slice);
    expect(aegis.deaths[0]!.atCycle).toBeLessThan(6 * slice + 1000);
    expect(honest.alive).toBe(true);
    expect(ch.n).toBeGreaterThan(13 * 300);
    expect(hog.nullSyscall()).toBe(-11);
  });

  it("an overrun of a fraction of a slice is latency, not excess; whole slices are forfeited", () => {
    const aegis = new Aegis(counted());
    const slice = aegis.policy.sliceCycles;
    const late = hostedEnv(aegis, "late");
    const other = hostedEnv(aegis, "other");
    let lateSlices = 0;
    late.onStartOfSlice(function* (): Thread {
      for (;;) {
        lateSlices++;
        // Overruns by 1.5 slices once, then behaves.
        late.cpu.exec(
          TEST_COSTS["test.work"],
          lateSlices === 1 ? Math.floor(2.5 * slice) : 100_000,
        );
        yield* late.safepoint();
      }
    });
    other.onStartOfSlice(worker(other, { n: 0 }));
    late.allocSlice();
    other.allocSlice();
    aegis.run({ untilCycle: 12 * slice });
    const info = aegis.inspect(late.id);
    expect(info.excessSlices).toBe(1);
    expect(late.alive).toBe(true);
    expect(info.preemptLatencyMaxCycles).toBeGreaterThanOrEqual(slice);
  });

  it("an end-of-slice handler that never returns is bounded the same way", () => {
    const aegis = new Aegis(counted());
    expectDeath(aegis, /excess time/);
    const a = hostedEnv(aegis, "a");
    a.onStartOfSlice(worker(a, { n: 0 }));
    a.onEndOfSlice(() => {
      for (;;) a.cpu.exec(TEST_COSTS["test.spin"], 10_000);
    });
    a.allocSlice();
    aegis.run({ untilCycle: 20 * aegis.policy.sliceCycles });
    expect(a.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/excess time/);
  });
});
