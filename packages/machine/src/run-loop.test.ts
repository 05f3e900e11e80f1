import { describe, expect, it } from "vitest";
import {
  CATEGORY_COUNT,
  Category,
  ContextAbort,
  ExcCode,
  type ExecutionContext,
  KernelContractError,
  Machine,
  Resolution,
  SR_KERNEL_IE,
  safepoint,
  type Thread,
} from "./privileged.js";
import { HITS_ONLY, TEST_COSTS } from "./test-costs.js";

function machineWithTimerHandler(onTick: (m: Machine) => void = () => {}) {
  const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
  m.setExceptionHandler(ExcCode.Int, (cpu) => {
    m.timer.acknowledge();
    onTick(m);
    cpu.rfe();
    return Resolution.Retry;
  });
  return m;
}

describe("run loop", () => {
  it("resumes contexts in the order the dispatcher names them, each to its next yield", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const app = m.registerOwner(2, 1, "app");
    const log: string[] = [];
    function* body(name: string, steps: number): Thread {
      for (let i = 0; i < steps; i++) {
        log.push(`${name}${i}`);
        m.cpu.exec(TEST_COSTS["test.step"], 10);
        yield;
      }
    }
    const a = m.createContext("a", app, body("a", 3));
    const b = m.createContext("b", app, body("b", 3));
    const script = [a, a, b, a, b, b, b, a];
    let k = 0;
    const ended: string[] = [];
    const res = m.run({
      pickNext: () => (k < script.length ? script[k++]! : null),
      onContextEnd: (ctx, aborted) => ended.push(`${ctx.name}:${aborted}`),
    });
    expect(log).toEqual(["a0", "a1", "b0", "a2", "b1", "b2"]);
    expect(ended).toEqual(["b:false", "a:false"]);
    expect(a.state).toBe("done");
    expect(b.state).toBe("done");
    expect(res).toEqual({ outcome: "idle", cycles: 60, resumes: 8 });
  });

  it("each context keeps its own pc and status across switches", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const seen: number[] = [];
    function* body(): Thread {
      seen.push(m.cpu.pc, m.cpu.status);
      m.cpu.exec(TEST_COSTS["test.step"], 5);
      yield;
      seen.push(m.cpu.pc, m.cpu.status);
    }
    const u = m.createContext("u", 0, body(), { pc: 0x400000 });
    const k = m.createContext("k", 0, body(), { pc: 0x80010000, status: SR_KERNEL_IE });
    const order = [u, k, u, k];
    let i = 0;
    m.run({ pickNext: () => order[i++] ?? null });
    expect(seen).toEqual([
      0x400000,
      u.status,
      0x80010000,
      SR_KERNEL_IE,
      0x400014,
      u.status,
      0x80010014,
      SR_KERNEL_IE,
    ]);
  });

  it("with nothing runnable it idles to the next event, charged to Idle as the kernel", () => {
    let woken = false;
    const m = machineWithTimerHandler(() => {
      woken = true;
    });
    const app = m.registerOwner(2, 1, "app");
    // biome-ignore lint/correctness/useYield: a context body may run to its end without yielding
    function* body(): Thread {
      m.cpu.exec(TEST_COSTS["test.work"], 100);
    }
    const ctx = m.createContext("a", app, body());
    m.timer.start(5000, true);
    const armedAt = m.cpu.now;
    const before = m.snapshot();
    const res = m.run({ pickNext: () => (woken && !ctx.finished ? ctx : null) });
    const p = m.profile;
    expect(res.outcome).toBe("idle");
    // Idle from armedAt to the expiry, then the handler (entry, ack, rfe), then the work.
    const idleCycles = m.accounting.table[Category.Idle]! - before.table[Category.Idle]!;
    expect(idleCycles).toBe(5000);
    expect(m.cpu.now).toBe(
      armedAt + 5000 + p.exceptionEntryCycles + p.uncachedAccessCycles + p.cp0OpCycles + 100,
    );
    expect(m.accounting.table[app * CATEGORY_COUNT + Category.User]).toBe(100);
  });

  it("untilCycle stops idling exactly there; maxResumes and stopWhen stop at a switch point", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    m.events.schedule(10_000, "far", () => {});
    m.syncEvents();
    expect(m.run({ pickNext: () => null }, { untilCycle: 1234 })).toEqual({
      outcome: "cycle-limit",
      cycles: 1234,
      resumes: 0,
    });
    expect(m.cpu.now).toBe(1234);
    function* forever(): Thread {
      for (;;) {
        m.cpu.exec(TEST_COSTS["test.step"], 1);
        yield;
      }
    }
    const c = m.createContext("c", 0, forever());
    expect(m.run({ pickNext: () => c }, { maxResumes: 7 }).outcome).toBe("resume-limit");
    let n = 0;
    const r = m.run({ pickNext: () => c }, { stopWhen: () => ++n > 3 });
    expect(r).toEqual({ outcome: "stopped", cycles: 3, resumes: 3 });
  });

  it("a context picked past the limit (the dispatcher's own work crossed it) switches at its first safepoint", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    // A spinner that yields only at its safepoints, i.e. only when a switch is asked for.
    function* spin(): Thread {
      for (;;) {
        m.cpu.exec(TEST_COSTS["test.loop"], 100);
        yield* safepoint(m.cpu);
      }
    }
    const c = m.createContext("spin", 0, spin());
    // A kernel whose pick takes 500 cycles, and a driver's request at the limit (cycle 300)
    // that fires inside the pick, between two resumptions: the request must not be lost.
    m.events.schedule(300, "quantum", () => m.requestSwitch());
    // A backstop, so that a lost request shows as a wrong cycle, not as a hung test.
    m.events.schedule(50_000, "backstop", () => m.requestSwitch());
    m.syncEvents();
    const pickNext = () => {
      m.cpu.exec(TEST_COSTS["test.step"], 500);
      return c;
    };
    const r = m.run({ pickNext }, { untilCycle: 300 });
    expect(r.outcome).toBe("cycle-limit");
    // The pick (500) and one loop iteration (100): never the next slice's worth of spinning.
    expect(m.cpu.now).toBe(600);
    // Within the limit, a resumed context starts with no switch asked for: it spins to the
    // next request (cycle 2,000), not one iteration after its pick (1,200).
    m.events.schedule(2_000, "request", () => m.requestSwitch());
    m.syncEvents();
    const r2 = m.run({ pickNext }, { untilCycle: 40_000, maxResumes: 1 });
    expect(r2.outcome).toBe("resume-limit");
    expect(m.cpu.now).toBe(2_000);
  });

  it("a ContextAbort thrown by a handler unwinds the context: marked aborted, onContextEnd(true)", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const app = m.registerOwner(2, 1, "app");
    m.setExceptionHandler(ExcCode.Sys, () => {
      throw new ContextAbort("killed by the test kernel");
    });
    const after: string[] = [];
    function* victim(): Thread {
      m.cpu.exec(TEST_COSTS["test.step"], 10);
      yield;
      m.cpu.syscall();
      after.push("must not run");
    }
    // biome-ignore lint/correctness/useYield: a context body may run to its end without yielding
    function* other(): Thread {
      m.cpu.exec(TEST_COSTS["test.step"], 10);
    }
    const v = m.createContext("victim", app, victim());
    const o = m.createContext("other", app, other());
    const ends: [string, boolean][] = [];
    const order = [v, v, o];
    let i = 0;
    m.run({
      pickNext: () => order[i++] ?? null,
      onContextEnd: (ctx, aborted) => ends.push([ctx.name, aborted]),
    });
    expect(after).toEqual([]);
    expect(v.state).toBe("aborted");
    expect(v.finished).toBe(true);
    expect(v.abortReason).toBe("killed by the test kernel");
    expect(o.state).toBe("done");
    expect(ends).toEqual([
      ["victim", true],
      ["other", false],
    ]);
    expect(() => m.resume(v)).toThrow(KernelContractError);
  });

  // Regression test (was a bug, fixed): raise() (cpu/traps.ts) increments exceptionDepth and switches the owner to the kernel
  // without try/finally, so a ContextAbort thrown by a handler leaves exceptionDepth at 1 for
  // ever after (Machine.resume's catch does not reset it).
  it("after a ContextAbort from a handler no exception is left 'in progress'", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    m.setExceptionHandler(ExcCode.Sys, () => {
      throw new ContextAbort("killed");
    });
    // biome-ignore lint/correctness/useYield: a context body may run to its end without yielding
    function* victim(): Thread {
      m.cpu.syscall();
    }
    const v = m.createContext("victim", 0, victim());
    m.run({ pickNext: () => (v.finished ? null : v) });
    expect(v.state).toBe("aborted");
    expect(m.cpu.exceptionDepth).toBe(0);
  });

  it("a JS error other than ContextAbort propagates out of run and the machine stays usable", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    // biome-ignore lint/correctness/useYield: a context body may run to its end without yielding
    function* bad(): Thread {
      throw new RangeError("bug in the kernel under test");
    }
    const c = m.createContext("bad", 0, bad());
    expect(() => m.run({ pickNext: () => c })).toThrow(RangeError);
    expect(m.current).toBe(null);
    expect(m.run({ pickNext: () => null }).outcome).toBe("idle");
  });

  it("safepoint yields only when a switch is pending", () => {
    let ticks = 0;
    let requested = 0;
    const m = machineWithTimerHandler((mm) => {
      if (mm.current === null) return; // idle after the loop ended
      if (++ticks % 2 === 0) {
        mm.requestSwitch();
        requested++;
      }
    });
    let yields = 0;
    let safepoints = 0;
    function* loop(): Thread {
      for (let i = 0; i < 100; i++) {
        m.cpu.exec(TEST_COSTS["test.step"], 50);
        const pending = m.cpu.switchPending;
        safepoints++;
        yield* safepoint(m.cpu);
        if (pending) yields++;
      }
      m.timer.stop();
    }
    const c = m.createContext("loop", 0, loop());
    m.timer.start(1000);
    const res = m.run({ pickNext: () => (c.finished ? null : c) });
    expect(c.state).toBe("done");
    expect(safepoints).toBe(100);
    expect(ticks).toBe(5); // 100 * 50 cycles plus the handlers
    expect(requested).toBe(2);
    expect(yields).toBe(requested);
    expect(res.resumes).toBe(1 + yields);
    expect(m.cpu.switchPending).toBe(false); // a resume clears it
  });

  it("maxStretchCycles records the longest run between resumptions", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    function* body(): Thread {
      m.cpu.exec(TEST_COSTS["test.step"], 500);
      yield;
      m.cpu.exec(TEST_COSTS["test.step"], 2000);
      yield;
      m.cpu.exec(TEST_COSTS["test.step"], 100);
    }
    const c = m.createContext("c", 0, body());
    expect(c.maxStretchCycles).toBe(0);
    m.run({ pickNext: () => (c.finished ? null : c) });
    expect(c.maxStretchCycles).toBe(2000);
  });

  it("run is not re-entrant and a context cannot resume inside another", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const errors: unknown[] = [];
    let inner: ExecutionContext | null = null;
    function* a(): Thread {
      try {
        m.run({ pickNext: () => null });
      } catch (e) {
        errors.push(e);
      }
      try {
        m.resume(inner!);
      } catch (e) {
        errors.push(e);
      }
    }
    function* b(): Thread {}
    inner = m.createContext("b", 0, b());
    const c = m.createContext("a", 0, a());
    m.run({ pickNext: () => (c.finished ? null : c) });
    expect(errors.length).toBe(2);
    for (const e of errors) expect(e).toBeInstanceOf(KernelContractError);
  });

  // Regression test (was a bug, fixed): Machine.resume sets cpu.status from the context directly and never checks for a
  // pending interrupt, so a line asserted while interrupts were masked (a kernel context with
  // IEc = 0) is not taken when a context with interrupts enabled resumes; it waits until some
  // later rfe / setStatus / assertIrq, up to a whole timer period later.
  it("a pending interrupt is taken as soon as a context that enables it resumes", () => {
    const taken: number[] = [];
    const m = machineWithTimerHandler((mm) => taken.push(mm.cpu.now));
    // biome-ignore lint/correctness/useYield: a context body may run to its end without yielding
    function* masked(): Thread {
      m.cpu.exec(TEST_COSTS["test.masked"], 300); // the expiry at +100 stays pending (IEc = 0)
    }
    // biome-ignore lint/correctness/useYield: a context body may run to its end without yielding
    function* user(): Thread {
      m.cpu.exec(TEST_COSTS["test.user"], 10_000);
    }
    const k = m.createContext("k", 0, masked(), { status: SR_KERNEL_IE & ~1 });
    const u = m.createContext("u", 0, user());
    m.timer.start(100, true);
    const order = [k, u];
    let i = 0;
    m.run({ pickNext: () => order[i++] ?? null });
    expect(taken.length).toBe(1);
    expect(taken[0]).toBeLessThan(m.cpu.now - 10_000 + m.profile.exceptionEntryCycles + 1);
  });
});
