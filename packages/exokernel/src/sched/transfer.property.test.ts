/**
 * Property: random protected control transfers, directed yields and slice hand-offs among
 * two honest and two hostile environments, run by the real dispatcher. Checked at every
 * switch point and in every entry:
 * - an entry starts only in an env that registered it, under that env's ASID, with its
 *   caller alive and parked on it (sync); the parked graph never has a cycle;
 * - every transfer result is one the semantics allow (Ok only after the target's reply);
 * - hostile envs that spin without safepoints are destroyed, never an honest one;
 * - the honest envs' scripts complete; the kernel is back to depth 0 between contexts.
 * FC_NUM_RUNS (default 25) runs; FC_SEED replays.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EnvHandle, Reg, Result, type Thread } from "../index.js";

import { TEST_COSTS } from "../test-costs.js";
import { Aegis, expectDeath, hostedEnv } from "../test-util.js";

type Act =
  | { t: "work"; n: number }
  | { t: "pct"; target: number; kind: "sync" | "async" }
  | { t: "yieldTo"; target: number }
  | { t: "yieldSlice" }
  | { t: "spin" };

const HONEST = [0, 1];
/** Transfer results seen over all runs, to show the property is not vacuous. */
const seen = new Map<string, number>();
const note = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
const act = (hostile: boolean): fc.Arbitrary<Act> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant("work" as const),
        n: fc.integer({ min: 10, max: 200_000 }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant("pct" as const),
        target: fc.oneof(
          { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
          fc.constantFrom(4, 5),
        ),
        kind: fc.constantFrom("sync" as const, "async" as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant("yieldTo" as const),
        target: fc.integer({ min: 0, max: 5 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("yieldSlice" as const) }) },
    { weight: hostile ? 1 : 0, arbitrary: fc.record({ t: fc.constant("spin" as const) }) },
  );

const scenario = fc.record({
  scripts: fc.tuple(
    fc.array(act(false), { maxLength: 12 }),
    fc.array(act(false), { maxLength: 12 }),
    fc.array(act(true), { maxLength: 12 }),
    fc.array(act(true), { maxLength: 12 }),
  ),
  entries: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()),
  hostileReplies: fc.tuple(fc.boolean(), fc.boolean()),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function runScenario(s: Scenario): void {
  const aegis = new Aegis({
    machineConfig: { memoryBytes: 64 * 4096 },
    policy: { sliceVectorLength: 8 },
  });
  // The hostile envs (2, 3) may die (a spinner of excess time); an honest one must not.
  expectDeath(aegis, "e2", "e3");
  const envs: EnvHandle[] = [];
  for (let i = 0; i < 4; i++) envs.push(hostedEnv(aegis, `e${i}`));
  const ids = envs.map((e) => e.id);
  const done = [false, false, false, false];
  const lastReplier = new Map<number, number>();
  const endedWithoutReply = new Set<number>();
  const violations: string[] = [];
  const check = (cond: boolean, what: string) => {
    if (!cond) violations.push(what);
  };
  const idOf = (t: number) => (t < 4 ? ids[t]! : t === 4 ? 0 : 99);

  const hostile = (i: number) => !HONEST.includes(i);

  function* perform(i: number, a: Act): Generator<unknown, void, unknown> {
    const env = envs[i]!;
    switch (a.t) {
      case "work":
        env.cpu.exec(TEST_COSTS["test.work"], a.n);
        yield* env.safepoint();
        return;
      case "spin":
        for (;;) env.cpu.exec(TEST_COSTS["test.spin"], 50_000);
      case "pct": {
        // Honest envs make synchronous calls only to honest envs (they trust the callee).
        if (!hostile(i) && a.kind === "sync" && !HONEST.includes(a.target)) return;
        const target = idOf(a.target);
        env.cpu.setReg(Reg.a0, i);
        const r = yield* env.pct(target, a.kind);
        note(`${a.kind}:${r}`);
        const allowed: number[] = [
          Result.Ok,
          Result.NoEnv,
          Result.Invalid,
          Result.Busy,
          Result.Refused,
          Result.Fault,
        ];
        check(allowed.includes(r), `pct result ${r}`);
        if (a.target >= 4) check(r === Result.NoEnv, `pct to a bogus id gave ${r}`);
        if (target === env.id) check(r === Result.Invalid, `pct to self gave ${r}`);
        if (r === Result.Ok && a.kind === "sync") {
          check(lastReplier.get(env.id) === target, `sync Ok without a reply from ${target}`);
          check(env.cpu.reg(Reg.a1) === 1000 + a.target, "reply message lost");
        }
        if (r === Result.Fault)
          check(endedWithoutReply.has(target), "Fault without an unreplied end");
        return;
      }
      case "yieldTo": {
        const r = yield* env.yieldTo(idOf(a.target));
        check(
          ([Result.Ok, Result.NoEnv, Result.Invalid, Result.Busy] as number[]).includes(r),
          `yieldTo ${r}`,
        );
        return;
      }
      case "yieldSlice": {
        const r = yield* env.yieldSlice();
        check(r === Result.Ok, `yieldSlice ${r}`);
        return;
      }
    }
  }

  for (let i = 0; i < 4; i++) {
    const env = envs[i]!;
    env.onStartOfSlice(function* (): Thread {
      for (const a of s.scripts[i]) yield* perform(i, a);
      done[i] = true;
      for (;;) {
        env.cpu.exec(TEST_COSTS["test.idle"], 1000);
        yield* env.safepoint();
      }
    });
    env.allocSlice();
    if (s.entries[i] || HONEST.includes(i)) {
      env.setEntry("sync", function* (caller: number): Thread {
        check(aegis.machine.cpu.asid === env.asid, "entry under the wrong ASID");
        const ci = ids.indexOf(caller);
        check(ci >= 0 && envs[ci]!.alive, "entry with a dead or unknown caller");
        check(aegis.inspect(envs[ci]!.id).parkedOn === env.id, "caller not parked on the callee");
        env.cpu.exec(TEST_COSTS["test.serve"], 500);
        yield* env.safepoint();
        if (hostile(i) && !s.hostileReplies[i - 2]) {
          endedWithoutReply.add(env.id);
          return; // ends without replying
        }
        env.cpu.setReg(Reg.a1, 1000 + i);
        lastReplier.set(caller, env.id);
        yield* env.pct(caller, "sync");
      });
      env.setEntry("async", function* (caller: number): Thread {
        check(aegis.machine.cpu.asid === env.asid, "async entry under the wrong ASID");
        check(ids.includes(caller), "async entry with an unknown caller");
        env.cpu.exec(TEST_COSTS["test.async"], 300);
      });
    }
  }
  const acyclic = () => {
    for (const e of envs) {
      let x = aegis.inspect(e.id).parkedOn;
      for (let n = 0; n < 5 && x !== 0; n++) {
        const next = envs[ids.indexOf(x)];
        x = next === undefined ? 0 : aegis.inspect(next.id).parkedOn;
        if (n === 4) return false;
      }
    }
    return true;
  };
  aegis.run({
    untilCycle: 60 * aegis.policy.sliceCycles,
    stopWhen: () => {
      check(acyclic(), "a cycle of parked environments");
      check(aegis.machine.cpu.exceptionDepth === 0, "exception depth between contexts");
      return HONEST.every((i) => done[i]);
    },
  });
  expect(violations).toEqual([]);
  for (const d of aegis.deaths)
    expect(
      HONEST.map((i) => ids[i]),
      d.reason,
    ).not.toContain(d.envId);
  expect(HONEST.map((i) => done[i])).toEqual([true, true]);
  // Spinners are destroyed; the others live.
  for (let i = 2; i < 4; i++) {
    if (s.scripts[i]!.some((a) => a.t === "spin") && aegis.deaths.some((d) => d.envId === ids[i])) {
      expect(aegis.deaths.find((d) => d.envId === ids[i])!.reason).toMatch(/excess time/);
    }
  }
}

const numRuns = Number(process.env.FC_NUM_RUNS ?? (process.env.FC_LONG === "1" ? 300 : 25));
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

describe("transfers and slices under hostile scripts", () => {
  it(
    `entries, parking and results follow the semantics (${numRuns} runs)`,
    () => {
      fc.assert(
        fc.property(scenario, (s) => runScenario(s)),
        { numRuns, seed },
      );
      console.log(`transfer results: ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
      expect(seen.get("sync:0") ?? 0).toBeGreaterThan(numRuns / 2);
      expect(seen.get("async:0") ?? 0).toBeGreaterThan(numRuns / 4);
    },
    // Budget: the vitest limit is a hang guard only; long mode scales it with the runs.
    Math.max(300_000, numRuns * 1000),
  );
});
