import type { Thread } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import type { JobBody, LibOsApi } from "../index.js";
import { periodic, runFor } from "../test/rt-world.js";
import { TEST_COSTS, world } from "../test/world.js";
import type { MessageQueue } from "./queue.js";

/** Work in steps of 500 cycles with a safepoint after each (a job's body or a service). */
function* work(os: LibOsApi, cycles: number): Generator<unknown, void, unknown> {
  for (let left = cycles; left > 0; left -= 500) {
    os.env.cpu.exec(TEST_COSTS["test.work"], Math.min(500, left));
    yield* os.rt.dispatcher.safepoint();
  }
}

/**
 * The classic inversion, under RM with every position reserved: L (low) enters the queue's
 * 30 000-cycle service at 0; H (high) calls the queue at 5 000 and blocks; M (medium, no
 * queue) is released at 6 000 with 100 000 cycles of work.
 */
function inversion(inheritance: boolean) {
  const w = world({
    machineConfig: { seed: 5 },
    policy: { sliceCycles: 20_000, sliceVectorLength: 4 },
  });
  const os = w.spawn({ policy: { slices: 0 } });
  const q = os.rt.createQueue(
    8,
    function* (msg) {
      yield* work(os, msg);
      return msg + 1;
    },
    inheritance,
  ) as MessageQueue;
  expect(typeof q).toBe("object");
  const bodies: JobBody[] = [
    function* (): Thread {
      yield* q.call(2_000);
    },
    function* (): Thread {
      yield* work(os, 100_000);
    },
    function* (): Thread {
      yield* q.call(30_000);
    },
  ];
  const tasks = [
    { ...periodic("H", 400_000, 4_000), offsetCycles: 5_000 },
    { ...periodic("M", 600_000, 110_000), offsetCycles: 6_000 },
    { ...periodic("L", 1_200_000, 40_000) },
  ];
  const r = os.rt.admit({ policy: "rm", tasks, bodies, positions: [0, 1, 2, 3] });
  expect(r.ok, r.ok ? "" : r.reason).toBe(true);
  os.rt.start();
  runFor(w, 300_000);
  expect(w.aegis.deaths).toEqual([]);
  return { H: os.rt.records[0]!, q };
}

describe("message queues: priority inheritance on the handoff", () => {
  it("with inheritance, H waits for at most one service (L's 30 000 cycles); without, M's 100 000 cycles come first", () => {
    const withPi = inversion(true);
    const without = inversion(false);
    expect(withPi.q.stats.blocked).toBe(1);
    expect(without.q.stats.blocked).toBe(1);
    // H's own work is 2 000 cycles; it was released 5 000 into L's 30 000-cycle service.
    expect(withPi.H.worstResponseCycles).toBeLessThan(30_000);
    expect(without.H.worstResponseCycles).toBeGreaterThan(100_000);
    expect(withPi.H.misses + without.H.misses).toBe(0);
  });
});
