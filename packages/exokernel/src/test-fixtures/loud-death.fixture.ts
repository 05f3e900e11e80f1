/**
 * Tests that MUST fail (run in a subprocess by src/death-watch.test.ts; not part of the
 * package's suite): an `expect` that fails inside environment code, and a death nobody
 * declared, each fail their test with their own message; a declared death passes.
 */
import { describe, expect, it } from "vitest";
import type { Thread } from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import { Aegis, envWithSaveArea, expectDeath, hostedEnv, SAVE_VA } from "../test-util.js";

describe("the test world fails loudly", () => {
  it("a wrong expect inside an environment (sched.test.ts's directed yield, expecting 999)", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const trace: string[] = [];
    b.onStartOfSlice(function* (): Thread {
      for (let i = 0; i < 3; i++) {
        trace.push(`b${i}`);
        const r = yield* b.yieldTo(a.id);
        expect(r).toBe(i === 0 ? 999 : 0); // deliberately wrong on the first iteration
      }
    });
    a.onStartOfSlice(function* (): Thread {
      for (let i = 0; i < 3; i++) {
        trace.push(`a${i}`);
        yield* a.yieldTo(b.id);
      }
    });
    a.allocSlice();
    aegis.run({ stopWhen: () => trace.length >= 6, untilCycle: aegis.policy.sliceCycles });
  });

  it("a wrong expect inside a handler the host's set-up call runs, the call's error caught", () => {
    const aegis = new Aegis();
    const a = envWithSaveArea(aegis, "a");
    a.setHandler(
      "refill",
      () => {
        expect("the handler ran").toBe("a late assertion"); // deliberately wrong
        return 0;
      },
      SAVE_VA,
    );
    try {
      a.cpu.load32(0x1000);
    } catch {
      // a test that swallows the call's error still fails, after the test (afterEach)
    }
  });

  it("an undeclared death with nothing thrown (excess time)", () => {
    const aegis = new Aegis();
    const hog = hostedEnv(aegis, "hog");
    hog.onStartOfSlice(function* (): Thread {
      for (;;) hog.cpu.exec(TEST_COSTS["test.spin"], 5000);
    });
    hog.allocSlice();
    aegis.run({ untilCycle: 20 * aegis.policy.sliceCycles });
  });

  it("the same death, declared, passes", () => {
    const aegis = new Aegis();
    expectDeath(aegis, "hog");
    const hog = hostedEnv(aegis, "hog");
    hog.onStartOfSlice(function* (): Thread {
      for (;;) hog.cpu.exec(TEST_COSTS["test.spin"], 5000);
    });
    hog.allocSlice();
    aegis.run({ untilCycle: 20 * aegis.policy.sliceCycles });
    expect(hog.alive).toBe(false);
  });
});
