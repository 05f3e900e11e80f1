import { existsSync, readFileSync } from "node:fs";
import { LIBOS_TEMPLATE } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
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
});
