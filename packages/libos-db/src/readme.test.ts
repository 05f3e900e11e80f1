import { NotRunningError, Result } from "@exolab/exokernel";
import { Aegis } from "@exolab/exokernel/kernel";
import { describe, expect, it } from "vitest";
import { DbResult, layout, libos } from "./index.js";

describe("the README's example", () => {
  it("runs as shown: boot, a thread spawned in a host window, run", () => {
    let read = -1;
    // #region example
    const aegis = new Aegis(); // whoever holds the kernel: a test, the bench
    const { env, api: os } = aegis.boot(libos, { policy: { maxThreads: 4 } });
    // Host code acting for the process says so (the exokernel refuses it otherwise).
    aegis.actAs(env, () => {
      os.vm.map(layout.APP_BASE, 4); // four zeroed pages, entries in the inverted page table
      os.sched.spawn(function* () {
        os.env.cpu.store32(layout.APP_BASE, 42); // refill upcall -> inverted table -> tlbWrite
        read = os.env.cpu.load32(layout.APP_BASE);
        yield* os.sched.safepoint();
      });
    });
    aegis.run({ untilCycle: 10_000_000 });
    // #endregion example
    expect(read).toBe(42);
    expect(os.vm.stats.refills).toBe(1);
    expect(aegis.deaths).toEqual([]);
    // Outside a window the host gets nothing, and nothing changes.
    expect(() => os.vm.map(layout.APP_BASE + 0x10000, 1)).toThrow(NotRunningError);
    expect(env.allocFrame()).toBe(Result.Refused);
  });

  it("runs the database example as shown", () => {
    let found = -1;
    let inRange = -1;
    // #region db-example
    const aegis = new Aegis();
    const { env, api: os } = aegis.boot(libos, {});
    aegis.actAs(env, () => {
      // The application chooses its pool: 32 frames, LRU-2 (a bad option throws DbOptionError).
      const db = os.createDb({ poolFrames: 32, poolPolicy: "lru2" });
      if (typeof db === "number") throw new Error(`the kernel refused: ${db}`);
      os.sched.spawn(function* () {
        yield* db.open(); // format the extents (format: false recovers instead)
        db.begin();
        for (let k = 0; k < 1000; k++) {
          if ((yield* db.put(k, k * 10)) === DbResult.TxnFull) {
            yield* db.commit(); // the transaction holds maxTxnPages pages: commit, go on
            db.begin();
            yield* db.put(k, k * 10);
          }
        }
        yield* db.commit(); // returns once the log write is on the disk
        found = yield* db.get(999); // 9990: every put went in
        inRange = yield* db.scan(100, 199, () => true); // 100 records visited
        yield* db.remove(420); // a one-operation transaction
      });
    });
    aegis.run({ untilCycle: 2_000_000_000 });
    // #endregion db-example
    expect(found).toBe(9990);
    expect(inRange).toBe(100);

    expect(aegis.deaths).toEqual([]);
  });
});
