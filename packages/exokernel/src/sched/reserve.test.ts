import { describe, expect, it } from "vitest";
import {
  batchCodeOf,
  batchEntryOf,
  batchEntryResult,
  type EnvHandle,
  Result,
  type RevokeRequest,
  sliceStartCycle,
  type Thread,
} from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import { Aegis, type Hosted, hostedEnv, hostileValues } from "../test-util.js";

const SLICE = 10_000;
const N = 8;

function kernel(extra: Record<string, number> = {}): Aegis {
  return new Aegis({ policy: { sliceCycles: SLICE, sliceVectorLength: N, ...extra } });
}

/** Everything reservations touch, for "nothing changed" checks. */
function state(aegis: Aegis, envs: readonly Hosted[]) {
  return envs.map((e) => {
    const i = aegis.inspect(e.id);
    return { slices: i.slices, reserved: i.reservedSlices, alive: i.alive };
  });
}

function worker(env: EnvHandle, counter: { n: number }, step = 300): () => Thread {
  return function* () {
    for (;;) {
      env.cpu.exec(TEST_COSTS["test.work"], step);
      counter.n++;
      yield* env.safepoint();
    }
  };
}

describe("slice reservations", () => {
  it("are all or nothing, named by a capability, counted in inspect", () => {
    const aegis = kernel();
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const cap = a.reserveSlices([1, 2, 3]);
    expect(cap).toBeGreaterThanOrEqual(0);
    expect(aegis.inspect(a.id).reservedSlices).toEqual([1, 2, 3]);
    expect(aegis.inspect(a.id).slices).toEqual([1, 2, 3]);
    expect(b.allocSlice(5)).toBe(5);
    const before = state(aegis, [a, b]);
    // Entry 1 (position 5) is held: nothing is taken, and the result names it.
    const r = a.reserveSlices([4, 5, 6]);
    expect(r).toBe(batchEntryResult(1, Result.Busy));
    expect([batchEntryOf(r), batchCodeOf(r)]).toEqual([1, Result.Busy]);
    expect(state(aegis, [a, b])).toEqual(before);
    expect(b.allocSlice(4)).toBe(4);
    expect(b.allocSlice(6)).toBe(6);
    // Others cannot take reserved positions.
    expect(b.allocSlice(2)).toBe(Result.Busy);
    expect(b.reserveSlices([2])).toBe(batchEntryResult(0, Result.Busy));
    // Release: every position back, the name Stale.
    expect(a.releaseSlices(cap)).toBe(Result.Ok);
    expect(aegis.inspect(a.id).slices).toEqual([]);
    expect(a.releaseSlices(cap)).toBe(Result.Stale);
    expect(b.allocSlice(2)).toBe(2);
  });

  it("refuses bad vectors, quota and bad names; nothing changes", () => {
    const aegis = kernel({ sliceQuota: 4 });
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    a.allocSlice(0);
    const before = state(aegis, [a, b]);
    expect(a.reserveSlices([])).toBe(Result.Invalid);
    expect(a.reserveSlices([1, N])).toBe(batchEntryResult(1, Result.Invalid));
    expect(a.reserveSlices([-1])).toBe(batchEntryResult(0, Result.Invalid));
    expect(a.reserveSlices([2, 3, 2])).toBe(batchEntryResult(2, Result.Invalid));
    expect(a.reserveSlices(new Array(N + 1).fill(1))).toBe(Result.Invalid);
    expect(a.reserveSlices([1, 2, 3, 4])).toBe(Result.NoSlot); // 1 held + 4 > quota 4
    const { values, reads } = hostileValues();
    for (const v of values) {
      if (!Array.isArray(v)) expect(a.reserveSlices(v as number[])).toBe(Result.Invalid);
      expect(a.reserveSlices([v as number])).toBe(batchEntryResult(0, Result.Invalid));
    }
    expect(a.reserveSlices([])).toBe(Result.Invalid);
    expect(reads()).toBe(0);
    expect(state(aegis, [a, b])).toEqual(before);
    for (const name of [-1, 0, 5, 4095, 1 << 12, 0x7fffffff]) {
      const r = a.releaseSlices(name);
      expect([Result.Invalid, Result.BadCap, Result.Stale]).toContain(r);
    }
    expect(a.releaseSlices(1.5)).toBe(Result.Invalid);
    expect(state(aegis, [a, b])).toEqual(before);
    // Within the quota it works; the quota then refuses a plain allocation too.
    expect(a.reserveSlices([1, 2, 3])).toBeGreaterThanOrEqual(0);
    expect(a.allocSlice()).toBe(Result.NoSlot);
  });

  it("revocation: told, answered position by position, or repossessed at the deadline", () => {
    const aegis = kernel({ revokeDeadlineCycles: 3 * SLICE });
    const a = hostedEnv(aegis, "a");
    a.onStartOfSlice(worker(a.handle, { n: 0 }));
    const requests: RevokeRequest[] = [];
    let comply = true;
    a.onRevoke((req) => {
      requests.push(req);
      if (req.kind === "slice" && comply) a.handle.freeSlice(req.position);
    });
    const cap = a.reserveSlices([1, 2, 3]);
    aegis.revokeSlice(a.handle, 2);
    expect(requests.map((q) => q.kind)).toEqual(["slice"]);
    expect(aegis.inspect(a.id).reservedSlices).toEqual([1, 3]);
    // Withheld until the deadline: reserving it again is refused, by entry.
    expect(a.reserveSlices([2])).toBe(batchEntryResult(0, Result.Refused));
    // Not complying: position 3 is taken by force after the deadline.
    comply = false;
    const w = hostedEnv(aegis, "w");
    w.onStartOfSlice(worker(w.handle, { n: 0 }));
    w.allocSlice(7);
    aegis.revokeSlice(a.handle, 3);
    // Taken at the deadline; the upcall waits for a's next slot (position 1, next period).
    aegis.run({ untilCycle: aegis.machine.now + 2 * N * SLICE });
    const last = requests.at(-1)!;
    expect(last.kind).toBe("repossessed");
    expect(last.kind === "repossessed" ? last.slices : []).toEqual([3]);
    expect(aegis.inspect(a.id).reservedSlices).toEqual([1]);
    // The reservation still names position 1; the last one gone, its name is Stale.
    aegis.revokeSlice(a.handle, 1);
    aegis.run({ untilCycle: aegis.machine.now + 2 * N * SLICE });
    expect(aegis.inspect(a.id).reservedSlices).toEqual([]);
    expect(a.releaseSlices(cap)).toBe(Result.Stale);
    expect(a.reserveSlices([2, 3])).toBeGreaterThanOrEqual(0);
  });

  it("fixed timing: a reserved position runs in its own slots while others allocate and free", () => {
    const aegis = kernel();
    const a = hostedEnv(aegis, "a");
    const starts: number[] = [];
    const ha = a.handle;
    a.onStartOfSlice(function* (): Thread {
      for (;;) {
        starts.push(ha.readCycles());
        ha.cpu.exec(TEST_COSTS["test.work"], 1000);
        yield* ha.yieldSlice();
      }
    });
    expect(a.reserveSlices([2, 5])).toBeGreaterThanOrEqual(0);
    // Best-effort envs that allocate and free positions all the time.
    const churn: Hosted[] = [];
    for (let i = 0; i < 3; i++) {
      const e = hostedEnv(aegis, `be${i}`);
      const h = e.handle;
      e.onStartOfSlice(function* (): Thread {
        for (let k = 0; ; k++) {
          h.cpu.exec(TEST_COSTS["test.work"], 700);
          if (k % 3 === 0) {
            const p = h.allocSlice();
            if (p >= 0 && k % 2 === 0) h.freeSlice(p);
          }
          yield* h.safepoint();
        }
      });
      e.allocSlice();
      churn.push(e);
    }
    aegis.run({ untilCycle: 12 * N * SLICE });
    const slotOf = (c: number) => Math.floor(c / SLICE) % N;
    // a ran once in each of its slots (24 of them), early in the slot, and nowhere else.
    expect(starts.length).toBeGreaterThanOrEqual(22);
    for (const c of starts) {
      expect([2, 5]).toContain(slotOf(c));
      expect(c % SLICE).toBeLessThan(1_200);
    }
    expect(new Set(starts.map((c) => Math.floor(c / SLICE))).size).toBe(starts.length);
    // The libOS's own computation agrees.
    const next = sliceStartCycle(a.policy, 5, starts[0]!);
    expect(slotOf(next)).toBe(5);
    expect(next % SLICE).toBe(0);
    expect(churn.every((e) => aegis.inspect(e.id).alive)).toBe(true);
  });

  it("without a reservation, round robin: another env's allocation moves everyone's turn", () => {
    const aegis = kernel();
    const a = hostedEnv(aegis, "a");
    const ha = a.handle;
    const starts: number[] = [];
    a.onStartOfSlice(function* (): Thread {
      for (;;) {
        starts.push(ha.readCycles());
        ha.cpu.exec(TEST_COSTS["test.work"], 1000);
        yield* ha.yieldSlice();
      }
    });
    a.allocSlice(2);
    const b = hostedEnv(aegis, "b");
    b.onStartOfSlice(worker(b.handle, { n: 0 }));
    b.allocSlice(6);
    aegis.run({ untilCycle: 4 * N * SLICE });
    // a runs every other slice, not in slot 2 of every eight: its timing is others' doing.
    const slots = new Set(starts.map((c) => Math.floor(c / SLICE) % N));
    expect(slots.size).toBeGreaterThan(2);
  });

  it("a reservation made while running moves the next boundary to a multiple of the slice", () => {
    const aegis = kernel();
    const a = hostedEnv(aegis, "a");
    const ha = a.handle;
    const starts: number[] = [];
    let reserved = false;
    a.onStartOfSlice(function* (): Thread {
      for (;;) {
        if (!reserved) {
          // Mid-run, off the grid (the timer started when the run did).
          ha.cpu.exec(TEST_COSTS["test.work"], 3_333);
          expect(ha.reserveSlices([3])).toBeGreaterThanOrEqual(0);
          reserved = true;
        }
        starts.push(ha.readCycles());
        ha.cpu.exec(TEST_COSTS["test.work"], 500);
        yield* ha.yieldSlice();
      }
    });
    a.allocSlice(0);
    const b = hostedEnv(aegis, "b");
    b.onStartOfSlice(worker(b.handle, { n: 0 }));
    b.allocSlice(5);
    // Start the run off the grid: without the move, boundaries would stay 4 321+ cycles in.
    a.cpu.exec(TEST_COSTS["test.work"], 4_321);
    aegis.run({ untilCycle: 5 * N * SLICE });
    // After the first, a's starts are in slot 3 of the fixed grid (position 0 is plain now:
    // best effort), so at least one a period, each early in its slot.
    const fixed = starts.slice(1).filter((c) => Math.floor(c / SLICE) % N === 3);
    expect(fixed.length).toBeGreaterThanOrEqual(4);
    for (const c of fixed) expect(c % SLICE).toBeLessThan(1_500);
  });

  it("a destroyed env's reservations and alarm go with it; calls from elsewhere are refused", () => {
    const aegis = kernel();
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const cap = a.reserveSlices([2, 4]);
    expect(cap).toBeGreaterThanOrEqual(0);
    a.setAlarm(1_000_000);
    // b's code calling a's handle: Refused, nothing charged or changed.
    const before = aegis.machine.now;
    expect(aegis.actAs(b.handle, () => a.handle.reserveSlices([5]))).toBe(Result.Refused);
    expect(aegis.actAs(b.handle, () => a.handle.releaseSlices(cap))).toBe(Result.Refused);
    expect(aegis.actAs(b.handle, () => a.handle.setAlarm(5))).toBe(Result.Refused);
    expect(aegis.actAs(b.handle, () => a.handle.cancelAlarm())).toBe(Result.Refused);
    expect(aegis.actAs(b.handle, () => a.handle.readCycles())).toBe(Result.Refused);
    expect(aegis.machine.now).toBe(before);
    // A host callback (nothing running): Refused.
    expect(a.handle.readCycles()).toBe(Result.Refused);
    expect(aegis.inspect(a.id).reservedSlices).toEqual([2, 4]);
    aegis.destroy(a.handle);
    expect(a.handle.reserveSlices([1])).toBe(Result.Dead);
    expect(a.handle.readCycles()).toBe(Result.Dead);
    expect(a.handle.setAlarm(5)).toBe(Result.Dead);
    expect(b.reserveSlices([2, 4])).toBeGreaterThanOrEqual(0);
    expect(aegis.inspect(b.id).alarmAtCycle).toBe(-1);
  });
});
