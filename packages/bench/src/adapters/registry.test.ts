import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { costLabels } from "../cost-tables.js";
import { paperFigure } from "../paper.js";
import { runBenchmark } from "../runner.js";
import { PAPER_SUITE } from "../workloads/index.js";
import { BASELINE, SYSTEM_ID_PATTERN } from "./adapter.js";
import { ADAPTERS, adapterFor, DEFAULT_ADAPTERS, SYSTEM_IDS } from "./index.js";
import { REGISTRY } from "./registry.js";

const here = new URL("./", import.meta.url);
const source = (file: string) => readFileSync(new URL(file, here), "utf8");
const lines = (file: string) => source(file).trimEnd().split("\n").length;

/**
 * The words of `text` that name a registered system (as a whole word), or import a kernel
 * or a libOS package other than the exokernel itself.
 */
export function systemsNamed(text: string): string[] {
  // Package names are not system names: the base runs on the exokernel package.
  const words = text.replace(/"@exolab\/[^"]*"/g, '""');
  const named = SYSTEM_IDS.filter((id) => new RegExp(`(?<![\\w-])${id}(?![\\w-])`).test(words));
  const imports = [...text.matchAll(/from "(@exolab\/(?:libos-[\w-]+|monolithic)[^"]*)"/g)].map(
    (m) => m[1]!,
  );
  return [...named, ...imports];
}

describe("the registry", () => {
  it("holds every system once, the baseline first, each id of the allowed form", () => {
    expect(SYSTEM_IDS[0]).toBe(BASELINE);
    expect(new Set(SYSTEM_IDS).size).toBe(SYSTEM_IDS.length);
    for (const id of SYSTEM_IDS) expect(id).toMatch(SYSTEM_ID_PATTERN);
    expect(SYSTEM_IDS).toEqual(expect.arrayContaining(["monolithic", "exokernel", "exos"]));
    for (const id of SYSTEM_IDS) expect(adapterFor(id)?.id).toBe(id);
    expect(adapterFor("nope")).toBeUndefined();
  });

  it("one adapter file per system: src/adapters/<id>.ts exports the registered adapter", async () => {
    for (const { adapter } of REGISTRY) {
      const file = `${adapter.id}.ts`;
      expect(existsSync(new URL(file, here)), file).toBe(true);
      const mod = (await import(`./${adapter.id}.js`)) as Record<string, unknown>;
      expect(Object.values(mod), file).toContain(adapter);
    }
    // And no adapter file is left unregistered.
    const files = readdirSync(here).filter(
      (f) =>
        f.endsWith(".ts") &&
        !f.endsWith(".test.ts") &&
        !["adapter.ts", "index.ts", "registry.ts"].includes(f),
    );
    expect(files.map((f) => f.slice(0, -3)).sort()).toEqual([...SYSTEM_IDS].sort());
  });

  it("a system onlyWhenNamed runs only when named: the default selection is every other system", () => {
    expect(DEFAULT_ADAPTERS.map((a) => a.id)).toEqual(
      REGISTRY.filter((r) => r.onlyWhenNamed !== true).map((r) => r.adapter.id),
    );
    expect(DEFAULT_ADAPTERS.map((a) => a.id)).not.toContain("template");
    expect(ADAPTERS.map((a) => a.id)).toContain("template");
  });

  it("every system carries its cost tables: each label it charges is known to the bench", () => {
    const known = costLabels();
    for (const a of ADAPTERS) {
      expect(Object.keys(a.costs).length, a.id).toBeGreaterThan(0);
      for (const [pkg, table] of Object.entries(a.costs))
        for (const [key, row] of Object.entries(table))
          expect(known.get(row.label ?? key), `${a.id}: ${key}`).toBe(pkg);
    }
    expect(known.get("template.refill.entry")).toBe("@exolab/libos-template");
  });

  it("the paper mapping is the adapter's: a system the paper did not measure has no paper figure", () => {
    expect(adapterFor("template")!.paper).toBeNull();
    for (const w of PAPER_SUITE) expect(paperFigure(w.id, null, "dec5000_125")).toBeNull();
    expect(paperFigure("getpid", adapterFor("monolithic")!.paper, "dec5000_125")).toBe(21.3);
    expect(paperFigure("getpid", adapterFor("exokernel")!.paper, "dec5000_125")).toBe(1.6);
    expect(paperFigure("pipe", adapterFor("exos")!.paper, "dec5000_125")).toBe(14.2);
    expect(paperFigure("pipe", adapterFor("exokernel")!.paper, "dec5000_125")).toBeNull();
    expect(paperFigure("getpid", "aegis", "dec3100")).toBeNull();
  });
});

describe("the shared base of libOSes on Aegis", () => {
  const baseFiles = readdirSync(new URL("aegis/", here)).filter((f) => f.endsWith(".ts"));

  it("names no system: no registered id, no libOS or other kernel imported", () => {
    expect(baseFiles.length).toBeGreaterThanOrEqual(2);
    for (const f of baseFiles) expect(systemsNamed(source(`aegis/${f}`)), f).toEqual([]);
  });

  it("the check finds a system named in the base (it can fail)", () => {
    expect(systemsNamed('if (id === "exos") return;')).toEqual(["exos"]);
    expect(systemsNamed('import { x } from "@exolab/libos-exos";')).toEqual(["@exolab/libos-exos"]);
    expect(systemsNamed("// a comment on the monolithic kernel")).toEqual(["monolithic"]);
    expect(systemsNamed("the libOS-exos-like one; exosphere; monolithically")).toEqual([]);
  });

  it("a libOS adapter on it is a few dozen lines; the exos adapter uses it too", () => {
    expect(lines("template.ts")).toBeLessThanOrEqual(60);
    for (const id of ["template", "exos"])
      expect(source(`${id}.ts`), id).toMatch(/defineLibOsSystem\(\{/);
  });
});

describe("policy overrides (SystemOptions.policy)", () => {
  const template = adapterFor("template")!;
  const w = PAPER_SUITE.find((x) => x.id === "proc-call")!;

  it("a libOS's own fields go to the libOS, `aegis.*` ones to the kernel; each is checked", () => {
    const create = (policy: Record<string, number | string>) =>
      template.create({ profile: "dec5000_125", seed: 1, policy });
    expect(() => create({ maxThreads: 4, "aegis.sliceCycles": 20_000 })).not.toThrow();
    expect(() => create({ pages: 8 })).toThrow(/pages/);
    expect(() => create({ nope: 1 })).toThrow(/no policy field "nope"/);
    expect(() => create({ "aegis.sliceCycles": 10 })).toThrow(/sliceCycles/);
    expect(() =>
      adapterFor("exos")!.create({ profile: "dec5000_125", seed: 1, policy: { maxThreads: 0 } }),
    ).toThrow(/maxThreads/);
  });

  it("the policies printed are the libOS's, then the kernel's under `aegis.`", () => {
    const p = template.policies("dec5000_125");
    expect(Object.keys(p).slice(0, 3)).toEqual(["pages", "maxThreads", "slices"]);
    expect(p["aegis.sliceCycles"]).toBe(390_625);
  });

  it("the template runs a row; its figures are its own (no paper column)", () => {
    const r = runBenchmark(w, template, { profile: "dec5000_125", seed: 1 });
    expect(r.supported).toBe(true);
    expect(r.paperMicros).toBeNull();
    expect(r.simulatedCycles).toBeGreaterThan(0);
  });
});
