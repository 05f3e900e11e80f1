import { type EnvHandle, type LibOS, PAGE_BYTES, Result, type Thread } from "@exolab/exokernel";
import type { Aegis } from "@exolab/exokernel/kernel";
import { GLUE_COSTS } from "../../costs.js";
import type { Meter } from "../../meter.js";
import type { PaperSystem } from "../../paper.js";
import type { BasePort, CallPort, ChannelPort, PortId, RpcPort } from "../../ports.js";
import type { Workload } from "../../workload.js";
import {
  type CostTables,
  defineSystem,
  type SystemAdapter,
  type SystemOptions,
} from "../adapter.js";
import {
  AEGIS_COSTS,
  AEGIS_PREFIX,
  AegisInstance,
  aegisPolicies,
  splitPolicy,
} from "./instance.js";

/**
 * The shared base of every library OS on Aegis: one process (an environment with the libOS
 * booted) per workload thread, the standard ports served from a few functions of the
 * libOS's API, the kernel's policy beside the libOS's (prefixed `aegis.`), and the kernel's
 * counters and cost table. A libOS's adapter file says what is its own: how to boot it,
 * run a thread, map memory, call another environment, share a page, and any port it
 * serves beyond those.
 */
export interface LibOsSpec<Api extends { readonly env: EnvHandle }, Options> {
  readonly id: string;
  readonly title: string;
  /** The paper's column the system is set against (null: the paper did not measure it). */
  readonly paper?: PaperSystem | null;
  /** The libOS's own cost table(s), by package; the kernel's is added. */
  readonly costs: CostTables;
  readonly libos: LibOS<Options, Api>;
  /** The libOS's policy defaults, printed in reports (the kernel's follow, prefixed). */
  readonly policy: object;
  /** Each process's boot options from the overrides of the libOS's own fields; throws on a bad one. */
  options(overrides: Readonly<Record<string, number | string>>): Options;
  /** Starts a thread in the process; returns its id or a result code (< 0). */
  spawn(api: Api, body: () => Thread): number;
  /** The thread's preemption point. */
  safepoint(api: Api): Generator<unknown, void, unknown>;
  /** Maps `pages` demand-zero pages at `va` (the memory every port offers); a result code. */
  map(api: Api, va: number, pages: number): number;
  /**
   * Where workload memory is mapped from (`heapVa`, upwards), and the one page mapped for
   * the glue's buffers (`bufferVa`). Default: 0x10000000 and 0x0f000000.
   */
  readonly memory?: { readonly heapVa: number; readonly bufferVa: number };
  /** `lib-call`: one call answered inside the libOS. */
  libCall?(api: Api): number;
  /** `lrpc` (and `tlrpc` with `trusted`): a call into another process. */
  readonly rpc?: {
    readonly trusted: boolean;
    serve(api: Api, procedure: (arg: number) => number, trusted: boolean): number;
    call(api: Api, server: number, arg: number, trusted: boolean): Generator<unknown, number>;
    /** The last call's result code (Ok when it reached the server and came back). */
    lastError(api: Api): number;
  };
  /**
   * `shm`: one page shared by the two processes (its address in each) and a directed yield
   * of the rest of the slice to the other.
   */
  readonly shm?: {
    share(run: LibOsRun<Api>, a: Api, b: Api): readonly [number, number];
    yieldTo(api: Api, target: number): Generator<unknown, unknown>;
  };
  /** Ports served by the libOS's own API: each builds the ports of a run's processes. */
  readonly ports?: Partial<Record<PortId, (run: LibOsRun<Api>, bases: BasePort[]) => BasePort[]>>;
  /** Set-up before the processes of two-party workloads are booted (e.g. a group). */
  prepare?(run: LibOsRun<Api>): void;
  /** Why a port is not served (default: the libOS offers no such service). */
  readonly unsupportedReason?: string;
}

/** One run of a workload on a libOS: its kernel and processes, for the adapter's port glue. */
export interface LibOsRun<Api extends { readonly env: EnvHandle }> {
  readonly aegis: Aegis;
  readonly workload: Workload;
  /** The processes: [0] runs thread 0; [1], when the workload has a peer, thread 1. */
  readonly procs: Api[];
  /** Boots one more process (not one of `procs`). */
  boot(): Api;
  /** Runs host code acting for the process (a host window; a plain call inside its own thread). */
  act<T>(api: Api, fn: () => T): T;
  /** `r`, or an error naming `what` when it is a refusal (< 0). */
  check(r: number, what: string): number;
  /** The glue's buffer page, mapped in every process of `procs`. */
  readonly bufferVa: number;
  /**
   * Set by a port that runs more than this machine (the UDP pair): runs everything until
   * `done()`; the kernel's plain run otherwise.
   */
  drive?: (done: () => boolean) => void;
  /** A failure of code the port runs elsewhere (the peer machine's processes). */
  fail(value: unknown): void;
}

const HEAP_VA = 0x10000000;
const BUFFER_VA = 0x0f000000;

/** A libOS on Aegis as a bench system (see LibOsSpec). */
export function defineLibOsSystem<Api extends { readonly env: EnvHandle }, Options>(
  spec: LibOsSpec<Api, Options>,
): SystemAdapter {
  const served = new Set<PortId>(["user", ...(Object.keys(spec.ports ?? {}) as PortId[])]);
  if (spec.libCall !== undefined) served.add("lib-call");
  if (spec.rpc !== undefined) served.add("lrpc");
  if (spec.rpc?.trusted === true) served.add("tlrpc");
  if (spec.shm !== undefined) served.add("shm");
  const reason = spec.unsupportedReason ?? `${spec.title} offers no such service`;
  return defineSystem({
    id: spec.id,
    title: spec.title,
    paper: spec.paper ?? null,
    costs: Object.freeze({ ...AEGIS_COSTS, ...spec.costs }),
    unsupported: (port) => (served.has(port) ? undefined : reason),
    create: (o) => new LibOsInstance(spec, o),
    policies: (profile) => ({ ...spec.policy, ...aegisPolicies(profile, AEGIS_PREFIX) }),
  });
}

class LibOsInstance<Api extends { readonly env: EnvHandle }, Options> extends AegisInstance {
  readonly #options: Options;

  constructor(
    private readonly spec: LibOsSpec<Api, Options>,
    o: SystemOptions,
  ) {
    const [kernel, own] = splitPolicy(o.policy);
    super(o, kernel);
    this.#options = spec.options(own);
  }

  execute(w: Workload, meter: Meter): void {
    const { aegis, spec } = this;
    const boot = () => aegis.boot(spec.libos, this.#options).api;
    const bufferVa = spec.memory?.bufferVa ?? BUFFER_VA;
    const run: LibOsRun<Api> = {
      aegis,
      workload: w,
      procs: [boot()],
      boot,
      act: (api, fn) => aegis.actAs(api.env, fn),
      check: (r, what) => {
        if (r < 0) throw new Error(`${spec.id}: ${what} refused with ${r}`);
        return r;
      },
      bufferVa,
      fail: (value) => this.fail(value),
    };
    spec.prepare?.(run);
    const [main, peer] = w.threads;
    if (peer !== undefined) run.procs.push(boot());
    const ports = this.#ports(run);
    let done = false;
    const [p0, p1] = run.procs;
    run.check(
      run.act(p0!, () =>
        spec.spawn(p0!, function* () {
          yield* main!(ports[0] as never, meter);
          done = true;
        }),
      ),
      "spawn",
    );
    if (peer !== undefined)
      run.check(
        run.act(p1!, () => spec.spawn(p1!, () => peer(ports[1] as never, meter))),
        "spawn",
      );
    if (run.drive !== undefined) this.runWith(run.drive, () => done);
    else this.runUntil(() => done);
    if (!done)
      throw new Error(`${w.id} on ${spec.id} did not finish (${JSON.stringify(aegis.deaths)})`);
  }

  #ports(run: LibOsRun<Api>): BasePort[] {
    const spec = this.spec;
    const bases = run.procs.map((api) => this.#base(run, api));
    const port = run.workload.port;
    const own = spec.ports?.[port];
    if (own !== undefined) return own(run, bases);
    const [a, b] = run.procs;
    switch (port) {
      case "user":
        return bases;
      case "lib-call":
        return [{ ...bases[0]!, call: () => spec.libCall!(a!) } as CallPort];
      case "lrpc":
      case "tlrpc":
        return rpcPorts(spec, run, bases, port === "tlrpc");
      case "shm":
        return shmPorts(spec, run, a!, b!, bases);
      default:
        throw new Error(`${spec.id} does not serve ${port}`);
    }
  }

  /** cpu, safepoint, and memory mapped from heapVa up; the glue's buffer page mapped first. */
  #base(run: LibOsRun<Api>, api: Api): BasePort {
    const spec = this.spec;
    let next = spec.memory?.heapVa ?? HEAP_VA;
    run.check(
      run.act(api, () => spec.map(api, run.bufferVa, 1)),
      "map",
    );
    return {
      cpu: api.env.cpu,
      safepoint: () => spec.safepoint(api),
      memory(bytes: number) {
        const pages = Math.ceil(bytes / PAGE_BYTES);
        const va = next;
        run.check(
          run.act(api, () => spec.map(api, va, pages)),
          "map",
        );
        next += pages * PAGE_BYTES;
        return va;
      },
    };
  }
}

/** lrpc/tlrpc: the server's procedure increments a counter in its memory and returns it. */
function rpcPorts<Api extends { readonly env: EnvHandle }>(
  spec: LibOsSpec<Api, unknown>,
  run: LibOsRun<Api>,
  bases: BasePort[],
  trusted: boolean,
): RpcPort[] {
  const rpc = spec.rpc!;
  const [a, b] = run.procs as [Api, Api];
  const counterVa = bases[1]!.memory(PAGE_BYTES);
  const cpu = b.env.cpu;
  const procedure = (_arg: number) => {
    const v = (cpu.load32(counterVa) + 1) | 0;
    cpu.store32(counterVa, v);
    return v;
  };
  run.check(
    run.act(b, () => rpc.serve(b, procedure, trusted)),
    "serve",
  );
  const client: RpcPort = {
    ...bases[0]!,
    *call(arg) {
      const v = yield* rpc.call(a, b.env.id, arg, trusted);
      const error = rpc.lastError(a);
      if (error !== Result.Ok) throw new Error(`${spec.id}: the call failed with ${error}`);
      return v;
    },
    serve: () => {
      throw new Error("the client does not serve");
    },
  };
  const server: RpcPort = {
    ...bases[1]!,
    call: () => {
      throw new Error("the server does not call");
    },
    // The procedure is exported on the environment's entry: no thread of the server runs.
    *serve(): Thread {},
  };
  return [client, server];
}

/**
 * shm: one shared page holding [value, turn]; a sender writes the value and the peer's turn
 * and yields the slice to the peer; a receiver yields to the peer until it is its turn.
 */
function shmPorts<Api extends { readonly env: EnvHandle }>(
  spec: LibOsSpec<Api, unknown>,
  run: LibOsRun<Api>,
  a: Api,
  b: Api,
  bases: BasePort[],
): ChannelPort[] {
  const shm = spec.shm!;
  const [vaA, vaB] = shm.share(run, a, b);
  const end = (api: Api, bp: BasePort, va: number, me: number, peer: number): ChannelPort => ({
    ...bp,
    *send(word) {
      bp.cpu.store32(va, word);
      bp.cpu.store32(va + 4, 3 - me);
      yield* shm.yieldTo(api, peer);
    },
    *receive() {
      for (;;) {
        const turn = bp.cpu.load32(va + 4);
        bp.cpu.exec(GLUE_COSTS["app.turn.poll"]);
        if (turn === me) break;
        yield* shm.yieldTo(api, peer);
      }
      bp.cpu.store32(va + 4, 0);
      return bp.cpu.load32(va);
    },
  });
  return [end(a, bases[0]!, vaA, 1, b.env.id), end(b, bases[1]!, vaB, 2, a.env.id)];
}
