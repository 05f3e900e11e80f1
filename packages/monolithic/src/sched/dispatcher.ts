import type { Dispatcher, ExecutionContext } from "@exolab/machine/privileged";
import type { MonolithicKernel } from "../kernel.js";
import { SZOMB } from "../layout.js";
import { reap, terminate } from "../proc/exit.js";
import type { Proc } from "../proc/proc.js";
import { swtch } from "./swtch.js";

/** The kernel's Dispatcher for machine.run: every switch point goes through swtch(). */
export class KernelDispatcher implements Dispatcher {
  constructor(private readonly k: MonolithicKernel) {}

  pickNext(): ExecutionContext | null {
    return swtch(this.k);
  }

  /**
   * A context ended: normally by exit (already a zombie). A body that ended any other way
   * (its code threw, or was doomed and returned, or threw a ContextAbort of its own) is
   * terminated here as by SIGKILL, with the cause it was doomed for.
   */
  onContextEnd(ctx: ExecutionContext, _aborted: boolean): void {
    const k = this.k;
    k.cpu.exceptionDepth = 0;
    const p = ctx.tag as Proc | undefined;
    if (p === undefined || p.stat === 0) return;
    k.withKernel(() => {
      if (p.stat !== SZOMB) terminate(k, p, p.doomed ?? "threw");
      // No parent to collect it: its u-area and kernel stack go now that it is off them.
      if (p.ppid === 0) reap(k, p);
    });
  }
}
