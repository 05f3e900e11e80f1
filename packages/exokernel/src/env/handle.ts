import {
  ArgumentError,
  Category,
  type CpuView,
  Reg,
  type Thread,
} from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { DeadEnvironmentError, NotRunningError } from "../errors.js";
import { PCT_ASYNC, PCT_SYNC } from "../pct/pct.js";
import { Result } from "../result.js";
import { Call, isWord, REFILL_CODE } from "../syscall/abi.js";
import type { Env } from "./env.js";
import type { EnvHandle, RevokeRequest, Transfer } from "./handle-types.js";

const EMPTY: readonly number[] = Object.freeze([]);
/** The prefix of every kernel label in costs.ts. */
const KERNEL_LABEL = "aegis.";
const USER_CATEGORIES: ReadonlySet<number> = new Set([
  Category.User,
  Category.Memory,
  Category.RegSave,
  Category.RegRestore,
]);

/**
 * Builds an environment's handle: a frozen object of closures over the kernel and the env
 * record (no property leads to either). Each syscall stub:
 *   1. returns Dead if the env is destroyed;
 *   2. reads each argument once and checks its type (`isWord`, `typeof fn`) with no
 *      coercion — a hostile object's getters and valueOf are never run;
 *   3. refuses (Refused) if another environment is running; with nothing running (set-up
 *      time, tests) it runs the call as this env;
 *   4. charges the stub (li v0; moves; syscall), fills v0/a0..a3 and traps. The kernel
 *      validates the decoded registers and answers in v0.
 */
export function makeHandle(k: Kernel, env: Env): EnvHandle {
  const cpu = k.cpu;

  /** Runs `fn` as this env if it may: it is running, or nothing is. */
  function enter(fn: () => number): number {
    if (!env.alive) return Result.Dead;
    const act = k.activeEnv();
    if (act === env) return fn();
    if (act !== null) return Result.Refused;
    return k.runAs(env, fn, () => Result.Dead);
  }

  /**
   * The stub: its instructions (an interrupt, and with it an end-of-slice upcall that makes
   * calls of its own, may be taken inside them), then the registers and the function
   * argument are set and `syscall` traps at once (interrupts are off from the trap on).
   */
  function trap(
    call: number,
    nargs: number,
    a0: number,
    a1: number,
    a2: number,
    fn: unknown = undefined,
  ): number {
    cpu.exec(COSTS.stub.instructions + nargs, COSTS.stub.label);
    const regs = cpu.regs;
    regs[Reg.v0] = call;
    if (nargs > 0) regs[Reg.a0] = a0;
    if (nargs > 1) regs[Reg.a1] = a1;
    if (nargs > 2) regs[Reg.a2] = a2;
    k.pendingFn = fn;
    cpu.syscall();
    return regs[Reg.v0]!;
  }

  function call0(call: number): number {
    return enter(() => trap(call, 0, 0, 0, 0));
  }

  function call1(call: number, a0: unknown): number {
    if (!env.alive) return Result.Dead;
    if (!isWord(a0)) return Result.Invalid;
    return enter(() => trap(call, 1, a0, 0, 0));
  }

  function call3(call: number, a0: unknown, a1: unknown, a2: unknown): number {
    if (!env.alive) return Result.Dead;
    if (!isWord(a0) || !isWord(a1) || !isWord(a2)) return Result.Invalid;
    return enter(() => trap(call, 3, a0, a1, a2));
  }

  function callFn(call: number, a0: unknown, a1: unknown, fn: unknown, nargs: number): number {
    if (!env.alive) return Result.Dead;
    if (!isWord(a0) || !isWord(a1)) return Result.Invalid;
    if (fn !== null && typeof fn !== "function") return Result.Invalid;
    return enter(() => trap(call, nargs, a0, a1, 0, fn));
  }

  /** A transfer: trap with v0 = call, v1 = target (a0..a3 untouched), then yield. */
  function* transferGen(call: number, target: unknown): Transfer {
    if (!env.alive) return Result.Dead;
    if (!isWord(target)) return Result.Invalid;
    const ctx = k.machine.current;
    if (ctx === null || ctx.tag !== env) return Result.Refused;
    cpu.exec(COSTS.stub.instructions + 1, COSTS.stub.label);
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

  const view = makeView(k, env);

  const handle: EnvHandle = {
    get id() {
      return env.id;
    },
    get asid() {
      return env.asid;
    },
    get alive() {
      return env.alive;
    },
    cpu: view,
    allocFrame: (frame: unknown = -1) => call1(Call.AllocFrame, frame),
    frameOf: (cap: unknown) => call1(Call.FrameOf, cap),
    freeFrame: (cap: unknown) => call1(Call.FreeFrame, cap),
    grant: (cap: unknown, target: unknown, rights: unknown) =>
      call3(Call.Grant, cap, target, rights),
    dropCap: (cap: unknown) => call1(Call.DropCap, cap),
    tlbWrite: (va: unknown, cap: unknown, w: unknown) => call3(Call.TlbWrite, va, cap, w),
    tlbDelete: (va: unknown) => call1(Call.TlbDelete, va),
    guarantee: (va: unknown, cap: unknown, w: unknown) => call3(Call.Guarantee, va, cap, w),
    setHandler: (code: unknown, handler: unknown, saveAreaVa: unknown) => {
      const c = code === "refill" ? REFILL_CODE : code;
      return callFn(Call.SetHandler, c, saveAreaVa, handler, 2);
    },
    onEndOfSlice: (handler: unknown) => callFn(Call.OnEndOfSlice, 0, 0, handler, 0),
    onStartOfSlice: (entry: unknown) => callFn(Call.OnStartOfSlice, 0, 0, entry, 0),
    onRevoke: (handler: unknown) => callFn(Call.OnRevoke, 0, 0, handler, 0),
    setEntry: (kind: unknown, entry: unknown) => {
      const kd = kind === "sync" ? PCT_SYNC : kind === "async" ? PCT_ASYNC : -1;
      if (kd < 0) return env.alive ? Result.Invalid : Result.Dead;
      return callFn(Call.SetEntry, kd, 0, entry, 1);
    },
    pct: (target: unknown, kind: unknown): Transfer => {
      const kd = kind === "sync" ? Call.PctSync : kind === "async" ? Call.PctAsync : -1;
      if (kd < 0) return invalidTransfer(env);
      return transferGen(kd, target);
    },
    allocSlice: (position: unknown = -1) => call1(Call.AllocSlice, position),
    freeSlice: (position: unknown) => call1(Call.FreeSlice, position),
    yieldTo: (target: unknown) => transferGen(Call.YieldTo, target),
    yieldSlice: (): Transfer => yieldSliceGen(),
    safepoint: function* () {
      if (env.alive && k.machine.current?.tag === env && cpu.switchPending) yield;
    },
    repossessed: (): readonly number[] => {
      const n = call0(Call.Repossessed);
      if (n <= 0) return EMPTY;
      return Object.freeze(env.repossessed.slice(0, n));
    },
    exit: (status: unknown) => call1(Call.Exit, status),
    nullSyscall: () => call0(Call.Null),
    nullSyscallStack: () => call0(Call.NullStack),
  } as EnvHandle;

  function* yieldSliceGen(): Transfer {
    if (!env.alive) return Result.Dead;
    const ctx = k.machine.current;
    if (ctx === null || ctx.tag !== env) return Result.Refused;
    const r = trap(Call.YieldSlice, 0, 0, 0, 0);
    if (r < 0) return r;
    yield;
    k.transferResult.delete(ctx);
    return env.alive ? Result.Ok : Result.Dead;
  }

  Object.freeze(transferGen.prototype);
  Object.freeze(yieldSliceGen.prototype);
  return freezeAll(handle);
}

// biome-ignore lint/correctness/useYield: a refused transfer returns at once
function* invalidTransfer(env: Env): Transfer {
  return env.alive ? Result.Invalid : Result.Dead;
}
// Shared by every handle: were it writable, one env could plant a `next` that another
// env's `yield*` runs on its own time.
Object.freeze(invalidTransfer.prototype);

/**
 * Freezes an object the kernel hands out and every function reachable from its own
 * properties (methods, getters, and a generator function's prototype, which the generator
 * objects it returns inherit from): no handle or view gives a way to change code that the
 * kernel or another environment will run.
 */
function freezeAll<T extends object>(obj: T): T {
  for (const key of Reflect.ownKeys(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, key)!;
    for (const f of [d.value, d.get, d.set]) {
      if (typeof f !== "function") continue;
      const proto: unknown = Object.hasOwn(f, "prototype") ? f.prototype : undefined;
      if (proto !== null && typeof proto === "object") Object.freeze(proto);
      Object.freeze(f);
    }
  }
  return Object.freeze(obj);
}

/**
 * The env's CPU view: translated accesses, exec and registers, allowed only while this env
 * runs (or, with nothing running, as a set-up call). Arguments are type-checked before use
 * (ArgumentError), so no hostile object is ever coerced.
 */
function makeView(k: Kernel, env: Env): CpuView {
  const cpu = k.cpu;

  function check(): boolean {
    if (!env.alive) throw new DeadEnvironmentError(`environment ${env.id} was destroyed`);
    const act = k.activeEnv();
    if (act === env) return true;
    if (act !== null) {
      throw new NotRunningError(
        `environment ${env.id} called its CPU view while environment ${act.id} is running`,
      );
    }
    return false;
  }

  function as<T>(fn: () => T): T {
    if (check()) return fn();
    return k.runAs(env, fn, () => {
      throw new DeadEnvironmentError(`environment ${env.id} was destroyed during the call`);
    });
  }

  function num(what: string, x: unknown): number {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new ArgumentError(`${what} must be a finite number, got ${typeof x}`);
    }
    return x;
  }

  /** Marks a block operation for the exception path (its faults cannot be emulated). */
  function block(fn: () => void): void {
    const outer = k.blockAccess;
    k.blockAccess = true;
    try {
      fn();
    } finally {
      k.blockAccess = outer;
    }
  }

  function regIndex(x: unknown): number {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 33) {
      throw new ArgumentError("register index must be an integer in [0, 33]");
    }
    return x;
  }

  const view: CpuView = {
    load8: (va: unknown) => {
      const a = num("va", va);
      return as(() => cpu.load8(a));
    },
    load16: (va: unknown) => {
      const a = num("va", va);
      return as(() => cpu.load16(a));
    },
    load32: (va: unknown) => {
      const a = num("va", va);
      if (check()) return cpu.load32(a);
      return as(() => cpu.load32(a));
    },
    store8: (va: unknown, v: unknown) => {
      const a = num("va", va);
      const x = num("value", v);
      as(() => cpu.store8(a, x));
    },
    store16: (va: unknown, v: unknown) => {
      const a = num("va", va);
      const x = num("value", v);
      as(() => cpu.store16(a, x));
    },
    store32: (va: unknown, v: unknown) => {
      const a = num("va", va);
      const x = num("value", v);
      if (check()) cpu.store32(a, x);
      else as(() => cpu.store32(a, x));
    },
    copy: (dst: unknown, src: unknown, bytes: unknown) => {
      const d = num("dst", dst);
      const s = num("src", src);
      const n = num("bytes", bytes);
      as(() => block(() => cpu.copy(d, s, n)));
    },
    zero: (dst: unknown, bytes: unknown) => {
      const d = num("dst", dst);
      const n = num("bytes", bytes);
      as(() => block(() => cpu.zero(d, n)));
    },
    exec: (instructions: unknown, label: unknown, cat?: unknown) => {
      const n = num("instructions", instructions);
      if (typeof label !== "string" || label.length === 0 || label.startsWith(KERNEL_LABEL)) {
        // User work is never reported under the kernel's labels (costs.ts: "aegis.*").
        throw new ArgumentError('exec label must be a non-empty string outside "aegis.*"');
      }
      if (cat !== undefined && (typeof cat !== "number" || !USER_CATEGORIES.has(cat))) {
        throw new ArgumentError("user code may charge only user, memory, regSave or regRestore");
      }
      as(() => cpu.exec(n, label, (cat as Category | undefined) ?? Category.User));
    },
    reg: (i: unknown) => {
      const r = regIndex(i);
      return as(() => cpu.reg(r));
    },
    setReg: (i: unknown, v: unknown) => {
      const r = regIndex(i);
      const x = num("value", v);
      as(() => cpu.setReg(r, x));
    },
    addTrapping: (a: unknown, b: unknown) => {
      const x = num("a", a);
      const y = num("b", b);
      return as(() => cpu.addTrapping(x, y));
    },
    multiply: (a: unknown, b: unknown) => {
      const x = num("a", a);
      const y = num("b", b);
      if (check()) return cpu.multiply(x, y);
      return as(() => cpu.multiply(x, y));
    },
    coprocessor1: () => as(() => cpu.coprocessor1()),
    get now() {
      return cpu.now;
    },
    get switchPending() {
      return env.alive && k.machine.current?.tag === env && cpu.switchPending;
    },
  };
  return freezeAll(view);
}

export type { RevokeRequest, Thread };
