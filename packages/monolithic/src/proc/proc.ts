import type { ExecutionContext } from "@exolab/machine/privileged";
import type { Attachment } from "../ipc/shm.js";
import { kseg0, P, PAGE, procVa } from "../layout.js";
import type { ProcessHandle } from "../user/handle.js";

/**
 * A signal handler: runs synchronously in user mode as the process; it cannot block. The 4th
 * argument is the handle of the process it runs in (after fork, the child's handlers are the
 * parent's functions: they must use this handle, not one captured from the parent).
 */
export type SignalHandler = (
  signo: number,
  code: number,
  scpVa: number,
  self: ProcessHandle,
) => void;

/**
 * Why a process died, as the kernel's death hook reports it (`KernelOptions.onDeath`):
 * - exit: it called exit (or its main returned, and crt0 called exit);
 * - signal: a signal's default action (kill -9, an uncaught SIGSEGV, ...);
 * - threw: its code threw (its body, a signal handler, an entry that is not a generator);
 * - stack: it called into the kernel without the stack reserve (the machine's reserve.ts);
 * - fault-storm: its handler left the same instruction faulting on the same address
 *   `policy.maxFaultRepeats` times in a row;
 * - out-of-memory: no frame for a page it touched (no swap);
 * - host-error: a host error crossed a kernel path on its behalf (see kernel.ts).
 */
export type DeathCause =
  | "exit"
  | "signal"
  | "threw"
  | "stack"
  | "fault-storm"
  | "out-of-memory"
  | "host-error";

/** What the kernel must do when it next switches this process in. */
export const Resume = {
  /** Its user context is in its exception frame: restore and return (new, forked, preempted). */
  Frame: 0,
  /** It sleeps inside a system call: run the continuation, then return. */
  Syscall: 1,
} as const;

/**
 * The kernel's host-side view of a process. The proc entry, u-area, kernel stack, page tables
 * and every field read on a measured path live in simulated memory (see layout.ts); this
 * object holds what a real kernel keeps in code and registers: the execution context, the
 * continuation of a sleeping system call, and the list of frames to release at exit.
 * `stat` mirrors p_stat for the host-side run loop (which must not charge cycles).
 */
export class Proc {
  stat = 0;
  /** The pending system call's remaining work after a wakeup (returns a result or SLEEP). */
  cont: (() => number) | null = null;
  /** True while a system call of this process sleeps (its JS stub is parked). */
  syscallPending = false;
  /** Signal handler nesting depth (a blocking call from a handler is refused). */
  handlerDepth = 0;
  /** User text "addresses" of registered handlers: HANDLER_TEXT_BASE + 16 * index. */
  readonly handlers: SignalHandler[] = [];
  /** Page-table pages by root index (4 MiB of user space each). */
  readonly ptFrames = new Map<number, number>();
  /** Host mirrors of the segment bounds (the fault path loads them from the u-area). */
  dataStart = 0;
  brk = 0;
  stackLow = 0;
  stackTop = 0;
  exitStatus = 0;
  ctx!: ExecutionContext;
  handle!: ProcessHandle;
  /** shm attachments (host mirror of the u-area table). */
  shm: (Attachment | null)[] = [];
  /** Demand-filled private pages held (host count, for fork's memory check). */
  residentPages = 0;
  /**
   * Set when the process must die at the kernel's next boundary (null: it lives on). Set by
   * plain stores only (no call), so that it can be set with the stack exhausted; the
   * dispatcher or the end of its context carries the death out (sched/swtch.ts,
   * sched/dispatcher.ts). Its handle and CPU view refuse every call once it is set.
   */
  doomed: DeathCause | null = null;
  /** What the process threw (cause "threw"): handed to the death hook, never inspected. */
  thrown: unknown = undefined;
  /** The last fault delivered to a handler and retried (pc, address) and how many times in a row. */
  faultPc = -1;
  faultVa = -1;
  faultRepeats = 0;
  /**
   * Set by the blocking libc stubs (read, write, wait, sigpause, syscall) around their trap:
   * the stub yields right after it, so the kernel may switch the process out on its way back
   * to user mode (trap()'s want_resched); read and cleared at the system call's entry.
   */
  canYield = false;
  /** It yielded at its safepoint (user/handle.ts), not at a bare yield of its own. */
  atSafepoint = false;
  /** Switched out on its way back to user mode (want_resched); its return finishes at switch-in. */
  preempted = false;
  /** Free entry slots of the process's vm_map (vm/map.ts; the host side of its malloc). */
  mapFree: number[] = [];
  /** exec labels this process added to the accounting (bounded by policy.maxLabelsPerProcess). */
  labelsAdded = 0;

  constructor(
    readonly index: number,
    readonly pid: number,
    public ppid: number,
    readonly owner: number,
    readonly name: string,
    readonly uframe: number,
    readonly kframe: number,
    /** The name of the program (spawn's name), which forked children keep. */
    readonly progName: string = name,
  ) {}

  get asid(): number {
    return this.index + 1;
  }
  get procVa(): number {
    return procVa(this.index);
  }
  /** The u-area through kseg0 (valid whether or not this process is current). */
  get uVa(): number {
    return kseg0(this.uframe);
  }
  get kstackTopVa(): number {
    return kseg0(this.kframe, PAGE);
  }
  /** Sleep channel of wait() (the proc entry) and of sigpause() (its p_flag word). */
  get waitChan(): number {
    return this.procVa;
  }
  get pauseChan(): number {
    return this.procVa + P.FLAG;
  }
}
