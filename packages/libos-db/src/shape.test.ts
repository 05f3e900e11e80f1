import { existsSync, readFileSync } from "node:fs";
import { LIBOS_TEMPLATE, MachineError } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import * as exports from "./index.js";
import { libos } from "./index.js";

const root = new URL("../", import.meta.url);

describe("the shape every library OS has", () => {
  it("has the folders and files of the exokernel's LIBOS_TEMPLATE", () => {
    const missing = LIBOS_TEMPLATE.filter((p) => !existsSync(new URL(p, root)));
    expect(missing).toEqual([]);
  });

  it("is `{ name, boot }`, named as its package", () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { name: string };
    expect(pkg.name).toBe(`@exolab/libos-${libos.name}`);
    expect(typeof libos.boot).toBe("function");
    expect(Object.isFrozen(libos)).toBe(true);
  });

  it("throws only the simulator's one error base, MachineError (a boot failure, a bad policy)", () => {
    const errors = Object.entries(exports).filter(([n]) => n.endsWith("Error"));
    expect(errors.map(([n]) => n)).toEqual(expect.arrayContaining(["BootError", "PolicyError"]));
    for (const [name, value] of errors) {
      expect((value as { prototype: unknown }).prototype instanceof MachineError, name).toBe(true);
    }
  });
});
