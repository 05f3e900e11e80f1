import { COSTS } from "../costs.js";
import type { ExceptionKind, ExceptionPort } from "../ports.js";
import { defineWorkload } from "../workload.js";

const loop = COSTS.loop;

/** A null procedure call: pure user code, the same instructions on every system. */
export const procCall = defineWorkload({
  id: "proc-call",
  suite: "paper",
  title: "null procedure call",
  port: "user",
  unit: "us/op",
  iterations: { warmup: 10, measured: 1000 },
  threads: [
    function* (p, m) {
      const run = function* (n: number) {
        for (let i = 0; i < n; i++) {
          p.cpu.exec(COSTS.procCall.instructions, COSTS.procCall.label);
          p.cpu.exec(loop.instructions, loop.label);
          yield* p.safepoint();
        }
      };
      yield* run(10);
      m.start();
      yield* run(1000);
      m.stop();
      m.finish(1000);
    },
  ],
});

function callWorkload(id: string, port: "syscall" | "syscall-stack" | "lib-call", title: string) {
  return defineWorkload({
    id,
    suite: "paper",
    title,
    port,
    unit: "us/op",
    iterations: { warmup: 10, measured: 1000 },
    threads: [
      function* (p, m) {
        for (let i = 0; i < 10; i++) p.call();
        m.start();
        for (let i = 0; i < 1000; i++) {
          p.call();
          p.cpu.exec(loop.instructions, loop.label);
          yield* p.safepoint();
        }
        m.stop();
        m.finish(1000);
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
    iterations: { warmup: 10, measured: 200 },
    threads: [
      function* (p: ExceptionPort, m) {
        p.arm(kind);
        for (let i = 0; i < 10; i++) p.trigger(kind);
        const before = p.handled;
        m.start();
        for (let i = 0; i < 200; i++) {
          p.trigger(kind);
          p.cpu.exec(loop.instructions, loop.label);
          yield* p.safepoint();
        }
        m.stop();
        if (p.handled - before !== 200)
          throw new Error(`exc-${kind}: ${p.handled - before} of 200 reached the handler`);
        m.finish(200);
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
  iterations: { warmup: 10, measured: 500 },
  threads: [
    function* (p, m) {
      for (let i = 0; i < 10; i++) yield* p.roundTrip();
      m.start();
      for (let i = 0; i < 500; i++) {
        yield* p.roundTrip();
        p.cpu.exec(loop.instructions, loop.label);
        yield* p.safepoint();
      }
      m.stop();
      m.finish(1000);
    },
  ],
});
