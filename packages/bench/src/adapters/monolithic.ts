import { PAGE_BYTES } from "@exolab/machine";
import {
  AF_INET,
  DEFAULT_POLICY,
  IPC_PRIVATE,
  IPC_RMID,
  COSTS as MONOLITHIC_COSTS,
  MonolithicKernel,
  type Policy as MonolithicPolicy,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  type ProcessHandle,
  SC,
  SIG,
  SIN,
  SOCK_DGRAM,
  sigmask,
} from "@exolab/monolithic";
import { COSTS } from "../costs.js";
import { dbKernelPolicy, monolithicDbPort } from "../glue/db-file.js";
import {
  newPeriodicRecord,
  periodicOutcome,
  periodicTask,
  spinner,
  waitUntil,
} from "../glue/periodic.js";
import { driveUdpPair, peerMachineFor, type UdpSide } from "../glue/udp.js";
import type { Meter } from "../meter.js";
import type {
  BasePort,
  CallPort,
  ChannelPort,
  ExceptionKind,
  ExceptionPort,
  PortId,
  RealtimePort,
  UdpPort,
  VmPort,
} from "../ports.js";
import type { Workload } from "../workload.js";
import { defineSystem, type SystemInstance, type SystemOptions } from "./adapter.js";

const REASONS: Partial<Record<PortId, string>> = {
  "syscall-stack": "Aegis's second system-call path; Ultrix has one trap path (getpid row)",
  "lib-call":
    "a call answered inside a library OS; Ultrix answers getpid in the kernel (getpid row)",
  transfer: "Ultrix has no protected control transfer",
  "pipe-inline":
    "pipe' inlines ExOS's library pipe; Ultrix's pipe is a system call (as in the paper)",
  lrpc: "Ultrix offers no LRPC (as in the paper)",
  tlrpc: "Ultrix offers no LRPC (as in the paper)",
  stride: "Ultrix's scheduler gives applications no proportional share",
  classify:
    "the baseline demultiplexes UDP by pcb lookup (in_pcblookup, its udp rows); it runs no packet filter",
};

/** The `monolithic` system: the Ultrix-style kernel, one process per workload thread. */
export const monolithicAdapter = defineSystem({
  id: "monolithic",
  title: "Ultrix-style monolithic kernel",
  paper: "ultrix",
  costs: { "@exolab/monolithic": MONOLITHIC_COSTS },
  unsupported(port, benchmark, workload) {
    if (benchmark === "dirty")
      return "Ultrix cannot tell an application whether a page is dirty (as in the paper)";
    if (benchmark === "exc-unalign")
      return "Ultrix fixes unaligned accesses up in the kernel; no user handler sees them";
    if (benchmark === "exc-coproc")
      return "Ultrix hands the FPU over in the kernel; coprocessor-unusable never reaches a user handler";
    if (port === "udp" && benchmark.endsWith("-ash"))
      return "a monolithic kernel runs no downloaded handlers (ASHs): its echo is the application's";
    const pool = workload?.config?.db;
    if (port === "db" && pool !== undefined && pool.policy !== "lru")
      return `the kernel's buffer cache replaces by LRU: its replacement policy is not the application's to choose (no ${pool.policy} row)`;
    return REASONS[port];
  },
  create: (o, w) => new MonolithicInstance(o, w),
  policies: () => ({ ...DEFAULT_POLICY }),
});

class MonolithicInstance implements SystemInstance {
  readonly kernel: MonolithicKernel;
  /** What a workload thread threw: the kernel kills the process; the bench reports the error. */
  #failure: { value: unknown } | null = null;

  constructor(o: SystemOptions, w?: Workload) {
    this.kernel = new MonolithicKernel({
      machine: { profile: o.profile, seed: o.seed, trace: o.trace === true },
      // A db row sizes the buffer cache to its pool (the kernel's cache is the engine's pool).
      policy: {
        ...(o.policy as Partial<MonolithicPolicy> | undefined),
        ...dbKernelPolicy(w?.config?.db),
      },
      onDeath: (death, ...thrown: unknown[]) => {
        if (death.cause === "threw" && this.#failure === null) this.#failure = { value: thrown[0] };
      },
    });
  }

  get machine() {
    return this.kernel.machine;
  }

  counters(): Record<string, number> {
    const c = this.kernel.counters();
    return {
      syscalls: c.syscalls ?? 0,
      tlbRefills: c.utlbRefills ?? 0,
      faults: (c.protectionFaults ?? 0) + (c.demandZeroFills ?? 0),
      signals: c.signalsDelivered ?? 0,
      contextSwitches: c.contextSwitches ?? 0,
    };
  }

  execute(w: Workload, meter: Meter): void {
    let done = false;
    const [main, peer] = w.threads;
    const cycleNs = this.kernel.machine.profile.cycleNs;
    const kernel = this.kernel;
    if (w.port === "udp") {
      this.#executeUdp(w, meter);
      return;
    }
    this.kernel.spawn(w.id, function* (h) {
      const ports = setUp(h, w.port, w, cycleNs, kernel);
      if (peer !== undefined) {
        const parent = h.pid;
        const child = h.fork(function* (c) {
          yield* peer(ports.peer(c, parent) as never, meter);
        });
        if (child < 0) throw new Error(`monolithic: fork failed with ${child}`);
        ports.child = child;
      }
      yield* main!(ports.main as never, meter);
      done = true;
    });
    this.kernel.run({ stopWhen: () => done || this.#failure !== null });
    if (this.#failure !== null) throw this.#failure.value;
    if (!done) throw new Error(`${w.id} on monolithic did not finish`);
  }

  /**
   * The UDP ping-pong (glue/udp.ts): this run's kernel and a second one on a fresh machine of
   * the same profile and seed, each with its interface up (static ARP entries for the other);
   * on the second, the echo process (recvfrom, increment, send on a connected socket) and
   * `receiverLoad` CPU-bound processes. Both kernels are stepped by the World
   * (`runQuantum`): a quantum's end is not a reschedule.
   */
  #executeUdp(w: Workload, meter: Meter): void {
    const spec = w.config?.udp ?? { ash: false, receiverLoad: 0 };
    if (spec.ash) throw new Error("monolithic: no ASHs (unsupported says why)");
    const client = this.kernel;
    client.ifconfig({ ip: A.ip, mac: A.mac, arp: [{ ip: B.ip, mac: B.mac }] });
    const peer = new MonolithicKernel({
      machineInstance: peerMachineFor(client.machine),
      policy: client.policy,
      onDeath: (death, ...thrown: unknown[]) => {
        if (death.cause === "threw" && this.#failure === null) this.#failure = { value: thrown[0] };
      },
    });
    peer.ifconfig({ ip: B.ip, mac: B.mac, arp: [{ ip: A.ip, mac: A.mac }] });
    peer.spawn("udp-echo", function* (h) {
      const buf = h.heapBase;
      const s = udpSocket(h, buf + 64, B, A);
      for (;;) {
        const n = check(yield* h.recvfrom(s, buf, 64), "recvfrom");
        h.cpu.store32(buf, h.cpu.load32(buf) + 1);
        check(h.sendto(s, buf, n), "sendto");
      }
    });
    for (let i = 0; i < spec.receiverLoad; i++)
      peer.spawn(`load-${i}`, (h) => spinner(h.cpu, () => h.safepoint()));
    let done = false;
    let sentNs = -1;
    let waiting = false;
    const [main] = w.threads;
    const cycleNs = client.machine.profile.cycleNs;
    client.spawn(w.id, function* (h) {
      const b = base(h);
      const buf = b.memory(PAGE_BYTES);
      const s = udpSocket(h, buf + 64, A, B);
      const port: UdpPort = {
        ...b,
        cycleNs,
        *roundTrip(counter) {
          h.cpu.store32(buf, counter);
          sentNs = client.machine.nowNs;
          waiting = true;
          check(h.sendto(s, buf, PAYLOAD_BYTES), "sendto");
          check(yield* h.recvfrom(s, buf, 64), "recvfrom");
          waiting = false;
          return h.cpu.load32(buf);
        },
      };
      yield* main!(port as never, meter);
      done = true;
    });
    // A lost datagram must end the run, not idle the world for minutes: a round trip that
    // waits longer than two turns of every process on the peer fails with one line.
    const quantumNs = client.policy.quantumTicks * (1e9 / client.policy.clockHz);
    const limitNs = 2 * (spec.receiverLoad + 2) * quantumNs;
    const side = (k: MonolithicKernel, busy: boolean): UdpSide => ({
      machine: k.machine,
      runTo: (c) => void k.runQuantum(c),
      busy,
    });
    driveUdpPair(side(client, false), side(peer, spec.receiverLoad > 0), () => {
      if (this.#failure !== null) return true;
      if (waiting && client.machine.nowNs - sentNs > limitNs)
        throw new Error(`monolithic udp: no reply ${limitNs / 1e6} ms after a send`);
      return done;
    });
    if (this.#failure !== null) throw this.#failure.value;
    if (!done) throw new Error(`${w.id} on monolithic did not finish`);
  }
}

// ---- UDP (glue/udp.ts: the two-machine harness) ---------------------------------------------

/** The two stations (the measuring machine is A, the echo B), as ExOS's adapter has them. */
const A = { ip: 0x0a000001, mac: [2, 0, 0, 0, 0, 1], port: 1000 };
const B = { ip: 0x0a000002, mac: [2, 0, 0, 0, 0, 2], port: 2000 };
/** The payload: 18 bytes (a 60-byte frame), the counter in its first word. */
const PAYLOAD_BYTES = 18;

/** A struct sockaddr_in in user memory (network order for the port and the address). */
function putSin(h: ProcessHandle, va: number, ip: number, port: number): void {
  const c = h.cpu;
  c.store16(va + SIN.FAMILY, AF_INET);
  c.store16(va + SIN.PORT, ((port & 0xff) << 8) | (port >>> 8));
  c.store32(
    va + SIN.ADDR,
    ((ip & 0xff) << 24) | ((ip & 0xff00) << 8) | ((ip >>> 8) & 0xff00) | (ip >>> 24),
  );
  c.store32(va + SIN.ZERO, 0);
  c.store32(va + SIN.ZERO + 4, 0);
}

/** A UDP socket bound to `me` and connected to `peer`: its descriptor (process set-up). */
function udpSocket(h: ProcessHandle, scratch: number, me: typeof A, peer: typeof A): number {
  const s = check(h.socket(AF_INET, SOCK_DGRAM, 0), "socket");
  putSin(h, scratch, me.ip, me.port);
  check(h.bind(s, scratch, 16), "bind");
  putSin(h, scratch, peer.ip, peer.port);
  check(h.connect(s, scratch, 16), "connect");
  return s;
}

function check(r: number, what: string): number {
  if (r < 0) throw new Error(`monolithic: ${what} failed with errno ${-r}`);
  return r;
}

interface PortSet {
  main: BasePort;
  peer: (c: ProcessHandle, parentPid: number) => BasePort;
  child: number;
}

/** Memory from the break: page-aligned regions grown with sbrk (demand-zero). */
function base(h: ProcessHandle): BasePort {
  return {
    cpu: h.cpu,
    safepoint: () => h.safepoint(),
    memory(bytes: number) {
      const brk = check(h.sbrk(0), "sbrk");
      const pad = (PAGE_BYTES - (brk % PAGE_BYTES)) % PAGE_BYTES;
      const size = Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;
      check(h.sbrk(pad + size), "sbrk");
      return brk + pad;
    },
  };
}

/** Builds the ports in the first process (before the fork, so that the child inherits them). */
function setUp(
  h: ProcessHandle,
  port: PortId,
  w: Workload,
  cycleNs: number,
  kernel: MonolithicKernel,
): PortSet {
  const b = base(h);
  const set: PortSet = { main: b, peer: (c) => base(c), child: -1 };
  switch (port) {
    case "user":
      return set;
    case "syscall":
      set.main = { ...b, call: () => h.getpid() } as CallPort;
      return set;
    case "exception":
      set.main = exceptionPort(h, b);
      return set;
    case "vm":
      set.main = vmPort(h, b);
      return set;
    case "pipe":
      return pipePorts(h, b, set);
    case "shm":
      return shmPorts(h, b, set);
    case "realtime":
      set.main = realtimePort(h, b, w, cycleNs);
      return set;
    case "db":
      set.main = monolithicDbPort(h, b, kernel);
      return set;
    default:
      throw new Error(`monolithic does not serve ${port}`);
  }
}

/** A user handler that skips the faulting instruction (it steps sc_pc) and returns. */
function exceptionPort(h: ProcessHandle, b: BasePort): ExceptionPort {
  let handled = 0;
  let readOnly = -1;
  const skip = (_sig: number, _code: number, scp: number, self: ProcessHandle) => {
    handled++;
    const pc = self.cpu.load32(scp + SC.PC);
    self.cpu.exec(COSTS["app.signal-skip"]);
    self.cpu.store32(scp + SC.PC, pc + 4);
  };
  return {
    ...b,
    arm(kind: ExceptionKind) {
      if (kind === "prot") {
        readOnly = b.memory(PAGE_BYTES);
        h.cpu.store32(readOnly, 0);
        check(h.mprotect(readOnly, PAGE_BYTES, PROT_READ), "mprotect");
        check(h.signal(SIG.SEGV, skip), "signal");
      } else if (kind === "overflow") check(h.signal(SIG.FPE, skip), "signal");
      else throw new Error(`monolithic: no user handler for ${kind}`);
    },
    trigger(kind: ExceptionKind) {
      if (kind === "prot") h.cpu.store32(readOnly, 1);
      else h.cpu.addTrapping(0x7fffffff, 1);
    },
    get handled() {
      return handled;
    },
  };
}

function vmPort(h: ProcessHandle, b: BasePort): VmPort {
  return {
    ...b,
    dirty: () => {
      throw new Error("monolithic: no dirty query");
    },
    protect: (va, pages) => void check(h.mprotect(va, pages * PAGE_BYTES, PROT_NONE), "mprotect"),
    unprotect: (va, pages) =>
      void check(h.mprotect(va, pages * PAGE_BYTES, PROT_READ | PROT_WRITE), "mprotect"),
    onFault(handler) {
      check(
        h.signal(SIG.SEGV, (_sig, code) => handler(code)),
        "signal",
      );
    },
  };
}

/** Two pipes made before the fork: the parent writes ab and reads ba; the child the reverse. */
function pipePorts(h: ProcessHandle, b: BasePort, set: PortSet): PortSet {
  const fds = b.memory(PAGE_BYTES);
  check(h.pipe(fds), "pipe");
  check(h.pipe(fds + 8), "pipe");
  const buf = fds + 64;
  const end = (p: ProcessHandle, bp: BasePort, readFd: number, writeFd: number): ChannelPort => ({
    ...bp,
    *send(word) {
      p.cpu.store32(buf, word);
      check(yield* p.write(writeFd, buf, 4), "write");
    },
    *receive() {
      check(yield* p.read(readFd, buf, 4), "read");
      return p.cpu.load32(buf);
    },
  });
  const [abRead, abWrite, baRead, baWrite] = [0, 4, 8, 12].map((o) => h.cpu.load32(fds + o));
  set.main = end(h, b, baRead!, abWrite!);
  set.peer = (c) => end(c, base(c), abRead!, baWrite!);
  return set;
}

/**
 * shm with signals as the yield, as the paper's Ultrix measurement: one shared page holds
 * [value, turn]; a sender writes both and sends SIGUSR1 to its peer; a receiver sigpauses
 * until it is its turn (SIGUSR1 is blocked outside sigpause, so no wake-up is lost).
 */
function shmPorts(h: ProcessHandle, b: BasePort, set: PortSet): PortSet {
  const id = check(h.shmget(IPC_PRIVATE, PAGE_BYTES, 0), "shmget");
  const s = check(h.shmat(id, 0, 0), "shmat");
  check(h.shmctl(id, IPC_RMID), "shmctl");
  check(
    h.signal(SIG.USR1, () => {}),
    "signal",
  );
  h.sigblock(sigmask(SIG.USR1));
  const end = (p: ProcessHandle, bp: BasePort, me: number, peerPid: () => number): ChannelPort => ({
    ...bp,
    // biome-ignore lint/correctness/useYield: sending never blocks here (kill only posts the signal)
    *send(word) {
      p.cpu.store32(s, word);
      p.cpu.store32(s + 4, 3 - me);
      check(p.kill(peerPid(), SIG.USR1), "kill");
    },
    *receive() {
      while (p.cpu.load32(s + 4) !== me) yield* p.sigpause(0);
      p.cpu.store32(s + 4, 0);
      return p.cpu.load32(s);
    },
  });
  set.main = end(h, b, 1, () => set.child);
  set.peer = (c, parent) => end(c, base(c), 2, () => parent);
  return set;
}

/**
 * realtime: the same tasks as processes (one per task) under Ultrix's scheduler (round robin
 * of runnable processes, its quantum), beside the best-effort processes; a waiting task spins
 * at user level (the kernel offers no timed sleep in this model), reaching its safepoint.
 */
function realtimePort(h: ProcessHandle, b: BasePort, w: Workload, cycleNs: number): RealtimePort {
  const spec = w.config?.realtime;
  if (spec === undefined) throw new Error("monolithic: the workload gives no task set");
  for (let i = 0; i < spec.bestEffort; i++)
    check(
      h.fork(function* (c) {
        yield* spinner(c.cpu, () => c.safepoint());
      }),
      "fork",
    );
  const recs = spec.tasks.map(() => newPeriodicRecord());
  const start = h.cpu.now;
  const end = start + spec.durationCycles;
  spec.tasks.forEach((t, i) => {
    check(
      h.fork(function* (c) {
        const va = base(c).memory(PAGE_BYTES);
        yield* periodicTask(
          c.cpu,
          va,
          t,
          spec,
          start,
          end,
          recs[i]!,
          () => c.safepoint(),
          () => c.safepoint(),
        );
      }),
      "fork",
    );
  });
  return {
    ...b,
    *run() {
      yield* waitUntil(h.cpu, end, () => h.safepoint());
      return periodicOutcome(spec, start, h.cpu.now, recs, cycleNs);
    },
  };
}
