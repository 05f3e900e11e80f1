import { COSTS } from "../costs.js";
import type { ChannelPort, RpcPort } from "../ports.js";
import { defineWorkload } from "../workload.js";

const WARMUP = 10;
const MEASURED = 200;

/**
 * A word-sized counter ping-ponged between two processes: thread 0 sends i and expects i + 1
 * back; thread 1 receives, increments and replies. One way = a round trip halved.
 */
function channelWorkload(id: "pipe" | "pipe-inline" | "shm", title: string) {
  return defineWorkload({
    id,
    suite: "paper",
    title,
    port: id,
    unit: "us/op",
    iterations: { warmup: WARMUP, measured: MEASURED },
    threads: [
      function* (p: ChannelPort, m) {
        const roundTrip = function* (i: number) {
          yield* p.send(i);
          const v = yield* p.receive();
          p.cpu.exec(COSTS["app.check"]);
          if (v !== i + 1) throw new Error(`${id}: sent ${i}, got ${v} back`);
        };
        for (let i = 0; i < WARMUP; i++) yield* roundTrip(i);
        m.start();
        for (let i = 0; i < MEASURED; i++) {
          yield* roundTrip(WARMUP + i);
          p.cpu.exec(COSTS["app.loop"]);
          yield* p.safepoint();
        }
        m.stop();
        m.finish(2 * MEASURED);
      },
      function* (p: ChannelPort) {
        for (let i = 0; i < WARMUP + MEASURED; i++) {
          const v = yield* p.receive();
          p.cpu.exec(COSTS["app.increment"]);
          yield* p.send(v + 1);
        }
      },
    ],
  });
}

export const pipe = channelWorkload("pipe", "pipe: a counter between two processes, one way");
export const pipeInline = channelWorkload("pipe-inline", "pipe' (read/write inlined), one way");
export const shm = channelWorkload("shm", "shared-memory counter with a yield, one way");

function rpcWorkload(id: "lrpc" | "tlrpc", title: string) {
  return defineWorkload({
    id,
    suite: "paper",
    title,
    port: id,
    unit: "us/op",
    iterations: { warmup: WARMUP, measured: MEASURED },
    threads: [
      function* (p: RpcPort, m) {
        for (let i = 0; i < WARMUP; i++) yield* p.call(i);
        m.start();
        for (let i = 0; i < MEASURED; i++) {
          const v = yield* p.call(i);
          p.cpu.exec(COSTS["app.check"]);
          if (v !== WARMUP + i + 1) throw new Error(`${id}: call ${i} returned ${v}`);
          p.cpu.exec(COSTS["app.loop"]);
          yield* p.safepoint();
        }
        m.stop();
        m.finish(MEASURED);
      },
      (p: RpcPort) => p.serve(),
    ],
  });
}

/** A call into another address space that increments a counter and returns it (round trip). */
export const lrpc = rpcWorkload("lrpc", "LRPC round trip (callee-saved registers saved)");
export const tlrpc = rpcWorkload("tlrpc", "trusted LRPC round trip");
