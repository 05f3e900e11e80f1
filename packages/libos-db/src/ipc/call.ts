import { CALLEE_SAVED, type EnvHandle, Reg, Result, type Thread } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { CALL_SAVE_VA } from "../layout.js";

/** A procedure another environment may call: argument in, result out (it charges its own work). */
export type Procedure = (arg: number) => number;

/**
 * Calls into another environment by synchronous protected control transfer. The registers
 * are the message: the argument goes in a0 and the result comes back in a0 (the kernel's
 * transfer stub uses v0 and v1 itself). The caller cannot trust the callee with its
 * registers, so it saves its callee-saved registers before the transfer and restores them
 * after the reply.
 */
export class Calls {
  /** The last call's transfer result: Ok, or why it failed (the value returned is then meaningless). */
  lastError: number = Result.Ok;

  constructor(private readonly env: EnvHandle) {}

  // #region serve
  /** Exports `proc` on this environment's synchronous entry. */
  serve(proc: Procedure): number {
    if (typeof proc !== "function") return Result.Invalid;
    return this.env.setEntry("sync", (caller) => this.#entry(caller, proc));
  }
  // #endregion serve

  /** Stops serving: later calls are refused by the kernel. */
  stop(): number {
    return this.env.setEntry("sync", null);
  }

  // #region call
  /** Calls `server`'s procedure with `arg`; returns its result (see `lastError`). */
  *call(server: number, arg: number): Generator<unknown, number, unknown> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.call.client"]);
    for (const r of CALLEE_SAVED) cpu.store32(CALL_SAVE_VA + r * 4, cpu.reg(r));
    cpu.setReg(Reg.a0, arg);
    this.lastError = yield* this.env.pct(server, "sync");
    for (const r of CALLEE_SAVED) cpu.setReg(r, cpu.load32(CALL_SAVE_VA + r * 4));
    return cpu.reg(Reg.a0);
  }

  /**
   * The entry the kernel starts afresh for each call, with the caller's registers: run the
   * procedure on a0, answer in a0, transfer back. The entry ends after its reply.
   */
  *#entry(caller: number, proc: Procedure): Thread {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.call.server"]);
    cpu.setReg(Reg.a0, proc(cpu.reg(Reg.a0)));
    yield* this.env.pct(caller, "sync");
  }
  // #endregion call
}
