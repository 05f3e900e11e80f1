import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Db, DbResult } from "../index.js";
import { dbWorld, dump } from "../test/db-world.js";
import { world } from "../test/world.js";

/**
 * Crash recovery. A workload of transactions runs in one world; a crash stops its machine
 * at a random cycle (whatever the disk was doing is lost: its DMA happens only at
 * completion). The disk's blocks go to a fresh world, whose database recovers from them.
 * Every transaction whose commit returned must be there, and nothing of one whose commit
 * had not begun; the one in the middle of its commit may be either, whole or not at all:
 * the recovered contents are exactly the state after k transactions, started ≥ k ≥ returned.
 */
const OPTS = {
  poolFrames: 24,
  maxTxnPages: 16,
  nodeCap: 6,
  dataPages: 256,
  logSlots: 24,
  dataStartBlock: 4000,
  logStartBlock: 4000 + 256 * 8,
};
const BLOCKS = (256 + 24) * 8;

interface Run {
  /** The committed states: states[k] after k commits. */
  states: Map<number, number>[];
  started: number;
  returned: number;
  done: boolean;
}

/** Transactions of 1..4 random puts and deletes on 200 keys (seeded), committed or aborted. */
function* workload(db: Db, seed: number, txns: number, run: Run) {
  let x = seed >>> 0 || 1;
  const rnd = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const model = new Map<number, number>();
  for (let t = 0; t < txns; t++) {
    expect(db.begin()).toBe(0);
    const next = new Map(model);
    const ops = 1 + rnd(4);
    for (let i = 0; i < ops; i++) {
      const k = rnd(200);
      if (rnd(4) === 0) {
        const r = yield* db.del(k);
        if (r === 0) next.delete(k);
      } else {
        const v = rnd(1 << 30);
        if ((yield* db.put(k, v)) === 0) next.set(k, v);
      }
    }
    if (rnd(5) === 0) {
      expect(db.abort()).toBe(0);
      continue;
    }
    run.started++;
    run.states.push(next);
    expect(yield* db.commit()).toBe(0);
    run.returned++;
    model.clear();
    for (const [k, v] of next) model.set(k, v);
  }
  run.done = true;
}

/** Runs the workload until `crashCycle` (or its end); returns the disk's blocks and the run. */
function crashAt(seed: number, txns: number, crashCycle: number) {
  const { w, db, os } = dbWorld(OPTS, seed);
  const run: Run = { states: [new Map()], started: 0, returned: 0, done: false };
  let opened = false;
  os.sched.spawn(function* () {
    expect(yield* db.open()).toBe(0);
    opened = true;
    yield* workload(db, seed, txns, run);
  });
  w.aegis.run({ stopWhen: () => run.done, untilCycle: crashCycle });
  const blocks = w.aegis.machine.disk.inspect(OPTS.dataStartBlock, BLOCKS);
  return { blocks, run, opened, cycles: w.aegis.machine.now, stats: db.stats };
}

/** A fresh world with `blocks` on its disk; recovers and returns the contents. */
function recover(blocks: Uint8Array, seed: number) {
  const w = world({ machineConfig: { seed } });
  w.aegis.machine.disk.preload(OPTS.dataStartBlock, blocks);
  const d = dbWorld({ ...OPTS, format: false }, seed, w);
  return {
    d,
    contents: d.run(function* () {
      const r = yield* d.db.open();
      if (r < 0) return r;
      return yield* dump(d.db);
    }),
  };
}

const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]);

describe("crash recovery", () => {
  const SEED = 7;
  const TXNS = 40;
  const full = crashAt(SEED, TXNS, Number.MAX_SAFE_INTEGER);

  it("the workload commits transactions and takes checkpoints (so crashes land in each phase)", () => {
    expect(full.run.done).toBe(true);
    expect(full.run.returned).toBeGreaterThan(25);
    expect(full.stats.checkpoints).toBeGreaterThan(1);
  });

  it("after a crash at a random cycle, the committed transactions are there and no other", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: full.cycles }), (crashCycle) => {
        const c = crashAt(SEED, TXNS, crashCycle);
        fc.pre(c.opened); // a crash before the format finished leaves no database yet
        const { contents } = recover(c.blocks, SEED);
        expect(typeof contents).not.toBe("number");
        const got = contents as [number, number][];
        const matches: number[] = [];
        for (let k = c.run.returned; k <= c.run.started; k++)
          if (JSON.stringify(sorted(c.run.states[k]!)) === JSON.stringify(got)) matches.push(k);
        expect(
          matches.length,
          `crash at ${crashCycle}: no committed prefix matches`,
        ).toBeGreaterThan(0);
      }),
      { numRuns: 8, seed: 14 },
    );
  });

  it("a crash during recovery is recovered the same way", () => {
    const c = crashAt(SEED, TXNS, Math.floor(full.cycles * 0.6));
    // Recover once, but stop that machine half-way through its recovery.
    const w = world({ machineConfig: { seed: SEED } });
    w.aegis.machine.disk.preload(OPTS.dataStartBlock, c.blocks);
    const d = dbWorld({ ...OPTS, format: false }, SEED, w);
    let recovered = false;
    d.os.sched.spawn(function* () {
      expect(yield* d.db.open()).toBe(0);
      recovered = true;
    });
    const t0 = w.aegis.machine.now;
    w.aegis.run({ stopWhen: () => recovered, untilCycle: Number.MAX_SAFE_INTEGER });
    const whole = w.aegis.machine.now - t0;
    expect(d.db.stats.replayed).toBeGreaterThan(0);
    const w2 = world({ machineConfig: { seed: SEED } });
    w2.aegis.machine.disk.preload(OPTS.dataStartBlock, c.blocks);
    const d2 = dbWorld({ ...OPTS, format: false }, SEED, w2);
    d2.os.sched.spawn(function* () {
      yield* d2.db.open();
    });
    w2.aegis.run({ untilCycle: w2.aegis.machine.now + Math.floor(whole / 2) });
    const half = w2.aegis.machine.disk.inspect(OPTS.dataStartBlock, BLOCKS);
    const again = recover(half, SEED).contents as [number, number][];
    const once = recover(c.blocks, SEED).contents as [number, number][];
    expect(again).toEqual(once);
    expect(
      [...Array(c.run.started - c.run.returned + 1).keys()].some(
        (i) => JSON.stringify(sorted(c.run.states[c.run.returned + i]!)) === JSON.stringify(once),
      ),
    ).toBe(true);
  });

  it("extents holding no database are refused (NoDatabase), and nothing is written", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const d = dbWorld({ ...OPTS, format: false }, 1, w);
    expect(d.run(() => d.db.open())).toBe(DbResult.NoDatabase);
    expect(d.db.io.stats.writes).toBe(0);
  });
});
