import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkRepo, NotAWorkspaceError } from "./check.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** `file:line: message`, as the command prints it. */
const lines = (root: string) => checkRepo(root).map((v) => `${v.file}:${v.line}: ${v.message}`);
const mayNot = (pkg: string, spec: string) =>
  `@exolab/${pkg} may not import "${spec}" (allowed: @exolab/exokernel)`;
const node = (spec: string) =>
  `@exolab/monolithic may not import the Node built-in "${spec}" in src/ (the simulator stays browser-safe; tests and bench/ may use Node)`;
const COMPUTED = "import()/require() with a computed specifier cannot be checked";
const PRIV = "@exolab/machine/privileged";
const KERNEL = "@exolab/exokernel/kernel";

describe("dependency direction (the project's layering)", () => {
  const bad = lines(fixture("bad"));

  it("fails a libOS that reaches the privileged machine, another libOS, or leaves its package", () => {
    const evil = "packages/libos-evil";
    expect(bad.filter((l) => l.startsWith(evil))).toEqual([
      `${evil}/package.json:1: @exolab/libos-evil may not depend on @exolab/machine (allowed: @exolab/exokernel)`,
      `${evil}/src/index.ts:2: ${mayNot("libos-evil", PRIV)}`,
      `${evil}/src/index.ts:4: ${mayNot("libos-evil", "@exolab/libos-other")}`,
      `${evil}/src/index.ts:6: relative import "../../exokernel/src/internal" leaves the package @exolab/libos-evil`,
      `${evil}/src/index.ts:8: ${mayNot("libos-evil", KERNEL)}`,
      `${evil}/src/index.ts:9: ${mayNot("libos-evil", "@exolab/machine")}`,
      `${evil}/src/index.ts:11: ${COMPUTED}`,
    ]);
  });

  it("sees privileged imports a regular expression misses: comments inside, multi-line, re-exports, require, types, JSDoc", () => {
    const sly = "packages/libos-sly/src";
    expect(bad.filter((l) => l.startsWith(sly))).toEqual([
      `${sly}/index.ts:3: ${mayNot("libos-sly", PRIV)}`, // import /* c */ { Machine } from
      `${sly}/index.ts:7: ${mayNot("libos-sly", KERNEL)}`, // multi-line: the specifier's line
      `${sly}/index.ts:8: ${mayNot("libos-sly", PRIV)}`, // export { Tlb } from
      `${sly}/index.ts:9: ${mayNot("libos-sly", PRIV)}`, // export * from
      `${sly}/index.ts:10: ${mayNot("libos-sly", KERNEL)}`, // export * as kernel from
      `${sly}/index.ts:11: ${mayNot("libos-sly", PRIV)}`, // import type
      `${sly}/index.ts:12: ${mayNot("libos-sly", "@exolab/machine")}`, // import x = require()
      `${sly}/index.ts:13: ${mayNot("libos-sly", PRIV)}`, // import("…").World in a type
      `${sly}/index.ts:17: ${mayNot("libos-sly", PRIV)}`, // multi-line import()
      `${sly}/index.ts:19: ${mayNot("libos-sly", KERNEL)}`, // require(`…`)
      `${sly}/index.ts:20: ${COMPUTED}`, // require(`…${v}`)
      `${sly}/legacy.js:2: ${mayNot("libos-sly", PRIV)}`, // JSDoc @import in a .js file
      `${sly}/legacy.js:4: ${mayNot("libos-sly", KERNEL)}`, // JSDoc {import("…")} in a .js file
      `${sly}/types.d.ts:1: ${mayNot("libos-sly", PRIV)}`, // a declaration file
    ]);
  });

  it("fails Node built-ins in a kernel's shipped source, with or without the node: prefix", () => {
    const boot = "packages/monolithic/src/boot.ts";
    expect(bad.filter((l) => l.startsWith("packages/monolithic"))).toEqual([
      `${boot}:1: ${node("node:fs")}`,
      `${boot}:3: ${node("child_process")}`,
      `${boot}:6: ${node("fs/promises")}`,
    ]);
  });

  it("fails a runtime import cycle among a package's shipped modules, once per tangle; type-only imports, import() and tests do not count", () => {
    const src = "packages/libos-tangle/src";
    const tail = "type-only imports do not count";
    expect(bad.filter((l) => l.startsWith(src))).toEqual([
      `${src}/a.ts:2: runtime import cycle: src/a.ts → src/b.ts → src/sub/c.ts → src/a.ts; ${tail}`,
      `${src}/inline-a.ts:2: runtime import cycle: src/inline-a.ts → src/inline-b.ts → src/inline-a.ts; ${tail}`,
    ]);
  });

  it("reports nothing else in the bad fixture (a kernel importing the privileged machine is its right)", () => {
    const known = [
      "packages/libos-evil/",
      "packages/libos-sly/",
      "packages/libos-tangle/",
      "packages/monolithic/",
    ];
    expect(bad.filter((l) => !known.some((k) => l.startsWith(k)))).toEqual([]);
  });

  it("passes a libOS that uses only the exokernel's unprivileged entry (tests may set up the kernel and use Node; comments and strings are not imports)", () => {
    expect(lines(fixture("good"))).toEqual([]);
  });

  it("passes on this repository", () => {
    expect(lines(repoRoot)).toEqual([]);
  });

  it("refuses a folder that holds no workspace package", () => {
    expect(() => checkRepo(fixture("good/packages"))).toThrow(NotAWorkspaceError);
  });
});
