import { describe, expect, it } from "vitest";
import {
  type Cost,
  DeadEnvironmentError,
  ExcCode,
  NotRunningError,
  Result,
  Rights,
  type Thread,
} from "../index.js";

import { TEST_COSTS } from "../test-costs.js";
import { Aegis, envWithSaveArea, hostedEnv, hostileValues, SAVE_VA } from "../test-util.js";

/** Machine state a refused call must leave unchanged. */
function state(aegis: Aegis, ...envs: { id: number }[]) {
  return JSON.stringify({
    owners: Array.from(aegis.frameOwners()),
    stlb: aegis.stlbEntries(),
    envs: envs.map((e) => aegis.inspect(e.id)),
    tlb: Array.from(aegis.machine.tlb.lo),
  });
}

describe("handle shape", () => {
  it("is frozen and exposes only numbers, functions, the frozen CPU view and the frozen policy", () => {
    const aegis = new Aegis();
    const env = aegis.createEnvironment({ name: "a" });
    expect(Object.isFrozen(env)).toBe(true);
    expect(Object.isFrozen(env.cpu)).toBe(true);
    for (const key of Object.getOwnPropertyNames(env)) {
      const v = (env as unknown as Record<string, unknown>)[key];
      if (key === "cpu" || key === "policy") continue;
      expect(["number", "boolean", "function"]).toContain(typeof v);
    }
    expect(Object.isFrozen(env.policy)).toBe(true);
    for (const v of Object.values(env.policy)) expect(typeof v).toBe("number");
    expect(env.policy).toBe(aegis.policy);
    for (const key of Object.getOwnPropertyNames(env.cpu)) {
      const v = (env.cpu as unknown as Record<string, unknown>)[key];
      expect(["number", "boolean", "function"]).toContain(typeof v);
    }
    expect(env.id).toBe(1);
    expect(env.asid).toBe(1);
    expect(env.alive).toBe(true);
  });
});

describe("every numeric call refuses ill-typed arguments without reading them twice or changing anything", () => {
  const calls: [
    string,
    (env: ReturnType<Aegis["createEnvironment"]>, x: unknown, ok: number) => number,
  ][] = [
    ["allocFrame", (e, x) => e.allocFrame(x as number)],
    ["frameOf", (e, x) => e.frameOf(x as number)],
    ["freeFrame", (e, x) => e.freeFrame(x as number)],
    ["dropCap", (e, x) => e.dropCap(x as number)],
    ["grant.cap", (e, x) => e.grant(x as number, 2, Rights.Read)],
    ["grant.target", (e, x, ok) => e.grant(ok, x as number, Rights.Read)],
    ["grant.rights", (e, x, ok) => e.grant(ok, 2, x as number)],
    ["tlbWrite.va", (e, x, ok) => e.tlbWrite(x as number, ok, 1)],
    ["tlbWrite.cap", (e, x) => e.tlbWrite(0x10000, x as number, 1)],
    ["tlbWrite.writable", (e, x, ok) => e.tlbWrite(0x10000, ok, x as number)],
    ["tlbDelete", (e, x) => e.tlbDelete(x as number)],
    ["guarantee.va", (e, x, ok) => e.guarantee(x as number, ok, 1)],
    ["guarantee.cap", (e, x) => e.guarantee(0x10000, x as number, 1)],
    ["allocSlice", (e, x) => e.allocSlice(x as number)],
    ["freeSlice", (e, x) => e.freeSlice(x as number)],
    ["setHandler.va", (e, x) => e.setHandler(ExcCode.Ov, () => 0, x as number)],
    ["setHandler.code", (e, x) => e.setHandler(x as ExcCode, () => 0, SAVE_VA)],
  ];
  for (const [name, call] of calls) {
    it(name, () => {
      const aegis = new Aegis();
      const env = envWithSaveArea(aegis, "a");
      hostedEnv(aegis, "b");
      const ok = env.allocFrame();
      const { values, reads } = hostileValues();
      const before = state(aegis, env);
      const cycles = aegis.machine.now;
      for (const v of values) {
        if (v === undefined && (name === "allocFrame" || name === "allocSlice")) continue; // default -1
        // (the message names the type only: formatting the value would run its getters)
        expect(call(env, v, ok), `${name}(${typeof v})`).toBe(Result.Invalid);
      }
      expect(reads()).toBe(0);
      expect(state(aegis, env)).toBe(before);
      expect(aegis.machine.now).toBe(cycles);
    });
  }

  it("function arguments: non-functions are refused, getters never run", () => {
    const aegis = new Aegis();
    const env = envWithSaveArea(aegis);
    const { values, reads } = hostileValues();
    for (const v of values) {
      if (v === null || typeof v === "function") continue;
      expect(env.setHandler(ExcCode.Ov, v as never, SAVE_VA)).toBe(Result.Invalid);
      expect(env.onEndOfSlice(v as never)).toBe(Result.Invalid);
      expect(env.onStartOfSlice(v as never)).toBe(Result.Invalid);
      expect(env.onRevoke(v as never)).toBe(Result.Invalid);
      expect(env.setEntry("sync", v as never)).toBe(Result.Invalid);
      expect(env.setEntry(v as never, () => (function* () {})())).toBe(Result.Invalid);
    }
    expect(reads()).toBe(0);
  });

  it("transfers refuse ill-typed targets and kinds at once", () => {
    const aegis = new Aegis();
    const env = hostedEnv(aegis);
    const { values, reads } = hostileValues();
    for (const v of values) {
      expect(env.pct(v as number, "sync").next()).toEqual({ done: true, value: Result.Invalid });
      expect(env.pct(2, v as "sync").next()).toEqual({ done: true, value: Result.Invalid });
      expect(env.yieldTo(v as number).next()).toEqual({ done: true, value: Result.Invalid });
    }
    expect(reads()).toBe(0);
  });

  it("CPU-view calls throw ArgumentError on non-numbers (and exec on non-records), without coercing", () => {
    const aegis = new Aegis();
    const env = hostedEnv(aegis);
    const { values, reads } = hostileValues();
    for (const v of values) {
      if (typeof v === "number" && Number.isFinite(v)) continue;
      expect(() => env.cpu.load32(v as number)).toThrow(/must be a finite number/);
      expect(() => env.cpu.store32(0, v as number)).toThrow(/must be a finite number/);
      expect(() => env.cpu.reg(v as number)).toThrow(/register index/);
      // (undefined is no argument: times defaults to 1)
      if (v !== undefined) {
        expect(() => env.cpu.exec(TEST_COSTS.x, v as number)).toThrow(/times must be/);
      }
      expect(() => env.cpu.exec(v as unknown as Cost)).toThrow(/record of a costs table/);
    }
    expect(reads()).toBe(0);
  });
});

describe("memory calls", () => {
  it("allocFrame: any frame, a named frame, and its refusals", () => {
    const aegis = new Aegis({ machineConfig: { memoryBytes: 32 * 4096 } });
    const env = hostedEnv(aegis);
    const other = hostedEnv(aegis);
    const cap = env.allocFrame();
    expect(cap).toBeGreaterThanOrEqual(0);
    expect(env.frameOf(cap)).toBe(16); // frames 0..15 are the kernel's
    const named = env.allocFrame(20);
    expect(env.frameOf(named)).toBe(20);
    expect(other.allocFrame(20)).toBe(Result.Busy);
    expect(other.allocFrame(3)).toBe(Result.NotOwner);
    expect(other.allocFrame(32)).toBe(Result.Invalid);
    expect(other.allocFrame(-2)).toBe(Result.Invalid);
    // 0xffffffff is -1 in a 32-bit register: "any frame".
    expect(other.allocFrame(0xffffffff)).toBeGreaterThanOrEqual(0);
    let n = 0;
    while (other.allocFrame() >= 0) n++;
    expect(other.allocFrame()).toBe(Result.NoMemory);
    expect(n).toBe(32 - 16 - 2 - 1);
  });

  it("allocFrame zeroes the frame it hands out", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const b = hostedEnv(aegis);
    const cap = a.allocFrame(100);
    a.tlbWrite(0x10000, cap, 1);
    a.cpu.store32(0x10010, 0xdead);
    a.freeFrame(cap);
    const cap2 = b.allocFrame(100);
    b.tlbWrite(0x10000, cap2, 0);
    expect(b.cpu.load32(0x10010)).toBe(0);
  });

  it("a full capability list refuses with NoSlot", () => {
    const aegis = new Aegis({ policy: { capSlots: 3 } });
    const env = hostedEnv(aegis);
    expect(env.allocFrame()).toBeGreaterThanOrEqual(0);
    expect(env.allocFrame()).toBeGreaterThanOrEqual(0);
    expect(env.allocFrame()).toBeGreaterThanOrEqual(0);
    const owners = aegis.frameOwners().filter((o) => o === env.id).length;
    expect(env.allocFrame()).toBe(Result.NoSlot);
    expect(aegis.frameOwners().filter((o) => o === env.id).length).toBe(owners);
  });

  it("frameOf / freeFrame: BadCap, Stale, Rights", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const b = hostedEnv(aegis);
    expect(a.frameOf(5)).toBe(Result.BadCap);
    expect(a.frameOf(-3)).toBe(Result.Invalid);
    const cap = a.allocFrame();
    const ro = a.grant(cap, b.id, Rights.Read);
    expect(b.frameOf(ro)).toBe(a.frameOf(cap));
    expect(b.freeFrame(ro)).toBe(Result.Rights);
    expect(a.frameOf(cap + (1 << 12))).toBe(Result.Stale); // wrong generation
    expect(a.freeFrame(cap)).toBe(Result.Ok);
    expect(a.frameOf(cap)).toBe(Result.Stale);
    expect(b.frameOf(ro)).toBe(Result.Stale); // the grant died with the frame
    expect(a.freeFrame(cap)).toBe(Result.Stale);
    // The slot is reused with a new generation: the old name stays stale.
    const cap2 = a.allocFrame();
    expect(cap2 & 0xfff).toBe(cap & 0xfff);
    expect(cap2).not.toBe(cap);
    expect(a.frameOf(cap)).toBe(Result.Stale);
  });

  it("grant: rights subset, target checks, and what the target may do", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const b = hostedEnv(aegis);
    const cap = a.allocFrame();
    expect(a.grant(cap, b.id, 0)).toBe(Result.Invalid);
    expect(a.grant(cap, b.id, 8)).toBe(Result.Invalid);
    expect(a.grant(cap, 99, Rights.Read)).toBe(Result.NoEnv);
    const ro = a.grant(cap, b.id, Rights.Read);
    expect(ro).toBeGreaterThanOrEqual(0);
    expect(b.grant(ro, a.id, Rights.Read | Rights.Write)).toBe(Result.Rights);
    expect(b.tlbWrite(0x10000, ro, 1)).toBe(Result.Rights);
    expect(b.tlbWrite(0x10000, ro, 0)).toBe(Result.Ok);
    a.tlbWrite(0x20000, cap, 1);
    a.cpu.store32(0x20000, 77);
    expect(b.cpu.load32(0x10000)).toBe(77); // deliberate sharing
    aegis.destroy(b.id);
    expect(a.grant(cap, b.id, Rights.Read)).toBe(Result.NoEnv);
  });

  it("dropCap removes the slot and the mappings made through it", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const b = hostedEnv(aegis);
    const cap = a.allocFrame();
    const g = a.grant(cap, b.id, Rights.Read);
    b.tlbWrite(0x10000, g, 0);
    expect(aegis.peekStlb(0x10, b.asid)).not.toBe(-1);
    expect(b.dropCap(g)).toBe(Result.Ok);
    expect(aegis.peekStlb(0x10, b.asid)).toBe(-1);
    expect(aegis.machine.tlb.probe(0x10, b.asid)).toBe(-1);
    expect(b.dropCap(g)).toBe(Result.Stale);
    expect(b.dropCap(77)).toBe(Result.BadCap);
    expect(a.frameOf(cap)).toBeGreaterThan(0); // the frame itself lives on
  });

  it("tlbWrite / tlbDelete / guarantee: checks and effects", () => {
    const aegis = new Aegis({ policy: { maxGuaranteedPerEnv: 2 } });
    const a = hostedEnv(aegis);
    const cap = a.allocFrame();
    expect(a.tlbWrite(0x10004, cap, 1)).toBe(Result.Invalid); // not page aligned
    expect(a.tlbWrite(0x80000000, cap, 1)).toBe(Result.Invalid); // kernel segment
    expect(a.tlbWrite(0x10000, cap, 2)).toBe(Result.Invalid);
    expect(a.tlbWrite(0x10000, 1234, 1)).toBe(Result.BadCap);
    expect(a.tlbWrite(0x10000, cap, 1)).toBe(Result.Ok);
    expect(aegis.peekStlb(0x10, a.asid)).toBe(
      ((a.frameOf(cap) << 12) | (1 << 9) | (1 << 10)) >>> 0,
    );
    expect(a.tlbDelete(0x10000)).toBe(Result.Ok);
    expect(aegis.peekStlb(0x10, a.asid)).toBe(-1);
    expect(a.tlbDelete(0x10000)).toBe(Result.Ok);
    expect(a.tlbDelete(0x10001)).toBe(Result.Invalid);
    expect(a.guarantee(0x30000, cap, 0)).toBe(Result.Ok);
    expect(a.tlbWrite(0x30000, cap, 0)).toBe(Result.Busy);
    expect(a.guarantee(0x31000, cap, 0)).toBe(Result.Ok);
    expect(a.guarantee(0x32000, cap, 0)).toBe(Result.NoSlot);
    expect(a.guarantee(0x31000, cap, 1)).toBe(Result.Ok); // replacing one is fine
    expect(aegis.inspect(a.id).mappings.filter((m) => m.guaranteed).length).toBe(2);
  });

  it("setHandler: codes, save-area checks", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const h = () => 0;
    expect(a.setHandler(ExcCode.Ov, h, SAVE_VA)).toBe(Result.Fault); // no mapping there
    const cap = a.allocFrame();
    a.tlbWrite(SAVE_VA, cap, 1);
    expect(a.setHandler(ExcCode.Ov, h, SAVE_VA)).toBe(Result.Fault); // not guaranteed
    a.tlbDelete(SAVE_VA);
    a.guarantee(SAVE_VA, cap, 0);
    expect(a.setHandler(ExcCode.Ov, h, SAVE_VA)).toBe(Result.Fault); // not writable
    a.guarantee(SAVE_VA, cap, 1);
    expect(a.setHandler(ExcCode.Ov, h, SAVE_VA + 2)).toBe(Result.Invalid);
    expect(a.setHandler(ExcCode.Ov, h, SAVE_VA + 4092)).toBe(Result.Invalid);
    expect(a.setHandler(ExcCode.Sys, h, SAVE_VA)).toBe(Result.Invalid);
    expect(a.setHandler(ExcCode.Int, h, SAVE_VA)).toBe(Result.Invalid);
    expect(a.setHandler(99 as ExcCode, h, SAVE_VA)).toBe(Result.Invalid);
    expect(a.setHandler("Refill" as "refill", h, SAVE_VA)).toBe(Result.Invalid);
    for (const code of [
      ExcCode.Mod,
      ExcCode.AdEL,
      ExcCode.AdES,
      ExcCode.Bp,
      ExcCode.CpU,
      ExcCode.Ov,
    ]) {
      expect(a.setHandler(code, h, SAVE_VA)).toBe(Result.Ok);
    }
    expect(a.setHandler("refill", h, SAVE_VA)).toBe(Result.Ok);
    expect(a.setHandler("refill", null, 0)).toBe(Result.Ok);
  });

  it("upcall registration calls", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const entry = function* (): Thread {};
    expect(a.onEndOfSlice(() => {})).toBe(Result.Ok);
    expect(a.onEndOfSlice(null)).toBe(Result.Ok);
    expect(a.onStartOfSlice(entry)).toBe(Result.Ok);
    expect(a.onRevoke(() => {})).toBe(Result.Ok);
    expect(a.setEntry("sync", entry)).toBe(Result.Ok);
    expect(a.setEntry("async", entry)).toBe(Result.Ok);
    expect(a.setEntry("other" as "sync", entry)).toBe(Result.Invalid);
  });

  it("slices: allocate by position, refusals", () => {
    const aegis = new Aegis({ policy: { sliceVectorLength: 4 } });
    const a = hostedEnv(aegis);
    const b = hostedEnv(aegis);
    expect(a.allocSlice()).toBe(0);
    expect(a.allocSlice(2)).toBe(2);
    expect(b.allocSlice(2)).toBe(Result.Busy);
    expect(b.allocSlice(4)).toBe(Result.Invalid);
    expect(b.allocSlice()).toBe(1);
    expect(b.allocSlice()).toBe(3);
    expect(b.allocSlice()).toBe(Result.NoSlot);
    expect(b.freeSlice(0)).toBe(Result.NotOwner);
    expect(b.freeSlice(7)).toBe(Result.Invalid);
    expect(a.freeSlice(0)).toBe(Result.Ok);
    expect(aegis.inspect(a.id).slices).toEqual([2]);
  });

  it("transfers are refused outside a running context; null syscalls succeed", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const b = hostedEnv(aegis);
    expect(a.pct(b.id, "sync").next()).toEqual({ done: true, value: Result.Refused });
    expect(a.yieldTo(b.id).next()).toEqual({ done: true, value: Result.Refused });
    expect(a.yieldSlice().next()).toEqual({ done: true, value: Result.Refused });
    expect(a.nullSyscall()).toBe(Result.Ok);
    expect(a.nullSyscallStack()).toBe(Result.Ok);
    expect(a.repossessed()).toEqual([]);
  });
});

describe("calls from the wrong environment and after destroy", () => {
  it("a handle used while another environment runs is refused and charges nothing", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const bCap = b.allocFrame();
    let outcome: unknown[] = [];
    a.onStartOfSlice(function* (): Thread {
      const t = a.cpu.now;
      // b's real handle, as a libOS that got hold of it would use it.
      const bh = b.handle;
      outcome = [
        bh.allocFrame(),
        bh.freeFrame(bCap),
        bh.tlbWrite(0x1000, bCap, 1),
        bh.nullSyscall(),
        (() => {
          try {
            bh.cpu.load32(0);
            return "no throw";
          } catch (e) {
            return e instanceof NotRunningError;
          }
        })(),
        a.cpu.now - t,
      ];
    });
    a.allocSlice();
    aegis.run({ stopWhen: () => outcome.length > 0 });
    expect(outcome).toEqual([
      Result.Refused,
      Result.Refused,
      Result.Refused,
      Result.Refused,
      true,
      0,
    ]);
    expect(b.frameOf(bCap)).toBeGreaterThan(0);
  });

  it("after destroy every call returns Dead and the CPU view throws", () => {
    const aegis = new Aegis();
    const a = envWithSaveArea(aegis, "a");
    const cap = a.allocFrame();
    a.tlbWrite(0x10000, cap, 1);
    const frame = a.frameOf(cap);
    aegis.destroy(a.id);
    expect(a.alive).toBe(false);
    expect(a.allocFrame()).toBe(Result.Dead);
    expect(a.frameOf(cap)).toBe(Result.Dead);
    expect(a.tlbWrite(0x10000, cap, 1)).toBe(Result.Dead);
    expect(a.nullSyscall()).toBe(Result.Dead);
    expect(a.setEntry("sync", null)).toBe(Result.Dead);
    expect(a.setHandler(ExcCode.Ov, null, 0)).toBe(Result.Dead);
    expect(a.allocSlice()).toBe(Result.Dead);
    expect(a.pct(2, "sync").next().value).toBe(Result.Dead);
    expect(a.pct(2, "bogus" as "sync").next().value).toBe(Result.Dead);
    expect(() => a.cpu.load32(0x10000)).toThrow(DeadEnvironmentError);
    expect(aegis.frameOwners()[frame]).toBe(0);
    expect(aegis.peekStlb(0x10, a.asid)).toBe(-1);
    expect(aegis.deaths.map((d) => d.reason)).toEqual(["destroyed by the host"]);
    // Its ASID is reused by the next environment, with nothing left behind.
    const b = hostedEnv(aegis);
    expect(b.asid).toBe(a.asid);
    expect(aegis.machine.tlb.probe(0x10, b.asid)).toBe(-1);
  });
});
