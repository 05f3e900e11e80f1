import { COSTS } from "../costs.js";
import type { ExceptionKind, ExceptionPort } from "../ports.js";
import { defineWorkload } from "../workload.js";

const loop = COSTS["app.loop"];
/** Iterations, fixed here for every system and profile; the thread bodies read only these. */
const CALLS = { warmup: 10, measured: 1000 } as const;
const EXCEPTIONS = { warmup: 10, measured: 200 } as const;
const TRANSFERS = { warmup: 10, measured: 500 } as const;

/** A null procedure call: pure user code, the same instructions on every system. */
export const procCall = defineWorkload({
  id: "proc-call",
  suite: "paper",
  title: "null procedure call",
  port: "user",
  unit: "us/op",
  iterations: CALLS,
  threads: [
    function* (p, m) {
      const run = function* (n: number) {
        for (let i = 0; i < n; i++) {
          p.cpu.exec(COSTS["app.proc-call"]);
          p.cpu.exec(loop);
          yield* p.safepoint();
        }
      };
      yield* run(CALLS.warmup);
      m.start();
      yield* run(CALLS.measured);
      m.stop();
      m.finish(CALLS.measured);
    },
  ],
});

function callWorkload(id: string, port: "syscall" | "syscall-stack" | "lib-call", title: string) {
  return defineWorkload({
    id,
    suite: "paper",
    title,
    port,
    // All three answer the paper's getpid row: Ultrix's getpid is the baseline of each.
    baselineBenchmark: "getpid",
    unit: "us/op",
    iterations: CALLS,
    threads: [
      function* (p, m) {
        for (let i = 0; i < CALLS.warmup; i++) p.call();
        m.start();
        for (let i = 0; i < CALLS.measured; i++) {
          p.call();
          p.cpu.exec(loop);
          yield* p.safepoint();
        }
        m.stop();
        m.finish(CALLS.measured);
      },
    ],
  });
}

export const getpid = callWorkload("getpid", "syscall", "getpid (null system call)");
export const getpidStack = callWorkload(
  "getpid-stack",
  "syscall-stack",
  "null system call on the path with a stack",
);
export const getpidLib = callWorkload("getpid-lib", "lib-call", "getpid answered in the library");

function exceptionWorkload(kind: ExceptionKind) {
  return defineWorkload({
    id: `exc-${kind}`,
    suite: "paper",
    title: `exception dispatch to a user handler and back: ${kind}`,
    port: "exception",
    unit: "us/op",
    iterations: EXCEPTIONS,
    threads: [
      function* (p: ExceptionPort, m) {
        p.arm(kind);
        for (let i = 0; i < EXCEPTIONS.warmup; i++) p.trigger(kind);
        const before = p.handled;
        m.start();
        for (let i = 0; i < EXCEPTIONS.measured; i++) {
          p.trigger(kind);
          p.cpu.exec(loop);
          yield* p.safepoint();
        }
        m.stop();
        const reached = p.handled - before;
        if (reached !== EXCEPTIONS.measured)
          throw new Error(`exc-${kind}: ${reached} of ${EXCEPTIONS.measured} reached the handler`);
        m.finish(EXCEPTIONS.measured);
      },
    ],
  });
}

export const excUnalign = exceptionWorkload("unalign");
export const excOverflow = exceptionWorkload("overflow");
export const excCoproc = exceptionWorkload("coproc");
export const excProt = exceptionWorkload("prot");

/** One-way protected control transfer: round trips halved. */
export const pct = defineWorkload({
  id: "pct",
  suite: "paper",
  title: "protected control transfer, one way",
  port: "transfer",
  unit: "us/op",
  iterations: TRANSFERS,
  threads: [
    function* (p, m) {
      for (let i = 0; i < TRANSFERS.warmup; i++) yield* p.roundTrip();
      m.start();
      for (let i = 0; i < TRANSFERS.measured; i++) {
        yield* p.roundTrip();
        p.cpu.exec(loop);
        yield* p.safepoint();
      }
      m.stop();
      // One way: each round trip is two transfers.
      m.finish(2 * TRANSFERS.measured);
    },
  ],
});
