import { describe, expect, it } from "vitest";
import {
  describeResult,
  type EnvHandle,
  LIBOS_TEMPLATE,
  type LibOS,
  Result,
  resultName,
} from "./index.js";
import { defaultPolicy, describePolicy } from "./kernel.js";
import { Aegis, expectDeath, hostedEnv } from "./test-util.js";

describe("the Aegis object (privileged)", () => {
  it("boots a libOS: a new env, its boot called with the handle and options", () => {
    const aegis = new Aegis();
    const libos: LibOS<{ n: number }, { double: number; env: EnvHandle }> = {
      name: "doubler",
      boot: (env, o) => ({ double: o.n * 2, env }),
    };
    const { env, api } = aegis.boot(libos, { n: 21 });
    expect(api.double).toBe(42);
    expect(api.env).toBe(env);
    expect(aegis.inspect(env.id).name).toBe("doubler");
  });

  it("a libOS whose boot throws leaves nothing behind", () => {
    const aegis = new Aegis();
    expectDeath(aegis, /boot failed/);
    const libos: LibOS<null, never> = {
      name: "broken",
      boot(env) {
        env.allocFrame();
        throw new Error("cannot boot");
      },
    };
    expect(() => aegis.boot(libos, null)).toThrow(/cannot boot/);
    expect(aegis.deaths.map((d) => d.reason)).toEqual(["boot failed"]);
    expect(aegis.frameOwners().filter((o) => o > 0).length).toBe(0);
  });

  it("at most 63 live environments (ASIDs), reused after destroy", () => {
    const aegis = new Aegis({ machineConfig: { memoryBytes: 64 * 4096 } });
    const envs = Array.from({ length: 63 }, () => hostedEnv(aegis));
    expect(new Set(envs.map((e) => e.asid)).size).toBe(63);
    expect(() => hostedEnv(aegis)).toThrow(/address-space id/);
    aegis.destroy(envs[10]!.id);
    expect(hostedEnv(aegis).asid).toBe(envs[10]!.asid);
  });

  it("keeps the last deathLogLength deaths (a ring) and counts them all", () => {
    const aegis = new Aegis({ policy: { deathLogLength: 3 } });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const env = hostedEnv(aegis, `e${i}`);
      ids.push(env.id);
      aegis.destroy(env.id, `reason ${i}`);
    }
    // The three most recent, oldest first; the total in the stats.
    expect(aegis.deaths.map((d) => d.envId)).toEqual(ids.slice(2));
    expect(aegis.deaths.map((d) => d.reason)).toEqual(["reason 2", "reason 3", "reason 4"]);
    expect(aegis.stats.deaths).toBe(5);
    // A handle of an env whose record left the ring still says it is dead.
    expect(() => aegis.inspect(ids[0]!)).toThrow(/dead|not a handle/);
    expect(() => new Aegis({ policy: { deathLogLength: 0 } })).toThrow(/deathLogLength/);
  });

  it("rejects handles of another kernel and bad policies", () => {
    const a = new Aegis({ machineConfig: { memoryBytes: 64 * 4096 } });
    const b = new Aegis({ machineConfig: { memoryBytes: 64 * 4096 } });
    const env = hostedEnv(b);
    expect(() => a.inspect(env.id)).toThrow(/not a handle or id/);
    expect(b.inspect(env.id).id).toBe(env.id);
    expect(() => b.inspect(99)).toThrow(/not a handle or id/);
    expect(() => new Aegis({ policy: { stlbEntries: 1000 } })).toThrow(/power of two/);
    expect(() => new Aegis({ policy: { sliceCycles: -1 } })).toThrow(/non-negative integer/);
    expect(() => new Aegis({ policy: { maxEnvironments: 64 } })).toThrow(/63/);
    expect(() => new Aegis({ policy: { maxExceptionDepth: 1e9 } })).toThrow(/maxExceptionDepth/);
  });

  it("policy defaults follow the profile's clock", () => {
    expect(defaultPolicy(new Aegis().machine.profile).sliceCycles).toBe(390_625);
    const slow = new Aegis({ machineConfig: { profile: "dec3100", memoryBytes: 64 * 4096 } });
    expect(slow.policy.sliceCycles).toBe(Math.round(15_625_000 / 60));
    expect(describePolicy(slow.policy)).toMatch(/stlbEntries=4096/);
  });

  it("result names and descriptions; the libOS template", () => {
    expect(resultName(Result.Stale)).toBe("Stale");
    expect(resultName(5)).toBe("value");
    expect(resultName(-13)).toBe("unknown");
    expect(resultName(-29)).toBe("unknown"); // no code -13 inside an entry result either
    expect(resultName(-99)).toBe("Stale@5"); // a batch's entry 5 (-3 - 16 * 6)
    expect(describeResult(Result.Dead)).toMatch(/destroyed/);
    expect(describeResult(7)).toMatch(/value 7/);
    expect(LIBOS_TEMPLATE).toContain("src/vm/");
    expect(Object.isFrozen(LIBOS_TEMPLATE)).toBe(true);
  });
});
