import { describe, expect, it } from "vitest";
import {
  ExcCode,
  entryHi,
  entryLo,
  Machine,
  Resolution,
  type Thread,
  TLB_D,
  TLB_V,
} from "./privileged.js";
import { TEST_COSTS } from "./test-costs.js";

describe("smoke: a tiny kernel maps on refill and a user thread runs", () => {
  it("refills, charges, and finishes deterministically", () => {
    const run = () => {
      const m = new Machine({ trace: true, seed: 7 });
      let refills = 0;
      m.setRefillHandler((cpu) => {
        refills++;
        const vpn = cpu.badVaddr >>> 12;
        cpu.exec(TEST_COSTS["test.refill"], 10);
        cpu.tlbWriteRandom(entryHi(vpn, cpu.asid), entryLo(100 + (vpn & 0xff), TLB_V | TLB_D));
        cpu.rfe();
        return Resolution.Retry;
      });
      const app = m.registerOwner(2, 1, "app");
      function* body(): Thread {
        const cpu = m.cpu;
        for (let i = 0; i < 100; i++) {
          cpu.store32(0x1000 + i * 4096, i);
          cpu.exec(TEST_COSTS["test.loop"], 2);
          if (i % 10 === 0) yield;
        }
        let sum = 0;
        for (let i = 0; i < 100; i++) sum += cpu.load32(0x1000 + i * 4096);
        expect(sum).toBe(4950);
      }
      const ctx = m.createContext("app", app, body());
      const res = m.run({ pickNext: () => (ctx.finished ? null : ctx) });
      expect(res.outcome).toBe("idle");
      return { now: m.now, refills, hash: m.tracer!.hash() };
    };
    const a = run();
    const b = run();
    expect(a).toEqual(b);
    expect(a.refills).toBeGreaterThanOrEqual(100);
  });

  it("raises an address error on an unaligned access with BadVAddr set", () => {
    const m = new Machine();
    let seen = -1;
    m.setExceptionHandler(ExcCode.AdEL, (cpu) => {
      seen = cpu.badVaddr;
      cpu.emulatedValue = 42;
      cpu.rfe();
      return Resolution.Emulated;
    });
    expect(m.cpu.load32(0x1002)).toBe(42);
    expect(seen).toBe(0x1002);
  });
});

describe("idling with an event due at this very cycle", () => {
  it("fires the event instead of looping forever", () => {
    const m = new Machine();
    let fired = 0;
    m.events.schedule(m.now, "now", () => fired++);
    m.syncEvents();
    const res = m.run({ pickNext: () => null }, { maxResumes: 1 });
    expect(fired).toBe(1);
    expect(res.outcome).toBe("idle");
  });
});

describe("shared constant tables cannot be changed by any code", () => {
  it("Category, OwnerKind, ExcCode, Resolution, IRQ, Reg and safepoint's prototype are frozen", async () => {
    const m = await import("./index.js");
    for (const t of [
      m.Category,
      m.OwnerKind,
      m.ExcCode,
      m.Resolution,
      m.IRQ,
      m.Reg,
      m.safepoint.prototype,
    ]) {
      expect(Object.isFrozen(t)).toBe(true);
    }
    expect(() => {
      (m.Reg as { v0: number }).v0 = 4;
    }).toThrow(TypeError);
  });
});
