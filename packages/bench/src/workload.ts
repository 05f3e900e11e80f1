import type { Thread } from "@exolab/machine";
import type { Meter } from "./meter.js";
import type {
  ClassifyEngine,
  DbPoolSpec,
  PortId,
  PortMap,
  RealtimeSpec,
  UdpSpec,
} from "./ports.js";

export type Unit = "us/op" | "s/op" | "share";

/**
 * A benchmark, written once against one port. `threads[0]` is the measuring thread; further
 * threads are its peers (the other end of a pipe, the RPC server), each run by the adapter
 * as a separate process or environment of the system under test.
 */
export interface Workload<P extends PortId = PortId> {
  readonly id: string;
  readonly suite: "paper" | "realtime" | "db";
  /** The parameters of this row (one workload per setting of a sweep); the same on every system. */
  readonly params?: Readonly<Record<string, number | string | boolean>>;
  readonly title: string;
  readonly port: P;
  readonly unit: Unit;
  /** Fixed by the workload: the same for every system and profile. */
  readonly iterations: { readonly warmup: number; readonly measured: number };
  readonly threads: readonly ((port: PortMap[P], meter: Meter) => Thread)[];
  readonly note?: string;
  /**
   * The benchmark whose baseline figure this one is compared with, when the baseline answers
   * the same question under another id: Aegis's `getpid-stack` and ExOS's `getpid-lib` are
   * set against Ultrix's `getpid` (Table 4). Default: the workload's own id.
   */
  readonly baselineBenchmark?: string;
  /**
   * Parameters an adapter needs before the run starts (stride: how many processes to create,
   * since only whoever holds the kernel can create them). The same for every system.
   */
  readonly config?: {
    readonly tickets?: readonly number[];
    readonly realtime?: RealtimeSpec;
    readonly udp?: UdpSpec;
    readonly db?: DbPoolSpec;
    readonly classify?: { readonly engine: ClassifyEngine };
  };
  /**
   * Why idle cycles belong to this workload's measurement (it times a wait for a device, a
   * wire, a timer). Without it, a measured window that contains idle cycles is a fault of
   * the run: the figure would include time the CPU spent waiting for nothing the workload
   * asked for. Every report flags such a row (`idleInWindow`), and the honesty tests fail.
   */
  readonly idleMeasured?: string;
}

export function defineWorkload<P extends PortId>(w: Workload<P>): Workload<P> {
  return Object.freeze(w);
}
