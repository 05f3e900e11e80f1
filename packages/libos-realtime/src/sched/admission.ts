/**
 * Admission control: a task set is admitted only when the analysis proves that every job
 * meets its deadline in the library's reserved supply, with every overhead counted.
 *
 * Each job is charged `jobOverheadCycles` on top of its WCET: its release (the alarm
 * interrupt through the kernel and the library's handler), the pick of the next job and
 * two thread switches (the job's own start and end; a job that preempts another is charged
 * the preempted job's switch out and back, since each job preempts at most once at its
 * release). Switch-in costs at the start of each reserved slice are taken out of the supply
 * (`Supply`, sliceOverheadCycles).
 *
 * - EDF: the processor-demand test against the supply bound function: for every absolute
 *   deadline t up to a bound, dbf(t) + b(t) <= sbf(t), where b(t) is the largest blocking
 *   (`blockingCycles`) of a task due within t: the jobs due by t can be held up by one
 *   critical section of a less important job (priority inheritance lets no second one in),
 *   and each task declares the longest such section it can meet. The bound: dbf(t) <= U t +
 *   B (B the sum of U_i (T_i - D_i)), b(t) <= max b_i, and sbf(t) >= rate (t - delay), so
 *   past t* = (B + max b_i + rate * delay) / (rate - U) nothing can fail. U >= rate is
 *   refused.
 * - RM (fixed priorities by period, ties by deadline then position): response-time analysis
 *   in the supply: R_i is the least t with C_i + B_i + sum over higher-priority j of
 *   ceil(t / T_j) C_j <= sbf(t) (B_i the task's blocking); admitted when R_i <= D_i for
 *   every task.
 *
 * A refusal says which test failed, for which task, with the figures.
 */
import type { Supply } from "./supply.js";
import type { Task } from "./task.js";

export type SchedPolicy = "edf" | "rm";

/** The deadline points the EDF test may examine before it gives up (refusal). */
export const MAX_DEMAND_POINTS = 200_000;

export interface Admitted {
  readonly ok: true;
  /** Utilisation with the job overheads, against `supplyRate`. */
  readonly utilisation: number;
  readonly supplyRate: number;
  /** RM: each task's response-time bound (cycles, the task set's order); EDF: each deadline. */
  readonly responseBoundCycles: readonly number[];
}
export interface NotAdmitted {
  readonly ok: false;
  readonly reason: string;
  readonly utilisation: number;
  readonly supplyRate: number;
}
export type Admission = Admitted | NotAdmitted;

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

/** Priority order for RM: shorter period first, then shorter deadline, then set order. */
export function rmOrder(tasks: readonly Task[]): number[] {
  return tasks
    .map((_, i) => i)
    .sort(
      (a, b) =>
        tasks[a]!.periodCycles - tasks[b]!.periodCycles ||
        tasks[a]!.deadlineCycles - tasks[b]!.deadlineCycles ||
        a - b,
    );
}

export function admit(
  policy: SchedPolicy,
  tasks: readonly Task[],
  supply: Supply,
  jobOverheadCycles: number,
): Admission {
  let u = 0;
  for (const t of tasks) u += (t.wcetCycles + jobOverheadCycles) / t.periodCycles;
  const rate = supply.rate;
  const no = (reason: string): NotAdmitted => ({
    ok: false,
    reason,
    utilisation: u,
    supplyRate: rate,
  });
  if (tasks.length === 0)
    return { ok: true, utilisation: 0, supplyRate: rate, responseBoundCycles: [] };
  if (supply.perPeriodCycles === 0) return no("no reserved slice: the library has no supply");
  if (u > rate || (policy === "edf" && u === rate))
    return no(
      `utilisation ${pct(u)} with the overheads (${jobOverheadCycles} cycles a job) is not below the reserved supply ${pct(rate)}`,
    );
  return policy === "edf"
    ? edf(tasks, supply, jobOverheadCycles, u, no)
    : rm(tasks, supply, jobOverheadCycles, u, no);
}

function edf(
  tasks: readonly Task[],
  supply: Supply,
  j: number,
  u: number,
  no: (r: string) => NotAdmitted,
): Admission {
  let b = 0;
  let maxD = 0;
  let maxBlocking = 0;
  for (const t of tasks) {
    b += ((t.wcetCycles + j) / t.periodCycles) * (t.periodCycles - t.deadlineCycles);
    maxD = Math.max(maxD, t.deadlineCycles);
    maxBlocking = Math.max(maxBlocking, t.blockingCycles);
  }
  const horizon = Math.max(
    maxD,
    (b + maxBlocking + supply.rate * supply.delayCycles) / (supply.rate - u),
  );
  let points = 0;
  for (const t of tasks) points += Math.floor((horizon - t.deadlineCycles) / t.periodCycles) + 1;
  if (points > MAX_DEMAND_POINTS)
    return no(
      `utilisation ${pct(u)} is too close to the supply ${pct(supply.rate)} to verify (${points} deadlines to check, at most ${MAX_DEMAND_POINTS})`,
    );
  // Every absolute deadline up to the horizon, in increasing order (merged per task).
  const next = tasks.map((t) => t.deadlineCycles);
  for (;;) {
    let at = Number.POSITIVE_INFINITY;
    for (const d of next) if (d < at) at = d;
    if (at > horizon) break;
    let demand = 0;
    let blocking = 0;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      if (at >= t.deadlineCycles) {
        demand += (Math.floor((at - t.deadlineCycles) / t.periodCycles) + 1) * (t.wcetCycles + j);
        if (t.blockingCycles > blocking) blocking = t.blockingCycles;
      }
      if (next[i] === at) next[i] = at + t.periodCycles;
    }
    const s = supply.sbf(at);
    if (demand + blocking > s)
      return no(
        blocking === 0
          ? `EDF: the jobs due within ${at} cycles need ${demand} cycles, the reserved slices supply ${s}`
          : `EDF: the jobs due within ${at} cycles need ${demand} cycles and may be blocked ${blocking}, the reserved slices supply ${s}`,
      );
  }
  return {
    ok: true,
    utilisation: u,
    supplyRate: supply.rate,
    responseBoundCycles: tasks.map((t) => t.deadlineCycles),
  };
}

function rm(
  tasks: readonly Task[],
  supply: Supply,
  j: number,
  u: number,
  no: (r: string) => NotAdmitted,
): Admission {
  const order = rmOrder(tasks);
  const bounds: number[] = new Array(tasks.length).fill(0);
  for (let k = 0; k < order.length; k++) {
    const t = tasks[order[k]!]!;
    const c = t.wcetCycles + j + t.blockingCycles;
    let r = supply.inverse(c);
    for (;;) {
      if (r > t.deadlineCycles)
        return no(
          `RM: task "${t.name}" may respond in ${r} cycles, after its deadline ${t.deadlineCycles}`,
        );
      let w = c;
      for (let h = 0; h < k; h++) {
        const hp = tasks[order[h]!]!;
        w += Math.ceil(r / hp.periodCycles) * (hp.wcetCycles + j);
      }
      const r2 = supply.inverse(w);
      if (r2 === r) break;
      r = r2;
    }
    bounds[order[k]!] = r;
  }
  return { ok: true, utilisation: u, supplyRate: supply.rate, responseBoundCycles: bounds };
}
