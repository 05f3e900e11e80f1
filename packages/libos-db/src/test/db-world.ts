/**
 * Test helpers for the database: a world with one process running the library, a database
 * created in it, and a way to run a generator body as one of its threads to the end.
 */
import type { Db, DbOptions, LibOsApi } from "../index.js";
import { type World, world } from "./world.js";

export interface DbWorld {
  w: World;
  os: LibOsApi;
  db: Db;
  /** Runs `body` as a thread of the process until it ends; returns its result. */
  run<T>(body: () => Generator<unknown, T, unknown>, maxCycles?: number): T;
}

export function dbWorld(
  options: Partial<DbOptions> = {},
  seed = 1,
  w = world({ machineConfig: { seed } }),
): DbWorld {
  const os = w.spawn();
  const db = os.createDb(options);
  if (typeof db === "number") throw new Error(`createDb refused: ${db}`);
  const dw: DbWorld = {
    w,
    os,
    db,
    run<T>(body: () => Generator<unknown, T, unknown>, maxCycles = 4_000_000_000): T {
      let done = false;
      let out: T | undefined;
      os.sched.spawn(function* () {
        out = yield* body();
        done = true;
      });
      const outcome = w.runUntil(() => done, maxCycles);
      if (!done) throw new Error(`thread did not finish: ${outcome}`);
      return out as T;
    },
  };
  return dw;
}

/** Every (key, value) of the database, in key order. */
export function* dump(db: Db): Generator<unknown, [number, number][], unknown> {
  const out: [number, number][] = [];
  const r = yield* db.scan(0, 0x7fffffff, (k, v) => {
    out.push([k, v]);
    return true;
  });
  if (r < 0) throw new Error(`scan failed: ${r}`);
  return out;
}
