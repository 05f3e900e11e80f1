import { type EnvHandle, ExcCode, PAGE_BYTES, Reg, Resume, type Thread } from "@exolab/exokernel";
import {
  ipFilter,
  ipPacket,
  NET_COSTS,
  PacketFilterEngine,
  PROTO_TCP,
} from "@exolab/exokernel/kernel";
import { KERNEL_OWNER, type Machine } from "@exolab/machine/privileged";
import { BARE_COSTS } from "../costs.js";
import type { Meter } from "../meter.js";
import type {
  BasePort,
  CallPort,
  ClassifyEngine,
  ClassifyPort,
  ExceptionKind,
  ExceptionPort,
  PortId,
  TransferPort,
} from "../ports.js";
import type { Workload } from "../workload.js";
import { defineSystem } from "./adapter.js";
import { AEGIS_COSTS, AegisInstance, aegisPolicies } from "./aegis/instance.js";

/** Where the bare environment keeps its exception save area and its workload memory. */
const SAVE_VA = 0x7ff00000;
const HEAP_VA = 0x10000000;
/** Within the kernel's guaranteed-mapping allowance (policy.maxGuaranteedPerEnv), with room. */
const MAX_HEAP_PAGES = 48;

const SERVED: readonly PortId[] = [
  "user",
  "syscall",
  "syscall-stack",
  "exception",
  "transfer",
  "classify",
];

/** The code each kind of exception is raised with. */
const CODE: Record<ExceptionKind, ExcCode> = {
  unalign: ExcCode.AdEL,
  overflow: ExcCode.Ov,
  coproc: ExcCode.CpU,
  prot: ExcCode.Mod,
};

/**
 * The `exokernel` system: Aegis's raw primitives from a bare environment with no libOS.
 * Memory is a handful of frames under guaranteed mappings (served by the kernel on a miss);
 * the exception handler is the minimal one of the paper's measurement; the peer of a
 * protected control transfer transfers straight back.
 */
export const exokernelAdapter = defineSystem({
  id: "exokernel",
  title: "Aegis, raw primitives from a bare environment",
  paper: "aegis",
  costs: { ...AEGIS_COSTS, "@exolab/bench": BARE_COSTS },
  unsupported(port, benchmark) {
    if (!SERVED.includes(port))
      return "the bare exokernel offers no such abstraction; a libOS (exos) builds it";
    if (benchmark === "matmul")
      return "needs more memory than a bare environment's guaranteed mappings; runs on exos";
    return undefined;
  },
  create: (o) => new ExokernelInstance(o),
  policies: (profile) => aegisPolicies(profile),
});

class ExokernelInstance extends AegisInstance {
  execute(w: Workload, meter: Meter): void {
    const aegis = this.aegis;
    let done = false;
    const body = w.threads[0]!;
    if (w.threads.length > 1)
      throw new Error(`${w.id}: the bare exokernel runs single-thread workloads`);
    const env = aegis.createEnvironment({ name: "bench" });
    // The harness sets the environment up as host code acting for it (a host window).
    const port = aegis.actAs(env, () => bareEnvironment(env, w.port));
    if (w.port === "classify")
      Object.assign(port, classifyPort(aegis.machine, w.config?.classify?.engine ?? "compiled"));
    if (w.port === "transfer") {
      const peer = aegis.createEnvironment({
        name: "peer",
        setup: (p) => {
          check(
            p.setEntry("sync", function* (caller: number): Thread {
              p.cpu.setReg(Reg.v0, p.cpu.reg(Reg.v0) + 1);
              p.cpu.exec(BARE_COSTS["bare.pct-callee"]);
              yield* p.pct(caller, "sync");
            }),
            "setEntry",
          );
        },
      });
      (port as TransferPort & { roundTrip: () => Thread }).roundTrip = function* () {
        const r = yield* env.pct(peer.id, "sync");
        if (r < 0) throw new Error(`pct failed: ${r}`);
      };
    }
    aegis.actAs(env, () => {
      check(
        env.onStartOfSlice(function* () {
          yield* body(port as never, meter);
          done = true;
        }),
        "onStartOfSlice",
      );
      check(env.allocSlice(), "allocSlice");
    });
    this.runUntil(() => done);
    if (!done)
      throw new Error(
        `${w.id}: the bare environment did not finish (${JSON.stringify(this.aegis.deaths)})`,
      );
  }
}

/** The host the ten filters accept packets for, and their sender (exokernel/bench/run.ts's). */
const CLASSIFY_HOST_IP = 0x0a000002;
const CLASSIFY_PEER_IP = 0x0a000001;

/**
 * dpf-classify (Table 7): the kernel's DPF engine (its class, as the network binding holds
 * it) with ten TCP/IP filters (ethertype, protocol, destination address, the IHL shift,
 * source port 4000 + i, destination port 80), owner i each; packet i is for filter i. A
 * classification runs in kernel mode as the kernel's network interrupt runs it and charges
 * the engine's counted work (`aegis.dpf.counted`: the per-step counts of the compiled code or
 * of the interpreter, exokernel COSTS.md), as the interrupt does.
 */
function classifyPort(machine: Machine, kind: ClassifyEngine): Partial<ClassifyPort> {
  const engine = new PacketFilterEngine();
  const packets: Uint8Array[] = [];
  for (let i = 0; i < 10; i++) {
    const r = engine.insert(
      i,
      ipFilter({ proto: PROTO_TCP, dstIp: CLASSIFY_HOST_IP, srcPort: 4000 + i, dstPort: 80 }),
    );
    if (r < 0) throw new Error(`dpf-classify: filter ${i} refused: ${engine.lastRefusal}`);
    packets.push(
      ipPacket({
        proto: PROTO_TCP,
        srcPort: 4000 + i,
        dstPort: 80,
        dstIp: CLASSIFY_HOST_IP,
        srcIp: CLASSIFY_PEER_IP,
      }),
    );
  }
  return {
    classify(i: number): number {
      const p = packets[i];
      if (p === undefined) throw new Error(`dpf-classify: no packet ${i}`);
      const cpu = machine.cpu;
      const status = cpu.status;
      const owner = cpu.setOwner(KERNEL_OWNER);
      cpu.status = (status & ~0x3f) >>> 0;
      try {
        const who = kind === "compiled" ? engine.demux(p, p.length) : engine.interpret(p, p.length);
        cpu.exec(NET_COSTS["aegis.dpf.counted"], engine.work.instructions);
        return who;
      } finally {
        cpu.status = status;
        cpu.setOwner(owner);
      }
    },
  };
}

function check(r: number, what: string): number {
  if (r < 0) throw new Error(`bare environment: ${what} refused with ${r}`);
  return r;
}

/**
 * The ports a bare environment can offer, built from the environment handle alone (in a
 * host window for it; the workload then calls them from the environment's own thread).
 */
function bareEnvironment(
  env: EnvHandle,
  port: PortId,
): BasePort & Partial<CallPort & ExceptionPort & TransferPort> {
  let heapPages = 0;
  const memory = (bytes: number): number => {
    const pages = Math.ceil(bytes / PAGE_BYTES);
    if (heapPages + pages > MAX_HEAP_PAGES)
      throw new Error(`bare environment: ${bytes} bytes exceed its ${MAX_HEAP_PAGES} pages`);
    const va = HEAP_VA + heapPages * PAGE_BYTES;
    for (let i = 0; i < pages; i++) {
      const cap = check(env.allocFrame(), "allocFrame");
      check(env.guarantee(va + i * PAGE_BYTES, cap, 1), "guarantee");
    }
    heapPages += pages;
    return va;
  };
  const saveCap = check(env.allocFrame(), "allocFrame");
  check(env.guarantee(SAVE_VA, saveCap, 1), "guarantee");
  let handled = 0;
  let scratch = -1;
  let readOnly = -1;
  const handler = (e: EnvHandle): number => {
    handled++;
    const cpu = e.cpu;
    cpu.exec(BARE_COSTS["bare.exc-handler"]);
    cpu.setReg(Reg.t0, cpu.load32(SAVE_VA));
    cpu.setReg(Reg.t1, cpu.load32(SAVE_VA + 4));
    cpu.setReg(Reg.t2, cpu.load32(SAVE_VA + 8));
    return Resume.Emulated;
  };
  return {
    cpu: env.cpu,
    safepoint: () => env.safepoint(),
    memory,
    call: port === "syscall-stack" ? () => env.nullSyscallStack() : () => env.nullSyscall(),
    arm(kind: ExceptionKind) {
      check(env.setHandler(CODE[kind], handler, SAVE_VA), "setHandler");
      if (kind === "unalign" && scratch < 0) scratch = memory(PAGE_BYTES);
      if (kind === "prot" && readOnly < 0) {
        const cap = check(env.allocFrame(), "allocFrame");
        readOnly = HEAP_VA + 0x0800_0000;
        check(env.guarantee(readOnly, cap, 0), "guarantee");
      }
    },
    trigger(kind: ExceptionKind) {
      const cpu = env.cpu;
      if (kind === "unalign") cpu.load32(scratch + 2);
      else if (kind === "overflow") cpu.addTrapping(0x7fffffff, 1);
      else if (kind === "coproc") cpu.coprocessor1();
      else cpu.store32(readOnly, 1);
    },
    get handled() {
      return handled;
    },
  };
}
