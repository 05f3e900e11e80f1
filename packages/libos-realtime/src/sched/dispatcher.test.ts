import { type EnvHandle, Result, type Thread } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import type { JobBody, LibOsApi, TaskSpec } from "../index.js";
import { TEST_COSTS, world } from "../test/world.js";
import { Pinned } from "../vm/pinned.js";

/** A small machine: 4 slices of 20 000 cycles, a period of 80 000 cycles. */
const KERNEL = { sliceCycles: 20_000, sliceVectorLength: 4 };

/** A job that does `work` cycles of real work: loads and stores on its pinned page, a call's worth of straight-line code. */
function body(os: LibOsApi, task: number, work: number): JobBody {
  return function* (): Thread {
    const cpu = os.env.cpu;
    const va = Pinned.vaOf(task, 0);
    let left = work;
    while (left > 0) {
      const n = Math.min(left, 500);
      cpu.store32(va, cpu.load32(va) + 1);
      cpu.exec(TEST_COSTS["test.work"], n - 2);
      left -= n;
      yield* os.rt.dispatcher.safepoint();
    }
  };
}

/** Best-effort load: another environment that spins in positions 1 and 3. */
function bestEffort(w: ReturnType<typeof world>): LibOsApi {
  const be = w.spawn({ policy: { slices: 0 } });
  expect(be.env.allocSlice(1)).toBe(1);
  expect(be.env.allocSlice(3)).toBe(3);
  be.sched.spawn(function* () {
    for (;;) {
      be.env.cpu.exec(TEST_COSTS["test.work"], 200);
      yield* be.sched.safepoint();
    }
  });
  return be;
}

function setUp(policy: "edf" | "rm", specs: TaskSpec[], works: number[]) {
  const w = world({ machineConfig: { seed: 3 }, policy: KERNEL });
  const os = w.spawn({ policy: { slices: 0 } });
  bestEffort(w);
  const bodies = specs.map((_, i) => body(os, i, works[i]!));
  const r = os.rt.admit({ policy, tasks: specs, bodies, positions: [0, 2] });
  return { w, os, r };
}

const periodic = (
  name: string,
  periodCycles: number,
  wcetCycles: number,
  deadlineCycles?: number,
): TaskSpec => ({
  name,
  kind: "periodic",
  periodCycles,
  wcetCycles,
  deadlineCycles,
  pages: 1,
});

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
