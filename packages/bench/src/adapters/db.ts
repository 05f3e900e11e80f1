import { PAGE_BYTES } from "@exolab/exokernel";
import {
  COSTS,
  type Db,
  DbResult,
  DEFAULT_POLICY,
  type LibOsApi,
  layout,
  libos,
  MAX_KEY,
  resolvePolicy,
} from "@exolab/libos-db";
import type { BasePort, DbPort, VmPort } from "../ports.js";
import { loadedValue } from "../workloads/db.js";
import { defineLibOsSystem, type LibOsRun } from "./aegis/libos.js";

type Run = LibOsRun<LibOsApi>;

/**
 * The `db` system: the database library OS on Aegis, one environment per process. Beside
 * the ports any libOS on the shared base serves (memory, threads, `lrpc`), it serves `vm`
 * (the Appel–Li primitives on its inverted page table, so the paper suite's VM rows run on
 * it beside ExOS's linear one) and `db` (its storage engine on direct disk extents, with the
 * workload's pool size and replacement policy).
 */
export const dbAdapter = defineLibOsSystem({
  id: "db",
  title: "the database libOS on Aegis (inverted page table, own buffer pool, B+-tree on extents)",
  paper: null,
  costs: { "@exolab/libos-db": COSTS },
  libos,
  policy: DEFAULT_POLICY,
  options: (own) => ({ policy: resolvePolicy(own) }),
  spawn: (os, body) => os.sched.spawn(body),
  safepoint: (os) => os.sched.safepoint(),
  map: (os, va, pages) => os.vm.map(va, pages),
  // Its inverted table maps any page from APP_BASE up: the glue's buffer page first, the heap after it.
  memory: { bufferVa: layout.APP_BASE, heapVa: layout.APP_BASE + PAGE_BYTES },
  rpc: {
    trusted: false,
    serve: (os, procedure) => os.calls.serve(procedure),
    call: (os, server, arg) => os.calls.call(server, arg),
    lastError: (os) => os.calls.lastError,
  },
  ports: {
    vm: (run, [b]) => [vmPort(run.procs[0]!, b!, run)],
    db: (run, [b]) => [dbPort(run, b!)],
  },
  unsupportedReason:
    "the database libOS offers memory, threads, LRPC, the VM primitives and its storage engine; pipes, shared memory with directed yield, stride and real-time scheduling are other libOSes' policies",
});

function vmPort(os: LibOsApi, b: BasePort, run: Run): VmPort {
  return {
    ...b,
    dirty: (va) => run.check(os.vm.dirty(va), "dirty") === 1,
    protect: (va, pages) =>
      void run.check(pages === 1 ? os.vm.protect1(va) : os.vm.protectRange(va, pages), "protect"),
    unprotect: (va, pages) => void run.check(os.vm.unprotectRange(va, pages), "unprotect"),
    onFault(handler) {
      os.vm.setFaultHandler((va) => handler(va));
    },
  };
}

/** The database of the measuring process, with the workload's pool (created host side). */
function dbPort(run: Run, b: BasePort): DbPort {
  const spec = run.workload.config?.db;
  if (spec === undefined) throw new Error("db: the workload gives no pool");
  const os = run.procs[0]!;
  const db = run.act(os, () =>
    os.createDb({ poolFrames: spec.poolFrames, poolPolicy: spec.policy }),
  ) as Db | number;
  if (typeof db === "number") throw new Error(`db: createDb was refused (${db})`);
  const ok = (r: number, what: string) => {
    if (r < 0) throw new Error(`db: ${what} failed (${r})`);
  };
  return {
    ...b,
    cycleNs: run.aegis.machine.profile.cycleNs,
    *load(records) {
      ok(yield* db.open(), "open");
      ok(db.begin(), "begin");
      for (let k = 0; k < records; k++) {
        let r = yield* db.put(k, loadedValue(k));
        if (r === DbResult.TxnFull) {
          ok(yield* db.commit(), "commit");
          ok(db.begin(), "begin");
          r = yield* db.put(k, loadedValue(k));
        }
        ok(r, "put");
        yield* b.safepoint();
      }
      ok(yield* db.commit(), "commit");
      // Every loaded page home: the mix starts with a clean pool and an empty log.
      ok(yield* db.checkpoint(), "checkpoint");
    },
    *get(key) {
      const v = yield* db.get(key);
      if (v === DbResult.NotFound) return -1;
      ok(v, "get");
      return v;
    },
    *scan(lo, count) {
      let n = 0;
      const r = yield* db.scan(lo, MAX_KEY, () => ++n < count);
      ok(r, "scan");
      return n;
    },
    counters: () => ({
      hits: db.pool.stats.hits,
      misses: db.pool.stats.misses,
      diskIos: db.io.stats.reads + db.io.stats.writes,
    }),
  };
}
