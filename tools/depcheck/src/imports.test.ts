import { describe, expect, it } from "vitest";
import { findImports } from "./imports.js";

const refs = (text: string, file = "x.ts") =>
  findImports(file, text).map((r) => `${r.line} ${r.kind} ${r.specifier ?? "<computed>"}`);

describe("findImports", () => {
  it("finds every static form, on the specifier's line", () => {
    const text = [
      'import a from "a";', // 1
      'import type { B } from "b";', // 2
      'import "c";', // 3
      'import * as d from "d";', // 4
      'export { e } from "e";', // 5
      'export * from "f";', // 6
      'export * as g from "g";', // 7
      'export type { H } from "h";', // 8
      'import i = require("i");', // 9
      "import {", // 10
      "  j,", // 11
      '} from "j";', // 12
      'import k from "k" with { type: "json" };', // 13
    ].join("\n");
    expect(refs(text)).toEqual([
      "1 import a",
      "2 import b",
      "3 import c",
      "4 import d",
      "5 re-export e",
      "6 re-export f",
      "7 re-export g",
      "8 re-export h",
      "9 import-equals i",
      "12 import j",
      "13 import k",
    ]);
  });

  it("finds dynamic import(), require() and import types anywhere; refuses computed specifiers", () => {
    const text = [
      'const a = await import("a");', // 1
      "function f(n: string) {", // 2
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text under test
      '  return [require("b"), require(`c`), import(n), require(`d/${n}`), require()];', // 3
      "}", // 4
      'type T = import("e").T | typeof import("f");', // 5
    ].join("\n");
    expect(refs(text)).toEqual([
      "1 dynamic-import a",
      "3 require b",
      "3 require c",
      "3 dynamic-import <computed>",
      "3 require <computed>",
      "3 require <computed>",
      "5 import-type e",
      "5 import-type f",
    ]);
  });

  it("finds JSDoc type references and @import tags in JavaScript files, where they are types", () => {
    const text = [
      '/** @type {import("a").A} */', // 1
      "const a = 1;", // 2
      "/**", // 3
      ' * @import { B } from "b"', // 4
      ' * @param {typeof import("c")} p', // 5
      " */", // 6
      "export function f(p) {}", // 7
    ].join("\n");
    expect(refs(text, "x.js")).toEqual(["1 import-type a", "4 jsdoc-import b", "5 import-type c"]);
    expect(refs(text, "x.mjs")).toEqual(["1 import-type a", "4 jsdoc-import b", "5 import-type c"]);
    // TypeScript ignores JSDoc types in a TypeScript file: there they are comments.
    expect(refs(text, "x.ts")).toEqual([]);
  });

  it("never takes a comment or a string for an import, and a comment never hides one", () => {
    const text = [
      '// import a from "a";', // 1
      '/* export * from "b"; require("c") */', // 2
      "const s = 'import d from \"d\"';", // 3
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text under test
      'const t = `import("e") ${s} require("f")`;', // 4
      'const r = /import\\("g"\\)/;', // 5
      "/** not JSDoc of an import: import h */", // 6
      'import /* i */ { x } /* from "j" */ from /* k */ "l";', // 7
      'export /* m */ * /* n */ from "o";', // 8
    ].join("\n");
    expect(refs(text)).toEqual(["7 import l", "8 re-export o"]);
  });

  it("reads .tsx, .mjs and .cts sources in their own dialect", () => {
    expect(
      refs('import a from "a";\nexport const C = () => <div>{require("b")}</div>;', "x.tsx"),
    ).toEqual(["1 import a", "2 require b"]);
    expect(refs('export * from "a";', "x.mjs")).toEqual(["1 re-export a"]);
    expect(refs('import a = require("a");', "x.cts")).toEqual(["1 import-equals a"]);
  });

  it("marks what the emitted JavaScript does not load (type-only) — and what it still does", () => {
    const text = [
      'import type { A } from "a";', // erased
      'import { type B } from "b";', // verbatimModuleSyntax: `import {} from "b"` stays
      'import { C } from "c";',
      'export type { D } from "d";', // erased
      'export { E } from "e";',
      'type F = import("f").F;', // a type position
      'const g = () => import("g");', // loads, later
    ].join("\n");
    expect(findImports("x.ts", text).map((r) => `${r.specifier} ${r.typeOnly}`)).toEqual([
      "a true",
      "b false",
      "c false",
      "d true",
      "e false",
      "f true",
      "g false",
    ]);
  });
});
