import { COSTS } from "../costs.js";
import type { DbCounters, DbPoolSpec, DbPort } from "../ports.js";
import { defineWorkload, type Workload } from "../workload.js";

/**
 * The `db` suite: a scan-and-lookup mix on a key-value table, at several buffer-pool sizes,
 * for each replacement policy.
 *
 * The table: DB_RECORDS records, keys 0 up (loaded in key order before measuring: about 65
 * leaves of 254 records under one root). A round
 * is one long sequential scan (DB_SCAN_RECORDS records from a random point in the cold part
 * of the table, keys DB_HOT_RECORDS up: about 32 leaves) followed by DB_LOOKUPS point lookups
 * of random keys of the hot set (keys below DB_HOT_RECORDS: about 5 leaves). Each scan reads more pages than
 * the smaller pools hold: sequential flooding. An LRU pool loses the hot set to every scan
 * and reads it again in each burst of lookups; a flood-resistant pool (2Q) keeps it. The
 * random choices come from a fixed seed: the same operations on every system.
 *
 * Metrics: hitRate (buffer-pool hits over all page requests of the mix), hotHitRate (over
 * the page requests of the lookups alone: the hot set's), opsPerSimSecond (lookups and
 * scans per simulated second), diskIos (reads and writes of the mix).
 */
export const DB_RECORDS = 16_384;
export const DB_HOT_RECORDS = 1_024;
export const DB_SCAN_RECORDS = 8_192;
export const DB_LOOKUPS = 32;
export const DB_ROUNDS = 8;
export const DB_POOL_FRAMES = [16, 32, 64, 128] as const;
export const DB_POLICIES = ["lru", "clock", "2q", "lru2"] as const;
/** The mix's random choices (the same for every system and point). */
const MIX_SEED = 0xdb5eed;

interface MixOutcome {
  ops: number;
  cycles: number;
  all: DbCounters;
  hot: DbCounters;
}

const diff = (a: DbCounters, b: DbCounters): DbCounters => ({
  hits: b.hits - a.hits,
  misses: b.misses - a.misses,
  diskIos: b.diskIos - a.diskIos,
});
const add = (a: DbCounters, b: DbCounters): DbCounters => ({
  hits: a.hits + b.hits,
  misses: a.misses + b.misses,
  diskIos: a.diskIos + b.diskIos,
});
const ZERO: DbCounters = { hits: 0, misses: 0, diskIos: 0 };

/** The rounds of the mix (measured). */
function* mix(p: DbPort): Generator<unknown, MixOutcome, unknown> {
  let x = MIX_SEED;
  const rnd = (n: number) => {
    p.cpu.exec(COSTS["app.db.pick"]);
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const t0 = p.cpu.now;
  const start = p.counters();
  let hot = ZERO;
  let ops = 0;
  for (let r = 0; r < DB_ROUNDS; r++) {
    const lo = DB_HOT_RECORDS + rnd(DB_RECORDS - DB_HOT_RECORDS - DB_SCAN_RECORDS);
    const n = yield* p.scan(lo, DB_SCAN_RECORDS);
    if (n !== DB_SCAN_RECORDS) throw new Error(`db: a scan returned ${n} records`);
    ops++;
    const before = p.counters();
    for (let i = 0; i < DB_LOOKUPS; i++) {
      const k = rnd(DB_HOT_RECORDS);
      const v = yield* p.get(k);
      if (v !== loadedValue(k)) throw new Error(`db: get(${k}) gave ${v}`);
      ops++;
      yield* p.safepoint();
    }
    hot = add(hot, diff(before, p.counters()));
  }
  return { ops, cycles: p.cpu.now - t0, all: diff(start, p.counters()), hot };
}

/** The value loaded for `key` (the port's load uses the same). */
export const loadedValue = (key: number): number => (key * 2 + 1) & 0x7fffffff;

const rate = (c: DbCounters) => (c.hits + c.misses === 0 ? 0 : c.hits / (c.hits + c.misses));

function mixWorkload(pool: DbPoolSpec): Workload {
  return defineWorkload({
    id: "scan-lookup",
    suite: "db",
    title: `scans and hot-set lookups, ${pool.poolFrames}-frame pool, ${pool.policy}`,
    port: "db",
    unit: "us/op",
    params: { poolFrames: pool.poolFrames, policy: pool.policy },
    config: { db: pool },
    iterations: { warmup: 0, measured: 1 },
    idleMeasured:
      "a page missing from the pool waits for the disk: on the monolithic kernel the process sleeps on its read and the CPU idles to the disk's interrupt",
    note: "figure: time per operation (a scan or a lookup); metrics: hitRate, hotHitRate, opsPerSimSecond, diskIos",
    threads: [
      function* (p, m) {
        yield* p.load(DB_RECORDS);
        m.start();
        const o = yield* mix(p);
        m.stop();
        m.metric("hitRate", rate(o.all));
        m.metric("hotHitRate", rate(o.hot));
        m.metric("opsPerSimSecond", o.ops / ((o.cycles * p.cycleNs) / 1e9));
        m.metric("diskIos", o.all.diskIos);
        m.finish(o.ops);
      },
    ],
  }) as Workload;
}

export const DB_SUITE: readonly Workload[] = Object.freeze(
  DB_POLICIES.flatMap((policy) =>
    DB_POOL_FRAMES.map((poolFrames) => mixWorkload({ poolFrames, policy })),
  ),
);
