import { COSTS, DEFAULT_POLICY, layout, libos, resolvePolicy } from "@exolab/libos-db";
import { defineLibOsSystem } from "./aegis/libos.js";

/**
 * The `db` system: the kit's small libOS on Aegis, one environment per process. It
 * serves the ports any libOS on the shared base serves from a few functions of its API:
 * memory (its demand-zero pages), threads, and calls to another process by protected
 * control transfer (`lrpc`).
 */
export const dbAdapter = defineLibOsSystem({
  id: "db",
  title: "the libOS kit's small libOS on Aegis",
  paper: null,
  costs: { "@exolab/libos-db": COSTS },
  libos,
  policy: DEFAULT_POLICY,
  options: (own) => ({ policy: resolvePolicy(own) }),
  spawn: (os, body) => os.sched.spawn(body),
  safepoint: (os) => os.sched.safepoint(),
  map: (os, va, pages) => os.vm.map(va, pages),
  // Its page table covers APP_BASE up: the glue's buffer page first, the heap after it.
  memory: { bufferVa: layout.APP_BASE, heapVa: layout.APP_BASE + 0x1000 },
  rpc: {
    trusted: false,
    serve: (os, procedure) => os.calls.serve(procedure),
    call: (os, server, arg) => os.calls.call(server, arg),
    lastError: (os) => os.calls.lastError,
  },
});
