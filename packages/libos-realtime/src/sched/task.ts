/**
 * The task model: periodic and sporadic tasks, every time in cycles of the machine's clock.
 *
 * - periodic: released at `offsetCycles + k * periodCycles`, k = 0, 1, 2, …
 * - sporadic: released by an event (an alarm, later a packet), two releases at least
 *   `periodCycles` apart (the minimum inter-arrival time); the analysis treats it as a
 *   periodic task of that period, its worst case.
 *
 * Each job of a task needs at most `wcetCycles` of CPU (measured cold, see the README) and
 * must finish within `deadlineCycles` of its release. Deadlines are constrained:
 * wcet <= deadline <= period.
 *
 * `checkTask` decodes a task spec from untrusted host data and gives the reason of a refusal
 * in one line; nothing is coerced (a string "5" is not a number).
 */

export type TaskKind = "periodic" | "sporadic";

export interface TaskSpec {
  /** A short name, for reports: 1..32 characters. */
  readonly name: string;
  readonly kind: TaskKind;
  /** Period (periodic) or minimum inter-arrival time (sporadic), cycles. */
  readonly periodCycles: number;
  /** Worst-case execution time of one job, cycles (the body's work, without the library's overheads). */
  readonly wcetCycles: number;
  /** Relative deadline, cycles (wcet <= deadline <= period). Default: the period. */
  readonly deadlineCycles?: number;
  /** First release, cycles after the task set starts (periodic only). Default 0. */
  readonly offsetCycles?: number;
  /** Frames of data the task's body uses, allocated and mapped at admission. Default 0. */
  readonly pages?: number;
  /**
   * The longest one job may wait for a resource held by a less important job or client
   * (one critical section: a queue's service, a channel's lower client's section and, for a
   * client that may ignore the hand-back, the rest of the slice it was lent). Counted by
   * admission. Default 0.
   */
  readonly blockingCycles?: number;
}

/** A checked task: every field present. */
export interface Task {
  readonly name: string;
  readonly kind: TaskKind;
  readonly periodCycles: number;
  readonly wcetCycles: number;
  readonly deadlineCycles: number;
  readonly offsetCycles: number;
  readonly pages: number;
  readonly blockingCycles: number;
}

/** The largest time the model takes: 2^40 cycles (about 12 hours at 25 MHz). */
export const MAX_CYCLES = 2 ** 40;
/** Most pages one task may ask for. */
export const MAX_TASK_PAGES = 64;

/** A refusal: `reason` is one line saying which field and why. */
export interface Refusal {
  readonly ok: false;
  readonly reason: string;
}
export type Checked<T> = { readonly ok: true; readonly value: T } | Refusal;

export const refuse = (reason: string): Refusal => Object.freeze({ ok: false, reason });

function cycles(name: string, field: string, v: unknown, min: number): string | null {
  if (typeof v !== "number") return `task "${name}": ${field} must be a number, got ${typeof v}`;
  if (Number.isNaN(v)) return `task "${name}": ${field} is NaN`;
  if (!Number.isInteger(v)) return `task "${name}": ${field} must be an integer, got ${v}`;
  if (v < min) return `task "${name}": ${field} must be at least ${min}, got ${v}`;
  if (v > MAX_CYCLES) return `task "${name}": ${field} above ${MAX_CYCLES} cycles, got ${v}`;
  return null;
}

/** Checks one task spec (untrusted): the task, or the reason it is refused. */
export function checkTask(spec: unknown): Checked<Task> {
  if (spec === null || typeof spec !== "object") return refuse("a task must be an object");
  const s = spec as Record<string, unknown>;
  const name = s.name;
  if (typeof name !== "string" || name.length < 1 || name.length > 32)
    return refuse("a task's name must be a string of 1 to 32 characters");
  if (s.kind !== "periodic" && s.kind !== "sporadic")
    return refuse(`task "${name}": kind must be "periodic" or "sporadic"`);
  const period = s.periodCycles;
  const e1 = cycles(name, "periodCycles", period, 1);
  if (e1 !== null) return refuse(period === 0 ? `task "${name}": period is 0` : e1);
  const e2 = cycles(name, "wcetCycles", s.wcetCycles, 1);
  if (e2 !== null) return refuse(e2);
  const deadline = s.deadlineCycles === undefined ? period : s.deadlineCycles;
  const e3 = cycles(name, "deadlineCycles", deadline, 1);
  if (e3 !== null) return refuse(e3);
  const offset = s.offsetCycles === undefined ? 0 : s.offsetCycles;
  const e4 = cycles(name, "offsetCycles", offset, 0);
  if (e4 !== null) return refuse(e4);
  const pages = s.pages === undefined ? 0 : s.pages;
  if (typeof pages !== "number" || !Number.isInteger(pages) || pages < 0 || pages > MAX_TASK_PAGES)
    return refuse(`task "${name}": pages must be an integer in [0, ${MAX_TASK_PAGES}]`);
  const blocking = s.blockingCycles === undefined ? 0 : s.blockingCycles;
  const e5 = cycles(name, "blockingCycles", blocking, 0);
  if (e5 !== null) return refuse(e5);
  const t = {
    name,
    kind: s.kind as TaskKind,
    periodCycles: period as number,
    wcetCycles: s.wcetCycles as number,
    deadlineCycles: deadline as number,
    offsetCycles: offset as number,
    pages,
    blockingCycles: blocking as number,
  };
  if (t.wcetCycles > t.deadlineCycles)
    return refuse(
      `task "${name}": WCET ${t.wcetCycles} cycles is above its deadline ${t.deadlineCycles}`,
    );
  if (t.wcetCycles + t.blockingCycles > t.deadlineCycles)
    return refuse(
      `task "${name}": WCET ${t.wcetCycles} plus blocking ${t.blockingCycles} cycles is above its deadline ${t.deadlineCycles}`,
    );
  if (t.deadlineCycles > t.periodCycles)
    return refuse(
      `task "${name}": deadline ${t.deadlineCycles} cycles is above its period ${t.periodCycles} (deadlines are constrained)`,
    );
  if (t.kind === "sporadic" && t.offsetCycles !== 0)
    return refuse(`task "${name}": a sporadic task has no offset (its releases are events)`);
  return { ok: true, value: Object.freeze(t) };
}

/** Checks a task set: every task, and distinct names. */
export function checkTaskSet(specs: unknown): Checked<readonly Task[]> {
  if (!Array.isArray(specs)) return refuse("a task set must be an array");
  if (specs.length > 64) return refuse("a task set has at most 64 tasks");
  const out: Task[] = [];
  const names = new Set<string>();
  for (const spec of specs) {
    const c = checkTask(spec);
    if (!c.ok) return c;
    if (names.has(c.value.name)) return refuse(`two tasks are named "${c.value.name}"`);
    names.add(c.value.name);
    out.push(c.value);
  }
  return { ok: true, value: Object.freeze(out) };
}

/** Utilisation of `tasks` with `overheadCycles` added to every job. */
export function utilisation(tasks: readonly Task[], overheadCycles = 0): number {
  let u = 0;
  for (const t of tasks) u += (t.wcetCycles + overheadCycles) / t.periodCycles;
  return u;
}
