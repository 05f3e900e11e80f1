import { PAGE_BYTES, Result, type Thread } from "@exolab/exokernel";
import { type Aegis, defaultPolicy } from "@exolab/exokernel/kernel";
import {
  DEFAULT_POLICY,
  type ExosApi,
  type ExosPolicy,
  exos,
  FaultAction,
  PipeEnd,
  resolvePolicy,
} from "@exolab/libos-exos";
import { getProfile } from "@exolab/machine/privileged";
import { GLUE_COSTS } from "../costs.js";
import type { Meter } from "../meter.js";
import type {
  BasePort,
  CallPort,
  ChannelPort,
  PortId,
  RpcPort,
  StridePort,
  VmPort,
} from "../ports.js";
import type { Workload } from "../workload.js";
import type { SystemAdapter, SystemOptions } from "./adapter.js";
import { AegisInstance } from "./aegis-instance.js";

const SERVED: readonly PortId[] = [
  "user",
  "lib-call",
  "pipe",
  "pipe-inline",
  "shm",
  "lrpc",
  "tlrpc",
  "vm",
  "stride",
];
/** Workload memory is mapped (demand-zero) from here; buffers of the glue live at BUF_VA. */
const HEAP_VA = 0x10000000;
const BUF_VA = 0x0f000000;

/** The `exos` system: ExOS booted in one environment per process, on Aegis. */
export const exosAdapter: SystemAdapter = {
  id: "exos",
  title: "ExOS (UNIX-like libOS) on Aegis",
  unsupported(port) {
    if (!SERVED.includes(port))
      return "measured on the bare exokernel (raw primitives), not through ExOS";
    return undefined;
  },
  create: (o) => new ExosInstance(o),
  policies: (profile) => {
    // ExOS's own policy, then the kernel's it runs on (prefixed), for a run of exos alone.
    const kernel = Object.entries(defaultPolicy(getProfile(profile))).map(([k, v]) => [
      `aegis.${k}`,
      v,
    ]);
    return { ...DEFAULT_POLICY, ...Object.fromEntries(kernel) };
  },
};

class ExosInstance extends AegisInstance {
  #group: StrideGroup | null = null;
  /** ExOS's policy: the overrides of its own fields (`aegis.*` ones go to the kernel). */
  readonly #policy: ExosPolicy;

  constructor(o: SystemOptions) {
    const [kernel, own] = splitPolicy(o.policy);
    super(o, kernel);
    this.#policy = resolvePolicy(own as Partial<ExosPolicy>);
  }

  execute(w: Workload, meter: Meter): void {
    const aegis = this.aegis;
    const procs = [this.#boot()];
    const tickets = w.config?.tickets;
    if (tickets !== undefined) {
      const members = [procs[0]!, ...tickets.slice(1).map(() => this.#boot())];
      this.#group = formStrideGroup(this.aegis, members, tickets);
    }
    const twoParty = w.threads.length > 1;
    if (twoParty) procs.push(this.#boot());
    const ports = this.#ports(w.port, procs);
    let done = false;
    const main = w.threads[0]!;
    const p0 = procs[0]!;
    aegis.actAs(p0.env, () =>
      p0.sched.spawn(function* () {
        yield* main(ports[0] as never, meter);
        done = true;
      }),
    );
    if (twoParty) {
      const peer = w.threads[1]!;
      const p1 = procs[1]!;
      aegis.actAs(p1.env, () => p1.sched.spawn(() => peer(ports[1] as never, meter)));
    }
    this.runUntil(() => done);
    if (!done)
      throw new Error(`${w.id} on exos did not finish (${JSON.stringify(this.aegis.deaths)})`);
  }

  #boot(): ExosApi {
    return this.aegis.boot(exos, { policy: this.#policy }).api;
  }

  #ports(port: PortId, procs: ExosApi[]): BasePort[] {
    const aegis = this.aegis;
    const bases = procs.map((os) => base(aegis, os));
    const [a, b] = procs;
    switch (port) {
      case "user":
        return bases;
      case "lib-call":
        return [{ ...bases[0]!, call: () => a!.proc.getpid() } as CallPort];
      case "vm":
        return [vmPort(a!, bases[0]!)];
      case "pipe":
      case "pipe-inline":
        return pipePorts(aegis, a!, b!, bases, port === "pipe-inline");
      case "shm":
        return shmPorts(aegis, a!, b!, bases);
      case "lrpc":
      case "tlrpc":
        return rpcPorts(aegis, a!, b!, bases, port === "tlrpc");
      case "stride":
        return [stridePort(this.#group!, bases[0]!)];
      default:
        throw new Error(`exos does not serve ${port}`);
    }
  }
}

/** Splits overrides into the kernel's (`aegis.` prefix, removed) and ExOS's own. */
function splitPolicy(
  p: SystemOptions["policy"],
): [Record<string, number | string> | undefined, Record<string, number | string>] {
  if (p === undefined) return [undefined, {}];
  const kernel: Record<string, number | string> = {};
  const own: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k.startsWith("aegis.")) kernel[k.slice("aegis.".length)] = v;
    else own[k] = v;
  }
  return [kernel, own];
}

function check(r: number, what: string): number {
  if (r < 0) throw new Error(`exos: ${what} refused with ${r}`);
  return r;
}

/**
 * cpu and demand-zero memory; one mapped page at BUF_VA for the glue's buffers. The glue
 * runs as host code acting for the process (`aegis.actAs`: a host window before the run, a
 * plain call from the process's own thread).
 */
function base(aegis: Aegis, os: ExosApi): BasePort {
  let next = HEAP_VA;
  check(
    aegis.actAs(os.env, () => os.vm.map(BUF_VA, 1)),
    "map",
  );
  return {
    cpu: os.env.cpu,
    safepoint: () => os.sched.safepoint(),
    memory(bytes: number) {
      const pages = Math.ceil(bytes / PAGE_BYTES);
      const va = next;
      check(
        aegis.actAs(os.env, () => os.vm.map(va, pages)),
        "map",
      );
      next += pages * PAGE_BYTES;
      return va;
    },
  };
}

function vmPort(os: ExosApi, b: BasePort): VmPort {
  return {
    ...b,
    dirty: (va) => check(os.vm.dirty(va), "dirty") === 1,
    protect: (va, pages) =>
      void check(pages === 1 ? os.vm.protect1(va) : os.vm.protectRange(va, pages), "protect"),
    unprotect: (va, pages) => void check(os.vm.unprotectRange(va, pages), "unprotect"),
    onFault(handler) {
      os.vm.setFaultHandler((va) => {
        handler(va);
        return FaultAction.Retry;
      });
    },
  };
}

function pipePorts(
  aegis: Aegis,
  a: ExosApi,
  b: ExosApi,
  bases: BasePort[],
  inline: boolean,
): ChannelPort[] {
  const asA = <T>(fn: () => T): T => aegis.actAs(a.env, fn);
  const asB = <T>(fn: () => T): T => aegis.actAs(b.env, fn);
  const ab = check(
    asA(() => a.pipes.create(b.env.id, PipeEnd.Write)),
    "pipe",
  );
  const ba = check(
    asA(() => a.pipes.create(b.env.id, PipeEnd.Read)),
    "pipe",
  );
  const capAb = asA(() => a.pipes.peerCap(ab));
  const capBa = asA(() => a.pipes.peerCap(ba));
  const bab = check(
    asB(() => b.pipes.attach(capAb, a.env.id, PipeEnd.Read)),
    "attach",
  );
  const bba = check(
    asB(() => b.pipes.attach(capBa, a.env.id, PipeEnd.Write)),
    "attach",
  );
  const end = (os: ExosApi, bp: BasePort, w: number, r: number): ChannelPort => {
    if (inline) {
      const out = aegis.actAs(os.env, () => os.pipes.inline(w));
      const inn = aegis.actAs(os.env, () => os.pipes.inline(r));
      if (typeof out === "number" || typeof inn === "number")
        throw new Error("exos: inline pipe refused");
      return {
        ...bp,
        *send(word) {
          check(yield* out.put(word), "put");
        },
        *receive() {
          const v = yield* inn.get();
          return v;
        },
      };
    }
    return {
      ...bp,
      *send(word) {
        bp.cpu.store32(BUF_VA, word);
        if ((yield* os.pipes.write(w, BUF_VA, 4)) !== 4) throw new Error("exos: short pipe write");
      },
      *receive() {
        if ((yield* os.pipes.read(r, BUF_VA, 4)) !== 4) throw new Error("exos: short pipe read");
        return bp.cpu.load32(BUF_VA);
      },
    };
  };
  return [end(a, bases[0]!, ab, ba), end(b, bases[1]!, bba, bab)];
}

/**
 * shm: one shared page holding [value, turn]; a sender writes the value and the peer's turn
 * and yields the slice to the peer; a receiver yields to the peer until it is its turn.
 */
function shmPorts(aegis: Aegis, a: ExosApi, b: ExosApi, bases: BasePort[]): ChannelPort[] {
  const fa = check(
    aegis.actAs(a.env, () => a.shm.create(b.env.id)),
    "shm",
  );
  const capA = aegis.actAs(a.env, () => a.shm.peerCap(fa));
  const fb = check(
    aegis.actAs(b.env, () => b.shm.attach(capA, a.env.id)),
    "shm attach",
  );
  const end = (
    os: ExosApi,
    bp: BasePort,
    va: number,
    me: number,
    peer: number,
    peerEnv: number,
  ): ChannelPort => ({
    ...bp,
    *send(word) {
      bp.cpu.store32(va, word);
      bp.cpu.store32(va + 4, peer);
      yield* os.sched.yieldTo(peerEnv);
    },
    *receive() {
      for (;;) {
        const turn = bp.cpu.load32(va + 4);
        bp.cpu.exec(GLUE_COSTS["app.turn.poll"]);
        if (turn === me) break;
        yield* os.sched.yieldTo(peerEnv);
      }
      bp.cpu.store32(va + 4, 0);
      return bp.cpu.load32(va);
    },
  });
  return [
    end(
      a,
      bases[0]!,
      check(
        aegis.actAs(a.env, () => a.shm.address(fa)),
        "address",
      ),
      1,
      2,
      b.env.id,
    ),
    end(
      b,
      bases[1]!,
      check(
        aegis.actAs(b.env, () => b.shm.address(fb)),
        "address",
      ),
      2,
      1,
      a.env.id,
    ),
  ];
}

/** lrpc/tlrpc: the server's procedure increments a counter in its memory and returns it. */
function rpcPorts(
  aegis: Aegis,
  a: ExosApi,
  b: ExosApi,
  bases: BasePort[],
  trusted: boolean,
): RpcPort[] {
  const counterVa = bases[1]!.memory(PAGE_BYTES);
  const cpu = b.env.cpu;
  const proc = () => {
    const v = (cpu.load32(counterVa) + 1) | 0;
    cpu.store32(counterVa, v);
    return v;
  };
  check(
    aegis.actAs(b.env, () => b.lrpc.serve(proc, trusted, [])),
    "serve",
  );
  const client: RpcPort = {
    ...bases[0]!,
    *call(arg) {
      const v = trusted
        ? yield* a.lrpc.callTrusted(b.env.id, arg)
        : yield* a.lrpc.call(b.env.id, arg);
      if (a.lrpc.lastError !== Result.Ok)
        throw new Error(`exos: lrpc failed with ${a.lrpc.lastError}`);
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
 * Stride: the group is formed before the run (only whoever holds the kernel creates
 * environments, and a running environment cannot act for another): every member joins with
 * its tickets and runs a counter that increments a word of its own memory. The measuring
 * thread shares process 0 with that process's counter and hands its turn on at once (a few
 * instructions a slice); at the end the harness reads the words.
 */
function formStrideGroup(
  aegis: Aegis,
  procs: readonly ExosApi[],
  tickets: readonly number[],
): StrideGroup {
  const a = procs[0]!;
  const group = check(
    aegis.actAs(a.env, () => a.stride.create()),
    "stride.create",
  );
  const counterVa = BUF_VA + 64;
  procs.forEach((p, i) => {
    const cap =
      i === 0
        ? -1
        : check(
            aegis.actAs(a.env, () => a.stride.share(group, p.env.id)),
            "share",
          );
    // Each member is set up by host code acting for it (a host window).
    aegis.actAs(p.env, () => {
      if (i > 0) check(p.vm.map(BUF_VA, 1), "map");
      const va = i === 0 ? group : check(p.stride.attach(cap), "attach");
      const m = p.stride.join(va, tickets[i]!);
      if (typeof m === "number") check(m, "join");
      const cpu = p.env.cpu;
      p.sched.spawn(function* () {
        for (;;) {
          cpu.exec(GLUE_COSTS["app.stride.work"]);
          cpu.store32(counterVa, (cpu.load32(counterVa) + 1) | 0);
          yield* p.sched.safepoint();
        }
      });
    });
  });
  return { aegis, procs, tickets, counterVa };
}

interface StrideGroup {
  readonly aegis: Aegis;
  readonly procs: readonly ExosApi[];
  readonly tickets: readonly number[];
  readonly counterVa: number;
}

function stridePort(g: StrideGroup, b0: BasePort): StridePort {
  return {
    ...b0,
    *run(tickets, slices) {
      if (tickets.join() !== g.tickets.join())
        throw new Error("exos: the stride group was formed with other tickets");
      const sliceCycles = g.aegis.policy.sliceCycles;
      const start = b0.cpu.now;
      while (b0.cpu.now - start < slices * sliceCycles) {
        b0.cpu.exec(GLUE_COSTS["app.stride.check"]);
        yield* g.procs[0]!.sched.yieldThread();
      }
      return g.procs.map((p) => g.aegis.machine.memory.read32(physical(g.aegis, p, g.counterVa)));
    },
  };
}

function physical(aegis: Aegis, os: ExosApi, va: number): number {
  const m = aegis.inspect(os.env).mappings.find((x) => x.vpn === va >>> 12);
  if (m === undefined) throw new Error(`exos: no mapping for ${va}`);
  return m.frame * PAGE_BYTES + (va & (PAGE_BYTES - 1));
}
