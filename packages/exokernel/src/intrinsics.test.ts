import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { frozenArray, newList, SafeMap, SafeSet } from "./intrinsics.js";

/**
 * The kernel's rules for intrinsics (intrinsics.ts), checked on its sources: the mechanism
 * files never reach a patchable intrinsic at run time. (The attack itself is in
 * isolation.test.ts and the fuzz; this keeps new code from slipping.)
 */
const SRC = fileURLToPath(new URL(".", import.meta.url));
const MECHANISMS = [
  "aegis.ts",
  "core.ts",
  "errors.ts",
  "caps",
  "disk",
  "env",
  "exc",
  "mem",
  "net",
  "net/ash",
  "net/dpf",
  "pct",
  "revoke",
  "sched",
  "syscall",
];
/** Not kernel code: packets and filters built for the tests, the benchmark and the libOSes. */
const NOT_KERNEL = ["net/dpf/examples.ts"];
const FORBIDDEN: [RegExp, string][] = [
  [/\bfor \(const [^;]* of /, "for…of (runs %ArrayIteratorPrototype%.next and friends)"],
  [/\[\.\.\./, "array spread"],
  [/\.\.\.[a-z][A-Za-z]*\)/, "argument spread"],
  [
    /\.(push|pop|shift|unshift|splice|includes|indexOf|slice|map|filter|find|some|every|sort|join|fill)\(/,
    "an Array method",
  ],
  [
    /new (Map|Set|WeakMap|Array|Function|DataView|ArrayBuffer|(Big)?(Int|Uint|Float)(8|16|32|64)(Clamped)?Array)\b/,
    "a global constructor",
  ],
  // Array.prototype.forEach: an index callback (a SafeMap/SafeSet's own forEach passes a key).
  [/\.forEach\(\(\w+, (i|j|k|n|idx|index)\)/, "Array.prototype.forEach"],
  [/\b(Object|Reflect|Number|Math|Array|JSON|String)\.[a-zA-Z]+\(/, "a global function"],
  [/\bString\(/, "String()"],
  [/\.(call|apply|bind)\(/, "Function.prototype.call/apply/bind"],
  [/\binstanceof\b/, "instanceof on a value"],
  [/\.(buffer|byteOffset|byteLength)\b/, "a typed-array getter (TypedArrayBuffer, …)"],
  // A list that grows by index must not reach Array.prototype's indexed accessors.
  [/=\s*\[\]\s*;/, "an ordinary empty array (newList)"],
];

function files(path: string): string[] {
  const full = join(SRC, path);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .filter((f) => !NOT_KERNEL.includes(join(path, f)))
    .map((f) => join(full, f));
}

function kernelFiles(): string[] {
  return MECHANISMS.flatMap(files);
}

/** Element types whose properties (other than elements) live on a patchable prototype. */
const TYPED = /^((Big)?(Int|Uint|Float)(8|16|32|64)(Clamped)?Array|ArrayBuffer|DataView)$/;

/**
 * Every read of a property of a typed array, an ArrayBuffer or a DataView in `paths` (found
 * by the type checker: `.length` of a typed array and of a list look alike to a grep). Each
 * is a getter or a method on a prototype a libOS may patch; kernel code uses the captured
 * ones (`TypedArrayLength`, `TypedArrayBuffer`, `TypedArrayByteOffset`).
 */
function typedArrayPropertyReads(paths: string[]): string[] {
  const config = ts.readConfigFile(join(SRC, "../tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, join(SRC, ".."));
  const program = ts.createProgram(paths, parsed.options);
  const checker = program.getTypeChecker();
  const typed = (t: ts.Type): boolean => {
    if (t.isUnion()) return t.types.some(typed);
    const s = t.getSymbol() ?? t.aliasSymbol;
    return s !== undefined && TYPED.test(s.getName());
  };
  const found: string[] = [];
  for (const path of paths) {
    const sf = program.getSourceFile(path)!;
    const visit = (n: ts.Node): void => {
      const read =
        ts.isPropertyAccessExpression(n) ||
        (ts.isElementAccessExpression(n) && ts.isStringLiteral(n.argumentExpression));
      if (read && typed(checker.getTypeAtLocation(n.expression))) {
        const line = sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
        found.push(`${path.slice(SRC.length)}:${line}: ${n.getText()}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return found;
}

describe("kernel sources use only captured intrinsics", () => {
  it("no for…of, spread, Array method, global constructor or global function at run time", () => {
    const found: string[] = [];
    for (const f of kernelFiles()) {
      const lines = readFileSync(f, "utf8").split("\n");
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
        for (const [re, what] of FORBIDDEN) {
          if (re.test(code)) found.push(`${f.slice(SRC.length)}:${i + 1}: ${what}: ${line.trim()}`);
        }
      });
    }
    expect(found).toEqual([]);
  });

  it("no property of a typed array is read through its prototype (the type checker finds them)", () => {
    expect(typedArrayPropertyReads(kernelFiles())).toEqual([]);
  }, 60_000);

  it("the typed-array check sees a typed array's length, and only it", () => {
    const fixture = join(SRC, "test-fixtures", "typed-length.sample.ts");
    expect(typedArrayPropertyReads([fixture])).toEqual([
      "test-fixtures/typed-length.sample.ts:7: words.length",
      "test-fixtures/typed-length.sample.ts:8: words.buffer",
    ]);
  }, 60_000);

  it("the safe collections keep their methods whatever is done to the originals", () => {
    const get = Map.prototype.get;
    const add = Set.prototype.add;
    const push = Array.prototype.push;
    const m = new SafeMap<number, string>();
    const s = new SafeSet<number>();
    const list = newList<number>();
    try {
      Map.prototype.get = () => "forged";
      Set.prototype.add = function () {
        return this;
      };
      Array.prototype.push = () => 0;
      Object.defineProperty(Array.prototype, "0", {
        configurable: true,
        get: () => "planted",
        set: () => {},
      });
      m.set(1, "one");
      s.add(2);
      list[0] = 3;
      expect(m.get(1)).toBe("one");
      expect(m.get(2)).toBe(undefined);
      expect(s.has(2)).toBe(true);
      expect(list[0]).toBe(3);
      expect([...frozenArray(list)]).toEqual([3]);
    } finally {
      Map.prototype.get = get;
      Set.prototype.add = add;
      Array.prototype.push = push;
      delete (Array.prototype as unknown as Record<string, unknown>)["0"];
    }
  });
});
