import { Category, ExcCode, Machine, Resolution } from "@exolab/machine/privileged";
import { describe, expect, it } from "vitest";
import { alignClocks } from "./udp.js";

/** A machine whose clock interrupt runs a handler of `handlerCycles` (a kernel's tick). */
function tickingMachine(id: number, tickAt: number, handlerCycles: number): Machine {
  const m = new Machine({ id, memoryBytes: 1 << 20 });
  m.setExceptionHandler(ExcCode.Int, (cpu) => {
    m.timer.acknowledge();
    cpu.charge(handlerCycles, Category.Kernel);
    cpu.rfe();
    return Resolution.Retry;
  });
  m.timer.start(tickAt);
  return m;
}

describe("the UDP harness's clock alignment", () => {
  it("brings both machines to one time even when idling one runs a handler past the target", () => {
    // a is ahead (its set-up took longer); b's tick came due during its set-up with
    // interrupts off, so idling b takes it first, and its handler carries b past a's time:
    // one more round brings a up to b.
    const a = tickingMachine(0, 1_000_000, 0);
    a.idleUntil(1000);
    const b = tickingMachine(1, 990, 500);
    b.cpu.charge(995, Category.Kernel);
    const ns = alignClocks(a, b);
    expect(b.now).toBeGreaterThan(1000);
    expect(a.nowNs).toBe(ns);
    expect(b.nowNs).toBe(ns);
  });
});
