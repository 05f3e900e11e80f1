import { describe, expect, it } from "vitest";
import { type EnvHandle, ExcCode, Reg, Result, Resume, type Thread } from "../index.js";
import { Aegis } from "../kernel.js";
import { TEST_COSTS } from "../test-costs.js";
import { envWithSaveArea, hostedEnv, SAVE_VA } from "../test-util.js";

/** An honest env that counts work in its slices (to show others are unaffected). */
function honest(aegis: Aegis): { env: EnvHandle; count: { n: number } } {
  const env = hostedEnv(aegis, "honest");
  const count = { n: 0 };
  env.onStartOfSlice(function* (): Thread {
    for (;;) {
      env.cpu.exec(TEST_COSTS["test.work"], 1000);
      count.n++;
      yield* env.safepoint();
    }
  });
  env.allocSlice();
  return { env, count };
}

describe("exceptions under the threat model", () => {
  it("a handler that faults on itself: nesting is bounded, the env destroyed, others unaffected", () => {
    const aegis = new Aegis();
    const bad = envWithSaveArea(aegis, "bad");
    let depth = 0;
    bad.setHandler(
      "refill",
      (h) => {
        depth++;
        h.cpu.load32(0x500000 + depth * 4096); // another miss, from inside the handler
        return Resume.Retry;
      },
      SAVE_VA,
    );
    bad.onStartOfSlice(function* (): Thread {
      bad.cpu.load32(0x400000);
    });
    bad.allocSlice();
    const h = honest(aegis);
    aegis.run({ untilCycle: 4 * aegis.policy.sliceCycles });
    expect(bad.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/nesting/);
    expect(depth).toBe(aegis.policy.maxExceptionDepth);
    expect(h.env.alive).toBe(true);
    expect(h.count.n).toBeGreaterThan(900);
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  });

  it("a handler that returns without fixing the fault: bounded repeats, then destroyed", () => {
    const aegis = new Aegis();
    const bad = envWithSaveArea(aegis, "bad");
    let calls = 0;
    bad.setHandler(
      ExcCode.AdEL,
      () => {
        calls++;
        return Resume.Retry;
      },
      SAVE_VA,
    );
    bad.onStartOfSlice(function* (): Thread {
      bad.cpu.load32(0x1002); // unaligned: AdEL, forever unless fixed
    });
    bad.allocSlice();
    const h = honest(aegis);
    aegis.run({ untilCycle: 3 * aegis.policy.sliceCycles });
    expect(bad.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/no progress/);
    expect(calls).toBe(aegis.policy.faultRepeatLimit);
    expect(h.count.n).toBeGreaterThan(500);
  });

  it("an exception with no handler destroys the env; as a set-up call it reports Dead", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    expect(() => a.cpu.load32(0x1000)).toThrow(/destroyed/);
    expect(a.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/unhandled exception TLBL/);
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
    expect(aegis.machine.cpu.userMode).toBe(true);
  });

  it("a handler that throws a JS error destroys only its env", () => {
    const aegis = new Aegis();
    const bad = envWithSaveArea(aegis, "bad");
    bad.setHandler(
      ExcCode.Bp,
      () => {
        throw new RangeError("boom");
      },
      SAVE_VA,
    );
    bad.onStartOfSlice(function* (): Thread {
      (bad.cpu as unknown as { breakpoint?: () => void }).breakpoint?.();
      bad.cpu.addTrapping(1, 2);
      throw new TypeError("libOS bug");
    });
    bad.allocSlice();
    const h = honest(aegis);
    aegis.run({ untilCycle: 2 * aegis.policy.sliceCycles });
    expect(bad.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/libOS code threw/);
    expect(h.env.alive).toBe(true);
  });

  it("a handler fixes an unaligned load by emulation (Resume.Emulated returns v0)", () => {
    const aegis = new Aegis();
    const a = envWithSaveArea(aegis);
    a.setHandler(
      ExcCode.AdEL,
      (h) => {
        expect(h.cpu.reg(Reg.t1)).toBe(0x1002);
        expect((h.cpu.reg(Reg.t2) >>> 2) & 31).toBe(ExcCode.AdEL);
        h.cpu.setReg(Reg.v0, 99);
        return Resume.Emulated;
      },
      SAVE_VA,
    );
    aegis.actAs(a.handle, () => {
      a.handle.cpu.setReg(Reg.t0, 11);
      expect(a.handle.cpu.load32(0x1002)).toBe(99);
    });
    // The kernel saved the user's t0 in the save area before loading EPC into it.
    expect(a.cpu.load32(SAVE_VA)).toBe(11);
  });

  it("a save area whose frame is freed makes later exceptions fatal (no store into a lost frame)", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const cap = a.allocFrame();
    a.guarantee(SAVE_VA, cap, 1);
    a.setHandler(ExcCode.Ov, () => Resume.Retry, SAVE_VA);
    const frame = a.frameOf(cap);
    a.freeFrame(cap);
    const b = hostedEnv(aegis);
    const bcap = b.allocFrame(frame);
    expect(bcap).toBeGreaterThanOrEqual(0);
    expect(() => a.cpu.addTrapping(0x7fffffff, 1)).toThrow(/destroyed/);
    expect(a.alive).toBe(false);
    expect(aegis.machine.memory.read32(frame * 4096)).toBe(0);
    expect(b.frameOf(bcap)).toBe(frame);
    expect(b.nullSyscall()).toBe(Result.Ok);
  });

  it("a loop of bare yields does not stall time: the slice still ends and others run", () => {
    const aegis = new Aegis();
    const busy = hostedEnv(aegis, "busy");
    busy.onStartOfSlice(function* (): Thread {
      for (;;) yield;
    });
    busy.allocSlice();
    const h = honest(aegis);
    aegis.run({ untilCycle: 4 * aegis.policy.sliceCycles });
    expect(h.count.n).toBeGreaterThan(500);
    expect(busy.alive).toBe(true);
  });

  it("an entry that is not a generator function destroys its env", () => {
    const aegis = new Aegis();
    const bad = hostedEnv(aegis, "bad");
    bad.onStartOfSlice((() => 42) as never);
    bad.allocSlice();
    const h = honest(aegis);
    aegis.run({ untilCycle: 2 * aegis.policy.sliceCycles });
    expect(bad.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/did not return a generator/);
    expect(h.count.n).toBeGreaterThan(300);
  });

  it("a revocation handler that never returns is bounded by excess time", () => {
    const aegis = new Aegis();
    const bad = hostedEnv(aegis, "bad");
    bad.allocFrame();
    bad.onRevoke(() => {
      for (;;) bad.cpu.exec(TEST_COSTS["test.spin"], 10_000);
    });
    bad.onStartOfSlice(function* (): Thread {
      for (;;) {
        bad.cpu.exec(TEST_COSTS.w, 1000);
        yield* bad.safepoint();
      }
    });
    bad.allocSlice();
    const h = honest(aegis);
    aegis.run({
      untilCycle: 12 * aegis.policy.sliceCycles,
      stopWhen: () => {
        if (aegis.stats.ticks === 1 && aegis.inspect(bad.id).frames.length === 1)
          aegis.revokeFrames(bad.id, 1);
        return false;
      },
    });
    expect(bad.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/excess time/);
    expect(h.env.alive).toBe(true);
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  });
});

describe("faults the machine could not survive are bounded by the kernel first", () => {
  it("Emulated inside a block copy counts as Retry: bounded, env destroyed, no crash", () => {
    const aegis = new Aegis();
    const a = envWithSaveArea(aegis, "a");
    a.setHandler("refill", () => Resume.Emulated, SAVE_VA);
    expect(() => a.cpu.copy(0x10000, 0x20000, 64)).toThrow(/destroyed/);
    expect(a.alive).toBe(false);
    expect(aegis.deaths[0]!.reason).toMatch(/no progress/);
  });

  it("a handler alternating two faults on one access (refill, then protection) is bounded", () => {
    const aegis = new Aegis();
    const a = envWithSaveArea(aegis, "a");
    const cap = a.allocFrame();
    let n = 0;
    a.setHandler(
      "refill",
      (h) => {
        n++;
        h.tlbWrite(0x10000, cap, 0); // maps read-only: the store will fault again (Mod)
        return Resume.Retry;
      },
      SAVE_VA,
    );
    a.setHandler(
      ExcCode.Mod,
      (h) => {
        n++;
        h.tlbDelete(0x10000); // and unmaps it: the store will miss again
        return Resume.Retry;
      },
      SAVE_VA,
    );
    expect(() => a.cpu.store32(0x10000, 1)).toThrow(/destroyed/);
    expect(n).toBe(aegis.policy.faultRepeatLimit);
    expect(aegis.deaths[0]!.reason).toMatch(/no progress/);
  });

  it("a block copy across many unmapped pages is progress, not a repeat", () => {
    const aegis = new Aegis();
    const a = envWithSaveArea(aegis, "a");
    const caps = Array.from({ length: 40 }, () => a.allocFrame());
    let next = 0;
    a.setHandler(
      "refill",
      (h) => {
        h.tlbWrite(h.cpu.reg(Reg.t1) & ~0xfff, caps[next++]!, 1);
        return Resume.Retry;
      },
      SAVE_VA,
    );
    a.cpu.zero(0x100000, 40 * 4096);
    expect(a.alive).toBe(true);
    expect(next).toBe(40);
  });
});
