import { Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { DbResult, layout, MAX_BATCH, Op } from "../index.js";
import { world } from "../test/world.js";

const CLIENT_VA = layout.APP_BASE + 0x10000;

/** A server environment with a database, two clients with a queue each. */
function setUp() {
  const w = world({ machineConfig: { seed: 3 } });
  const server = w.spawn();
  const osA = w.spawn();
  const osB = w.spawn();
  const db = server.createDb({ poolFrames: 16 });
  if (typeof db === "number") throw new Error("createDb");
  // The server's own thread formats the database, serves and makes the queues (then ends).
  const queues: { queue: number; cap: number }[] = [];
  server.sched.spawn(function* () {
    expect(yield* db.open()).toBe(0);
    const srv = server.dbServer(db);
    expect(srv.serve()).toBe(Result.Ok);
    for (const os of [osA, osB]) {
      const q = srv.attach(os.env.id);
      if (typeof q === "number") throw new Error(`attach ${q}`);
      queues.push(q);
    }
  });
  w.runUntil(() => queues.length === 2);
  const clients = [osA, osB].map((os, i) => {
    const q = queues[i]!;
    const c = os.dbClient(server.env.id, q.queue, q.cap, CLIENT_VA);
    if (typeof c === "number") throw new Error(`dbClient ${c}`);
    return { os, c, q };
  });
  return { w, server, db, clients };
}

describe("batched shared-memory request queues", () => {
  it("a batch of puts, gets and deletes runs in one transfer; results come back in the page", () => {
    const { w, db, clients } = setUp();
    const [a, b] = clients;
    const out: number[][] = [];
    let done = 0;
    a!.os.sched.spawn(function* () {
      for (let k = 0; k < 20; k++) a!.c.add(Op.Put, k, k * 3);
      a!.c.add(Op.Get, 7);
      a!.c.add(Op.Del, 8);
      a!.c.add(Op.Get, 8);
      a!.c.add(Op.Del, 99);
      a!.c.add(9, 1); // no such operation
      a!.c.add(Op.Put, -5, 1); // a bad key
      const n = yield* a!.c.flush();
      out.push([n, ...Array.from({ length: 26 }, (_, i) => a!.c.result(i)).slice(20)]);
      done++;
    });
    b!.os.sched.spawn(function* () {
      b!.c.add(Op.Put, 1000, 1);
      b!.c.add(Op.Get, 1000);
      const n = yield* b!.c.flush();
      out.push([n, b!.c.result(0), b!.c.result(1)]);
      done++;
    });
    w.runUntil(() => done === 2);
    expect(out).toContainEqual([
      26,
      21,
      0,
      DbResult.NotFound,
      DbResult.NotFound,
      Result.Invalid,
      Result.Invalid,
    ]);
    expect(out).toContainEqual([2, 0, 1]);
    // 20 + 1 committed puts, one delete: each a transaction of its own.
    expect(db.stats.commits).toBe(22);
    expect(w.aegis.deaths).toEqual([]);
  });

  it("a client cannot run another's queue or an oversized batch; nothing changes", () => {
    const { w, db, clients, server } = setUp();
    const [a, b] = clients;
    let res: number[] = [];
    a!.os.sched.spawn(function* () {
      // b's queue number through a's own call: the server knows whose queue it is.
      a!.os.env.cpu.store32(CLIENT_VA, 1);
      const foreign = yield* a!.os.calls.call(server.env.id, b!.q.queue);
      const missing = yield* a!.os.calls.call(server.env.id, 12);
      a!.os.env.cpu.store32(CLIENT_VA, MAX_BATCH + 1);
      const big = yield* a!.c.flush();
      a!.os.env.cpu.store32(CLIENT_VA, -1);
      const negative = yield* a!.c.flush();
      res = [foreign, missing, big, negative];
    });
    w.runUntil(() => res.length > 0);
    expect(res).toEqual([Result.NotOwner, Result.Invalid, Result.Invalid, Result.Invalid]);
    expect(db.stats.commits).toBe(0);
    expect(db.pool.stats.hits + db.pool.stats.misses).toBeLessThan(5); // only the format's
  });
});
