import { PAGE_BYTES } from "@exolab/machine";
import {
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
import type { Meter } from "../meter.js";
import type {
  BasePort,
  CallPort,
  ChannelPort,
  ExceptionKind,
  ExceptionPort,
  PortId,
  RealtimePort,
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
  udp: "the monolithic kernel's network stack is not built yet: no UDP service (glue/udp.ts's udpPair plugs it in)",
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
