/**
 * The overheads admission adds to the task set, in cycles: what the kernel and the library
 * spend per job and per reserved slice. The kernel's part is computed from the exokernel's
 * own cost table and the machine's profile (the host hands them over: a library cannot
 * import the kernel's privileged entry); the library's part from its own costs.ts. No
 * figure here is a literal.
 */
import { COSTS } from "../costs.js";

/** Idle loop iterations between two looks at the ready list (sched/dispatcher.ts). */
export const IDLE_SPIN = 64;

/** What admission needs of the kernel: the cycles of three paths. */
export interface KernelCosts {
  /** An alarm interrupt delivered to the owner's handler and the return from it. */
  readonly alarmCycles: number;
  /** A system call of one argument (readCycles, setAlarm), trap to return. */
  readonly syscallCycles: number;
  /** The end of a slice and the switch into the next position's owner. */
  readonly sliceSwitchCycles: number;
}

/** A cost table as the kernel exports it: label → record with an instruction count. */
export type CountTable = Readonly<Record<string, { readonly instructions: number }>>;
/** The profile's machine operations the paths use. */
export interface ProfileCosts {
  readonly exceptionEntryCycles: number;
  readonly uncachedAccessCycles: number;
  readonly cachedAccessCycles: number;
}

const count = (t: CountTable, label: string): number => {
  const r = t[label];
  if (r === undefined) throw new RangeError(`the kernel's cost table has no label ${label}`);
  return r.instructions;
};

/**
 * The kernel's paths from its cost table (the labels of its alarm, its cycle counter and its
 * slice switch) and the machine's profile (trap entry, `rfe`, the uncached timer registers).
 *
 * - The alarm: the timer interrupt (trap, the timer's acknowledge and its reprogramming: two
 *   uncached accesses, `aegis.int.timer`, `aegis.int.alarmCheck`, `aegis.alarm.expire`,
 *   `rfe`), then the software interrupt that
 *   delivers it (trap, `aegis.int.alarmPost` when the owner was not running,
 *   `aegis.int.alarmDispatch` with its 3 save-area stores, `rfe` after the handler).
 * - A system call of the handler: `readCycles` (`aegis.sys.readCycles` and the counter's
 *   uncached read) or `setAlarm` (`aegis.sys.setAlarm`, the walk past every other armed
 *   alarm — at most one per other environment, `maxEnvironments` — and the timer register
 *   write), each with the stub, the crossing, trap and `rfe`: the larger of the two.
 * - The slice switch: the timer interrupt, the end-of-slice upcall, the switch.
 */
export function kernelCostsFrom(
  t: CountTable,
  p: ProfileCosts,
  maxEnvironments: number,
): KernelCosts {
  const trapAndReturn = p.exceptionEntryCycles + 1; // trap entry, rfe (a cp0 op, 1 cycle)
  const alarm =
    2 * trapAndReturn +
    2 * p.uncachedAccessCycles +
    count(t, "aegis.int.timer") +
    count(t, "aegis.int.alarmCheck") +
    count(t, "aegis.alarm.expire") +
    count(t, "aegis.int.alarmPost") +
    count(t, "aegis.int.alarmDispatch") +
    3 * p.cachedAccessCycles;
  const call =
    trapAndReturn +
    count(t, "aegis.abi.stub") +
    2 * count(t, "aegis.abi.arg") +
    count(t, "aegis.sys.crossing");
  const readCycles = call + count(t, "aegis.sys.readCycles") + p.uncachedAccessCycles;
  const setAlarm =
    call +
    count(t, "aegis.sys.setAlarm") +
    maxEnvironments * count(t, "aegis.alarm.walk") +
    p.uncachedAccessCycles;
  const slice =
    trapAndReturn +
    p.uncachedAccessCycles +
    count(t, "aegis.int.timer") +
    count(t, "aegis.int.endOfSlice") +
    count(t, "aegis.sched.sliceSwitch");
  return Object.freeze({
    alarmCycles: alarm,
    syscallCycles: Math.max(readCycles, setAlarm),
    sliceSwitchCycles: slice,
  });
}

/** Registers a context holds (a switch loads or stores each). */
const CONTEXT_REGS = 33;
/** Registers the alarm handler keeps around its calls (v0, a0..a2 stored; those and t0..t2 loaded). */
const HANDLER_SAVES = 4;
const HANDLER_RESTORES = 7;

const own = (label: keyof typeof COSTS): number => COSTS[label].instructions;

/** One context switch of the library: its instructions and 33 accesses. */
export function switchCycles(p: ProfileCosts): number {
  return own("realtime.sched.switch") + CONTEXT_REGS * p.cachedAccessCycles;
}

/**
 * Cycles charged to every job on top of its WCET, with n tasks in the set: one alarm
 * (delivery, the handler's walk of n tasks, the release, the preemption test, the re-arm,
 * its two system calls, its register saves), two picks over at most n ready jobs, three
 * switches (its own entry, and the leave and re-entry of the job it preempts), its start
 * and its end, and one idle-loop round (a release that comes while the loop spins is picked
 * up at the round's end).
 */
export function jobOverheadCycles(n: number, k: KernelCosts, p: ProfileCosts): number {
  const handler =
    k.alarmCycles +
    own("realtime.rt.release.entry") +
    n * own("realtime.rt.release.step") +
    own("realtime.rt.release.job") +
    own("realtime.rt.release.preempt") +
    own("realtime.rt.release.arm") +
    2 * k.syscallCycles +
    (HANDLER_SAVES + HANDLER_RESTORES) * p.cachedAccessCycles;
  return (
    handler +
    2 * n * own("realtime.rt.pick.step") +
    3 * switchCycles(p) +
    own("realtime.rt.job.start") +
    own("realtime.rt.job.done") +
    // The idle round's head load is among the record's counted instructions (loads: 1).
    IDLE_SPIN * own("realtime.rt.idle.spin")
  );
}

/** Cycles lost at the start of each reserved slice: the kernel's switch, a pick, a job's re-entry and the leave at the previous slice's end. */
export function sliceOverheadCycles(n: number, k: KernelCosts, p: ProfileCosts): number {
  return (
    k.sliceSwitchCycles +
    n * own("realtime.rt.pick.step") +
    2 * switchCycles(p) +
    own("realtime.rt.job.start")
  );
}
