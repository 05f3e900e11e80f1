/**
 * Regression tests for holes found in review, one per bug; each failed before its fix.
 *
 * 1. Hostile code that catches the ContextAbort unwinding it and returns into the kernel
 *    crashed the kernel (a KernelContractError out of Aegis.run / a set-up call).
 * 2. A caught ContextAbort hands its class to other hostile code: a live env's handler
 *    that threw a forged one was let through as a kernel unwinding (the env was not
 *    destroyed), abandoning the exception frames under it, and the leaked exception depth
 *    then refused or killed the next env to run.
 * 3. A save area outlived the guaranteed mapping and the capability it was checked against:
 *    after dropCap, the kernel still stored t0..t2 into a frame the env had no right to.
 * 4. The prototypes of the kernel's generator functions were reachable from a handle and
 *    mutable (one of them shared by every handle): an env could plant code that another
 *    env's `yield*` then ran on that env's time, with its rights.
 * 5. The constant tables every libOS imports and the kernel reads (Reg, ExcCode, Result,
 *    Rights, Resume…) were mutable: `Reg.v0 = 4` changed where the kernel decodes calls.
 * 6. Progress detection kept one (EPC, BadVAddr) record per env: a handler that took a
 *    nested fault of its own before returning Retry overwrote it, so an access retried
 *    forever was never caught, and the machine's own fault-storm guard threw a
 *    KernelContractError out of the kernel.
 * 7. User code could charge its work under the kernel's labels (`exec(n, "aegis.…")`),
 *    so a label report could show kernel paths the kernel never ran.
 * 8. A libOS's boot function ran with nothing running, so a handle of another env it had
 *    got hold of (module state shared by two instances) acted as that env.
 * 9. The function argument of a call was set aside before the stub's instructions: an
 *    end-of-slice upcall taken inside them that made a call itself consumed it, and the
 *    honest call failed with Invalid.
 */
import { describe, expect, it } from "vitest";
import {
  ArgumentError,
  Category,
  DeadEnvironmentError,
  type EnvHandle,
  ExcCode,
  IRQ,
  type LibOS,
  NotRunningError,
  OwnerKind,
  Reg,
  Resolution,
  Result,
  Resume,
  Rights,
  safepoint,
  type Thread,
} from "./index.js";

import { KERNEL_LABEL_COSTS, TEST_COSTS } from "./test-costs.js";
import { Aegis, counted, envWithSaveArea, expectDeath, hostedEnv, SAVE_VA } from "./test-util.js";

/** A handler that faults on itself and swallows whatever unwinds it (the ContextAbort). */
function swallowingHandler(h: EnvHandle): number {
  try {
    h.cpu.load32(0x1002); // unaligned again: nested AdEL, until the depth bound kills the env
  } catch {
    // A hostile libOS catches the kernel's unwinding throw and returns as if nothing happened.
  }
  return Resume.Retry;
}

describe("hostile code that catches the unwinding ContextAbort", () => {
  it("as a set-up call: the env dies, the call throws DeadEnvironmentError, the kernel is intact", () => {
    const aegis = new Aegis();
    expectDeath(aegis, "bad");
    const bad = envWithSaveArea(aegis, "bad");
    bad.setHandler(ExcCode.AdEL, swallowingHandler, SAVE_VA);
    const other = envWithSaveArea(aegis, "other");
    expect(() => bad.cpu.load32(0x1002)).toThrow(DeadEnvironmentError);
    expect(bad.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/nesting/);
    const cpu = aegis.machine.cpu;
    expect(cpu.exceptionDepth).toBe(0);
    expect(cpu.userMode).toBe(true);
    expect(other.nullSyscall()).toBe(Result.Ok);
    expect(bad.nullSyscall()).toBe(Result.Dead);
  });

  it("in a context, caught at every level: run goes on, others keep running", () => {
    const aegis = new Aegis();
    expectDeath(aegis, "bad");
    const bad = envWithSaveArea(aegis, "bad");
    bad.setHandler(ExcCode.AdEL, swallowingHandler, SAVE_VA);
    let after = "";
    bad.onStartOfSlice(function* (): Thread {
      try {
        bad.cpu.load32(0x1002);
      } catch {
        // swallowed again at the thread level
      }
      try {
        bad.cpu.exec(TEST_COSTS["test.after"], 10);
        after = "ran";
      } catch (e) {
        after = e instanceof DeadEnvironmentError ? "dead" : "other";
      }
      for (;;) yield; // a dead env's context is never resumed again
    });
    bad.allocSlice();
    const good = hostedEnv(aegis, "good");
    let work = 0;
    good.onStartOfSlice(function* (): Thread {
      for (;;) {
        good.cpu.exec(TEST_COSTS["test.work"], 1000);
        work++;
        yield* good.safepoint();
      }
    });
    good.allocSlice();
    expect(() => aegis.run({ untilCycle: 3 * aegis.policy.sliceCycles })).not.toThrow();
    expect(bad.alive).toBe(false);
    expect(after).toBe("dead");
    expect(good.alive).toBe(true);
    expect(work).toBeGreaterThan(500);
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  });

  it("a handler that exits and swallows its own unwinding does not return into the kernel", () => {
    const aegis = new Aegis();
    const bad = envWithSaveArea(aegis, "bad");
    bad.setHandler(
      ExcCode.Ov,
      (h) => {
        try {
          h.exit(3);
        } catch {
          // swallowed
        }
        return Resume.Retry;
      },
      SAVE_VA,
    );
    expect(() => bad.cpu.addTrapping(0x7fffffff, 1)).toThrow(DeadEnvironmentError);
    expect(aegis.deaths[0]!.exitStatus).toBe(3);
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  });
});

describe("a handler that interleaves a nested fault with a retry that never succeeds", () => {
  it("is still bounded: the env is destroyed, no fault storm reaches the machine", () => {
    const aegis = new Aegis();
    expectDeath(aegis, "bad");
    const bad = envWithSaveArea(aegis, "bad");
    let nested = false;
    let calls = 0;
    bad.setHandler(
      ExcCode.AdEL,
      (h) => {
        if (nested) {
          h.cpu.setReg(Reg.v0, 0);
          return Resume.Emulated; // the nested fault is fixed by emulation...
        }
        calls++;
        nested = true;
        h.cpu.load32(0x2002 + 4 * (calls % 3)); // ...a fault of its own, at another address
        nested = false;
        return Resume.Retry; // ...and the outer access is retried, unfixed, forever
      },
      SAVE_VA,
    );
    expect(() => bad.cpu.load32(0x1002)).toThrow(DeadEnvironmentError);
    expect(aegis.deaths[0]!.reason).toMatch(/no progress/);
    expect(calls).toBe(aegis.policy.faultRepeatLimit);
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  });
});

describe("a forged ContextAbort thrown by a live env", () => {
  /** A dies with a handler that catches its unwinding; returns what it caught. */
  function catchAbort(aegis: Aegis): unknown {
    const a = envWithSaveArea(aegis, "donor");
    let caught: unknown = null;
    a.setHandler(
      ExcCode.Ov,
      (h) => {
        try {
          h.exit(0);
        } catch (e) {
          caught = e;
        }
        return Resume.Retry;
      },
      SAVE_VA,
    );
    expect(() => a.cpu.addTrapping(0x7fffffff, 1)).toThrow(DeadEnvironmentError);
    expect(caught).not.toBe(null);
    return caught;
  }

  it("from a handler in a set-up call: the env is destroyed for throwing", () => {
    const aegis = new Aegis();
    expectDeath(aegis, "forger");
    const caught = catchAbort(aegis) as { constructor: new (r: string) => unknown };
    const b = envWithSaveArea(aegis, "forger");
    b.setHandler(
      ExcCode.Ov,
      () => {
        throw new caught.constructor("forged");
      },
      SAVE_VA,
    );
    expect(() => b.cpu.addTrapping(0x7fffffff, 1)).toThrow(DeadEnvironmentError);
    expect(b.alive).toBe(false);
    expect(aegis.deaths[1]!.reason).toMatch(/threw/);
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  });

  it("in a context: no exception depth leaks to the next env", () => {
    const aegis = new Aegis();
    expectDeath(aegis, "forger");
    const caught = catchAbort(aegis) as { constructor: new (r: string) => unknown };
    const b = envWithSaveArea(aegis, "forger");
    b.setHandler(
      ExcCode.Ov,
      () => {
        throw new caught.constructor("forged");
      },
      SAVE_VA,
    );
    b.onStartOfSlice(function* (): Thread {
      try {
        b.cpu.addTrapping(0x7fffffff, 1);
      } catch {
        // the forged abort comes back out; the thread goes on
      }
      for (;;) {
        b.cpu.exec(TEST_COSTS["test.b"], 100);
        yield;
      }
    });
    b.allocSlice();
    const c = hostedEnv(aegis, "c");
    const depths: number[] = [];
    c.onStartOfSlice(function* (): Thread {
      depths.push(aegis.machine.cpu.exceptionDepth);
      c.cpu.exec(TEST_COSTS["test.c"], 100);
    });
    c.allocSlice();
    aegis.run({ untilCycle: 3 * aegis.policy.sliceCycles });
    expect(b.alive).toBe(false);
    expect(depths.length).toBeGreaterThan(0);
    expect(depths.every((d) => d === 0)).toBe(true);
  });
});

describe("a save area is usable only while its writable guaranteed mapping exists", () => {
  it("after dropCap of a granted frame, no store reaches the frame: the exception is fatal", () => {
    const aegis = new Aegis();
    expectDeath(aegis, "b");
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const aCap = a.allocFrame();
    const frame = a.frameOf(aCap);
    const bCap = a.grant(aCap, b.id, Rights.Read | Rights.Write);
    expect(b.guarantee(SAVE_VA, bCap, 1)).toBe(Result.Ok);
    expect(b.setHandler(ExcCode.Ov, () => Resume.Retry, SAVE_VA)).toBe(Result.Ok);
    expect(b.dropCap(bCap)).toBe(Result.Ok);
    expect(() =>
      aegis.actAs(b.handle, () => {
        b.handle.cpu.setReg(Reg.t0, 0x5ec2e7);
        b.handle.cpu.addTrapping(0x7fffffff, 1);
      }),
    ).toThrow(DeadEnvironmentError);
    expect(b.alive).toBe(false);
    // A's frame was never written through B's old save area.
    for (let off = 0; off < 12; off += 4) {
      expect(aegis.machine.memory.read32(frame * 4096 + off)).toBe(0);
    }
    expect(a.frameOf(aCap)).toBe(frame);
  });

  it("tlbDelete of the save-area mapping disables it; guaranteeing it again re-enables it", () => {
    const aegis = new Aegis();
    expectDeath(aegis, /unhandled/);
    const a = envWithSaveArea(aegis, "a");
    let calls = 0;
    expect(
      a.setHandler(
        ExcCode.Ov,
        () => {
          calls++;
          a.cpu.setReg(Reg.v0, 7);
          return Resume.Emulated;
        },
        SAVE_VA,
      ),
    ).toBe(Result.Ok);
    expect(a.cpu.addTrapping(0x7fffffff, 1)).toBe(7);
    const cap = aegis.inspect(a.id).caps[0]!.name;
    expect(a.tlbDelete(SAVE_VA)).toBe(Result.Ok);
    // Re-guaranteed (here on a fresh frame): the kernel stores into the new frame.
    const cap2 = a.allocFrame();
    expect(a.guarantee(SAVE_VA, cap2, 1)).toBe(Result.Ok);
    // One host window: the registers it sets reach the exception it takes.
    aegis.actAs(a.handle, () => {
      a.handle.cpu.setReg(Reg.t0, 0x1234);
      expect(a.handle.cpu.addTrapping(0x7fffffff, 1)).toBe(7);
    });
    expect(aegis.machine.memory.read32(a.frameOf(cap2) * 4096)).toBe(0x1234);
    // The first frame was left alone after its mapping went away.
    expect(aegis.machine.memory.read32(a.frameOf(cap) * 4096)).not.toBe(0x1234);
    expect(a.tlbDelete(SAVE_VA)).toBe(Result.Ok);
    expect(() => a.cpu.addTrapping(0x7fffffff, 1)).toThrow(DeadEnvironmentError);
    expect(calls).toBe(2);
    expect(aegis.deaths[0]!.reason).toMatch(/unhandled/);
  });

  it("re-guaranteed read-only, the save area stays disabled", () => {
    const aegis = new Aegis();
    expectDeath(aegis, /unhandled/);
    const a = hostedEnv(aegis);
    const cap = a.allocFrame();
    a.guarantee(SAVE_VA, cap, 1);
    a.setHandler(
      ExcCode.Ov,
      (h) => {
        h.cpu.setReg(Reg.v0, 1);
        return Resume.Emulated;
      },
      SAVE_VA,
    );
    expect(a.cpu.addTrapping(0x7fffffff, 1)).toBe(1);
    expect(a.guarantee(SAVE_VA, cap, 0)).toBe(Result.Ok);
    expect(() => a.cpu.addTrapping(0x7fffffff, 1)).toThrow(DeadEnvironmentError);
  });
});

describe("nothing reachable from a handle can be changed to run code in another env", () => {
  function planted(obj: object): boolean {
    try {
      (obj as { next: unknown }).next = () => ({ done: true, value: 12345 });
    } catch {
      return false; // frozen: the assignment throws in strict mode
    }
    return Object.hasOwn(obj, "next");
  }

  it("generator prototypes and every function of the handle and its CPU view are frozen", () => {
    const aegis = new Aegis();
    const a = aegis.createEnvironment({ name: "a" });
    const b = aegis.createEnvironment({ name: "b" });
    const gens = [
      a.pct(b.id, "bogus" as "sync"),
      b.pct(a.id, "sync"),
      b.yieldTo(a.id),
      b.yieldSlice(),
      b.safepoint(),
    ];
    for (const g of gens) expect(planted(Object.getPrototypeOf(g))).toBe(false);
    // b's refused transfer still runs the kernel's code, not a's.
    const r = b.pct(a.id, "bogus" as "sync").next();
    expect(r).toEqual({ done: true, value: Result.Invalid });
    for (const h of [a, a.cpu]) {
      for (const key of Object.getOwnPropertyNames(h)) {
        const d = Object.getOwnPropertyDescriptor(h, key)!;
        for (const f of [d.value, d.get, d.set]) {
          if (typeof f === "function") expect(Object.isFrozen(f), key).toBe(true);
        }
      }
    }
  });
});

describe("the constant tables of the unprivileged API cannot be changed", () => {
  it("Reg, ExcCode, Category, Resolution, IRQ, OwnerKind, Result, Rights, Resume, safepoint", () => {
    const tables: object[] = [
      Reg,
      ExcCode,
      Category,
      Resolution,
      IRQ,
      OwnerKind,
      Result,
      Rights,
      Resume,
      Object.getPrototypeOf(safepoint({ switchPending: false })),
    ];
    for (const t of tables) {
      expect(Object.isFrozen(t)).toBe(true);
      expect(() => {
        (t as Record<string, unknown>).v0 = 4;
      }).toThrow(TypeError);
    }
    expect(Reg.v0).toBe(2);
  });
});

describe("user code cannot use the kernel's cost labels", () => {
  it("exec of a record labelled aegis.*, or of a copy of a record, is an ArgumentError and charges nothing", () => {
    const aegis = new Aegis(counted());
    const env = hostedEnv(aegis);
    const t = aegis.machine.now;
    expect(() => env.cpu.exec(KERNEL_LABEL_COSTS["aegis.sys.crossing"], 5)).toThrow(ArgumentError);
    expect(() => env.cpu.exec({ ...TEST_COSTS["libos.work"] }, 5)).toThrow(ArgumentError);
    expect(aegis.machine.now).toBe(t);
    env.cpu.exec(TEST_COSTS["libos.work"], 5);
    expect(aegis.machine.now).toBe(t + 5);
  });
});

describe("a boot function runs as the env it boots", () => {
  it("another env's handle is refused inside it", () => {
    const aegis = new Aegis();
    let first: EnvHandle | null = null;
    const seen: number[] = [];
    const libos: LibOS<null, number> = {
      name: "shared",
      boot(env) {
        if (first === null) {
          first = env;
          return 0;
        }
        seen.push(first.allocFrame(), first.nullSyscall());
        let threw = false;
        try {
          first.cpu.exec(TEST_COSTS["libos.x"], 1);
        } catch (e) {
          threw = e instanceof NotRunningError;
        }
        seen.push(threw ? 1 : 0, env.nullSyscall());
        return 1;
      },
    };
    aegis.boot(libos, null);
    const { api } = aegis.boot(libos, null);
    expect(api).toBe(1);
    expect(seen).toEqual([Result.Refused, Result.Refused, 1, Result.Ok]);
    expect(aegis.inspect(first!.id).frames).toEqual([]);
  });
});

describe("a call's function argument survives an upcall taken inside its stub", () => {
  it("every onRevoke call succeeds while end-of-slice handlers make calls of their own", () => {
    const aegis = new Aegis({ policy: { sliceCycles: 1000 } });
    const env = hostedEnv(aegis, "e");
    const handler = () => {};
    let eos = 0;
    env.onEndOfSlice((h) => {
      eos++;
      h.nullSyscall();
    });
    let bad = 0;
    let done = false;
    env.onStartOfSlice(function* (): Thread {
      for (let i = 0; i < 6000; i++) {
        env.cpu.exec(TEST_COSTS["test.pad"], 1 + (i % 7));
        if (env.onRevoke(handler) !== Result.Ok) bad++;
        yield* env.safepoint();
      }
      done = true;
    });
    env.allocSlice();
    aegis.run({ stopWhen: () => done });
    expect(eos).toBeGreaterThan(100);
    expect(bad).toBe(0);
  });
});
