import { describe, expect, it } from "vitest";
import type { PoolPolicyName } from "../index.js";
import type { PageStore } from "../storage/pagestore.js";
import { world } from "../test/world.js";
import { BufferPool } from "./pool.js";

/** A store that moves nothing and logs what it was asked (the pool never looks at contents). */
function fakeStore() {
  const log: string[] = [];
  const store: PageStore = {
    pages: 1 << 20,
    // biome-ignore lint/correctness/useYield: completes at once
    *readPage(p) {
      log.push(`r${p}`);
      return 0;
    },
    // biome-ignore lint/correctness/useYield: completes at once
    *writePage(p) {
      log.push(`w${p}`);
      return 0;
    },
    // biome-ignore lint/correctness/useYield: completes at once
    *sync() {
      return 0;
    },
  };
  return { store, log };
}

/** Runs `body` with a booted pool of `frames` frames in a thread of a fresh process. */
function withPool(
  policy: PoolPolicyName,
  frames: number,
  body: (pool: BufferPool, log: string[]) => Generator<unknown, void, unknown>,
) {
  const w = world({ machineConfig: { seed: 1 } });
  const os = w.spawn();
  const { store, log } = fakeStore();
  let done = false;
  os.sched.spawn(function* () {
    const pool = new BufferPool(os.env, store, frames, policy);
    expect(pool.boot(os.vm)).toBe(0);
    yield* body(pool, log);
    done = true;
  });
  w.runUntil(() => done);
  expect(done).toBe(true);
  expect(w.aegis.deaths).toEqual([]);
}

/** Fetches and unpins each page in turn. */
function* touch(pool: BufferPool, pages: number[]) {
  for (const p of pages) {
    const s = yield* pool.fetch(p);
    expect(s).toBeGreaterThanOrEqual(0);
    pool.unpin(s);
  }
}

const resident = (pool: BufferPool, pages: number[]) => pages.filter((p) => pool.lookup(p) >= 0);

describe("the buffer pool's policies", () => {
  it("LRU evicts the least recently used page", () => {
    withPool("lru", 4, function* (pool, log) {
      yield* touch(pool, [1, 2, 3, 4, 1, 5]);
      expect(resident(pool, [1, 2, 3, 4, 5])).toEqual([1, 3, 4, 5]);
      yield* touch(pool, [3, 6]);
      expect(resident(pool, [1, 2, 3, 4, 5, 6])).toEqual([1, 3, 5, 6]);
      expect(pool.stats).toMatchObject({ hits: 2, misses: 6 });
      expect(log).toEqual(["r1", "r2", "r3", "r4", "r5", "r6"]);
    });
  });

  it("clock gives a referenced page a second chance", () => {
    withPool("clock", 4, function* (pool) {
      // All four referenced: the hand clears every bit, then takes slot 0 (page 1).
      yield* touch(pool, [1, 2, 3, 4, 5]);
      expect(resident(pool, [1, 2, 3, 4, 5])).toEqual([2, 3, 4, 5]);
      // Page 2 referenced again: the hand passes it (clearing its bit) and takes page 3.
      yield* touch(pool, [2, 6]);
      expect(resident(pool, [2, 3, 4, 5, 6])).toEqual([2, 4, 5, 6]);
    });
  });

  it("2Q: a page seen twice at a distance enters Am; a scan passes through A1in and leaves Am alone", () => {
    withPool("2q", 8, function* (pool) {
      // Kin = 2, Kout = 4. Pages 100 and 101 are seen, pushed out by other pages (their
      // numbers go to A1out), then seen again: they enter Am.
      yield* touch(pool, [100, 101, 1, 2, 3, 4, 5, 6, 7, 8]);
      yield* touch(pool, [100, 101]);
      // A long scan.
      const scan = Array.from({ length: 60 }, (_, i) => 1000 + i);
      yield* touch(pool, scan);
      expect(resident(pool, [100, 101])).toEqual([100, 101]);
    });
    withPool("lru", 8, function* (pool) {
      yield* touch(pool, [100, 101, 1, 2, 3, 4, 5, 6, 7, 8, 100, 101]);
      yield* touch(
        pool,
        Array.from({ length: 60 }, (_, i) => 1000 + i),
      );
      expect(resident(pool, [100, 101])).toEqual([]);
    });
  });

  it("LRU-2 evicts pages referenced once before any referenced twice: a scan cannot flush the hot set", () => {
    withPool("lru2", 8, function* (pool) {
      yield* touch(pool, [100, 101, 100, 101]);
      yield* touch(
        pool,
        Array.from({ length: 60 }, (_, i) => 1000 + i),
      );
      expect(resident(pool, [100, 101])).toEqual([100, 101]);
      // Among pages referenced once, the oldest goes first.
      expect(resident(pool, [1053, 1054, 1059])).toEqual([1054, 1059]);
    });
  });

  for (const policy of ["lru", "clock", "2q", "lru2"] as const) {
    it(`${policy}: a pinned page is never the victim; all pinned gives NoMemory; a dirty victim is written first`, () => {
      withPool(policy, 4, function* (pool, log) {
        const pinned = yield* pool.fetch(1);
        const s = yield* pool.fetch(2);
        pool.setDirty(s, true);
        pool.unpin(s);
        yield* touch(pool, [3, 4]);
        for (let p = 10; p < 30; p++) yield* touch(pool, [p]);
        expect(pool.lookup(1)).toBe(pinned);
        // Page 2 was evicted, and written back once, being dirty; clean victims were not.
        expect(pool.lookup(2)).toBe(-1);
        expect(log.filter((x) => x.startsWith("w"))).toEqual(["w2"]);
        const held = [pinned];
        for (const p of [40, 41, 42]) held.push(yield* pool.fetch(p));
        expect(held.every((x) => x >= 0)).toBe(true);
        expect(yield* pool.fetch(43)).toBe(-5); // Result.NoMemory
        for (const x of held) pool.unpin(x);
        expect(yield* pool.fetch(43)).toBeGreaterThanOrEqual(0);
      });
    });
  }
});
