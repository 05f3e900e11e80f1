import { readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, relative, resolve, sep } from "node:path";
import { describeCycle, findCycles } from "./cycles.js";
import { findImports, type ImportRef } from "./imports.js";
import {
  allowed,
  CONFIG_FILE_NAME,
  OUTSIDE_LAYERING,
  type PackageRule,
  ruleFor,
  SHIPPED_DIR,
  SKIPPED_DIRS,
  SOURCE_FILE_NAME,
  TEST_DIR_NAME,
  TEST_FILE_NAME,
} from "./rules.js";

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Thrown when the root given is not a workspace (no package below packages/, apps/, tools/). */
export class NotAWorkspaceError extends Error {}

const GROUPS = ["packages", "apps", "tools"];

/** Checks every workspace package below `root` (packages/*, apps/*, tools/*). */
export function checkRepo(root: string): Violation[] {
  const dirs = GROUPS.flatMap((group) => packageDirs(join(root, group)));
  if (dirs.length === 0) {
    throw new NotAWorkspaceError(`${root} holds no package (packages/*, apps/*, tools/*)`);
  }
  return dirs.flatMap((dir) => checkPackage(root, dir));
}

function packageDirs(groupDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(groupDir);
  } catch {
    return [];
  }
  return names
    .map((name) => join(groupDir, name))
    .filter((dir) => isFile(join(dir, "package.json")));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** What the checks of one package need to know about it. */
interface PackageCtx {
  readonly root: string;
  /** Absolute package folder. */
  readonly dir: string;
  readonly name: string;
  readonly rule: PackageRule;
}

export function checkPackage(root: string, dir: string): Violation[] {
  const rel = slashed(relative(root, dir));
  const pkgFile = relative(root, join(dir, "package.json"));
  let pkg: Manifest;
  try {
    pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
  } catch (e) {
    return [
      { file: pkgFile, line: 1, message: `unreadable package.json: ${(e as Error).message}` },
    ];
  }
  const name = pkg.name ?? rel;
  const rule = ruleFor(name, rel);
  if (rule === undefined) {
    const message = `package ${name} has no dependency rule (add one to tools/depcheck/src/rules.ts)`;
    return [{ file: pkgFile, line: 1, message }];
  }
  const out = checkManifest(pkg, name, rule).map((message) => ({
    file: pkgFile,
    line: 1,
    message,
  }));
  if (OUTSIDE_LAYERING.includes(rel.split("/")[0]!)) return out;
  const ctx: PackageCtx = { root, dir: resolve(dir), name, rule };
  const files = sourceFiles(dir);
  const refs = new Map(files.map((f) => [f, findImports(f, readFileSync(f, "utf8"))]));
  for (const file of files) out.push(...checkSource(ctx, file, refs.get(file)!));
  out.push(...checkCycles(ctx, files, (f) => refs.get(f)!));
  return out;
}

/**
 * A runtime import cycle among the package's shipped modules (tests excluded): which module
 * runs first then depends on the import order, and a newcomer cannot read the layers bottom
 * up. Type-only imports do not count (they are erased).
 */
function checkCycles(
  ctx: PackageCtx,
  files: readonly string[],
  importsOf: (file: string) => readonly ImportRef[],
): Violation[] {
  const shipped = files.filter((f) => !roleOf(ctx, f).test);
  return findCycles(shipped, importsOf).map((cycle) => ({
    file: relative(ctx.root, cycle.path[0]!.file),
    line: cycle.path[0]!.line,
    message: `runtime import cycle: ${describeCycle(ctx.dir, cycle)}; type-only imports do not count`,
  }));
}

/** The workspace packages a manifest lists against its rule, as messages. */
function checkManifest(pkg: Manifest, name: string, rule: PackageRule): string[] {
  const out: string[] = [];
  const prodDeps = { ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies };
  for (const dep of Object.keys(prodDeps)) {
    if (dep.startsWith("@exolab/") && !allowed(rule.deps, dep)) {
      out.push(`${name} may not depend on ${dep} (allowed: ${rule.deps.join(", ") || "none"})`);
    }
  }
  for (const dep of Object.keys(pkg.devDependencies ?? {})) {
    const ok =
      allowed(rule.deps, dep) ||
      rule.testImports.some((t) => t === "*" || t.split("/").slice(0, 2).join("/") === dep);
    if (dep.startsWith("@exolab/") && !ok) {
      out.push(`${name} may not list ${dep} even as a devDependency`);
    }
  }
  return out;
}

/** Every source file of a package, in a stable order. */
function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (SKIPPED_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (SOURCE_FILE_NAME.test(name) && !CONFIG_FILE_NAME.test(name)) out.push(path);
  }
  return out;
}

/** Where a file sits in its package, which decides the rules it keeps. */
interface FileRole {
  readonly test: boolean;
  /** Shipped code of a browser-safe package: no Node built-in. */
  readonly browserSafe: boolean;
}

function roleOf(ctx: PackageCtx, file: string): FileRole {
  const parts = relative(ctx.dir, file).split(sep);
  const test = TEST_FILE_NAME.test(file) || parts.slice(0, -1).includes(TEST_DIR_NAME);
  return { test, browserSafe: ctx.rule.browserSafe && !test && parts[0] === SHIPPED_DIR };
}

function checkSource(ctx: PackageCtx, file: string, refs: readonly ImportRef[]): Violation[] {
  const role = roleOf(ctx, file);
  const relFile = relative(ctx.root, file);
  const out: Violation[] = [];
  for (const ref of refs) {
    const message = refViolation(ctx, file, role, ref);
    if (message !== undefined) out.push({ file: relFile, line: ref.line, message });
  }
  return out;
}

/** Why `ref` breaks the package's rule, or undefined if it keeps it. */
function refViolation(
  ctx: PackageCtx,
  file: string,
  role: FileRole,
  ref: ImportRef,
): string | undefined {
  const { name, rule } = ctx;
  const spec = ref.specifier;
  if (spec === undefined) {
    if (rule.imports.includes("*")) return undefined;
    return "import()/require() with a computed specifier cannot be checked";
  }
  if (spec.startsWith(".")) {
    const target = resolve(file, "..", spec);
    if (target === ctx.dir || target.startsWith(ctx.dir + sep)) return undefined;
    return `relative import "${spec}" leaves the package ${name}`;
  }
  if (role.browserSafe && isBuiltin(spec)) {
    return `${name} may not import the Node built-in "${spec}" in ${SHIPPED_DIR}/ (the simulator stays browser-safe; tests and bench/ may use Node)`;
  }
  if (!spec.startsWith("@exolab/")) return undefined;
  if (spec === name || spec.startsWith(`${name}/`)) return undefined;
  if (allowed(rule.imports, spec) || (role.test && allowed(rule.testImports, spec))) {
    return undefined;
  }
  const permitted = [...rule.imports, ...(role.test ? rule.testImports : [])];
  return `${name} may not import "${spec}" (allowed: ${permitted.join(", ") || "no @exolab package"})`;
}

function slashed(path: string): string {
  return path.split(sep).join("/");
}
