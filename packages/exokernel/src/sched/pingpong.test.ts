import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Category, type EnvHandle, type Thread } from "../index.js";
import { Aegis } from "../kernel.js";
import { TEST_COSTS } from "../test-costs.js";
import { hostedEnv } from "../test-util.js";

/**
 * Regression: a two-environment ping-pong (each side blocks with a directed yield to the
 * other, as ExOS's pipes do) must never leave the CPU idle while one side has work. The
 * bug: when the environment holding the rest of a donated slice had nothing left to run,
 * the dispatcher passed the slice on round the vector but stopped one position short of
 * the donor (the owner of the slice's position), and idled to the next tick.
 */
interface PingPong {
  aegis: Aegis;
  a: EnvHandle;
  b: EnvHandle;
  /** Set when the side that outlives the other has finished. */
  done: () => boolean;
}

/**
 * `a` sends 1, 3, 5 … and waits for each + 1; `b` echoes `echoes` times and then ends (its
 * start-of-slice entry withdrawn, as a process whose last thread exits). `a` then does
 * `tail` more rounds of work alone. Each side does `work` instructions per step.
 */
function pingPong(echoes: number, work: number, tail: number, sliceCycles?: number): PingPong {
  const aegis = new Aegis(sliceCycles === undefined ? {} : { policy: { sliceCycles } });
  const a = hostedEnv(aegis, "a");
  const b = hostedEnv(aegis, "b");
  let word = 0; // the shared counter (host-side: the scheduling is what is under test)
  let finished = false;
  a.onStartOfSlice(function* (): Thread {
    for (let i = 0; i < echoes; i++) {
      a.cpu.exec(TEST_COSTS["test.send"], work);
      word = 2 * i + 1;
      while (word !== 2 * i + 2) yield* a.yieldTo(b.id);
      yield* a.safepoint();
    }
    for (let i = 0; i < tail; i++) {
      a.cpu.exec(TEST_COSTS["test.alone"], work);
      yield* a.safepoint();
    }
    finished = true;
    a.onStartOfSlice(null);
  });
  b.onStartOfSlice(function* (): Thread {
    for (let i = 0; i < echoes; i++) {
      while (word !== 2 * i + 1) yield* b.yieldTo(a.id);
      b.cpu.exec(TEST_COSTS["test.echo"], work);
      word = 2 * i + 2;
      yield* b.safepoint();
    }
    b.onStartOfSlice(null);
  });
  a.allocSlice();
  b.allocSlice();
  return { aegis, a, b, done: () => finished };
}

const idleCycles = (aegis: Aegis) => aegis.machine.accounting.table[Category.Idle]!;

describe("directed-yield ping-pong never idles with work pending", () => {
  it("the echo side ends inside the donor's slice: the donor runs on at once", () => {
    const { aegis, done } = pingPong(10, 50, 3);
    const r = aegis.run({ untilCycle: 4 * aegis.policy.sliceCycles });
    expect(done()).toBe(true);
    expect(r.outcome).toBe("idle"); // all work done, then nothing left
    expect(idleCycles(aegis)).toBe(0);
    // Well inside the first slice: no tick was needed to finish.
    expect(aegis.stats.ticks).toBe(0);
    expect(aegis.deaths).toEqual([]);
  });

  it("across slice boundaries, wherever the echo side ends, no cycle is idle before the end", () => {
    const slice = 20_000;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 900 }),
        fc.integer({ min: 0, max: 40 }),
        (echoes, work, tail) => {
          const { aegis, done } = pingPong(echoes, work, tail, slice);
          aegis.run({ stopWhen: done, untilCycle: 200 * slice });
          expect(done()).toBe(true);
          expect(idleCycles(aegis)).toBe(0);
          expect(aegis.deaths).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 40) },
    );
  });
});
