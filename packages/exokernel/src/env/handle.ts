import {
  ArgumentError,
  Category,
  type CpuView,
  isCost,
  Reg,
  type Thread,
} from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { DeadEnvironmentError, NotRunningError } from "../errors.js";
import {
  frozenArray,
  listPush,
  NumberIsFinite,
  NumberIsInteger,
  newList,
  ObjectFreeze,
  ObjectGetOwnPropertyDescriptor,
  ObjectHasOwn,
  ReflectOwnKeys,
  StringPrototypeStartsWith,
} from "../intrinsics.js";
import { PCT_ASYNC, PCT_SYNC } from "../pct/pct.js";
import { LABEL_OVERFLOW, Result } from "../result.js";
import { Call, isWord, REFILL_CODE } from "../syscall/abi.js";
import type { Env } from "./env.js";
import type { EnvHandle, RevokeRequest, Transfer } from "./handle-types.js";

const EMPTY: readonly number[] = ObjectFreeze(newList<number>());
/** The prefix of every kernel label in costs.ts. */
const KERNEL_LABEL = "aegis.";

/** The categories user code may charge: user, memory, regSave, regRestore. */
function userCategory(cat: unknown): boolean {
  return (
    cat === Category.User ||
    cat === Category.Memory ||
    cat === Category.RegSave ||
    cat === Category.RegRestore
  );
}

/**
 * Builds an environment's handle: a frozen object of closures over the kernel and the env
 * record (no property leads to either). Each syscall stub:
 *   1. returns Dead if the env is destroyed (or doomed);
 *   2. reads each argument once and checks its type (`isWord`, `typeof fn`) with no
 *      coercion — a hostile object's getters and valueOf are never run;
 *   3. refuses (Refused) unless this env's code is the code on the CPU: its running context,
 *      or a host window opened for it (`Aegis.actAs`, `boot`). With nothing running — a
 *      `setTimeout`, promise or microtask callback a libOS left behind — it gets nothing;
 *   4. charges the stub (li v0; moves; syscall), fills v0/a0..a3 and traps. The kernel
 *      validates the decoded registers and answers in v0.
 */
export function makeHandle(k: Kernel, env: Env): EnvHandle {
  const cpu = k.cpu;

  /** Runs `fn` if this env's code is the one on the CPU; else Refused (Dead if destroyed). */
  function enter(fn: () => number): number {
    if (!env.alive) return Result.Dead;
    const act = k.activeEnv();
    // A host error recorded on the running code's kernel call (its hook could not run).
    if (cpu.hostThrowPending && act !== null) {
      k.noteHostThrow(act);
      if (!env.alive) return Result.Dead;
    }
    if (act !== env) return Result.Refused;
    return fn();
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
    cpu.exec(COSTS["aegis.abi.stub"]);
    cpu.exec(COSTS["aegis.abi.arg"], nargs);
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
    if (cpu.hostThrowPending && ctx !== null) k.noteHostThrow(ctx.tag as Env);
    if (!env.alive) return Result.Dead;
    if (ctx === null || ctx.tag !== env) return Result.Refused;
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
      const out = newList<number>();
      for (let i = 0; i < n; i++) listPush(out, env.repossessed[i]!);
      return frozenArray(out);
    },
    exit: (status: unknown) => call1(Call.Exit, status),
    nullSyscall: () => call0(Call.Null),
    nullSyscallStack: () => call0(Call.NullStack),
  } as EnvHandle;

  function* yieldSliceGen(): Transfer {
    if (!env.alive) return Result.Dead;
    const ctx = k.machine.current;
    if (cpu.hostThrowPending && ctx !== null) k.noteHostThrow(ctx.tag as Env);
    if (!env.alive) return Result.Dead;
    if (ctx === null || ctx.tag !== env) return Result.Refused;
    const r = trap(Call.YieldSlice, 0, 0, 0, 0);
    if (r < 0) return r;
    yield;
    k.transferResult.delete(ctx);
    return env.alive ? Result.Ok : Result.Dead;
  }

  ObjectFreeze(transferGen.prototype);
  ObjectFreeze(yieldSliceGen.prototype);
  return freezeAll(handle);
}

// biome-ignore lint/correctness/useYield: a refused transfer returns at once
function* invalidTransfer(env: Env): Transfer {
  return env.alive ? Result.Invalid : Result.Dead;
}
// Shared by every handle: were it writable, one env could plant a `next` that another
// env's `yield*` runs on its own time.
ObjectFreeze(invalidTransfer.prototype);

/**
 * Freezes an object the kernel hands out and every function reachable from its own
 * properties (methods, getters, and a generator function's prototype, which the generator
 * objects it returns inherit from): no handle or view gives a way to change code that the
 * kernel or another environment will run.
 */
function freezeAll<T extends object>(obj: T): T {
  const keys = ReflectOwnKeys(obj);
  for (let i = 0; i < keys.length; i++) {
    const d = ObjectGetOwnPropertyDescriptor(obj, keys[i]!)!;
    freezeFunction(d.value);
    freezeFunction(d.get);
    freezeFunction(d.set);
  }
  return ObjectFreeze(obj);
}

function freezeFunction(f: unknown): void {
  if (typeof f !== "function") return;
  const proto: unknown = ObjectHasOwn(f, "prototype") ? f.prototype : undefined;
  if (proto !== null && typeof proto === "object") ObjectFreeze(proto);
  ObjectFreeze(f);
}

/**
 * The env's CPU view: translated accesses, exec and registers, allowed only while this env's
 * code is the code on the CPU (its context, or a host window opened for it); otherwise
 * NotRunningError (DeadEnvironmentError once destroyed), before anything is charged.
 * Arguments are type-checked before use (ArgumentError), so no hostile object is ever
 * coerced. `exec` takes only a record of a costs table (`defineCosts`; anything else, a copy
 * or a Proxy included, is an ArgumentError found without running any of it), whose label is
 * at most `policy.maxLabelLength` characters and not the kernel's (`aegis.*`) and whose
 * category is one user code may charge; at most `policy.labelQuota` distinct labels per env:
 * past the quota, work is charged under LABEL_OVERFLOW, so a libOS cannot grow host memory by
 * inventing labels.
 */
function makeView(k: Kernel, env: Env): CpuView {
  const cpu = k.cpu;

  function check(): void {
    if (!env.alive) throw new DeadEnvironmentError(`environment ${env.id} was destroyed`);
    const act = k.activeEnv();
    if (cpu.hostThrowPending && act !== null) {
      k.noteHostThrow(act);
      if (!env.alive) throw new DeadEnvironmentError(`environment ${env.id} was destroyed`);
    }
    if (act === env) return;
    if (act === null) {
      throw new NotRunningError(
        `environment ${env.id} called its CPU view with nothing running (outside its time)`,
      );
    }
    throw new NotRunningError(
      `environment ${env.id} called its CPU view while environment ${act.id} is running`,
    );
  }

  function num(what: string, x: unknown): number {
    if (typeof x !== "number" || !NumberIsFinite(x)) {
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
    if (typeof x !== "number" || !NumberIsInteger(x) || x < 0 || x > 33) {
      throw new ArgumentError("register index must be an integer in [0, 33]");
    }
    return x;
  }

  /** The label to charge `label` under: itself within the env's quota, else the overflow. */
  function quotaLabel(label: string): string {
    const labels = env.labels;
    if (labels.has(label)) return label;
    if (labels.size < k.policy.labelQuota) {
      labels.add(label);
      return label;
    }
    env.labelOverflows++;
    k.stats.labelOverflows++;
    return LABEL_OVERFLOW;
  }

  const view: CpuView = {
    load8: (va: unknown) => {
      const a = num("va", va);
      check();
      return cpu.load8(a);
    },
    load16: (va: unknown) => {
      const a = num("va", va);
      check();
      return cpu.load16(a);
    },
    load32: (va: unknown) => {
      const a = num("va", va);
      check();
      return cpu.load32(a);
    },
    store8: (va: unknown, v: unknown) => {
      const a = num("va", va);
      const x = num("value", v);
      check();
      cpu.store8(a, x);
    },
    store16: (va: unknown, v: unknown) => {
      const a = num("va", va);
      const x = num("value", v);
      check();
      cpu.store16(a, x);
    },
    store32: (va: unknown, v: unknown) => {
      const a = num("va", va);
      const x = num("value", v);
      check();
      cpu.store32(a, x);
    },
    copy: (dst: unknown, src: unknown, bytes: unknown) => {
      const d = num("dst", dst);
      const s = num("src", src);
      const n = num("bytes", bytes);
      check();
      block(() => cpu.copy(d, s, n));
    },
    zero: (dst: unknown, bytes: unknown) => {
      const d = num("dst", dst);
      const n = num("bytes", bytes);
      check();
      block(() => cpu.zero(d, n));
    },
    exec: (cost: unknown, times: unknown = 1) => {
      // A record of a costs table (defineCosts): frozen plain data, so each field is read once
      // and answers the same; asked of the machine's registry, which runs no code of the value.
      if (!isCost(cost)) {
        throw new ArgumentError("exec takes a record of a costs table (defineCosts)");
      }
      const label = cost.label;
      const cat = cost.category;
      if (
        label.length > k.policy.maxLabelLength ||
        StringPrototypeStartsWith(label, KERNEL_LABEL)
      ) {
        // User work is never reported under the kernel's labels (costs.ts: "aegis.*").
        throw new ArgumentError(
          `exec label must be at most ${k.policy.maxLabelLength} characters and outside "aegis.*"`,
        );
      }
      if (cat !== undefined && !userCategory(cat)) {
        throw new ArgumentError("user code may charge only user, memory, regSave or regRestore");
      }
      if (typeof times !== "number" || !NumberIsInteger(times) || times < 0) {
        throw new ArgumentError("exec times must be a non-negative integer");
      }
      check();
      cpu.execUnder(cost, times, quotaLabel(label), cat ?? Category.User);
    },
    reg: (i: unknown) => {
      const r = regIndex(i);
      check();
      return cpu.reg(r);
    },
    setReg: (i: unknown, v: unknown) => {
      const r = regIndex(i);
      const x = num("value", v);
      check();
      cpu.setReg(r, x);
    },
    addTrapping: (a: unknown, b: unknown) => {
      const x = num("a", a);
      const y = num("b", b);
      check();
      return cpu.addTrapping(x, y);
    },
    multiply: (a: unknown, b: unknown) => {
      const x = num("a", a);
      const y = num("b", b);
      check();
      return cpu.multiply(x, y);
    },
    coprocessor1: () => {
      check();
      return cpu.coprocessor1();
    },
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
