import { CALLEE_SAVED, Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import type { ExosApi } from "../index.js";
import { TEST_COSTS, world } from "../test/world.js";
import type { StrideMember } from "./stride.js";

const COUNTERS = 0x00100000;
/** Short slices keep the tests quick; the scheduling logic does not depend on their length. */
const SLICE = 20_000;

/** A thread that increments the word at `va` forever, with a safepoint per iteration. */
function counter(os: ExosApi, va: number, work = 200) {
  return function* () {
    const cpu = os.env.cpu;
    for (;;) {
      cpu.exec(TEST_COSTS["test.work"], work);
      cpu.store32(va, cpu.load32(va) + 1);
      yield* os.sched.safepoint();
    }
  };
}

describe("threads inside an environment", () => {
  it("run round robin across slices, each keeping its registers", () => {
    const w = world({ policy: { sliceCycles: SLICE } });
    const os = w.spawn();
    const other = w.spawn();
    expect(os.vm.map(COUNTERS, 1)).toBe(Result.Ok);
    let bad = 0;
    for (let t = 0; t < 3; t++) {
      os.sched.spawn(function* () {
        const cpu = os.env.cpu;
        for (const r of CALLEE_SAVED) cpu.setReg(r, t * 1000 + r);
        for (;;) {
          cpu.exec(TEST_COSTS["test.work"], 150);
          for (const r of CALLEE_SAVED) if (cpu.reg(r) !== t * 1000 + r) bad++;
          cpu.store32(COUNTERS + 4 * t, cpu.load32(COUNTERS + 4 * t) + 1);
          yield* os.sched.safepoint();
        }
      });
    }
    // The other environment scribbles over every register while it runs.
    other.sched.spawn(function* () {
      const cpu = other.env.cpu;
      for (;;) {
        for (let r = 1; r < 34; r++) cpu.setReg(r, 0x5a5a5a5a);
        cpu.exec(TEST_COSTS["test.scribble"], 150);
        yield* other.sched.safepoint();
      }
    });
    w.aegis.run({ untilCycle: 60 * SLICE });
    expect(w.aegis.deaths).toEqual([]);
    expect(bad).toBe(0);
    const counts = [0, 1, 2].map((t) =>
      w.aegis.machine.memory.read32(physOf(w, os, COUNTERS) + 4 * t),
    );
    for (const c of counts) expect(c).toBeGreaterThan(0);
    // Each thread gets about a third of the environment's slices.
    const total = counts.reduce((a, b) => a + b, 0);
    for (const c of counts) expect(Math.abs(c / total - 1 / 3)).toBeLessThan(0.1);
    expect(os.sched.slicesStarted).toBeGreaterThan(20);
  });

  it("a voluntary thread yield switches threads inside the slice", () => {
    const w = world();
    const os = w.spawn();
    const order: string[] = [];
    for (const name of ["a", "b"]) {
      os.sched.spawn(function* () {
        for (let i = 0; i < 3; i++) {
          order.push(`${name}${i}`);
          yield* os.sched.yieldThread();
        }
      });
    }
    w.runUntil(() => os.sched.liveThreads === 0);
    expect(order).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
    expect(os.sched.spawn(42 as never)).toBe(Result.Invalid);
  });

  it("refuses threads past the policy's limit", () => {
    const w = world();
    const os = w.spawn({ policy: { maxThreads: 2 } });
    const body = function* () {};
    expect(os.sched.spawn(body)).toBe(0);
    expect(os.sched.spawn(body)).toBe(1);
    expect(os.sched.spawn(body)).toBe(Result.NoSlot);
  });
});

describe("critical sections", () => {
  it("defer the end of slice briefly; the deferral is overrun the kernel accounts", () => {
    const w = world({ policy: { sliceCycles: SLICE } });
    const os = w.spawn({ policy: { criticalMaxCycles: 3000 } });
    const other = w.spawn();
    other.sched.spawn(counter(other, COUNTERS));
    other.vm.map(COUNTERS, 1);
    let sections = 0;
    os.sched.spawn(function* () {
      const cpu = os.env.cpu;
      for (;;) {
        os.sched.enterCritical();
        for (let i = 0; i < 10; i++) {
          cpu.exec(TEST_COSTS["test.work"], 200);
          yield* os.sched.safepoint(); // deferred while inside
        }
        yield* os.sched.exitCritical();
        sections++;
      }
    });
    w.aegis.run({ untilCycle: 40 * SLICE });
    expect(w.aegis.deaths).toEqual([]);
    expect(sections).toBeGreaterThan(10);
    expect(os.sched.deferrals).toBeGreaterThan(0);
    const info = w.aegis.inspect(os.env.id);
    // The switch waited for the section to end: up to 10 iterations of 200 cycles.
    expect(info.preemptLatencyMaxCycles).toBeGreaterThan(200);
    expect(info.preemptLatencyMaxCycles).toBeLessThan(3000 + 400);
    expect(info.excessSlices).toBe(0);
  });

  it("a section longer than the budget gives the CPU up anyway", () => {
    const w = world({ policy: { sliceCycles: SLICE } });
    const os = w.spawn({ policy: { criticalMaxCycles: 1000 } });
    const other = w.spawn();
    other.vm.map(COUNTERS, 1);
    other.sched.spawn(counter(other, COUNTERS));
    os.sched.spawn(function* () {
      os.sched.enterCritical();
      for (;;) {
        os.env.cpu.exec(TEST_COSTS["test.work"], 200);
        yield* os.sched.safepoint();
      }
    });
    w.aegis.run({ untilCycle: 20 * SLICE });
    expect(w.aegis.deaths).toEqual([]);
    expect(w.aegis.inspect(os.env.id).preemptLatencyMaxCycles).toBeLessThan(1000 + 400);
  });
});

describe("stride scheduling at application level", () => {
  it("gives three processes slices in proportion to 3:2:1 tickets", () => {
    const w = world({ policy: { sliceCycles: SLICE } });
    const ps = [w.spawn(), w.spawn(), w.spawn()];
    const g = ps[0]!.stride.create();
    expect(g).toBeGreaterThan(0);
    const vas = [g];
    for (const p of ps.slice(1)) {
      const cap = ps[0]!.stride.share(g, p.env.id);
      expect(cap).toBeGreaterThanOrEqual(0);
      vas.push(p.stride.attach(cap));
    }
    const tickets = [3, 2, 1];
    const members: StrideMember[] = [];
    ps.forEach((p, i) => {
      const m = p.stride.join(vas[i]!, tickets[i]!);
      expect(typeof m).toBe("object");
      members.push(m as StrideMember);
      expect(p.vm.map(COUNTERS, 1)).toBe(Result.Ok);
      p.sched.spawn(counter(p, COUNTERS, 100));
    });
    expect(ps[0]!.stride.join(g, 0)).toBe(Result.Invalid);
    w.aegis.run({ untilCycle: 600 * SLICE });
    expect(w.aegis.deaths).toEqual([]);
    const counts = ps.map((p) => w.aegis.machine.memory.read32(physOf(w, p, COUNTERS)));
    const total = counts.reduce((a, b) => a + b, 0);
    const shares = counts.map((c) => c / total);
    console.log(
      "stride shares",
      shares.map((s) => s.toFixed(4)).join(" "),
      "ratio",
      (counts[0]! / counts[2]!).toFixed(3),
      (counts[1]! / counts[2]!).toFixed(3),
    );
    // 3:2:1 is 0.5, 0.333, 0.167 of the CPU; within a few per cent.
    expect(Math.abs(shares[0]! - 3 / 6)).toBeLessThan(0.03);
    expect(Math.abs(shares[1]! - 2 / 6)).toBeLessThan(0.03);
    expect(Math.abs(shares[2]! - 1 / 6)).toBeLessThan(0.03);
    expect(members.some((m) => m.donated > 0)).toBe(true);
  });
});

describe("stride with a member parked in a protected control transfer", () => {
  it("keeps the member (a busy target is not a dead one) and serves it again afterwards", () => {
    const w = world({ policy: { sliceCycles: SLICE } });
    const ps = [w.spawn(), w.spawn(), w.spawn()];
    const srv = w.spawn({ noSlices: true });
    // The server answers only after several slices of work.
    expect(
      srv.env.setEntry("sync", function* (caller: number) {
        for (let i = 0; i < 12; i++) {
          srv.env.cpu.exec(TEST_COSTS["test.work"], SLICE / 2);
          yield* srv.env.safepoint();
        }
        yield* srv.env.pct(caller, "sync");
      }),
    ).toBe(Result.Ok);
    const g = ps[0]!.stride.create();
    const vas = [g];
    for (const p of ps.slice(1)) vas.push(p.stride.attach(ps[0]!.stride.share(g, p.env.id)));
    [3, 2, 1].forEach((t, i) => {
      const p = ps[i]!;
      expect(typeof p.stride.join(vas[i]!, t)).toBe("object");
      expect(p.vm.map(COUNTERS, 1)).toBe(Result.Ok);
    });
    ps[0]!.sched.spawn(counter(ps[0]!, COUNTERS, 100));
    ps[1]!.sched.spawn(counter(ps[1]!, COUNTERS, 100));
    // The 1-ticket member calls the slow server once, early, then counts.
    const c = ps[2]!;
    let afterCall = -1;
    c.sched.spawn(function* () {
      const cpu = c.env.cpu;
      for (let i = 0; i < 20; i++) {
        cpu.exec(TEST_COSTS["test.work"], 100);
        yield* c.sched.safepoint();
      }
      expect(yield* c.env.pct(srv.env.id, "sync")).toBe(Result.Ok);
      afterCall = cpu.now;
      yield* counter(c, COUNTERS, 100)();
    });
    w.aegis.run({ untilCycle: 400 * SLICE });
    expect(w.aegis.deaths).toEqual([]);
    expect(afterCall).toBeGreaterThan(0);
    // Every member is still in the group (a dropped one would read -1).
    const groupPa = physOf(w, ps[0]!, g);
    for (let i = 0; i < 3; i++)
      expect(w.aegis.machine.memory.read32(groupPa + 16 + i * 16) | 0).toBe(ps[i]!.env.id);
    // And the member that was parked gets its share again.
    const counts = ps.map((p) => w.aegis.machine.memory.read32(physOf(w, p, COUNTERS)));
    expect(counts[2]! / counts[1]!).toBeGreaterThan(0.3);
  });
});

describe("stride with a late joiner", () => {
  it("starts the newcomer at the group's virtual time: it does not take every slice", () => {
    const w = world({ policy: { sliceCycles: SLICE } });
    const ps = [w.spawn(), w.spawn(), w.spawn()];
    const g = ps[0]!.stride.create();
    const vas = [g];
    for (const p of ps.slice(1)) vas.push(p.stride.attach(ps[0]!.stride.share(g, p.env.id)));
    for (const p of ps) {
      expect(p.vm.map(COUNTERS, 1)).toBe(Result.Ok);
      p.sched.spawn(counter(p, COUNTERS, 100));
    }
    expect(typeof ps[0]!.stride.join(vas[0]!, 1)).toBe("object");
    expect(typeof ps[1]!.stride.join(vas[1]!, 1)).toBe("object");
    w.aegis.run({ untilCycle: 150 * SLICE });
    const read = () => ps.map((p) => w.aegis.machine.memory.read32(physOf(w, p, COUNTERS)));
    const before = read();
    expect(typeof ps[2]!.stride.join(vas[2]!, 1)).toBe("object");
    w.aegis.run({ untilCycle: 240 * SLICE });
    const after = read();
    const delta = after.map((c, i) => c - before[i]!);
    const total = delta.reduce((x, y) => x + y, 0);
    for (const d of delta) expect(Math.abs(d / total - 1 / 3)).toBeLessThan(0.08);
    expect(w.aegis.deaths).toEqual([]);
  });
});

/** The physical address behind `va` in `os` (test inspection, uncharged). */
function physOf(w: ReturnType<typeof world>, os: ExosApi, va: number): number {
  const m = w.aegis.inspect(os.env.id).mappings.find((x) => x.vpn === va >>> 12);
  if (m === undefined) throw new Error(`no mapping for ${va}`);
  return m.frame * 4096 + (va & 0xfff);
}
