import { describe, expect, it } from "vitest";
import { ADAPTERS, adapterFor } from "./adapters/index.js";
import { checkPolicy, overridablePolicy, PolicyError, policyProblem } from "./policy.js";
import { runBenchmark } from "./runner.js";
import { runSuite } from "./suite.js";
import { PAPER_SUITE } from "./workloads/index.js";

const P = "dec5000_125";
const mono = adapterFor("monolithic")!;
const exokernel = adapterFor("exokernel")!;
const exos = adapterFor("exos")!;
const workload = (id: string) => PAPER_SUITE.find((w) => w.id === id)!;
const cycles = (system: string, benchmark: string, policy?: Record<string, number | string>) =>
  runBenchmark(workload(benchmark), adapterFor(system)!, {
    profile: P,
    seed: 1,
    ...(policy === undefined ? {} : { policy }),
  }).simulatedCycles;

describe("policy overrides (SystemOptions.policy)", () => {
  it("offers the number and string fields each system prints, not its flags", () => {
    for (const a of ADAPTERS) {
      const fields = overridablePolicy(a, P);
      expect(Object.keys(fields).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(a.policies(P)))
        expect(Object.hasOwn(fields, k)).toBe(typeof v === "number" || typeof v === "string");
    }
    expect(overridablePolicy(exos, P)).toHaveProperty("aegis.sliceCycles", 390_625);
    expect(overridablePolicy(exos, P)).not.toHaveProperty("trackDirty");
  });

  it("refuses an unknown field or a value of the wrong kind, naming it", () => {
    expect(policyProblem(mono, P, { quantumTicks: 5 })).toBeUndefined();
    expect(policyProblem(mono, P, { sliceCycles: 5 })).toMatch(
      /^monolithic has no policy field "sliceCycles"; its fields: clockHz, /,
    );
    expect(policyProblem(mono, P, { quantumTicks: "5" })).toBe(
      'monolithic policy quantumTicks takes a number, got "5"',
    );
    expect(policyProblem(exokernel, P, { sliceCycles: Number.NaN })).toMatch(/takes a number/);
    expect(policyProblem(exos, P, { trackDirty: 0 })).toMatch(/no policy field "trackDirty"/);
  });

  it("refuses a value out of the kernel's or the libOS's range before anything runs", () => {
    const refused = (a: typeof mono, o: Record<string, number>) => {
      try {
        checkPolicy(a, P, o);
      } catch (e) {
        expect(e).toBeInstanceOf(PolicyError);
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(refused(mono, { pipeBufferBytes: 6 })).toMatch(/^monolithic: .*pipeBufferBytes/);
    expect(refused(exokernel, { sliceCycles: 10 })).toMatch(/^exokernel: .*sliceCycles/);
    expect(refused(exos, { pipeRingBytes: 1000 })).toMatch(/^exos: .*power of two/);
    expect(refused(exos, { "aegis.sliceCycles": 10 })).toMatch(/^exos: .*sliceCycles/);
    expect(refused(exos, { pipeRingBytes: 1024, "aegis.sliceCycles": 200_000 })).toBe("accepted");
    // The suite checks before its first pair: nothing runs, one line.
    const steps = () =>
      runSuite({
        suite: "paper",
        workloads: [workload("getpid")],
        adapters: [mono],
        profile: P,
        seed: 1,
        policies: { monolithic: { pipeBufferBytes: 6 } },
      });
    expect(steps).toThrow(PolicyError);
    expect(() =>
      runSuite({
        suite: "paper",
        workloads: [workload("getpid")],
        adapters: [mono],
        profile: P,
        seed: 1,
        policies: { exos: { slices: 2 } },
      }),
    ).toThrow(/not among the systems run \(monolithic\)/);
  });

  it("reaches each system: the kernel's (monolithic, exos's Aegis) and the libOS's own", () => {
    // Stride measures per slice: the slice is Aegis's, reached through exos's `aegis.` fields.
    // (The observer ends its window at its own turn, so a figure is a slice plus its share of
    // the last round: about 3 % above the slice; the ratio of two slices is exact.)
    const normal = cycles("exos", "stride");
    const short = cycles("exos", "stride", { "aegis.sliceCycles": 100_000 });
    expect(normal / 390_625).toBeGreaterThanOrEqual(1);
    expect(normal / 390_625).toBeLessThan(1.05);
    expect(normal / short).toBeCloseTo(390_625 / 100_000, 2);
    // The monolithic kernel's quantum changes when shm's processes are switched.
    expect(cycles("monolithic", "shm", { quantumTicks: 1 })).not.toBe(cycles("monolithic", "shm"));
    // ExOS's page table (a smaller one maps the same pages with other cycles).
    expect(cycles("exos", "appel1", { pageTableEntries: 1024 })).not.toBe(cycles("exos", "appel1"));
    // The bare exokernel's own fields.
    const sys = exokernel.create({ profile: P, seed: 1, policy: { sliceCycles: 50_000 } });
    expect(
      (sys as unknown as { aegis: { policy: { sliceCycles: number } } }).aegis.policy,
    ).toMatchObject({
      sliceCycles: 50_000,
    });
  });

  it("the report prints the policy in force, overrides included; the same override, the same cycles", () => {
    const run = () =>
      runSuite({
        suite: "paper",
        workloads: [workload("stride")],
        adapters: [exos],
        profile: P,
        seed: 1,
        policies: { exos: { "aegis.sliceCycles": 100_000, pipeRingBytes: 512 } },
      });
    const a = run();
    expect(a.policies.exos).toMatchObject({
      "aegis.sliceCycles": 100_000,
      pipeRingBytes: 512,
      pageTableEntries: 4096,
    });
    expect(a.results).toEqual(run().results);
  });
});
