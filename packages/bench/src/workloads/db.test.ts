import { describe, expect, it } from "vitest";
import { adapterFor } from "../adapters/index.js";
import { ResultSchema } from "../result.js";
import { runBenchmark } from "../runner.js";
import { DB_POLICIES, DB_POOL_FRAMES, DB_SUITE } from "./db.js";

/**
 * A short seeded slice of the `db` suite (the whole sweep, 4 policies × 4 pool sizes, runs in
 * `pnpm exolab bench --suite db --system db`, about 10 s): the flooding figure at the
 * smallest pool, with the rows' shape checked against the schema.
 */
const at = (poolFrames: number, policy: string) =>
  DB_SUITE.find((w) => w.params?.poolFrames === poolFrames && w.params?.policy === policy)!;
const run = (poolFrames: number, policy: string, system = "db") =>
  runBenchmark(at(poolFrames, policy), adapterFor(system)!, { profile: "dec5000_125", seed: 1 });

describe("the db suite", () => {
  it("has one row per (policy, pool size)", () => {
    expect(DB_SUITE.length).toBe(DB_POLICIES.length * DB_POOL_FRAMES.length);
    expect(new Set(DB_SUITE.map((w) => JSON.stringify(w.params))).size).toBe(DB_SUITE.length);
  });

  it("under sequential flooding LRU loses the hot set each round; LRU-2 keeps it", () => {
    const lru = run(16, "lru");
    const lru2 = run(16, "lru2");
    expect(ResultSchema.parse(lru)).toEqual(lru);
    expect(lru.params).toEqual({ poolFrames: 16, policy: "lru" });
    expect(Object.keys(lru.metrics!).sort()).toEqual([
      "diskIos",
      "hitRate",
      "hotHitRate",
      "opsPerSimSecond",
    ]);
    // Each lookup asks for 3 pages (meta, root, leaf): LRU misses the ~5 hot leaves and the
    // root and meta page after every scan; LRU-2 misses them in the first round only.
    expect(lru.metrics!.hotHitRate).toBeLessThan(0.95);
    expect(lru2.metrics!.hotHitRate).toBeGreaterThan(0.98);
    expect(lru2.metrics!.diskIos).toBeLessThan(lru.metrics!.diskIos);
    expect(lru2.metrics!.opsPerSimSecond).toBeGreaterThan(lru.metrics!.opsPerSimSecond);
    // The disk waits are spun, not idled: no idle cycles in the measured window.
    expect(lru.attribution.idle ?? 0).toBe(0);
  });

  it("monolithic: the same engine as a file on the kernel's LRU buffer cache; its other policies say why", () => {
    // Pinned (counts, not cycles: they do not move with a cost or the memory system): each
    // row loads the table into /db (log in /db.log, fsync per commit), then runs the mix with
    // every page fetched by lseek + read through a buffer cache of poolFrames buffers.
    const PINNED: Record<number, { hitRate: number; diskIos: number }> = {
      16: { hitRate: 0.702, diskIos: 313 },
    };
    for (const [frames, want] of Object.entries(PINNED)) {
      const r = run(Number(frames), "lru", "monolithic");
      expect(r.supported).toBe(true);
      expect(ResultSchema.parse(r)).toEqual(r);
      expect(Number(r.metrics!.hitRate!.toFixed(3))).toBe(want.hitRate);
      expect(r.metrics!.diskIos).toBe(want.diskIos);
      // Waiting for the disk, the process sleeps and the CPU idles (declared by the workload).
      expect(r.attribution.idle ?? 0).toBeGreaterThan(0);
    }
    // The same engine over the same 16 frames with LRU: the same hits and I/Os as libos-db's.
    const d = run(16, "lru");
    expect(d.metrics!.diskIos).toBe(PINNED[16]!.diskIos);
    const c = run(16, "clock", "monolithic");
    expect(c.supported).toBe(false);
    expect(c.reason).toMatch(/not the application's to choose/);
  });

  it("the systems without a database engine say why", () => {
    const r = run(16, "lru", "exos");
    expect(r.supported).toBe(false);
    expect(r.reason!.length).toBeGreaterThan(10);
  });
});
