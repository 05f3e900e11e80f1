import { describe, expect, it } from "vitest";
import { codeWordOf } from "./cost.js";
import {
  Category,
  type Cost,
  type CostSpec,
  CostTableError,
  defineCosts,
  isCost,
  MachineError,
} from "./index.js";
import { Machine } from "./privileged.js";
import { HITS_ONLY } from "./test-costs.js";

const SRC = "counted: a test";

describe("defineCosts: one shape of cost table", () => {
  it("keys records by label; each is frozen, registered and carries its label, counts and source", () => {
    const T = defineCosts({
      "pkg.path.step": { instructions: 12, loads: 1, source: SRC },
      "app.proc-call": { instructions: 4, category: Category.User, source: SRC },
      psignal: { instructions: 13, stores: 2, source: SRC },
    });
    expect(Object.keys(T)).toEqual(["pkg.path.step", "app.proc-call", "psignal"]);
    expect(T["pkg.path.step"]).toEqual({
      label: "pkg.path.step",
      instructions: 12,
      loads: 1,
      stores: 0,
      category: undefined,
      source: SRC,
      codeWord: codeWordOf("pkg.path.step"),
    });
    // The code address is a hash of the label (FNV-1a, 28 bits, plus 1): never 0, and the
    // same on every host whatever the order tables were made in.
    expect(codeWordOf("pkg.path.step")).toBe(142008739);
    expect(codeWordOf("")).toBe(1 + (0x811c9dc5 & 0x0fffffff));
    expect(T["app.proc-call"].category).toBe(Category.User);
    expect(T.psignal.stores).toBe(2);
    expect(Object.isFrozen(T)).toBe(true);
    for (const r of Object.values(T)) {
      expect(Object.isFrozen(r)).toBe(true);
      expect(isCost(r)).toBe(true);
    }
    // A label's type is its literal: a table keyed by label cannot be indexed by another.
    const label: "psignal" = T.psignal.label;
    expect(label).toBe("psignal");
  });

  it("isCost answers false for copies, look-alikes and Proxies, running none of their code", () => {
    const T = defineCosts({ "t.x": { instructions: 1, source: SRC } });
    let ran = 0;
    const proxy = new Proxy(T["t.x"], {
      get: () => {
        ran++;
        return 1;
      },
      getPrototypeOf: () => {
        ran++;
        return null;
      },
      has: () => {
        ran++;
        return true;
      },
    });
    for (const v of [{ ...T["t.x"] }, proxy, null, undefined, 1, "t.x", T]) {
      expect(isCost(v)).toBe(false);
    }
    expect(ran).toBe(0);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["Bad.label", { instructions: 1, source: SRC }, /a label is 1 to 64 characters/],
    ["has space", { instructions: 1, source: SRC }, /a label/],
    ["trailing.", { instructions: 1, source: SRC }, /a label/],
    ["", { instructions: 1, source: SRC }, /a label/],
    [`a.${"x".repeat(63)}`, { instructions: 1, source: SRC }, /a label/],
    ["t.neg", { instructions: -1, source: SRC }, /instructions must be an integer/],
    ["t.frac", { instructions: 1.5, source: SRC }, /instructions must be an integer/],
    ["t.nan", { instructions: Number.NaN, source: SRC }, /instructions must be an integer/],
    ["t.str", { instructions: "3", source: SRC }, /instructions must be an integer/],
    ["t.none", { source: SRC }, /instructions must be an integer/],
    ["t.huge", { instructions: 2e9, source: SRC }, /instructions must be an integer/],
    ["t.loads", { instructions: 2, loads: -1, source: SRC }, /loads must be an integer/],
    ["t.stores", { instructions: 2, stores: 0.5, source: SRC }, /stores must be an integer/],
    ["t.many", { instructions: 2, loads: 2, stores: 1, source: SRC }, /among the counted/],
    ["t.cat", { instructions: 1, category: 12, source: SRC }, /category must be a Category/],
    ["t.catstr", { instructions: 1, category: "user", source: SRC }, /category must be/],
    ["t.nosrc", { instructions: 1 }, /source must say/],
    ["t.blank", { instructions: 1, source: "   " }, /source must say/],
    ["t.extra", { instructions: 1, source: SRC, cycles: 3 }, /unknown field "cycles"/],
  ];
  for (const [label, spec, message] of bad) {
    it(`refuses ${JSON.stringify(label)} ${JSON.stringify(spec)} with a CostTableError naming it`, () => {
      let thrown: unknown;
      try {
        defineCosts({
          "t.fine": { instructions: 1, source: SRC },
          [label]: spec as unknown as CostSpec,
        });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(CostTableError);
      expect(thrown).toBeInstanceOf(MachineError);
      expect((thrown as CostTableError).label).toBe(label);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).toContain(JSON.stringify(label));
    });
  }

  it("refuses a table that is not an object", () => {
    for (const t of [null, 3, [], "x"]) {
      expect(() => defineCosts(t as unknown as Record<string, CostSpec>)).toThrow(CostTableError);
    }
  });
});

describe("defineCosts under patched intrinsics", () => {
  it("another environment's patches cannot make it skip a check or leave a record open", () => {
    const freeze = Object.freeze;
    const exec = RegExp.prototype.exec;
    const add = WeakSet.prototype.add;
    const isInt = Number.isInteger;
    let ran = 0;
    try {
      Object.freeze = <T>(o: T) => {
        ran++;
        return o;
      };
      RegExp.prototype.exec = () => {
        ran++;
        return [] as unknown as RegExpExecArray; // "every label matches"
      };
      WeakSet.prototype.add = function () {
        ran++;
        return this;
      };
      Number.isInteger = () => {
        ran++;
        return true;
      };
      Object.defineProperty(Array.prototype, "0", {
        configurable: true,
        set: () => {
          ran++;
        },
      });
      const t = defineCosts({ "t.patched": { instructions: 2, source: SRC } });
      expect(Object.isFrozen(t["t.patched"])).toBe(true);
      expect(isCost(t["t.patched"])).toBe(true);
      expect(() => defineCosts({ "Bad label": { instructions: 1, source: SRC } })).toThrow(
        CostTableError,
      );
      expect(() => defineCosts({ "t.half": { instructions: 0.5, source: SRC } })).toThrow(
        CostTableError,
      );
    } finally {
      Object.freeze = freeze;
      RegExp.prototype.exec = exec;
      WeakSet.prototype.add = add;
      Number.isInteger = isInt;
      delete (Array.prototype as unknown as Record<string, unknown>)["0"];
    }
    expect(ran).toBe(0);
  });
});

describe("Cpu.exec(cost, times)", () => {
  it("charges instructions × times under the label, in one call, with the record's category", () => {
    const T = defineCosts({
      "t.step": { instructions: 3, source: SRC },
      "t.tlb": { instructions: 2, category: Category.Tlb, source: SRC },
    });
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const before = m.cpu.now;
    m.cpu.exec(T["t.step"]);
    m.cpu.exec(T["t.step"], 5);
    m.cpu.exec(T["t.tlb"], 4);
    expect(m.cpu.now - before).toBe((3 + 15 + 8) * m.profile.cyclesPerInstruction);
    expect(m.accounting.labels.get("t.step")).toEqual({
      calls: 2,
      instructions: 18,
      cycles: 18 * m.profile.cyclesPerInstruction,
      stallCycles: 0,
      missCycles: 0,
    });
    const tlbCycles = m.accounting.table[Category.Tlb]!;
    expect(tlbCycles).toBe(8 * m.profile.cyclesPerInstruction);
  });

  it("a forged record (a cast) is refused at run time", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const forged = Object.freeze({
      label: "t.forged",
      instructions: 1,
      loads: 0,
      stores: 0,
      source: SRC,
    }) as unknown as Cost;
    expect(() => m.cpu.exec(forged)).toThrow(/record of a costs table/);
    expect(m.accounting.labels.has("t.forged")).toBe(false);
  });
});
