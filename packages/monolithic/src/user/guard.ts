import { ContextAbort, checkStackReserve } from "@exolab/machine/privileged";
import { NotRunningError } from "../errors.js";
import type { MonolithicKernel } from "../kernel.js";
import { SRUN } from "../layout.js";
import type { Proc } from "../proc/proc.js";

/** What a doomed process's calls throw (shared and frozen: nothing allocated per call). */
const BEING_KILLED = Object.freeze(new ContextAbort("the process is being killed"));

/**
 * The first step of every call a process makes through its handle or its CPU view, before
 * anything happens:
 * 1. a doomed process (sched/swtch.ts) is unwound at once (inside `run`);
 * 2. the kernel stack reserve (the machine's reserve.ts): a process that dived into the host stack is
 *    doomed here, with nothing done (plain stores only: no stack is left for a call);
 * 3. the kernel must be running this very process, inside `run`: another process, a host
 *    callback after `run` returned (k.cur still names the last process then) or a dead
 *    process gets NotRunningError.
 */
export function enterFromProcess(k: MonolithicKernel, p: Proc): void {
  // Before the reserve: in a dive the reserve would fail again at every level (and a failing
  // check is slow). Only inside `run`: a host callback that uses the handle of the process
  // `run` stopped on (doomed, not yet killed: a limit ended `run` before the dispatcher) gets
  // NotRunningError like any other callback (the long fuzz found it, seed 20261207).
  if (p.doomed !== null && k.cur === p && k.inRun) throw BEING_KILLED;
  try {
    checkStackReserve();
  } catch (e) {
    if (k.inRun && k.cur === p && p.doomed === null) p.doomed = "stack";
    throw e;
  }
  if (!k.inRun || k.cur !== p || p.stat !== SRUN) {
    throw new NotRunningError(`process ${p.pid} is not running`);
  }
}
