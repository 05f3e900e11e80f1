import type { CpuView, Thread } from "@exolab/machine";

/**
 * Ports: what a workload may ask of a system. A workload is written once against these; each
 * system's adapter implements the ports it can serve on that system's own API. A workload
 * never learns which system it runs on.
 *
 * Every port hands a thread its CPU view (user-mode loads, stores and `exec` under its own
 * address space); blocking operations are generators used with `yield*`.
 */
export interface BasePort {
  readonly cpu: CpuView;
  /** A page-aligned region of `bytes` of ordinary memory, mapped read/write, for the workload. */
  memory(bytes: number): number;
  /** The system's preemption point for this thread (yields only when a switch is due). */
  safepoint(): Generator<unknown, void, unknown>;
}

/** `getpid` and friends: one call that crosses into the system and back. */
export interface CallPort extends BasePort {
  call(): number;
}

/** Exceptions delivered to a user handler that saves and restores what it uses and resumes. */
export type ExceptionKind = "unalign" | "overflow" | "coproc" | "prot";
export interface ExceptionPort extends BasePort {
  /** Installs the handler for `kind`, which skips the faulting instruction and resumes. */
  arm(kind: ExceptionKind): void;
  /** Executes one instruction that raises `kind`; returns after the handler resumed. */
  trigger(kind: ExceptionKind): void;
  /** Handler invocations so far (the workload checks every trigger reached its handler). */
  readonly handled: number;
}

/** Protected control transfer to a peer that transfers straight back. */
export interface TransferPort extends BasePort {
  /** Thread 0: one round trip (two one-way transfers). */
  roundTrip(): Thread;
}

/**
 * A word-sized counter passed between two threads (pipe, pipe', shm). Thread 0 sends and
 * waits for the reply; thread 1 receives, increments and replies.
 */
export interface ChannelPort extends BasePort {
  send(word: number): Generator<unknown, void, unknown>;
  receive(): Generator<unknown, number, unknown>;
}

/** A call into another address space that increments a counter and returns it. */
export interface RpcPort extends BasePort {
  call(arg: number): Generator<unknown, number, unknown>;
  /** Thread 1 (the server) runs this once to offer the procedure; it never returns on its own. */
  serve(): Thread;
}

/** Application-level virtual memory (Appel and Li's primitives). */
export interface VmPort extends BasePort {
  /** Is the page at va dirty? (a page-table lookup, no TLB access) */
  dirty(va: number): boolean;
  /** Read-protect `pages` pages from va in one call. */
  protect(va: number, pages: number): void;
  /** Remove read protection from `pages` pages from va in one call. */
  unprotect(va: number, pages: number): void;
  /** The application's handler for protection faults; it runs at user level and then resumes. */
  onFault(handler: (va: number) => void): void;
}

/** Application-level proportional-share scheduling. */
export interface StridePort extends BasePort {
  /**
   * Runs `tickets.length` processes that each increment a counter, under a scheduler that
   * gives them slices in proportion to their tickets, for `slices` slices; returns the counts.
   */
  run(tickets: readonly number[], slices: number): Generator<unknown, number[], unknown>;
}

/** One periodic task of a real-time set: its period and its work per job, in cycles. */
export interface RealtimeTaskSpec {
  readonly periodCycles: number;
  readonly wcetCycles: number;
}

/** What a real-time task set is asked to do (the same on every system). */
export interface RealtimeSpec {
  readonly tasks: readonly RealtimeTaskSpec[];
  /** How long the set runs (its jobs released from the start to the end). */
  readonly durationCycles: number;
  /** Processes of best-effort load beside the set (each spins at user level). */
  readonly bestEffort: number;
  /**
   * One job's work, the same code on every system: `cycles` of loads, stores and straight-line
   * work on the task's data page at `dataVa`, reaching `safepoint` between steps.
   */
  job(
    cpu: CpuView,
    dataVa: number,
    cycles: number,
    safepoint: () => Generator<unknown, void, unknown>,
  ): Generator<unknown, void, unknown>;
}

/** What became of a set: jobs released, deadlines missed, the worst response, release latencies. */
export interface RealtimeOutcome {
  readonly jobs: number;
  readonly misses: number;
  readonly worstResponseCycles: number;
  /** Each job's release latency (cycles from its release time to when it was made ready). */
  readonly releaseLatencies: readonly number[];
  /** Whether the system admitted the set with a guarantee (1) or ran it without one (0). */
  readonly admitted: number;
  /** The machine's cycle time (its profile), to give latencies in µs. */
  readonly cycleNs: number;
}

/**
 * Periodic real-time tasks beside best-effort load, each job due by the end of its period.
 * The set is the workload's `config.realtime` (its processes are created before the run
 * starts, by whoever holds the kernel); each system runs it its own way: in reserved slices
 * under its own scheduler (a real-time libOS), as threads, or as processes under the
 * kernel's scheduler. `run` lets the set run for its duration and says what became of it.
 */
export interface RealtimePort extends BasePort {
  run(): Generator<unknown, RealtimeOutcome, unknown>;
}

/**
 * The UDP ping-pong (the paper's Table 11): this machine and a peer machine, each running the
 * system under test, linked by one Ethernet segment. The peer echoes a counter carried in a
 * 60-byte UDP frame (precomputed header), incremented, either from its application
 * (`ash: false`) or at once from a handler downloaded into its kernel (`ash: true`), with
 * `receiverLoad` other runnable processes beside it. Built by `glue/udp.ts` from a system's
 * `UdpService`: a system that has none does not serve the port (it reports nothing).
 */
export interface UdpSpec {
  readonly ash: boolean;
  readonly receiverLoad: number;
}

export interface UdpPort extends BasePort {
  /** Sends `counter` to the peer and waits for its reply; returns the counter that came back. */
  roundTrip(counter: number): Generator<unknown, number, unknown>;
  /** The machine's cycle time (its profile), to give a latency in µs. */
  readonly cycleNs: number;
}

/** The buffer pool a `db` workload asks for: its size and its replacement policy. */
export interface DbPoolSpec {
  readonly poolFrames: number;
  readonly policy: "lru" | "clock" | "2q" | "lru2";
}

/** What a database engine counted since its load: buffer-pool hits and misses, disk I/Os. */
export interface DbCounters {
  readonly hits: number;
  readonly misses: number;
  readonly diskIos: number;
}

/**
 * A key-value database (keys and values are integers in [0, 2^31 - 1]) with a buffer pool
 * of the workload's `config.db`. `load` makes a table of `records` records (keys 0 up, in
 * transactions that commit when full; set-up, not measured); `get` and `scan` are the
 * operations of the mix. Each system runs them on its own engine and storage.
 */
export interface DbPort extends BasePort {
  load(records: number): Generator<unknown, void, unknown>;
  /** The value of `key`, or -1 if it is not there. */
  get(key: number): Generator<unknown, number, unknown>;
  /** Visits up to `count` records from `lo` up, in key order; returns how many. */
  scan(lo: number, count: number): Generator<unknown, number, unknown>;
  counters(): DbCounters;
  /** The machine's cycle time (its profile), for operations per simulated second. */
  readonly cycleNs: number;
}

/** Which engine a `classify` row measures: DPF's compiled demultiplexer or its trie interpreter. */
export type ClassifyEngine = "compiled" | "interpreted";

/**
 * Packet classification (Table 7): ten TCP/IP filters installed in the kernel's packet-filter
 * engine by the system, and packets each for one of them. `classify(i)` classifies packet
 * `i` (0..9, for filter i) and returns the owner the engine names (its filter's index), its
 * simulated cost the engine's counted work.
 */
export interface ClassifyPort extends BasePort {
  classify(packet: number): number;
}

export interface PortMap {
  user: BasePort;
  syscall: CallPort;
  "syscall-stack": CallPort;
  "lib-call": CallPort;
  exception: ExceptionPort;
  transfer: TransferPort;
  pipe: ChannelPort;
  "pipe-inline": ChannelPort;
  shm: ChannelPort;
  lrpc: RpcPort;
  tlrpc: RpcPort;
  vm: VmPort;
  stride: StridePort;
  realtime: RealtimePort;
  udp: UdpPort;
  db: DbPort;
  classify: ClassifyPort;
}
export type PortId = keyof PortMap;
