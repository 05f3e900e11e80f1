/**
 * Transaction threads overlapping their I/O: a commit frees the engine once its pages are
 * copied for the log, so another thread's transaction runs (and reads pages from the disk)
 * while the first one's log writes are on the disk. Every committed record survives a crash
 * at a random cycle: each thread's keys (disjoint sets: k mod 4 = 0 and 1) are recovered as the
 * state after k of its transactions, started >= k >= returned (a crash before the preload's
 * commit is over is skipped: it has no threads yet).
 */

import { Result } from "@exolab/exokernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Db } from "../index.js";
import { dbWorld, dump } from "../test/db-world.js";
import { TEST_COSTS, world } from "../test/world.js";

/** A pool smaller than the tree (about 30 pages): transactions read pages from the disk. */
const OPTS = {
  poolFrames: 16,
  maxTxnPages: 8,
  nodeCap: 8,
  dataPages: 256,
  logSlots: 24,
  dataStartBlock: 4000,
  logStartBlock: 4000 + 256 * 8,
};
const BLOCKS = (256 + 24) * 8;

interface Run {
  /** states[k]: this thread's keys after k of its committed transactions. */
  states: Map<number, number>[];
  started: number;
  returned: number;
  done: boolean;
}

/** Keys 4j + 2 below 600, loaded first (nobody's: they spread the threads' keys over the leaves). */
function* preload(db: Db) {
  expect(db.begin()).toBe(0);
  for (let j = 0; j < 150; j++) {
    const r0 = yield* db.put(4 * j + 2, j);
    if (r0 !== 0) {
      expect(yield* db.commit()).toBe(0);
      expect(db.begin()).toBe(0);
      expect(yield* db.put(4 * j + 2, j)).toBe(0);
    }
  }
  expect(yield* db.commit()).toBe(0);
}

/** One thread's one-operation transactions on its own keys 4j + base below 600 (seeded). */
function* thread(
  db: Db,
  pass: () => Generator<unknown, void, unknown>,
  seed: number,
  base: number,
  txns: number,
  run: Run,
  spread: number,
  linger: () => boolean,
) {
  let x = seed >>> 0 || 1;
  const rnd = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const model = new Map<number, number>();
  for (let t = 0; t < txns; t++) {
    const k = 4 * rnd(spread) + base;
    const del = rnd(4) === 0 && model.has(k);
    const v = rnd(1 << 30);
    const next = new Map(model);
    if (del) next.delete(k);
    else next.set(k, v);
    // Busy while the other thread holds the engine: let it run.
    while (db.begin() === Result.Busy) yield* pass();
    expect(del ? yield* db.del(k) : yield* db.put(k, v)).toBe(0);
    // (The window test: the change sits in the pool, uncommitted, while the other commits.)
    while (linger()) yield* pass();
    // Started once its commit begins: before that, a crash must lose every change it made.
    run.started++;
    run.states.push(next);
    expect(yield* db.commit()).toBe(0);
    run.returned++;
    model.clear();
    for (const [a, b] of next) model.set(a, b);
  }
  run.done = true;
}

function crashAt(
  seed: number,
  txns: number,
  crashCycle: number,
  crashWhen: (runs: Run[]) => boolean = () => false,
  spread = 150,
  linger: (runs: Run[]) => boolean = () => false,
) {
  const { w, db, os } = dbWorld(OPTS, seed);
  const runs: Run[] = [0, 1].map(() => ({
    states: [new Map()],
    started: 0,
    returned: 0,
    done: false,
  }));
  let opened = false;
  let openedAt = 0;
  os.sched.spawn(function* () {
    expect(yield* db.open()).toBe(0);
    yield* preload(db);
    opened = true;
    openedAt = os.env.cpu.now;
    const pass = function* () {
      os.env.cpu.exec(TEST_COSTS["test.work"], 200);
      yield* os.sched.yieldThread();
      yield* os.sched.safepoint();
    };
    os.sched.spawn(() =>
      thread(db, pass, seed * 31 + 1, 1, txns, runs[1]!, spread, () => linger(runs)),
    );
    yield* thread(db, pass, seed * 17 + 3, 0, txns, runs[0]!, spread, () => false);
  });
  w.aegis.run({
    stopWhen: () => (runs[0]!.done && runs[1]!.done) || crashWhen(runs),
    untilCycle: crashCycle,
  });
  const blocks = w.aegis.machine.disk.inspect(OPTS.dataStartBlock, BLOCKS);
  return { blocks, runs, opened, openedAt, cycles: w.aegis.machine.now, db };
}

function recover(blocks: Uint8Array, seed: number): [number, number][] {
  const w = world({ machineConfig: { seed } });
  w.aegis.machine.disk.preload(OPTS.dataStartBlock, blocks);
  const d = dbWorld({ ...OPTS, format: false }, seed, w);
  return d.run(function* () {
    expect(yield* d.db.open()).toBe(0);
    return yield* dump(d.db);
  });
}

/** Whether `got`'s keys of this thread (k mod 4 = base) are its state after k in [returned, started]. */
function prefixOf(run: Run, got: [number, number][], base: number): boolean {
  const mine = JSON.stringify(got.filter(([k]) => k % 4 === base));
  for (let k = run.returned; k <= run.started; k++) {
    const s = [...run.states[k]!].sort((a, b) => a[0] - b[0]);
    if (JSON.stringify(s) === mine) return true;
  }
  return false;
}

describe("transaction threads", () => {
  const SEED = 5;
  const TXNS = 20;
  const full = crashAt(SEED, TXNS, Number.MAX_SAFE_INTEGER);

  it("two threads' transactions overlap their I/O, and all of them commit", () => {
    expect(full.runs.every((r) => r.done && r.returned === TXNS)).toBe(true);
    // Transfers started while another thread's was on the disk (a commit's log writes under
    // another transaction's page reads or its own commit's copies).
    expect(full.db.io.stats.overlapped).toBeGreaterThan(10);
    const got = recover(full.blocks, SEED);
    expect(prefixOf(full.runs[0]!, got, 0)).toBe(true);
    expect(prefixOf(full.runs[1]!, got, 1)).toBe(true);
  });

  it("after a crash at a random cycle every committed transaction of each thread is there, and nothing uncommitted", () => {
    fc.assert(
      // Crashes while the two threads run (the preload's own crashes are crash.test.ts's).
      fc.property(fc.integer({ min: full.openedAt, max: full.cycles }), (crashCycle) => {
        const c = crashAt(SEED, TXNS, crashCycle);
        fc.pre(c.opened);
        const got = recover(c.blocks, SEED);
        expect(prefixOf(c.runs[0]!, got, 0), `crash at ${crashCycle}`).toBe(true);
        expect(prefixOf(c.runs[1]!, got, 1), `crash at ${crashCycle}`).toBe(true);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 2), seed: 14 },
    );
  });

  it("a crash as a commit returns, while the other thread's transaction has changed its pages: the commit is there, the other's change is not", () => {
    // The window where a log write taken from the page itself (not its copy) would carry the
    // other transaction's uncommitted change under this one's header.
    // Both threads' keys in one leaf (0, 4 and 1, 5).
    for (const k of [3, 7]) {
      // Thread 1 holds its change, uncommitted, while thread 0's commit is in progress.
      const c = crashAt(
        SEED,
        TXNS,
        Number.MAX_SAFE_INTEGER,
        (runs) => runs[0]!.returned === k,
        2,
        // (and on once it returned: the run stops there, at the next boundary)
        (runs) => runs[0]!.started > runs[0]!.returned || runs[0]!.returned === k,
      );
      const got = recover(c.blocks, SEED);
      expect(prefixOf(c.runs[0]!, got, 0), `thread 0 at commit ${k}`).toBe(true);
      expect(prefixOf(c.runs[1]!, got, 1), `thread 1 at commit ${k} of thread 0`).toBe(true);
    }
  });
});
