import { COSTS } from "../costs.js";
import type { UdpPort } from "../ports.js";
import { defineWorkload, type Workload } from "../workload.js";

/** The paper's count of round trips (Table 11). */
export const UDP_ROUNDS = 4096;
/** Round trips per row of the load sweep (each may wait for every other process's slice). */
export const UDP_LOAD_ROUNDS = 32;
const WARMUP = 8;
/** Warm-up round trips of a load row (each may take every process's slice). */
const LOAD_WARMUP = 2;

export interface UdpWorkloadOptions {
  readonly ash: boolean;
  /** Runnable processes beside the receiver (undefined: the plain row, none). */
  readonly processes?: number;
  /** Measured round trips (default: UDP_ROUNDS, or UDP_LOAD_ROUNDS for a load row). */
  readonly rounds?: number;
}

/**
 * The round trip of a 60-byte UDP/IP frame between two machines (Table 11): thread 0 sends
 * a counter, the peer machine's echo increments it and sends it back, `rounds` times; the
 * figure is one round trip. The window includes the wire and the peer: the idle cycles the
 * sender spends waiting are part of the round trip.
 */
export function udpWorkload(o: UdpWorkloadOptions): Workload {
  const load = o.processes !== undefined;
  const id = `udp-roundtrip${load ? "-load" : ""}${o.ash ? "-ash" : ""}`;
  const rounds = o.rounds ?? (load ? UDP_LOAD_ROUNDS : UDP_ROUNDS);
  const warmup = load ? LOAD_WARMUP : WARMUP;
  const how = o.ash
    ? "the reply from a handler in the peer's kernel"
    : "the reply from the peer's application";
  return defineWorkload<"udp">({
    id,
    suite: "paper",
    title: load
      ? `UDP round trip, ${how}, ${o.processes} runnable process(es) beside the receiver`
      : `UDP round trip of a 60-byte frame between two machines, ${how}`,
    port: "udp",
    unit: "us/op",
    ...(load ? { params: { processes: o.processes! } } : {}),
    iterations: { warmup, measured: rounds },
    config: { udp: { ash: o.ash, receiverLoad: o.processes ?? 0 } },
    idleMeasured: "a round trip waits for the wire and for the peer machine",
    baselineBenchmark: load ? "udp-roundtrip-load" : "udp-roundtrip",
    threads: [
      function* (p: UdpPort, m) {
        const once = function* (i: number) {
          const v = yield* p.roundTrip(i);
          p.cpu.exec(COSTS["app.check"]);
          if (v !== i + 1) throw new Error(`${id}: sent ${i}, got ${v} back`);
        };
        for (let i = 0; i < warmup; i++) yield* once(2 * i);
        const t0 = p.cpu.now;
        m.start();
        for (let i = 0; i < rounds; i++) {
          yield* once(2 * (warmup + i));
          p.cpu.exec(COSTS["app.loop"]);
        }
        m.stop();
        m.finish(rounds);
        // The load sweep is a metric row: its latency against the process count is plotted.
        if (load) m.metric("roundTripMicros", ((p.cpu.now - t0) * p.cycleNs) / 1000 / rounds);
      },
    ],
  }) as unknown as Workload;
}

export const udpRoundtrip = udpWorkload({ ash: false });
export const udpRoundtripAsh = udpWorkload({ ash: true });

/** The load sweep: 1 to 10 runnable processes on the receiver, one row per count. */
export const UDP_LOAD_COUNTS: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
export const udpLoad: readonly Workload[] = Object.freeze(
  UDP_LOAD_COUNTS.flatMap((n) => [
    udpWorkload({ ash: false, processes: n }),
    udpWorkload({ ash: true, processes: n }),
  ]),
);
