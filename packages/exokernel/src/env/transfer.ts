import { type ExecutionContext, Reg } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { ObjectFreeze } from "../intrinsics.js";
import { Result } from "../result.js";
import { Call, isWord } from "../syscall/abi.js";
import type { Env } from "./env.js";
import type { Transfer } from "./handle-types.js";
import { trapNow } from "./stub.js";

/** An environment's control transfers: generators its thread runs with `yield*`. */
export interface Transfers {
  /** PCT or directed yield: trap with v0 = call, v1 = target (a0..a3 untouched), then yield. */
  transfer(call: number, target: unknown): Transfer;
  /** Ends the slice at once (the rest of it is forfeited), then yield. */
  yieldSlice(): Transfer;
  /** Yields only if the kernel asked the running context to switch (the slice ended). */
  safepoint(): Generator<unknown, void, unknown>;
}

/**
 * The transfers of `env`'s handle. Only `env`'s own running context may transfer (a host
 * window cannot yield): anything else is Refused, a destroyed env gets Dead. The generator
 * functions' prototypes are frozen (one env must not plant a `next` another's `yield*` runs).
 */
export function makeTransfers(k: Kernel, env: Env): Transfers {
  const cpu = k.cpu;

  /** The running context, if it is `env`'s; else the refusal (Dead or Refused). */
  function ownContext(): ExecutionContext | number {
    if (!env.alive) return Result.Dead;
    const ctx = k.machine.current;
    if (cpu.hostThrowPending && ctx !== null) k.noteHostThrow(ctx.tag as Env);
    if (!env.alive) return Result.Dead;
    if (ctx === null || ctx.tag !== env) return Result.Refused;
    return ctx;
  }

  function* transfer(call: number, target: unknown): Transfer {
    if (!env.alive) return Result.Dead;
    if (!isWord(target)) return Result.Invalid;
    const ctx = ownContext();
    if (typeof ctx === "number") return ctx;
    cpu.exec(COSTS["aegis.abi.stub"]);
    cpu.exec(COSTS["aegis.abi.arg"]);
    cpu.regs[Reg.v0] = call;
    cpu.regs[Reg.v1] = target;
    k.pendingFn = undefined;
    cpu.syscall();
    const r = cpu.regs[Reg.v0]!;
    if (r < 0) return r;
    yield;
    const out = k.transferResult.get(ctx) ?? Result.Ok;
    k.transferResult.delete(ctx);
    return env.alive ? out : Result.Dead;
  }

  function* yieldSlice(): Transfer {
    const ctx = ownContext();
    if (typeof ctx === "number") return ctx;
    const r = trapNow(k, Call.YieldSlice, 0, 0, 0, 0);
    if (r < 0) return r;
    yield;
    k.transferResult.delete(ctx);
    return env.alive ? Result.Ok : Result.Dead;
  }

  function* safepoint(): Generator<unknown, void, unknown> {
    if (env.alive && k.machine.current?.tag === env && cpu.switchPending) yield;
  }

  ObjectFreeze(transfer.prototype);
  ObjectFreeze(yieldSlice.prototype);
  ObjectFreeze(safepoint.prototype);
  return { transfer, yieldSlice, safepoint };
}

// biome-ignore lint/correctness/useYield: a refused transfer returns at once
export function* invalidTransfer(env: Env): Transfer {
  return env.alive ? Result.Invalid : Result.Dead;
}
// Shared by every handle: were it writable, one env could plant a `next` that another
// env's `yield*` runs on its own time.
ObjectFreeze(invalidTransfer.prototype);
