import { createRequire } from "node:module";
import type * as Ts from "typescript";

/**
 * TypeScript is loaded with require(): importing its 9 MB CommonJS bundle as an ES module
 * makes Node scan it for named exports, which costs about 2 s per run under tsx (measured).
 */
const ts = createRequire(import.meta.url)("typescript") as typeof Ts;

/** How a source file names another module. */
export type ImportKind =
  /** `import … from "m"`, `import type … from "m"`, `import "m"` */
  | "import"
  /** `export … from "m"`, `export * from "m"`, `export * as ns from "m"` */
  | "re-export"
  /** `import x = require("m")` */
  | "import-equals"
  /** `import("m")` in an expression */
  | "dynamic-import"
  /** `require("m")` */
  | "require"
  /** `import("m").T` in a type, or in a JSDoc type of a JavaScript file */
  | "import-type"
  /** `@import { T } from "m"` in a JSDoc comment of a JavaScript file */
  | "jsdoc-import";

export interface ImportRef {
  readonly kind: ImportKind;
  /** The module specifier; `undefined` when it is computed (it cannot be checked). */
  readonly specifier: string | undefined;
  /** 1-based line of the specifier (of the argument, for a computed one). */
  readonly line: number;
  /**
   * Erased from the emitted JavaScript: `import type`, `export type`, `import("m").T` in a
   * type, JSDoc. (Under the project's `verbatimModuleSyntax`, `import { type A } from "m"`
   * is NOT erased: it leaves `import {} from "m"`, which loads the module.)
   */
  readonly typeOnly: boolean;
}

/**
 * Every module reference of one source file, in source order, found by TypeScript's parser:
 * comments and string contents never produce a reference and never hide one. The file's
 * extension picks the dialect (.ts, .tsx, .js, .mjs, .cts, .d.ts…).
 */
export function findImports(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, {
    languageVersion: ts.ScriptTarget.Latest,
    // JSDoc types (`@type {import("m").T}`, `@import`) are parsed where TypeScript reads them
    // as types: in JavaScript files. In a TypeScript file it ignores them (a comment), so do we.
    jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo,
  });
  const out: ImportRef[] = [];
  const add: Add = (kind, node, fallback, typeOnly) => {
    const at = node ?? fallback;
    const line = sf.getLineAndCharacterOfPosition(at.getStart(sf)).line + 1;
    out.push({ kind, specifier: node && literalText(node), line, typeOnly });
  };
  const visit = (node: Ts.Node): void => {
    for (const doc of jsDocOf(node)) visit(doc);
    visitNode(node, add);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

type Add = (
  kind: ImportKind,
  specifier: Ts.Node | undefined,
  at: Ts.Node,
  typeOnly: boolean,
) => void;

/** Records `node` if it names a module; its children are visited by the caller. */
function visitNode(node: Ts.Node, add: Add): void {
  if (ts.isImportDeclaration(node)) {
    add("import", node.moduleSpecifier, node, node.importClause?.isTypeOnly === true);
  } else if (ts.isExportDeclaration(node)) {
    if (node.moduleSpecifier !== undefined) {
      add("re-export", node.moduleSpecifier, node, node.isTypeOnly);
    }
  } else if (ts.isImportEqualsDeclaration(node)) {
    if (ts.isExternalModuleReference(node.moduleReference)) {
      add("import-equals", node.moduleReference.expression, node, node.isTypeOnly);
    }
  } else if (ts.isCallExpression(node)) {
    const kind = callKind(node);
    if (kind !== undefined) add(kind, node.arguments[0], node, false);
  } else if (ts.isImportTypeNode(node)) {
    const arg = node.argument;
    add("import-type", ts.isLiteralTypeNode(arg) ? arg.literal : arg, node, true);
  } else if (ts.isJSDocImportTag(node)) add("jsdoc-import", node.moduleSpecifier, node, true);
}

function callKind(call: Ts.CallExpression): ImportKind | undefined {
  if (call.expression.kind === ts.SyntaxKind.ImportKeyword) return "dynamic-import";
  if (ts.isIdentifier(call.expression) && call.expression.text === "require") return "require";
  return undefined;
}

/** The text of a string literal (or a template without substitutions); else undefined. */
function literalText(node: Ts.Node): string | undefined {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)
    ? node.text
    : undefined;
}

/**
 * The JSDoc comments the parser attached to `node`. TypeScript keeps them in a `jsDoc` field
 * that its public typings do not declare (its own tools and typescript-eslint read it); the
 * JSDoc tests go red if a TypeScript upgrade moves it.
 */
function jsDocOf(node: Ts.Node): readonly Ts.JSDoc[] {
  return (node as { jsDoc?: readonly Ts.JSDoc[] }).jsDoc ?? [];
}
