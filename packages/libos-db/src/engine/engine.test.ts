import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Db, DbResult } from "../index.js";
import { dbWorld, dump } from "../test/db-world.js";

/** Small nodes (6 entries) make a deep tree from a few hundred keys: splits at every level. */
const SMALL = { poolFrames: 32, maxTxnPages: 16, nodeCap: 6, dataPages: 512, logSlots: 64 };
const KEYS = 300;

type Op = { t: "put"; k: number; v: number } | { t: "del"; k: number };
type Cmd =
  | { t: "txn"; ops: Op[]; commit: boolean }
  | { t: "get"; k: number }
  | { t: "scan"; lo: number; hi: number };

const key = fc.integer({ min: 0, max: KEYS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant("put" as const), k: key, v: fc.integer({ min: 0, max: 0x7fffffff }) }),
  fc.record({ t: fc.constant("del" as const), k: key }),
);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("txn" as const),
      ops: fc.array(op, { minLength: 1, maxLength: 5 }),
      commit: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("get" as const), k: key }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("scan" as const), lo: key, hi: key }) },
);

/** Puts keys 0, 2, 4, … in transactions as large as they can be (commit at TxnFull). */
export function* prefill(db: Db, model: Map<number, number>, count: number) {
  expect(db.begin()).toBe(0);
  for (let k = 0; k < count; k += 2) {
    let r = yield* db.put(k, k + 1);
    if (r === DbResult.TxnFull) {
      expect(yield* db.commit()).toBe(0);
      expect(db.begin()).toBe(0);
      r = yield* db.put(k, k + 1);
    }
    expect(r).toBe(0);
    model.set(k, k + 1);
  }
  expect(yield* db.commit()).toBe(0);
}

/** Applies one command to the database and the model; the answers must agree. */
function* apply(db: Db, model: Map<number, number>, c: Cmd) {
  if (c.t === "get") {
    expect(yield* db.get(c.k)).toBe(model.get(c.k) ?? DbResult.NotFound);
  } else if (c.t === "scan") {
    const lo = Math.min(c.lo, c.hi);
    const hi = Math.max(c.lo, c.hi);
    const seen: [number, number][] = [];
    const n = yield* db.scan(lo, hi, (k, v) => {
      seen.push([k, v]);
      return true;
    });
    const want = [...model].filter(([k]) => k >= lo && k <= hi).sort((a, b) => a[0] - b[0]);
    expect(seen).toEqual(want);
    expect(n).toBe(want.length);
  } else {
    expect(db.begin()).toBe(0);
    const inTxn = new Map(model);
    for (const o of c.ops) {
      if (o.t === "put") {
        const r = yield* db.put(o.k, o.v);
        if (r === DbResult.TxnFull) continue; // refused whole: nothing changed
        expect(r).toBe(0);
        inTxn.set(o.k, o.v);
      } else {
        const r = yield* db.del(o.k);
        if (r === DbResult.TxnFull) continue;
        expect(r).toBe(inTxn.has(o.k) ? 0 : DbResult.NotFound);
        inTxn.delete(o.k);
      }
      // Reads inside the transaction see its changes.
      expect(yield* db.get(o.k)).toBe(inTxn.get(o.k) ?? DbResult.NotFound);
    }
    if (c.commit) {
      expect(yield* db.commit()).toBe(0);
      model.clear();
      for (const [k, v] of inTxn) model.set(k, v);
    } else expect(db.abort()).toBe(0);
  }
}

describe("the engine against a Map", () => {
  it("random transactions (committed or aborted), lookups and scans give the Map's answers", () => {
    fc.assert(
      fc.property(
        fc.array(cmd, { minLength: 1, maxLength: 25 }),
        fc.constantFrom<"lru" | "clock" | "2q">("lru", "clock", "2q"),
        (cmds, policy) => {
          const { db, run } = dbWorld({ ...SMALL, poolPolicy: policy });
          const model = new Map<number, number>();
          run(function* () {
            expect(yield* db.open()).toBe(0);
            yield* prefill(db, model, KEYS);
            for (const c of cmds) yield* apply(db, model, c);
            expect(yield* dump(db)).toEqual([...model].sort((a, b) => a[0] - b[0]));
          });
          // The pool evicted (the tree is larger than the pool) and every pin was returned.
          expect(db.pool.stats.misses).toBeGreaterThan(SMALL.poolFrames);
        },
      ),
      { numRuns: 6, seed: 14 },
    );
  });

  it("a large-node tree: thousands of keys in page-sized leaves, in and out of order", () => {
    const { db, run } = dbWorld({ poolFrames: 16 });
    const model = new Map<number, number>();
    run(function* () {
      expect(yield* db.open()).toBe(0);
      expect(db.begin()).toBe(0);
      for (let i = 0; i < 3000; i++) {
        const k = (i * 7919) % 3000;
        let r = yield* db.put(k, i);
        if (r === DbResult.TxnFull) {
          expect(yield* db.commit()).toBe(0);
          expect(db.begin()).toBe(0);
          r = yield* db.put(k, i);
        }
        expect(r).toBe(0);
        model.set(k, i);
      }
      expect(yield* db.commit()).toBe(0);
      for (let k = 0; k < 3000; k += 97) expect(yield* db.get(k)).toBe(model.get(k));
      expect(yield* dump(db)).toEqual([...model].sort((a, b) => a[0] - b[0]));
    });
  });
});

describe("an insert's descent path (a few words a real engine keeps on its stack)", () => {
  /** Instructions charged under `label` so far, on this world's machine. */
  const charged = (w: ReturnType<typeof dbWorld>["w"], label: string) =>
    w.aegis.machine.accounting.labels.get(label)?.instructions ?? 0;

  it("each internal level pushes once (db.bt.path.push); a lookup pushes nothing", () => {
    const { w, db, run } = dbWorld(SMALL);
    const model = new Map<number, number>();
    run(function* () {
      expect(yield* db.open()).toBe(0);
      yield* prefill(db, model, KEYS);
      // A lookup descends without a path: no push.
      const descend0 = charged(w, "db.bt.descend");
      const push0 = charged(w, "db.bt.path.push");
      expect(yield* db.get(10)).toBe(11);
      const levels = (charged(w, "db.bt.descend") - descend0) / 8; // 8 instructions a level
      expect(levels).toBeGreaterThanOrEqual(2); // 150 keys in nodes of 6: a deep tree
      expect(charged(w, "db.bt.path.push")).toBe(push0);
      // An insert descends the same levels with its path: one push (2 instructions) each.
      expect(db.begin()).toBe(0);
      const descend1 = charged(w, "db.bt.descend");
      const push1 = charged(w, "db.bt.path.push");
      expect(yield* db.put(11, 12)).toBe(0);
      const insertLevels = (charged(w, "db.bt.descend") - descend1) / 8;
      expect(insertLevels).toBeGreaterThanOrEqual(levels);
      expect(charged(w, "db.bt.path.push") - push1).toBe(2 * insertLevels);
      expect(yield* db.commit()).toBe(0);
    });
  });
});
