import { describe, expect, it } from "vitest";
import {
  ContextAbort,
  ExcCode,
  entryHi,
  entryLo,
  Machine,
  OwnerKind,
  Resolution,
  SR_KERNEL_IE,
  SR_USER,
  TLB_D,
  TLB_V,
} from "./privileged.js";
import { TEST_COSTS } from "./test-costs.js";

/**
 * The exception entry is transactional with respect to host errors: whatever the host throws
 * between the entry and the handler's return leaves the CPU in the mode, owner and depth it
 * had before, and is reported to the kernel (issue: kernel mode leaked to user code through
 * JS stack exhaustion).
 */

function userMachine() {
  const m = new Machine({ memoryBytes: 1 << 20 });
  const user = m.registerOwner(OwnerKind.Application, 1, "app");
  const cpu = m.cpu;
  cpu.status = SR_USER;
  cpu.setOwner(user);
  return { m, cpu, user };
}

describe("a host throw inside an exception handler", () => {
  it("restores mode, owner and depth, records the throw and calls the kernel's hook once", () => {
    const { m, cpu, user } = userMachine();
    const boom = new Error("handler bug");
    m.setExceptionHandler(ExcCode.Sys, () => {
      throw boom;
    });
    let hooked = 0;
    cpu.onHostThrow = () => {
      hooked++;
    };
    expect(() => cpu.syscall()).toThrow(boom);
    expect(cpu.status).toBe(SR_USER);
    expect(cpu.userMode).toBe(true);
    expect(cpu.owner).toBe(user);
    expect(cpu.exceptionDepth).toBe(0);
    expect(cpu.hostThrows).toBe(1);
    expect(cpu.hostThrowPending).toBe(true);
    expect(hooked).toBe(1);
  });

  it("a kernel's ContextAbort is not a host throw (the state is restored all the same)", () => {
    const { m, cpu, user } = userMachine();
    m.setExceptionHandler(ExcCode.Bp, () => {
      throw new ContextAbort("destroyed");
    });
    expect(() => cpu.breakpoint()).toThrow(ContextAbort);
    expect(cpu.status).toBe(SR_USER);
    expect(cpu.owner).toBe(user);
    expect(cpu.exceptionDepth).toBe(0);
    expect(cpu.hostThrows).toBe(0);
    expect(cpu.hostThrowPending).toBe(false);
  });

  it("nested frames unwind to the outermost state", () => {
    const { m, cpu, user } = userMachine();
    m.setExceptionHandler(ExcCode.Sys, (c) => {
      // The kernel takes a breakpoint of its own, whose handler throws.
      c.breakpoint();
      c.rfe();
      return Resolution.Retry;
    });
    m.setExceptionHandler(ExcCode.Bp, () => {
      throw new RangeError("deep");
    });
    expect(() => cpu.syscall()).toThrow(RangeError);
    expect(cpu.status).toBe(SR_USER);
    expect(cpu.owner).toBe(user);
    expect(cpu.exceptionDepth).toBe(0);
    expect(cpu.hostThrows).toBe(2);
  });

  it("JS stack exhaustion at every depth never leaves user code in kernel mode", () => {
    const { m, cpu, user } = userMachine();
    // A kernel whose syscall path does some work (a charged store through kseg0, an exec).
    m.setExceptionHandler(ExcCode.Sys, (c) => {
      c.store32(0x80001000, 7);
      c.exec(TEST_COSTS["machine.test.work"], 5);
      c.rfe();
      return Resolution.Retry;
    });
    let leaks = 0;
    let calls = 0;
    const check = () => {
      if (!cpu.userMode || cpu.owner !== user || cpu.exceptionDepth !== 0) leaks++;
    };
    // The attack: recurse until the stack is nearly full, then trap at each level on the way back.
    const dive = (): void => {
      try {
        dive();
      } catch {}
      try {
        calls++;
        cpu.syscall();
      } catch {}
      check();
    };
    dive();
    expect(calls).toBeGreaterThan(1000);
    expect(leaks).toBe(0);
    // Some traps near the top of the stack failed: each was recorded for the kernel.
    expect(cpu.hostThrows).toBeGreaterThan(0);
    expect(cpu.status).toBe(SR_USER);
    expect(cpu.exceptionDepth).toBe(0);
  });
});

describe("the stack reserve: user-mode entries either have room for the kernel or do nothing", () => {
  it("a dive through exec with the timer ticking loses no timer event and leaves the clock exact", () => {
    const { m, cpu, user } = userMachine();
    const PERIOD = 1000;
    let interrupts = 0;
    m.setExceptionHandler(ExcCode.Int, (c) => {
      m.timer.acknowledge();
      interrupts++;
      c.rfe();
      return Resolution.Retry;
    });
    m.timer.start(PERIOD);
    let refused = 0;
    // Refusals not counted as host throws, and whether one came after a counted one.
    let uncounted = 0;
    let uncountedAfterCounted = false;
    const dive = (): void => {
      try {
        dive();
      } catch {}
      const before = cpu.now;
      const throwsBefore = cpu.hostThrows;
      try {
        // Every exec crosses at least one timer expiry: event service runs under it.
        cpu.exec(TEST_COSTS["machine.test.work"], 1500);
      } catch {
        refused++;
        // Refused with nothing done: no cycle charged, nothing taken off the queue.
        if (cpu.now !== before) throw new Error("a refused entry charged cycles");
        if (cpu.hostThrows === throwsBefore) {
          uncounted++;
          if (cpu.hostThrows > 0) uncountedAfterCounted = true;
        }
      }
    };
    dive();
    expect(refused).toBeGreaterThan(0);
    // Every refusal is the reserve's, counted as a host throw, except at the deepest levels of
    // the dive, where the call into the machine (exec's own frame, or the guard's) overflows
    // before the machine runs at all: the caller's own stack, as any call of its would.
    // Those come first as the dive unwinds, and are at most two levels.
    expect(uncountedAfterCounted).toBe(false);
    expect(uncounted).toBeLessThanOrEqual(2);
    expect(cpu.hostThrows).toBe(refused - uncounted);
    expect(cpu.userMode).toBe(true);
    expect(cpu.owner).toBe(user);
    // The clock still ticks at its exact cycles: one expiry per period so far, none lost.
    cpu.exec(TEST_COSTS["machine.test.work"], 10 * PERIOD);
    expect(m.timer.expiries).toBe(Math.floor(cpu.now / PERIOD));
    expect(interrupts).toBe(m.timer.expiries);
  });

  it("kernel-mode calls skip the check (a kernel path is inside a checked entry)", () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    m.cpu.status = SR_KERNEL_IE;
    let reached = 0;
    const dive = (): void => {
      try {
        dive();
      } catch {}
      try {
        m.cpu.exec(TEST_COSTS["machine.test.work"], 1);
        reached++;
      } catch {}
    };
    dive();
    expect(m.cpu.hostThrows).toBe(0);
    expect(reached).toBeGreaterThan(1000);
  });
});

describe("ContextAbort.is: a brand check that runs nothing of the value", () => {
  it("answers for real aborts only, without running a trap or a getter", () => {
    let traps = 0;
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          traps++;
          throw new Error("trap");
        },
        get() {
          traps++;
          throw new Error("trap");
        },
        has() {
          traps++;
          throw new Error("trap");
        },
      },
    );
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const forged = Object.create(ContextAbort.prototype);
    expect(ContextAbort.is(new ContextAbort("x"))).toBe(true);
    for (const v of [hostile, revoked, forged, { reason: "x" }, null, undefined, 42, "abort"]) {
      expect(ContextAbort.is(v)).toBe(false);
    }
    expect(traps).toBe(0);
  });

  it("cannot be replaced: the class and its prototype are frozen", () => {
    expect(Object.isFrozen(ContextAbort)).toBe(true);
    expect(Object.isFrozen(ContextAbort.prototype)).toBe(true);
    expect(() => {
      (ContextAbort as unknown as { is: () => boolean }).is = () => true;
    }).toThrow(TypeError);
  });

  it("the run loop rethrows a hostile thrown value untouched instead of inspecting it", () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const owner = m.registerOwner(OwnerKind.Application, 1, "app");
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const ctx = m.createContext(
      "thrower",
      owner,
      (function* () {
        if (owner >= 0) throw proxy;
        yield;
      })(),
    );
    let thrown: unknown;
    try {
      m.resume(ctx);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(proxy);
    expect(m.current).toBe(null);
  });
});

describe("entry points read each argument once", () => {
  function shifty(values: number[]) {
    let reads = 0;
    return {
      obj: {
        valueOf() {
          const v = values[Math.min(reads, values.length - 1)]!;
          reads++;
          return v;
        },
      },
      reads: () => reads,
    };
  }

  it("load32 and store32 coerce the address and the value once, fast path or slow", () => {
    for (const fast of [true, false]) {
      const m = new Machine({ memoryBytes: 1 << 20, fastTlbIndex: fast });
      const cpu = m.cpu;
      cpu.setAsid(1);
      cpu.tlbWriteIndexed(10, entryHi(0x10, 1), entryLo(20, TLB_V | TLB_D));
      cpu.status = SR_USER;
      // First read: a mapped address; later reads would point at the host map or elsewhere.
      const addr = shifty([0x10008, 0x7ffff000, 0x10]);
      const value = shifty([0x1234, 0x5678]);
      cpu.store32(addr.obj as unknown as number, value.obj as unknown as number);
      expect(addr.reads()).toBe(1);
      expect(value.reads()).toBe(1);
      expect(m.memory.read32(20 * 4096 + 8)).toBe(0x1234);
      const again = shifty([0x10008, 0x7ffff000]);
      expect(cpu.load32(again.obj as unknown as number)).toBe(0x1234);
      expect(again.reads()).toBe(1);
    }
  });
});
