import { CALLEE_SAVED, type EnvHandle, Reg, Result, type Thread } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { G_LRPC_SAVE, G_TLRPC_SAVE, GLOBALS_VA } from "../layout.js";

/** The procedure a server exports: argument in, result out (it charges its own work). */
export type LrpcProcedure = (arg: number) => number;

type Gen<T> = Generator<unknown, T, unknown>;

/**
 * LRPC over the exokernel's synchronous protected control transfer: the argument travels
 * in a0 and the result comes back in a0 (registers are the message; the kernel's transfer
 * stub uses v0 and v1 itself). Untrusted LRPC: the client saves
 * all callee-saved registers before the transfer and restores them after the reply, since
 * it cannot trust the server to preserve them. Trusted LRPC (tlrpc): the client trusts the
 * server, which saves and restores only the callee-saved registers its procedure uses.
 * Single function, no permission check, single-threaded, as the paper's benchmark.
 */
export class Lrpc {
  /** Calls served (host-side statistics). */
  served = 0;

  constructor(private readonly env: EnvHandle) {}

  /**
   * Exports `proc` on this environment's synchronous entry. `trusted` servers save and
   * restore the callee-saved registers listed in `uses` around the procedure.
   */
  serve(proc: LrpcProcedure, trusted = false, uses: readonly number[] = []): number {
    if (typeof proc !== "function") return Result.Invalid;
    for (const r of uses) if (!CALLEE_SAVED.includes(r)) return Result.Invalid;
    const env = this.env;
    const saves = trusted ? [...uses] : [];
    return env.setEntry("sync", (caller: number) => this.#entry(caller, proc, saves));
  }

  /** Stops serving (later calls are refused by the kernel). */
  stop(): number {
    return this.env.setEntry("sync", null);
  }

  *#entry(caller: number, proc: LrpcProcedure, saves: readonly number[]): Thread {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.lrpc.server"]);
    const area = GLOBALS_VA + G_TLRPC_SAVE;
    for (const r of saves) cpu.store32(area + r * 4, cpu.reg(r));
    const result = proc(cpu.reg(Reg.a0));
    for (const r of saves) cpu.setReg(r, cpu.load32(area + r * 4));
    cpu.setReg(Reg.a0, result);
    this.served++;
    yield* this.env.pct(caller, "sync");
  }

  /**
   * Untrusted LRPC: saves all callee-saved registers, transfers to `server` with `arg` in a0,
   * restores them after the reply. Returns the server's result (a0); when the transfer
   * failed, `lastError` holds why and the value returned is meaningless.
   */
  *call(server: number, arg: number): Gen<number> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.lrpc.client"]);
    const area = GLOBALS_VA + G_LRPC_SAVE;
    for (const r of CALLEE_SAVED) cpu.store32(area + r * 4, cpu.reg(r));
    cpu.setReg(Reg.a0, arg);
    this.lastError = yield* this.env.pct(server, "sync");
    for (const r of CALLEE_SAVED) cpu.setReg(r, cpu.load32(area + r * 4));
    return cpu.reg(Reg.a0);
  }

  /** Trusted LRPC: no saves on the client side (the server preserves what it uses). */
  *callTrusted(server: number, arg: number): Gen<number> {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.lrpc.client"]);
    cpu.setReg(Reg.a0, arg);
    this.lastError = yield* this.env.pct(server, "sync");
    return cpu.reg(Reg.a0);
  }

  /** Result of the last call's transfer (Result.Ok, or why it failed: the returned a0 is then meaningless). */
  lastError = 0;
}
