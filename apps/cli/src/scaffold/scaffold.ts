import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  adapterIdent,
  leftovers,
  MAX_NAME_LENGTH,
  NAME_PATTERN,
  renameText,
  TEMPLATE,
} from "./rename.js";

/**
 * `exolab new-libos NAME`: a new library OS package made from the kit's template, and its
 * registration in the bench. Everything is checked and prepared in memory first (the name,
 * the workspace, every file's text); then the files are written, the new package into a
 * temporary folder renamed into place; if any write fails, what was written is taken back.
 * A refusal changes nothing.
 */

/** A refusal: one line saying why (nothing was changed). */
export class ScaffoldError extends Error {
  override name = "ScaffoldError";
}

/** Where things are, relative to the workspace root. */
const TEMPLATE_DIR = `packages/libos-${TEMPLATE}`;
const ADAPTERS_DIR = "packages/bench/src/adapters";
const REGISTRY = `${ADAPTERS_DIR}/registry.ts`;
const BENCH_PACKAGE = "packages/bench/package.json";
/** Never copied from the template: installed, built or generated. */
const SKIPPED = new Set(["node_modules", "dist", ".turbo", "coverage"]);

export interface ScaffoldOptions {
  /** The new libOS's name (its system id). */
  readonly name: string;
  /** A folder inside the workspace (its root is found upwards). */
  readonly cwd: string;
  /**
   * Names already taken besides the registered systems' (the bench's systems and the first
   * segments of its known cost labels, e.g. `aegis`), each with why.
   */
  readonly taken: ReadonlyMap<string, string>;
  /**
   * Formats a file's text as the repository's formatter would (a renamed label changes a
   * Markdown table's column widths, a longer name a line's length); default: the workspace's
   * Biome, run on the text in memory.
   */
  readonly format?: (root: string, path: string, text: string) => string;
}

export interface ScaffoldPlan {
  readonly root: string;
  readonly name: string;
  readonly packageName: string;
  /** The new package's files, by path relative to the root. */
  readonly files: ReadonlyMap<string, string>;
  /** Bench files to create or replace (the adapter, the registry, package.json), by path. */
  readonly bench: ReadonlyMap<string, string>;
}

/** Finds the workspace root above `cwd`: the folder holding pnpm-workspace.yaml and the kit. */
export function findWorkspace(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "pnpm-workspace.yaml")) && existsSync(join(dir, TEMPLATE_DIR)))
      return dir;
    if (dirname(dir) === dir)
      throw new ScaffoldError(
        `no ExoLab workspace above ${cwd} (a folder with pnpm-workspace.yaml and ${TEMPLATE_DIR}); run it inside a clone`,
      );
  }
}

/** Checks the name against the rule, the registered systems and what exists. */
function checkName(root: string, name: string, taken: ReadonlyMap<string, string>): void {
  if (!NAME_PATTERN.test(name) || name.length > MAX_NAME_LENGTH)
    throw new ScaffoldError(
      `"${name}" is not a libOS name: a lowercase letter, then lowercase letters, digits and single hyphens, at most ${MAX_NAME_LENGTH} characters (e.g. rt, db-2)`,
    );
  const why = taken.get(name);
  if (why !== undefined) throw new ScaffoldError(`"${name}" is taken: ${why}; choose another name`);
  for (const path of [`packages/libos-${name}`, `${ADAPTERS_DIR}/${name}.ts`])
    if (existsSync(join(root, path)))
      throw new ScaffoldError(`"${name}" is taken: ${path} exists; choose another name`);
}

/** The template's files, relative to its folder (installed and built files left out). */
function templateFiles(dir: string, sub = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, sub)).sort()) {
    if (SKIPPED.has(entry)) continue;
    const rel = sub === "" ? entry : `${sub}/${entry}`;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...templateFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/**
 * The registry with the new system's import (in sorted place) and its entry (last), measured
 * only when named: `pnpm bench`'s default systems (and the README's sample table, which a
 * test compares with a real run) stay as they are until the author drops the flag.
 */
export function registerIn(registry: string, name: string): string {
  const ident = adapterIdent(name);
  const lines = registry.split("\n");
  const importLine = `import { ${ident} } from "./${name}.js";`;
  const imports = lines
    .map((l, i) => ({ l, i, from: /^import .* from "(\.\/[^"]+)";$/.exec(l)?.[1] }))
    .filter((x) => x.from !== undefined);
  const end = lines.findIndex(
    (l, i) => l === "];" && lines.slice(0, i).some((x) => /REGISTRY/.test(x)),
  );
  if (imports.length === 0 || end < 0)
    throw new ScaffoldError(
      `${REGISTRY} is not in the form the scaffold edits (imports, REGISTRY = [ … ];)`,
    );
  const after = imports.find((x) => x.from! > `./${name}.js`);
  const at = after === undefined ? imports[imports.length - 1]!.i + 1 : after.i;
  const out = [...lines];
  out.splice(end, 0, `  { adapter: ${ident}, onlyWhenNamed: true },`);
  out.splice(at, 0, importLine);
  return out.join("\n");
}

/** bench's package.json with the new libOS among its dependencies (keys kept sorted). */
export function dependIn(packageJson: string, packageName: string): string {
  const pkg = JSON.parse(packageJson) as { dependencies?: Record<string, string> };
  const deps = { ...(pkg.dependencies ?? {}), [packageName]: "workspace:*" };
  pkg.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** Formats `text` as `path` with the workspace's Biome (in memory: nothing is written). */
export function biomeFormat(root: string, path: string, text: string): string {
  const biome = join(root, "node_modules/.bin/biome");
  if (!existsSync(biome))
    throw new ScaffoldError(
      "the workspace's dependencies are not installed (node_modules/.bin/biome is missing): run pnpm install first",
    );
  const r = spawnSync(biome, ["format", `--stdin-file-path=${path}`], {
    cwd: root,
    input: text,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new ScaffoldError(
      `biome could not format ${path}: ${(r.stderr || r.error?.message || "").trim().split("\n")[0]}`,
    );
  return r.stdout;
}

/** Files the formatter knows (the others are copied as they are). */
const FORMATTED = /\.(ts|md|json)$/;

/** Everything the scaffold will write, checked; throws ScaffoldError (nothing written). */
export function planScaffold(o: ScaffoldOptions): ScaffoldPlan {
  const root = findWorkspace(o.cwd);
  const name = o.name;
  checkName(root, name, o.taken);
  const read = (path: string) => {
    try {
      return readFileSync(join(root, path), "utf8");
    } catch {
      throw new ScaffoldError(`cannot read ${path}: the kit is incomplete in ${root}`);
    }
  };
  const format = o.format ?? biomeFormat;
  /** The template's file renamed, and formatted when the renaming changed it. */
  const renamed = (from: string, to: string) => {
    const original = read(from);
    const text = renameText(original, name);
    problems.push(...leftovers(to, text));
    return text !== original && FORMATTED.test(to) ? format(root, to, text) : text;
  };
  const files = new Map<string, string>();
  const problems: string[] = [];
  for (const rel of templateFiles(join(root, TEMPLATE_DIR))) {
    const path = `packages/libos-${name}/${rel}`;
    files.set(path, renamed(`${TEMPLATE_DIR}/${rel}`, path));
  }
  const adapter = renamed(`${ADAPTERS_DIR}/${TEMPLATE}.ts`, `${ADAPTERS_DIR}/${name}.ts`);
  if (problems.length > 0)
    throw new ScaffoldError(
      `the template still names itself after renaming (a fault of the kit): ${problems.join("; ")}`,
    );
  const packageName = `@exolab/libos-${name}`;
  const bench = new Map([
    [`${ADAPTERS_DIR}/${name}.ts`, adapter],
    [REGISTRY, format(root, REGISTRY, registerIn(read(REGISTRY), name))],
    [BENCH_PACKAGE, format(root, BENCH_PACKAGE, dependIn(read(BENCH_PACKAGE), packageName))],
  ]);
  return { root, name, packageName, files, bench };
}

/**
 * Writes a plan: the package into a temporary folder beside its place, renamed into place,
 * then each bench file through a temporary renamed over it. On a failure every step done is
 * taken back (the package folder removed, the bench files restored) and the error rethrown.
 */
export function applyScaffold(plan: ScaffoldPlan): void {
  const { root } = plan;
  const pkgDir = join(root, `packages/libos-${plan.name}`);
  const staging = join(root, `packages/.libos-${plan.name}.${process.pid}.tmp`);
  const undo: (() => void)[] = [];
  try {
    for (const [path, text] of plan.files) {
      const file = join(staging, relative(pkgDir, join(root, path)));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    renameSync(staging, pkgDir);
    undo.push(() => rmSync(pkgDir, { recursive: true, force: true }));
    for (const [path, text] of plan.bench) {
      const file = join(root, path);
      const before = existsSync(file) ? readFileSync(file, "utf8") : null;
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      undo.push(() =>
        before === null ? rmSync(file, { force: true }) : writeFileSync(file, before),
      );
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // keep undoing the rest
      }
    }
    throw e;
  }
}
