import { Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { DbOptionError, DbResult, MAX_KEY } from "../index.js";
import { dbWorld, dump } from "../test/db-world.js";
import { world } from "../test/world.js";

describe("refusals", () => {
  it("a bad option throws DbOptionError naming it, before anything is taken", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const os = w.spawn();
    const frames = () => w.aegis.inspect(os.env.id).frames.length;
    const before = frames();
    expect(() => os.createDb({ poolFrames: 4 })).toThrow(/poolFrames must be an integer in \[16/);
    expect(() => os.createDb({ poolPolicy: "mru" as never })).toThrow(
      /poolPolicy must be one of lru, clock, 2q/,
    );
    expect(() => os.createDb({ cache: 1 } as never)).toThrow(DbOptionError);
    expect(() => os.createDb({ format: 1 as never })).toThrow(/format must be a boolean/);
    expect(() => os.createDb({ dataStartBlock: -1 })).toThrow(/block number or "any"/);
    expect(() => os.createDb({ poolFrames: 16, maxTxnPages: 12 })).toThrow(/maxTxnPages/);
    expect(frames()).toBe(before);
  });

  it("extents another environment holds are refused by the kernel (Busy), returned as the result", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const a = w.spawn();
    const b = w.spawn();
    expect(typeof a.createDb({ dataStartBlock: 0, logStartBlock: 20000 })).toBe("object");
    expect(b.createDb({ dataStartBlock: 100 })).toBe(Result.Busy);
  });

  it("operations outside a transaction, bad keys and values, and a second begin change nothing", () => {
    const { db, run } = dbWorld({ poolFrames: 16 });
    const out = run(function* () {
      expect(yield* db.open()).toBe(0);
      expect(yield* db.insert(5, 50)).toBe(0);
      expect(yield* db.put(6, 60)).toBe(DbResult.NoTxn);
      expect(yield* db.del(5)).toBe(DbResult.NoTxn);
      expect(yield* db.commit()).toBe(DbResult.NoTxn);
      expect(db.abort()).toBe(DbResult.NoTxn);
      expect(db.begin()).toBe(0);
      expect(db.begin()).toBe(DbResult.NoTxn);
      for (const bad of [-1, 1.5, MAX_KEY + 1, Number.NaN, "7" as unknown as number]) {
        expect(yield* db.put(bad, 1)).toBe(Result.Invalid);
        expect(yield* db.put(1, bad)).toBe(Result.Invalid);
        expect(yield* db.del(bad)).toBe(Result.Invalid);
        expect(yield* db.get(bad)).toBe(Result.Invalid);
      }
      expect(yield* db.del(6)).toBe(DbResult.NotFound);
      expect(yield* db.checkpoint()).toBe(DbResult.NoTxn);
      expect(yield* db.commit()).toBe(0);
      return yield* dump(db);
    });
    expect(out).toEqual([[5, 50]]);
    expect(db.stats.commits).toBe(2);
  });

  it("a put that would take a transaction past maxTxnPages is refused whole (TxnFull)", () => {
    const { db, run } = dbWorld({ poolFrames: 24, maxTxnPages: 8, nodeCap: 4 });
    const out = run(function* () {
      expect(yield* db.open()).toBe(0);
      expect(db.begin()).toBe(0);
      let k = 0;
      let r = 0;
      for (; k < 100; k++) {
        r = yield* db.put(k, k);
        if (r < 0) break;
      }
      expect(r).toBe(DbResult.TxnFull);
      expect(yield* db.get(k)).toBe(DbResult.NotFound);
      expect(yield* db.commit()).toBe(0);
      return { k, all: yield* dump(db) };
    });
    expect(out.k).toBeGreaterThan(3);
    expect(out.all).toEqual(Array.from({ length: out.k }, (_, i) => [i, i]));
  });
});
