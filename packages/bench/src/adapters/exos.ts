import { PAGE_BYTES, Result } from "@exolab/exokernel";
import { Aegis } from "@exolab/exokernel/kernel";
import {
  COSTS,
  DEFAULT_POLICY,
  type ExosApi,
  type ExosPolicy,
  exos,
  FaultAction,
  PipeEnd,
  resolvePolicy,
} from "@exolab/libos-exos";
import type { Machine } from "@exolab/machine/privileged";
import { GLUE_COSTS } from "../costs.js";
import {
  newPeriodicRecord,
  periodicOutcome,
  periodicTask,
  spinner,
  waitUntil,
} from "../glue/periodic.js";
import { driveUdpPair, peerMachineFor, type UdpSide } from "../glue/udp.js";
import type { BasePort, ChannelPort, RealtimePort, StridePort, UdpPort, VmPort } from "../ports.js";
import { defineLibOsSystem, type LibOsRun } from "./aegis/libos.js";

type Run = LibOsRun<ExosApi>;

/** The `exos` system: ExOS booted in one environment per process, on Aegis. */
export const exosAdapter = defineLibOsSystem({
  id: "exos",
  title: "ExOS (UNIX-like libOS) on Aegis",
  paper: "exos",
  costs: { "@exolab/libos-exos": COSTS },
  libos: exos,
  policy: DEFAULT_POLICY,
  options: (own) => ({ policy: resolvePolicy(own as Partial<ExosPolicy>) }),
  spawn: (os, body) => os.sched.spawn(body),
  safepoint: (os) => os.sched.safepoint(),
  map: (os, va, pages) => os.vm.map(va, pages),
  libCall: (os) => os.proc.getpid(),
  rpc: {
    trusted: true,
    serve: (os, procedure, trusted) => os.lrpc.serve(procedure, trusted, []),
    call: (os, server, arg, trusted) =>
      trusted ? os.lrpc.callTrusted(server, arg) : os.lrpc.call(server, arg),
    lastError: (os) => os.lrpc.lastError,
  },
  shm: {
    share(run, a, b) {
      const fa = run.check(
        run.act(a, () => a.shm.create(b.env.id)),
        "shm",
      );
      const cap = run.act(a, () => a.shm.peerCap(fa));
      const fb = run.check(
        run.act(b, () => b.shm.attach(cap, a.env.id)),
        "shm attach",
      );
      const address = (os: ExosApi, fd: number) =>
        run.check(
          run.act(os, () => os.shm.address(fd)),
          "address",
        );
      return [address(a, fa), address(b, fb)];
    },
    yieldTo: (os, target) => os.sched.yieldTo(target),
  },
  ports: {
    vm: (run, [b]) => [vmPort(run.procs[0]!, b!, run)],
    pipe: (run, bases) => pipePorts(run, bases, false),
    "pipe-inline": (run, bases) => pipePorts(run, bases, true),
    stride: (run, [b]) => [stridePort(groups.get(run)!, b!)],
    realtime: (run, [b]) => [realtimePort(run, b!)],
    udp: (run, [b]) => [exosUdpPort(run, b!)],
  },
  prepare(run) {
    const tickets = run.workload.config?.tickets;
    if (tickets !== undefined) groups.set(run, formStrideGroup(run, tickets));
  },
  unsupportedReason: "measured on the bare exokernel (raw primitives), not through ExOS",
});

function vmPort(os: ExosApi, b: BasePort, run: Run): VmPort {
  return {
    ...b,
    dirty: (va) => run.check(os.vm.dirty(va), "dirty") === 1,
    protect: (va, pages) =>
      void run.check(pages === 1 ? os.vm.protect1(va) : os.vm.protectRange(va, pages), "protect"),
    unprotect: (va, pages) => void run.check(os.vm.unprotectRange(va, pages), "unprotect"),
    onFault(handler) {
      os.vm.setFaultHandler((va) => {
        handler(va);
        return FaultAction.Retry;
      });
    },
  };
}

/** Two pipes, a→b and b→a; a word travels through the glue's buffer page. */
function pipePorts(run: Run, bases: BasePort[], inline: boolean): ChannelPort[] {
  const [a, b] = run.procs as [ExosApi, ExosApi];
  const open = (os: ExosApi, what: string, fn: () => number) => run.check(run.act(os, fn), what);
  const ab = open(a, "pipe", () => a.pipes.create(b.env.id, PipeEnd.Write));
  const ba = open(a, "pipe", () => a.pipes.create(b.env.id, PipeEnd.Read));
  const capAb = run.act(a, () => a.pipes.peerCap(ab));
  const capBa = run.act(a, () => a.pipes.peerCap(ba));
  const bab = open(b, "attach", () => b.pipes.attach(capAb, a.env.id, PipeEnd.Read));
  const bba = open(b, "attach", () => b.pipes.attach(capBa, a.env.id, PipeEnd.Write));
  const end = (os: ExosApi, bp: BasePort, w: number, r: number): ChannelPort => {
    if (inline) {
      const out = run.act(os, () => os.pipes.inline(w));
      const inn = run.act(os, () => os.pipes.inline(r));
      if (typeof out === "number" || typeof inn === "number")
        throw new Error("exos: inline pipe refused");
      return {
        ...bp,
        *send(word) {
          run.check(yield* out.put(word), "put");
        },
        *receive() {
          return yield* inn.get();
        },
      };
    }
    return {
      ...bp,
      *send(word) {
        bp.cpu.store32(run.bufferVa, word);
        if ((yield* os.pipes.write(w, run.bufferVa, 4)) !== 4)
          throw new Error("exos: short pipe write");
      },
      *receive() {
        if ((yield* os.pipes.read(r, run.bufferVa, 4)) !== 4)
          throw new Error("exos: short pipe read");
        return bp.cpu.load32(run.bufferVa);
      },
    };
  };
  return [end(a, bases[0]!, ab, ba), end(b, bases[1]!, bba, bab)];
}

interface StrideGroup {
  readonly run: Run;
  readonly members: readonly ExosApi[];
  readonly tickets: readonly number[];
  readonly counterVa: number;
}
const groups = new WeakMap<Run, StrideGroup>();

/**
 * Stride: the group is formed before the run (only whoever holds the kernel creates
 * environments, and a running environment cannot act for another): every member joins with
 * its tickets and runs a counter that increments a word of its own memory. The measuring
 * thread shares process 0 with that process's counter and hands its turn on at once (a few
 * instructions a slice); at the end the harness reads the words.
 */
function formStrideGroup(run: Run, tickets: readonly number[]): StrideGroup {
  const a = run.procs[0]!;
  const members = [a, ...tickets.slice(1).map(() => run.boot())];
  const group = run.check(
    run.act(a, () => a.stride.create()),
    "stride.create",
  );
  const counterVa = run.bufferVa + 64;
  members.forEach((p, i) => {
    const cap =
      i === 0
        ? -1
        : run.check(
            run.act(a, () => a.stride.share(group, p.env.id)),
            "share",
          );
    // Each member is set up by host code acting for it (a host window).
    run.act(p, () => {
      if (i > 0) run.check(p.vm.map(run.bufferVa, 1), "map");
      const va = i === 0 ? group : run.check(p.stride.attach(cap), "attach");
      const m = p.stride.join(va, tickets[i]!);
      if (typeof m === "number") run.check(m, "join");
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
  return { run, members, tickets, counterVa };
}

function stridePort(g: StrideGroup, b0: BasePort): StridePort {
  const { aegis } = g.run;
  return {
    ...b0,
    *run(tickets, slices) {
      if (tickets.join() !== g.tickets.join())
        throw new Error("exos: the stride group was formed with other tickets");
      const sliceCycles = aegis.policy.sliceCycles;
      const start = b0.cpu.now;
      while (b0.cpu.now - start < slices * sliceCycles) {
        b0.cpu.exec(GLUE_COSTS["app.stride.check"]);
        yield* g.members[0]!.sched.yieldThread();
      }
      return g.members.map((p) => {
        const m = aegis.inspect(p.env).mappings.find((x) => x.vpn === g.counterVa >>> 12);
        if (m === undefined) throw new Error(`exos: no mapping for ${g.counterVa}`);
        const pa = m.frame * PAGE_BYTES + (g.counterVa & (PAGE_BYTES - 1));
        return aegis.machine.memory.read32(pa);
      });
    },
  };
}

/**
 * realtime: the same tasks as threads of one ExOS process, which holds every other position
 * of the slice vector (the share the real-time libOS reserves); a best-effort process holds
 * the rest. ExOS's threads are round robin: a waiting task gives the CPU to the next thread.
 */
function realtimePort(run: Run, base: BasePort): RealtimePort {
  const spec = run.workload.config?.realtime;
  if (spec === undefined) throw new Error("exos: the workload gives no task set");
  const aegis = run.aegis;
  const n = aegis.policy.sliceVectorLength;
  const os = run.boot(); // ExOS takes one position at boot (the first free: 1)
  for (let p = 3; p < n; p += 2)
    run.check(
      run.act(os, () => os.env.allocSlice(p)),
      "allocSlice",
    );
  for (let i = 0; i < spec.bestEffort; i++) {
    const be = run.boot();
    for (let p = 2; p < n; p += 2) run.act(be, () => be.env.allocSlice(p));
    run.check(
      run.act(be, () => be.sched.spawn(() => spinner(be.env.cpu, () => be.sched.safepoint()))),
      "spawn",
    );
  }
  const recs = spec.tasks.map(() => newPeriodicRecord());
  const start = aegis.machine.now + aegis.policy.sliceCycles;
  const end = start + spec.durationCycles;
  spec.tasks.forEach((t, i) => {
    const va = 0x20000000 + i * PAGE_BYTES;
    run.check(
      run.act(os, () => os.vm.map(va, 1)),
      "map",
    );
    run.check(
      run.act(os, () =>
        os.sched.spawn(() =>
          periodicTask(
            os.env.cpu,
            va,
            t,
            spec,
            start,
            end,
            recs[i]!,
            () => os.sched.safepoint(),
            () => os.sched.yieldThread(),
          ),
        ),
      ),
      "spawn",
    );
  });
  return {
    ...base,
    *run() {
      yield* waitUntil(base.cpu, end, base.safepoint);
      return periodicOutcome(spec, start, base.cpu.now, recs, aegis.machine.profile.cycleNs);
    },
  };
}

// ---- UDP (glue/udp.ts: the two-machine harness) ---------------------------------------------

/** The two stations' addresses (the measuring machine is A, the echo B). */
const A = { ip: 0x0a000001, mac: [2, 0, 0, 0, 0, 1], port: 1000 };
const B = { ip: 0x0a000002, mac: [2, 0, 0, 0, 0, 2], port: 2000 };
/** The payload: 18 bytes (a 60-byte frame), the counter in its first word. */
const PAYLOAD_BYTES = 18;

/**
 * ExOS's side of the UDP harness (glue/udp.ts): the measuring process opens a socket on
 * this run's machine; a second machine runs Aegis with an ExOS echo process (the reply from
 * its application, or from the reply ASH it downloads) and `receiverLoad` ExOS processes
 * that spin. Every process waits by giving its slice up (`yieldSlice`).
 */
export function exosUdpPort(run: Run, base: BasePort): UdpPort {
  const spec = run.workload.config?.udp ?? { ash: false, receiverLoad: 0 };
  const peerMachine: Machine = peerMachineFor(run.aegis.machine);
  const peer = new Aegis({
    machine: peerMachine,
    continuousTimer: true,
    onDeath: (_d, ...thrown: unknown[]) => {
      if (thrown.length > 0) run.fail(thrown[0]);
    },
  });
  const check = run.check;
  // The echo.
  const echo = peer.boot(exos, {}).api;
  peer.actAs(echo.env, () => {
    const reply = run.bufferVa;
    check(echo.vm.map(reply, 1), "map");
    const s = check(echo.udp.open(B.port, B), "udp open");
    check(echo.udp.connect(s, A, PAYLOAD_BYTES), "udp connect");
    if (spec.ash) check(echo.udp.ash(s), "udp ash");
    else
      echo.udp.onReceive(s, (va, bytes) => {
        const cpu = echo.env.cpu;
        cpu.copy(reply, va, bytes);
        cpu.store32(reply, cpu.load32(reply) + 1);
        echo.udp.send(s, reply, bytes);
      });
    check(
      echo.sched.spawn(function* () {
        for (;;) yield* echo.sched.yieldSlice();
      }),
      "spawn",
    );
  });
  // The load beside it.
  for (let i = 0; i < spec.receiverLoad; i++) {
    const os = peer.boot(exos, {}).api;
    peer.actAs(os.env, () =>
      check(
        os.sched.spawn(() => spinner(os.env.cpu, () => os.sched.safepoint())),
        "spawn",
      ),
    );
  }
  // The measuring process.
  const os = run.procs[0]!;
  const buf = run.bufferVa;
  let got: number | null = null;
  const sock = run.act(os, () => {
    const s = check(os.udp.open(A.port, A), "udp open");
    check(os.udp.connect(s, B, PAYLOAD_BYTES), "udp connect");
    check(
      os.udp.onReceive(s, (va) => {
        const cpu = os.env.cpu;
        cpu.copy(buf + 64, va, 4);
        got = cpu.load32(buf + 64);
      }),
      "udp onReceive",
    );
    return s;
  });
  const client: UdpSide = {
    machine: run.aegis.machine,
    runTo: (c) => void run.aegis.run({ untilCycle: c }),
    busy: false,
  };
  const peerSide: UdpSide = {
    machine: peerMachine,
    runTo: (c) => void peer.run({ untilCycle: c }),
    busy: spec.receiverLoad > 0,
  };
  // A lost reply must end the run, not idle the world for minutes: a round trip that waits
  // longer than two turns of every process on the peer fails with one line.
  const sliceNs = run.aegis.policy.sliceCycles * run.aegis.machine.profile.cycleNs;
  const limitNs = 2 * (spec.receiverLoad + 2) * sliceNs;
  let sentNs = -1;
  run.drive = (done) => {
    run.aegis.continuousTimer = true;
    driveUdpPair(client, peerSide, () => {
      if (sentNs >= 0 && got === null && run.aegis.machine.nowNs - sentNs > limitNs)
        throw new Error(`exos udp: no reply ${limitNs / 1e6} ms after a send`);
      return done();
    });
  };
  return {
    ...base,
    cycleNs: run.aegis.machine.profile.cycleNs,
    *roundTrip(counter) {
      got = null;
      base.cpu.store32(buf, counter);
      sentNs = run.aegis.machine.nowNs;
      const r = os.udp.send(sock, buf, PAYLOAD_BYTES);
      if (r !== Result.Ok) throw new Error(`exos: udp send refused with ${r}`);
      while (got === null) yield* os.sched.yieldSlice();
      return got;
    },
  };
}
