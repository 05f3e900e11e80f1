import type { MachineProfile } from "./profiles.js";

/**
 * A thread of simulated control: a generator function body. `yield` means "I may be
 * descheduled here"; everything between yields is synchronous. See the execution model in
 * the README.
 */
export type Thread = Generator<unknown, void, unknown>;

export type ContextState = "new" | "live" | "done" | "aborted";

/**
 * An execution context: a generator plus the CPU state the run loop keeps for it while it is
 * parked: its notional PC and its Status (mode and interrupt enable). The general registers
 * are the CPU's single register file: a kernel that switches contexts saves and restores
 * them through charged stores and loads (`storeReg`/`loadReg`), as a real one does, and
 * protected control transfer passes them untouched.
 */
export class ExecutionContext {
  state: ContextState = "new";
  pc: number;
  status: number;
  /** Longest run between two resumptions, in cycles (tests check it against safepoint bounds). */
  maxStretchCycles = 0;
  /** Why it was aborted, when it was. */
  abortReason = "";
  /** Free for the kernel that owns the context (its environment, process, …). */
  tag: unknown = undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    public owner: number,
    readonly gen: Thread,
    status: number,
    pc: number,
  ) {
    this.status = status;
    this.pc = pc;
  }

  get finished(): boolean {
    return this.state === "done" || this.state === "aborted";
  }
}

/** What a kernel gives the run loop: which context to resume at each switch point. */
export interface Dispatcher {
  /** The context to resume now, or null to idle until the next event. */
  pickNext(): ExecutionContext | null;
  /** A context's body returned (`aborted` false) or was unwound by ContextAbort. */
  onContextEnd?(ctx: ExecutionContext, aborted: boolean): void;
}

export interface RunLimits {
  /** Stop once the clock reaches this cycle (at a switch point; idling stops exactly there). */
  untilCycle?: number;
  /** Stop when this returns true (checked at every switch point). */
  stopWhen?: () => boolean;
  /** Stop after this many resumptions. */
  maxResumes?: number;
}

export type RunOutcome = "stopped" | "cycle-limit" | "resume-limit" | "idle";

export interface RunResult {
  outcome: RunOutcome;
  cycles: number;
  resumes: number;
}

export function cyclesToMicros(profile: MachineProfile, cycles: number): number {
  return (cycles * profile.cycleNs) / 1000;
}
