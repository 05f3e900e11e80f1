import { ArgumentError, Category, type CpuView, isCost } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { DeadEnvironmentError, NotRunningError } from "../errors.js";
import { NumberIsFinite, NumberIsInteger, StringPrototypeStartsWith } from "../intrinsics.js";
import { LABEL_OVERFLOW } from "../result.js";
import type { Env } from "./env.js";
import { freezeAll } from "./freeze.js";

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
export function makeView(k: Kernel, env: Env): CpuView {
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
    load32Used: (va: unknown) => {
      const a = num("va", va);
      check();
      return cpu.load32Used(a);
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
