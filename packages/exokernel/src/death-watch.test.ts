import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Thread } from "./index.js";
import { Aegis, DeathWatch, UnexpectedDeathError } from "./kernel.js";
import { TEST_COSTS } from "./test-costs.js";

/** A kernel (not the test world's) with a watch, and an env whose thread throws `value`. */
function thrower(value: unknown, declare = false) {
  const watch = new DeathWatch();
  const aegis = new Aegis({ onDeath: watch.onDeath });
  if (declare) watch.expect("thrower");
  const env = aegis.createEnvironment({ name: "thrower" });
  aegis.actAs(env, () => {
    env.onStartOfSlice(function* (): Thread {
      yield* env.safepoint();
      throw value;
    });
    env.allocSlice();
  });
  return { aegis, watch };
}

describe("DeathWatch: an environment's undeclared death fails the host", () => {
  it("run throws, at the boundary after the death, the very value the env's code threw", () => {
    const value = new Error("the env's own assertion");
    const { aegis, watch } = thrower(value);
    expect(() => aegis.run({ untilCycle: 100_000 })).toThrow(value);
    expect(watch.seen.map((s) => s.thrown)).toEqual([value]);
    // and again after the test, should the test have caught it
    expect(() => watch.verify(aegis)).toThrow(value);
  });

  it("a declared death passes; an exit is never a failure", () => {
    const { aegis, watch } = thrower(new Error("x"), true);
    aegis.run({ untilCycle: 100_000 });
    expect(aegis.deaths.map((d) => d.name)).toEqual(["thrower"]);
    watch.verify(aegis);
    const w2 = new DeathWatch();
    const k2 = new Aegis({ onDeath: w2.onDeath });
    const e = k2.createEnvironment({ name: "leaver" });
    expect(() => k2.actAs(e, () => e.exit(3))).toThrow(/exit\(3\)/);
    expect(k2.deaths[0]!.exitStatus).toBe(3);
    w2.verify(k2);
  });

  it("a death with nothing thrown fails with an UnexpectedDeathError naming the env", () => {
    const watch = new DeathWatch();
    const aegis = new Aegis({ onDeath: watch.onDeath });
    const hog = aegis.createEnvironment({ name: "hog" });
    aegis.actAs(hog, () => {
      hog.onStartOfSlice(function* (): Thread {
        for (;;) hog.cpu.exec(TEST_COSTS["test.spin"], 5000);
      });
      hog.allocSlice();
    });
    expect(() => aegis.run({ untilCycle: 20 * aegis.policy.sliceCycles })).toThrow(
      UnexpectedDeathError,
    );
    expect(() => watch.verify(aegis)).toThrow(
      /environment 1 \(hog\) died unexpectedly.*excess time/,
    );
  });
});

describe("the test world (test-util's Aegis) fails a test on an undeclared death", () => {
  it("the fixture's deliberately wrong assertions fail their tests with their own messages", () => {
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    const r = spawnSync(
      process.execPath,
      ["node_modules/vitest/vitest.mjs", "run", "--config", "src/test-fixtures/vitest.config.ts"],
      { cwd, encoding: "utf8", env: { ...process.env, VITEST_JSON_DIR: "" } },
    );
    expect(r.status, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as {
      testResults: {
        assertionResults: { title: string; status: string; failureMessages: string[] }[];
      }[];
    };
    const results = report.testResults.flatMap((f) => f.assertionResults);
    const byTitle = Object.fromEntries(
      results.map((t) => [t.title.split(" (")[0]!.split(",")[0]!, t]),
    );
    const failure = (title: string) => {
      const t = byTitle[title]!;
      expect(t.status, title).toBe("failed");
      expect(t.failureMessages).toHaveLength(1);
      return t.failureMessages[0]!.split("\n")[0];
    };
    expect(failure("a wrong expect inside an environment")).toBe(
      "AssertionError: expected +0 to be 999 // Object.is equality",
    );
    expect(failure("a wrong expect inside a handler the host's set-up call runs")).toBe(
      "AssertionError: expected 'the handler ran' to be 'a late assertion' // Object.is equality",
    );
    expect(failure("an undeclared death with nothing thrown")).toMatch(
      /^UnexpectedDeathError: environment 1 \(hog\) died unexpectedly at cycle \d+: excess time/,
    );
    expect(byTitle["the same death"]!.status).toBe("passed");
    expect(results).toHaveLength(4);
  }, 60_000);
});
