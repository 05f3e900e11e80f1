import { DEFAULT_ADAPTERS } from "@exolab/bench";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCatalog } from "../src/catalog.js";
import type { Selection } from "../src/protocol.js";
import {
  defaultSelection,
  policyValue,
  selectionFromUrl,
  selectionProblem,
  selectionToUrl,
  withPolicy,
  withSystems,
} from "../src/selection.js";

const catalog = buildCatalog();
const defaults = defaultSelection(catalog);
const SYSTEMS = catalog.systems.map((s) => s.id);
const BENCHMARKS = catalog.suites.find((s) => s.id === "paper")!.benchmarks.map((b) => b.id);

describe("the catalog the page offers", () => {
  it("holds the bench's suites, systems, profiles and overridable policies", () => {
    // The bench's default systems: the three of the paper first, then any libOS added since.
    expect(SYSTEMS).toEqual(DEFAULT_ADAPTERS.map((a) => a.id));
    expect(SYSTEMS.slice(0, 3)).toEqual(["monolithic", "exokernel", "exos"]);
    expect(catalog.baseline).toBe("monolithic");
    expect(BENCHMARKS).toContain("getpid");
    expect(catalog.profiles.map((p) => p.id)).toEqual(["dec5000_125", "dec3100", "dec2100"]);
    expect(catalog.policies.dec5000_125!.exos).toMatchObject({
      pipeRingBytes: 2048,
      "aegis.sliceCycles": 390_625,
    });
    // Another profile, another clock: another default slice in cycles.
    expect(catalog.policies.dec3100!.exokernel!.sliceCycles).not.toBe(390_625);
    expect(catalog.suites[0]!.benchmarks.find((b) => b.id === "getpid")!.systems).toEqual([
      "monolithic",
      "exokernel",
    ]);
  });

  it("the defaults are what `pnpm bench` runs: the paper suite, every system, dec5000_125, seed 1", () => {
    expect(defaults).toEqual({
      suite: "paper",
      profile: "dec5000_125",
      systems: SYSTEMS,
      benchmarks: BENCHMARKS,
      seed: 1,
      policies: {},
    });
    expect(selectionProblem(defaults, catalog)).toBeUndefined();
  });
});

describe("the selection in the URL", () => {
  it("a page opened with no query shows the defaults and runs nothing", () => {
    expect(selectionFromUrl("", catalog)).toEqual({ selection: defaults, explicit: false });
  });

  it("reads the documented format", () => {
    const r = selectionFromUrl(
      "?profile=dec3100&systems=exos,monolithic&benchmarks=pipe,getpid&seed=7&exos.pipeRingBytes=1024&exos.aegis.sliceCycles=200000",
      catalog,
    );
    expect(r.problem).toBeUndefined();
    expect(r.explicit).toBe(true);
    expect(r.selection).toEqual({
      suite: "paper",
      profile: "dec3100",
      systems: ["monolithic", "exos"],
      benchmarks: ["getpid", "pipe"],
      seed: 7,
      policies: { exos: { pipeRingBytes: 1024, "aegis.sliceCycles": 200_000 } },
    });
  });

  it("writes a selection that reads back the same (any systems, benchmarks, seed, overrides)", () => {
    const fields = (system: string) => Object.keys(catalog.policies.dec5000_125![system]!);
    const selection = fc
      .record({
        profile: fc.constantFrom(...catalog.profiles.map((p) => p.id)),
        systems: fc.subarray(SYSTEMS, { minLength: 1 }),
        benchmarks: fc.subarray(BENCHMARKS, { minLength: 1 }),
        seed: fc.integer({ min: 0, max: 0xffffffff }),
        overrides: fc.array(
          fc.tuple(fc.constantFrom(...SYSTEMS), fc.nat(), fc.integer({ min: 0, max: 1e9 })),
          { maxLength: 4 },
        ),
      })
      .map(({ profile, systems, benchmarks, seed, overrides }) => {
        let s: Selection = { ...defaults, profile, systems, benchmarks, seed };
        for (const [system, i, v] of overrides) {
          if (!systems.includes(system)) continue;
          const f = fields(system);
          s = withPolicy(s, system, f[i % f.length]!, v);
        }
        return s;
      });
    fc.assert(
      fc.property(selection, (s) => {
        const url = selectionToUrl(s, catalog);
        const back = selectionFromUrl(url, catalog);
        expect(back.problem).toBeUndefined();
        expect(back.selection).toEqual(s);
        // Readable: names and commas are not escaped.
        expect(url).not.toMatch(/%2C/);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) },
    );
  });

  it.each([
    ["?systems=monolithic,vms", 'unknown system "vms"; valid systems: monolithic, exokernel, exos'],
    ["?systems=", "no system selected; valid systems: monolithic, exokernel, exos"],
    ["?systems=,", "no system selected; valid systems: monolithic, exokernel, exos"],
    ["?benchmarks=getpid,fork", 'benchmark "fork" is not in suite paper; valid benchmarks: '],
    ["?profile=vax780", 'unknown profile "vax780"; valid profiles: dec5000_125, dec3100, dec2100'],
    ["?seed=-1", 'seed must be an integer in [0, 4294967295], got "-1"'],
    ["?seed=4294967296", "seed must be an integer in [0, 4294967295]"],
    ["?seed=1.5", "seed must be an integer"],
    ["?suite=micro", 'unknown suite "micro"; valid suites: paper'],
    ["?colour=red", 'unknown parameter "colour"; valid parameters: suite, profile, systems, '],
    ["?seed=1&seed=2", 'the parameter "seed" is given twice'],
    ["?exos.pipeSize=4", 'exos has no policy field "pipeSize"; its fields: pageTableEntries, '],
    ["?exos.pipeRingBytes=big", 'exos policy pipeRingBytes: "big" is not a number'],
    ["?exos.trackDirty=0", 'exos has no policy field "trackDirty"'],
    [
      "?systems=monolithic&exos.pipeRingBytes=1024",
      "policy overrides for exos, which is not selected (systems: monolithic)",
    ],
  ])("%s: one line, and the defaults", (query, line) => {
    const r = selectionFromUrl(query, catalog);
    expect(r.problem).toBeDefined();
    expect(r.problem!.startsWith(line)).toBe(true);
    expect(r.problem).not.toMatch(/\n/);
    expect(r.selection).toEqual(defaults);
  });
});

describe("editing a selection", () => {
  it("a policy value is read as its field's kind", () => {
    expect(policyValue(" 1024 ", 2048)).toEqual({ value: 1024 });
    expect(policyValue("1e3", 2048)).toEqual({ value: 1000 });
    expect(policyValue("0x10", 2048)).toEqual({ error: '"0x10" is not a number' });
    expect(policyValue("", 2048)).toEqual({ error: '"" is not a number' });
    expect(policyValue("lottery", "stride")).toEqual({ value: "lottery" });
  });

  it("overrides are set and removed; dropping a system drops its overrides", () => {
    let s = withPolicy(defaults, "exos", "pipeRingBytes", 512);
    s = withPolicy(s, "monolithic", "quantumTicks", 2);
    expect(s.policies).toEqual({ exos: { pipeRingBytes: 512 }, monolithic: { quantumTicks: 2 } });
    s = withPolicy(s, "exos", "pipeRingBytes", undefined);
    expect(s.policies).toEqual({ monolithic: { quantumTicks: 2 } });
    s = withSystems(s, ["exos", "exokernel"], catalog);
    expect(s.systems).toEqual(["exokernel", "exos"]);
    expect(s.policies).toEqual({});
  });
});
