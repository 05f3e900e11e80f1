/**
 * Extent revocation answered by the database (storage/revoke.ts): the exokernel asks for an
 * extent back (`Aegis.revokeExtents`), the library moves the store to a fresh extent and
 * frees the old one before the deadline; committed records survive, on the new extents
 * (recovered from them in a fresh world). A deadline too short for the copy: the kernel takes
 * the extent, the database is lost (every operation `Lost`), and nothing else breaks.
 */
import { Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { DbResult } from "../index.js";
import { dbWorld, dump } from "../test/db-world.js";
import { TEST_COSTS, world } from "../test/world.js";

const OPTS = {
  poolFrames: 24,
  maxTxnPages: 16,
  nodeCap: 6,
  dataPages: 64,
  logSlots: 16,
  dataStartBlock: 3000,
  logStartBlock: 3000 + 64 * 8,
};
/** A deadline the moves fit in: 400 M cycles (16 s at 25 MHz; a copy is 2 commands a page). */
const LONG_DEADLINE = 400_000_000;

describe("extent revocation in the database", () => {
  it("moves the data and the log extents before the deadline, while transactions go on; every committed record survives", () => {
    const w = world({
      machineConfig: { seed: 3 },
      policy: { revokeDeadlineCycles: LONG_DEADLINE },
    });
    const { os, db } = dbWorld(OPTS, 3, w);
    const committed = new Map<number, number>();
    let phase = 0;
    let finished = false;
    os.sched.spawn(function* () {
      expect(yield* db.open()).toBe(Result.Ok);
      for (let k = 0; k < 60; k++) {
        if ((yield* db.insert(k, k * 7)) === Result.Ok) committed.set(k, k * 7);
      }
      phase = 1; // the host revokes now; inserts go on across the move
      for (let k = 60; k < 120; k++) {
        expect(yield* db.insert(k, k * 7)).toBe(Result.Ok);
        committed.set(k, k * 7);
      }
      finished = true;
    });
    w.runUntil(() => phase === 1, 2_000_000_000);
    const starts = () => w.aegis.actAs(os.env.id, () => db.extentStarts());
    const before = starts();
    expect(before).toEqual({ data: 3000, log: 3000 + 64 * 8 });
    // Both extents asked back at once (the first two of the environment's list).
    const req = w.aegis.revokeExtents(os.env.id, 2);
    expect(req.kind === "extents" && [...req.extents].sort()).toEqual([3000, 3512]);
    const asked = w.aegis.machine.now;
    w.runUntil(() => os.revocations.stats.moved === 1, 4_000_000_000);
    const one = w.aegis.machine.now;
    w.runUntil(() => os.revocations.stats.moved === 2, 4_000_000_000);
    // The data extent first (a read and a write per page in use: about 1.3 s here), then the
    // log (a checkpoint with little to write, a new extent, the old one freed: about 16 ms,
    // within even the kernel's default deadline of two slices).
    const defaultDeadline = 2 * w.aegis.policy.sliceCycles;
    expect(one - asked).toBeGreaterThan(defaultDeadline);
    expect(w.aegis.machine.now - one).toBeLessThan(defaultDeadline);
    w.runUntil(() => finished, 4_000_000_000);
    expect(os.revocations.stats).toEqual({ asked: 2, moved: 2, lost: 0, failed: 0 });
    const after = starts() as { data: number; log: number };
    expect(after.data).not.toBe(3000);
    expect(after.log).not.toBe(3512);
    // Surrendered, not taken: the environment still holds exactly its two new extents.
    expect([...w.aegis.inspect(os.env.id).extents].sort((a, b) => a - b)).toEqual(
      [after.data, after.log].sort((a, b) => a - b),
    );
    expect(db.lost).toBe(false);
    let rows: [number, number][] = [];
    let read = false;
    os.sched.spawn(function* () {
      rows = yield* dump(db);
      read = true;
    });
    w.runUntil(() => read, 1_000_000_000);
    expect(rows).toEqual([...committed].sort((a, b) => a[0] - b[0]));

    // A fresh world recovers the database from the new extents' blocks.
    const dataBlocks = w.aegis.machine.disk.inspect(after.data, 64 * 8);
    const logBlocks = w.aegis.machine.disk.inspect(after.log, 16 * 8);
    const w2 = world({ machineConfig: { seed: 3 } });
    w2.aegis.machine.disk.preload(after.data, dataBlocks);
    w2.aegis.machine.disk.preload(after.log, logBlocks);
    const r = dbWorld(
      { ...OPTS, format: false, dataStartBlock: after.data, logStartBlock: after.log },
      3,
      w2,
    );
    const recovered = r.run(function* () {
      expect(yield* r.db.open()).toBe(Result.Ok);
      return yield* dump(r.db);
    });
    expect(recovered).toEqual(rows);
  });

  it("a transaction held open past the deadline: the move cannot start, the kernel takes the extent, the database is lost and refuses every operation", () => {
    const w = world({ machineConfig: { seed: 4 } });
    const { os, db } = dbWorld(OPTS, 4, w);
    let loaded = false;
    let lostSeen = false;
    let put = 0;
    let got = 0;
    os.sched.spawn(function* () {
      expect(yield* db.open()).toBe(Result.Ok);
      for (let k = 0; k < 20; k++) yield* db.insert(k, k);
      expect(db.begin()).toBe(Result.Ok);
      expect(yield* db.put(500, 1)).toBe(Result.Ok);
      loaded = true;
      // The transaction stays open: the mover waits for its end.
      while (!db.lost) {
        os.env.cpu.exec(TEST_COSTS["test.work"], 1000);
        yield* os.sched.yieldThread();
        yield* os.sched.safepoint();
      }
      lostSeen = true;
      put = yield* db.put(501, 1);
      got = yield* db.get(1);
      db.abort();
    });
    w.runUntil(() => loaded, 2_000_000_000);
    const req = w.aegis.revokeExtents(os.env.id, 1);
    const deadline = req.kind === "extents" ? req.deadlineCycles : 0;
    w.runUntil(() => lostSeen && os.revocations.stats.failed === 1, 200_000_000);
    // Lost at the repossession (told by the kernel's upcall), not before the deadline.
    expect(lostSeen).toBe(true);
    expect(w.aegis.machine.now).toBeGreaterThanOrEqual(deadline);
    expect(os.revocations.stats).toEqual({ asked: 1, moved: 0, lost: 1, failed: 1 });
    expect(put).toBe(DbResult.Lost);
    expect(got).toBe(DbResult.Lost);
    // The environment lives on; the data extent is gone from it, the log is still its own.
    expect(w.aegis.inspect(os.env.id).alive).toBe(true);
    expect(w.aegis.inspect(os.env.id).extents).toEqual([3512]);
  });
});
