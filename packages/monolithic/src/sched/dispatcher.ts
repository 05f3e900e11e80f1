import type { Dispatcher, ExecutionContext } from "@exolab/machine/privileged";
import type { MonolithicKernel } from "../kernel.js";
import { SZOMB } from "../layout.js";
import { exitProc, reap, waitStatusSignal } from "../proc/exit.js";
import type { Proc } from "../proc/proc.js";
import { swtch } from "./swtch.js";

/** The kernel's Dispatcher for machine.run: every switch point goes through swtch(). */
export class KernelDispatcher implements Dispatcher {
  constructor(private readonly k: MonolithicKernel) {}

  pickNext(): ExecutionContext | null {
    return swtch(this.k);
  }

  /**
   * A context ended: normally by exit (already a zombie); a body that threw ContextAbort
   * for another reason is terminated here (SIGKILL status).
   */
  onContextEnd(ctx: ExecutionContext, _aborted: boolean): void {
    const k = this.k;
    k.cpu.exceptionDepth = 0;
    const p = ctx.tag as Proc | undefined;
    if (p === undefined || p.stat === 0) return;
    k.withKernel(() => {
      if (p.stat !== SZOMB) exitProc(k, p, waitStatusSignal(9));
      // No parent to collect it: its u-area and kernel stack go now that it is off them.
      if (p.ppid === 0) reap(k, p);
    });
  }
}
