/**
 * @exolab/libos-exos: ExOS, the paper's UNIX-like library operating system, built only on
 * the exokernel's unprivileged API. `exos.boot(env, options)` sets the library up inside
 * the environment (page table, handlers, slice loop, descriptor table) and returns its API.
 */
import { type EnvHandle, type LibOS, MachineError, PAGE_BYTES, Result } from "@exolab/exokernel";
import { Errno, FdTable } from "./ipc/fd.js";
import { Lrpc } from "./ipc/lrpc.js";
import { Pipes } from "./ipc/pipe.js";
import { SharedMemory } from "./ipc/shm.js";
import { Windows } from "./ipc/window.js";
import {
  FD_BYTES,
  FD_COUNT,
  G_FDS,
  GLOBALS_VA,
  THREAD_CTX_BYTES,
  THREAD_CTX_VA,
} from "./layout.js";
import { Udp } from "./net/udp.js";
import { type ExosOptions, type ExosPolicy, resolvePolicy } from "./policy.js";
import { Processes } from "./proc/proc.js";
import { StrideMember } from "./sched/stride.js";
import { Scheduler } from "./sched/threads.js";
import { Vm } from "./vm/vm.js";

export { COSTS, type CostLabel } from "./costs.js";
export { Errno, FdKind } from "./ipc/fd.js";
export type { LrpcProcedure } from "./ipc/lrpc.js";
export { InlinePipe, PipeEnd } from "./ipc/pipe.js";
export * as layout from "./layout.js";
export {
  NET_SAVE_SLOT,
  UDP_HEADER_BYTES,
  type UdpEndpoint,
  type UdpPeer,
  type UdpReceive,
  type UdpStats,
} from "./net/udp.js";
export {
  DEFAULT_POLICY,
  describePolicy,
  type ExosOptions,
  type ExosPolicy,
  resolvePolicy,
} from "./policy.js";
export { STRIDE_MAX_MEMBERS, StrideMember } from "./sched/stride.js";
export type { SliceHook } from "./sched/threads.js";
export { F as PteFlags } from "./vm/pagetable.js";
export {
  FaultAction,
  FaultExit,
  type FaultHandler,
  FaultKind,
  Prot,
  TRAP_CODES,
  type TrapHandler,
  type VmStats,
} from "./vm/vm.js";
export type { Lrpc, Pipes, Processes, Scheduler, SharedMemory, Udp, Vm, Windows };

/** Stride groups: a shared page of members, created by one process and attached by the others. */
export interface StrideApi {
  /** Creates a group page; returns its address. */
  create(): number;
  /** Grants the group page at `groupVa` to `peer`; returns the capability name for it. */
  share(groupVa: number, peer: number): number;
  /** Maps a group page the creator shared; returns its address. */
  attach(cap: number): number;
  /** Joins the group at `groupVa` with `tickets`; from the next slice on, slices go by stride. */
  join(groupVa: number, tickets: number): StrideMember | number;
}

/** What `exos.boot` returns. */
export interface ExosApi {
  readonly env: EnvHandle;
  readonly policy: ExosPolicy;
  readonly vm: Vm;
  readonly sched: Scheduler;
  readonly pipes: Pipes;
  readonly shm: SharedMemory;
  readonly lrpc: Lrpc;
  readonly proc: Processes;
  readonly windows: Windows;
  readonly stride: StrideApi;
  /** User-level UDP/IP over the exokernel's packet filters and rings (net/udp.ts). */
  readonly udp: Udp;
}

/** Boot failed (a host-side set-up error, thrown before the library is usable). */
export class ExosBootError extends MachineError {
  override name = "ExosBootError";
  constructor(
    readonly step: string,
    readonly code: number,
  ) {
    super(`exos boot: ${step} failed with result ${code}`);
  }
}

function boot(env: EnvHandle, options: ExosOptions = {}): ExosApi {
  const policy = resolvePolicy(options.policy);
  const check = (step: string, r: number) => {
    if (r < 0) throw new ExosBootError(step, r);
  };
  const vm = new Vm(env, policy);
  check("vm", vm.boot());
  const ctxPages = Math.ceil((policy.maxThreads * THREAD_CTX_BYTES) / PAGE_BYTES);
  for (let p = 0; p < ctxPages; p++)
    check("contexts", vm.guaranteePage(THREAD_CTX_VA + p * PAGE_BYTES));
  const cpu = env.cpu;
  cpu.zero(GLOBALS_VA + G_FDS, FD_COUNT * FD_BYTES);
  const fds = new FdTable(cpu);
  const windows = new Windows(env, vm);
  windows.init();
  const sched = new Scheduler(env, policy);
  check("sched", sched.boot(options.noSlices !== true));
  const proc = new Processes(env, vm, windows);
  proc.init(0);
  const stride: StrideApi = {
    create() {
      const va = windows.reserve(1);
      if (va < 0) return va;
      const r = vm.map(va, 1);
      if (r < 0) return r;
      StrideMember.init(env, va);
      return va;
    },
    share: (groupVa, peer) => vm.share(groupVa, peer, true),
    attach: (cap) => windows.attach(cap, true),
    join(groupVa, tickets) {
      const m = new StrideMember(env, sched, groupVa);
      const r = m.join(tickets);
      return r < 0 ? r : m;
    },
  };
  return Object.freeze({
    env,
    policy,
    vm,
    sched,
    pipes: new Pipes(env, policy, fds, windows, sched),
    shm: new SharedMemory(fds, windows),
    lrpc: new Lrpc(env),
    proc,
    windows,
    stride,
    udp: new Udp(env, vm, windows),
  });
}

/** The libOS: `{ name, boot }`, the shape every library OS has. */
export const exos: LibOS<ExosOptions, ExosApi> = Object.freeze({ name: "exos", boot });

/** Result codes a caller may see: the kernel's and ExOS's own. */
export const ExosResult = Object.freeze({ ...Result, ...Errno });
