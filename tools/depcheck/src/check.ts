import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { allowed, ruleFor } from "./rules.js";

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const SOURCE = /\.(c|m)?(t|j)sx?$/;
/** Tool configuration at a package's root (vitest.config.ts re-exports the shared one). */
const CONFIG = /^vitest\.config\.[cm]?[tj]s$/;
const SKIP_DIRS = new Set(["node_modules", "dist", ".turbo", "fixtures", "coverage"]);
/** Static imports and re-exports, dynamic import(), and require(). */
const SPECIFIERS = [
  /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?["']([^"']+)["']/g,
  /\bexport\s+(?:type\s+)?[\w*{}\s,$]*\s+from\s+["']([^"']+)["']/g,
  /\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
  /\brequire\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
];
/** A dynamic import or require whose argument is not a literal cannot be checked: refused. */
const DYNAMIC = /\b(?:import|require)\s*\(\s*(?!["'`])[^)\s]/g;

function isTestFile(relPath: string): boolean {
  return /\.test\.[cm]?[tj]sx?$/.test(relPath) || relPath.split(sep).includes("test");
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (SOURCE.test(name) && !name.endsWith(".d.ts") && !CONFIG.test(name)) out.push(p);
  }
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Checks every workspace package below `root` (packages/*, apps/*, tools/*). */
export function checkRepo(root: string): Violation[] {
  const violations: Violation[] = [];
  for (const group of ["packages", "apps", "tools"]) {
    const g = join(root, group);
    let entries: string[];
    try {
      entries = readdirSync(g);
    } catch {
      continue;
    }
    for (const name of entries) {
      const dir = join(g, name);
      try {
        statSync(join(dir, "package.json"));
      } catch {
        continue;
      }
      violations.push(...checkPackage(root, dir));
    }
  }
  return violations;
}

export function checkPackage(root: string, dir: string): Violation[] {
  const out: Violation[] = [];
  const rel = relative(root, dir);
  const pkgFile = join(dir, "package.json");
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as {
    name?: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const name = pkg.name ?? rel;
  const rule = ruleFor(name, rel.split(sep).join("/"));
  if (rule === undefined) {
    out.push({
      file: relative(root, pkgFile),
      line: 1,
      message: `package ${name} has no dependency rule (add one to tools/depcheck/src/rules.ts)`,
    });
    return out;
  }
  const prodDeps = { ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies };
  for (const dep of Object.keys(prodDeps)) {
    if (dep.startsWith("@exolab/") && !allowed(rule.deps, dep)) {
      out.push({
        file: relative(root, pkgFile),
        line: 1,
        message: `${name} may not depend on ${dep} (allowed: ${rule.deps.join(", ") || "none"})`,
      });
    }
  }
  for (const dep of Object.keys(pkg.devDependencies ?? {})) {
    const ok =
      allowed(rule.deps, dep) ||
      rule.testImports.some((t) => t === "*" || t.split("/").slice(0, 2).join("/") === dep);
    if (dep.startsWith("@exolab/") && !ok) {
      out.push({
        file: relative(root, pkgFile),
        line: 1,
        message: `${name} may not list ${dep} even as a devDependency`,
      });
    }
  }
  // Repository tools (this checker among them) sit outside the layering: their package.json
  // is checked, their sources are not.
  if (rel.split(sep)[0] === "tools") return out;
  const files: string[] = [];
  walk(dir, files);
  const pkgRoot = resolve(dir);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const relFile = relative(root, file);
    const test = isTestFile(relative(dir, file));
    for (const re of SPECIFIERS) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const spec = m[1]!;
        const line = lineOf(text, m.index);
        if (spec.startsWith(".")) {
          const target = resolve(file, "..", spec);
          if (target !== pkgRoot && !target.startsWith(pkgRoot + sep)) {
            out.push({
              file: relFile,
              line,
              message: `relative import "${spec}" leaves the package ${name}`,
            });
          }
          continue;
        }
        if (!spec.startsWith("@exolab/")) continue;
        const self = spec === name || spec.startsWith(`${name}/`);
        if (self) continue;
        const ok = allowed(rule.imports, spec) || (test && allowed(rule.testImports, spec));
        if (!ok) {
          out.push({
            file: relFile,
            line,
            message: `${name} may not import "${spec}" (allowed: ${[...rule.imports, ...(test ? rule.testImports : [])].join(", ") || "no @exolab package"})`,
          });
        }
      }
    }
    DYNAMIC.lastIndex = 0;
    for (let m = DYNAMIC.exec(text); m !== null; m = DYNAMIC.exec(text)) {
      if (rule.imports.includes("*")) break;
      out.push({
        file: relFile,
        line: lineOf(text, m.index),
        message: "import()/require() with a computed specifier cannot be checked",
      });
    }
  }
  return out;
}
