import { describe, expect, it } from "vitest";
import {
  ExcCode,
  IRQ,
  KSEG0,
  KSEG1,
  Machine,
  Resolution,
  SR_IEC,
  SR_KERNEL_IE,
  SR_USER,
} from "./privileged.js";
import { HITS_ONLY, TEST_COSTS } from "./test-costs.js";

/** A machine whose Int handler records the cycle it starts at, acknowledges and returns. */
function timed(opts: { trace?: boolean } = {}) {
  const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20, trace: opts.trace === true });
  const at: number[] = [];
  m.setExceptionHandler(ExcCode.Int, (cpu) => {
    at.push(cpu.now);
    m.timer.acknowledge();
    cpu.rfe();
    return Resolution.Retry;
  });
  return { m, cpu: m.cpu, at };
}

describe("interval timer: interrupts at their exact cycles", () => {
  it("startAt: the first expiry at an absolute cycle, then periodic or once; readCounter", () => {
    const { m, cpu, at } = timed();
    const p = m.profile;
    cpu.status = SR_USER;
    const t0 = cpu.now;
    m.timer.startAt(t0 + 777, 1000);
    expect(cpu.now).toBe(t0 + p.uncachedAccessCycles); // one register write
    expect(m.timer.periodic).toBe(true);
    cpu.exec(TEST_COSTS["test.work"], 3000);
    expect(at.slice(0, 3)).toEqual(
      [0, 1, 2].map((k) => t0 + 777 + k * 1000 + p.exceptionEntryCycles),
    );
    // One-shot at an absolute cycle: once, then stopped.
    const t1 = cpu.now;
    at.length = 0;
    m.timer.startAt(t1 + 500, 1000, true);
    cpu.exec(TEST_COSTS["test.work"], 3000);
    expect(at).toEqual([t1 + 500 + p.exceptionEntryCycles]);
    expect(m.timer.periodic).toBe(false);
    expect(m.timer.running).toBe(false);
    // A cycle in the past fires at once.
    at.length = 0;
    const t2 = cpu.now;
    m.timer.startAt(t2 - 50, 1000, true);
    cpu.exec(TEST_COSTS["test.work"], 10);
    expect(at.length).toBe(1);
    expect(at[0]! - t2).toBeLessThanOrEqual(p.uncachedAccessCycles + p.exceptionEntryCycles + 1);
    // The counter: the clock at the read, one uncached access.
    const before = cpu.now;
    const c = m.timer.readCounter();
    expect(c).toBe(before + p.uncachedAccessCycles);
    expect(cpu.now).toBe(c);
    expect(() => m.timer.startAt(1.5, 1000)).toThrow(/integers/);
    expect(() => m.timer.startAt(10, 0)).toThrow(/integers/);
  });

  it("a periodic timer's handler starts at start + k*period + exception entry, without drift", () => {
    const { m, cpu, at } = timed();
    const p = m.profile;
    cpu.status = SR_USER;
    const period = 1000;
    m.timer.start(period);
    const start = cpu.now;
    cpu.exec(TEST_COSTS["test.work"], 10_500);
    const handlerCycles = p.exceptionEntryCycles + p.uncachedAccessCycles + p.cp0OpCycles;
    expect(at).toEqual(
      Array.from({ length: 10 }, (_, k) => start + (k + 1) * period + p.exceptionEntryCycles),
    );
    // The exec is split at each expiry: its cycles plus ten handlers, nothing more.
    expect(cpu.now).toBe(start + 10_500 + 10 * handlerCycles);
    expect(m.timer.expiries).toBe(10);
    expect(m.timer.nextExpiry).toBe(start + 11 * period);
  });

  it("a long exec is split at the event; the trace shows the work resumed after the handler", () => {
    const { m, cpu, at } = timed({ trace: true });
    cpu.status = SR_USER;
    m.timer.start(300, true);
    const start = cpu.now;
    cpu.exec(TEST_COSTS["test.long"], 1000);
    expect(at).toEqual([start + 300 + m.profile.exceptionEntryCycles]);
    const tr = m.tracer!;
    const spans = tr.starts
      .map((s, i) => ({ s, d: tr.durs[i]!, label: tr.labels[tr.labelIds[i]!] }))
      .filter((x) => x.label === "test.long");
    expect(spans.map((x) => x.d)).toEqual([300, 700]);
    expect(spans[0]!.s).toBe(start);
    expect(spans[1]!.s).toBeGreaterThan(start + 300);
    expect(m.timer.running).toBe(false);
  });

  it("masked interrupts (IEc = 0) stay pending until setStatus enables them", () => {
    const { m, cpu, at } = timed();
    cpu.status = SR_USER & ~SR_IEC;
    m.timer.start(100, true);
    const fire = cpu.now + 100;
    cpu.exec(TEST_COSTS["test.masked"], 500);
    expect(at).toEqual([]);
    expect(cpu.cause & (1 << (8 + IRQ.Timer))).not.toBe(0);
    const before = cpu.now;
    expect(before).toBeGreaterThan(fire);
    cpu.status = SR_KERNEL_IE & ~SR_IEC;
    cpu.setStatus(SR_KERNEL_IE);
    expect(at).toEqual([before + m.profile.cp0OpCycles + m.profile.exceptionEntryCycles]);
  });

  it("an interrupt that arrives inside a handler is taken right after its rfe", () => {
    const { m, cpu, at } = timed();
    const order: string[] = [];
    m.setExceptionHandler(ExcCode.Sys, (c) => {
      order.push("sys");
      c.exec(TEST_COSTS["test.syscall.body"], 400); // crosses the expiry with IEc = 0
      order.push(`sys-done:${at.length}`);
      c.rfe();
      order.push(`after-rfe:${at.length}`);
      return Resolution.Retry;
    });
    cpu.status = SR_USER;
    m.timer.start(100, true);
    cpu.syscall();
    expect(order).toEqual(["sys", "sys-done:0", "after-rfe:1"]);
  });

  it("an interrupt whose IM bit is clear stays pending even with IEc set", () => {
    const { m, cpu, at } = timed();
    cpu.status = SR_USER & ~(1 << (8 + IRQ.Timer));
    m.timer.start(50, true);
    cpu.exec(TEST_COSTS["test.work"], 200);
    expect(at).toEqual([]);
    cpu.setStatus(SR_USER);
    expect(at.length).toBe(1);
  });

  it("a block copy is split at the event: the handler sees exactly the words copied so far", () => {
    const { m, cpu } = timed();
    cpu.status = SR_KERNEL_IE;
    const src = 0x10000;
    const dst = 0x20000;
    for (let i = 0; i < 4096; i += 4) m.memory.write32(src + i, i + 1);
    const seenAt: { now: number; copied: number }[] = [];
    m.setExceptionHandler(ExcCode.Int, (c) => {
      let copied = 0;
      while (copied < 4096 && m.memory.read32(dst + copied) !== 0) copied += 4;
      seenAt.push({ now: c.now, copied });
      m.timer.acknowledge();
      c.rfe();
      return Resolution.Retry;
    });
    m.timer.start(100, true);
    const start = cpu.now;
    cpu.copy(KSEG0 + dst, KSEG0 + src, 4096);
    // Two cached accesses per word: the event at +100 falls after word 50.
    expect(seenAt).toEqual([{ now: start + 100 + m.profile.exceptionEntryCycles, copied: 200 }]);
    expect(m.memory.readBytes(dst, 4096)).toEqual(m.memory.readBytes(src, 4096));
    const p = m.profile;
    expect(cpu.now - start).toBe(
      2048 + p.exceptionEntryCycles + p.uncachedAccessCycles + p.cp0OpCycles,
    );
  });

  it("stop cancels the next expiry; acknowledge clears the line", () => {
    const { m, cpu, at } = timed();
    cpu.status = SR_USER;
    m.timer.start(100);
    cpu.exec(TEST_COSTS["test.work"], 150);
    expect(at.length).toBe(1);
    m.timer.stop();
    expect(m.timer.running).toBe(false);
    expect(m.timer.nextExpiry).toBe(-1);
    cpu.exec(TEST_COSTS["test.work"], 1000);
    expect(at.length).toBe(1);
    expect(cpu.cause & 0xff00).toBe(0);
  });

  it("timer register accesses are uncached device references", () => {
    const { m, cpu } = timed();
    const t = cpu.now;
    m.timer.start(10_000);
    m.timer.acknowledge();
    m.timer.stop();
    expect(cpu.now - t).toBe(3 * m.profile.uncachedAccessCycles);
    expect(m.accounting.table[8]).toBe(3 * m.profile.uncachedAccessCycles); // kernel x Device
  });
});

describe("tracing observes and never changes the simulation", () => {
  function runUncached(trace: boolean) {
    const { m, cpu, at } = timed({ trace });
    cpu.status = SR_KERNEL_IE;
    m.timer.start(37);
    for (let i = 0; i < 200; i++) {
      cpu.load32(KSEG1 + 4 * i); // 15-cycle uncached accesses straddle the expiries
      cpu.exec(TEST_COSTS["test.step"], 3);
    }
    return { now: cpu.now, at };
  }

  it("cached and exec-only work: the same cycles and interrupt times with and without a trace", () => {
    const run = (trace: boolean) => {
      const { m, cpu, at } = timed({ trace });
      cpu.status = SR_KERNEL_IE;
      m.timer.start(37);
      for (let i = 0; i < 200; i++) {
        cpu.load32(KSEG0 + 4 * i);
        cpu.exec(TEST_COSTS["test.step"], 7);
      }
      return { now: cpu.now, at };
    };
    expect(run(true)).toEqual(run(false));
  });

  // Regression test (was a bug, fixed): with a tracer, chargeAccess (cpu/clock.ts) goes through charge(), which splits a
  // multi-cycle access at an event and takes the interrupt mid-access; without a tracer it
  // takes it after the access. Handlers then see different cycles with and without a trace.
  it("uncached (multi-cycle) accesses: interrupts at the same cycles with and without a trace", () => {
    expect(runUncached(true)).toEqual(runUncached(false));
  });
});
