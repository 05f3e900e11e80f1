/**
 * The project's layering (the root README's package table), as data.
 *
 *   machine      -> nothing
 *   exokernel    -> machine
 *   monolithic   -> machine
 *   libos-*      -> exokernel (its unprivileged entry only)
 *   bench        -> everything
 *   apps/*       -> bench (its browser-safe entry, or `@exolab/bench/node` in Node)
 *
 * A libOS's tests play the kernel's part (they create the machine and the environments), so
 * test files may also use the privileged entries; the libOS's own code may not.
 *
 * The simulator (machine, kernels, libOSes) must run in a browser: the code it ships (`src/`,
 * tests excluded) imports no Node built-in. Its tests and its `bench/` folder may.
 */
export interface PackageRule {
  /** Workspace packages it may list in dependencies (production code). */
  readonly deps: readonly string[];
  /** Import specifiers its production code may use among @exolab/* (exact entries). */
  readonly imports: readonly string[];
  /** Extra @exolab/* entries its tests may import (listed in devDependencies). */
  readonly testImports: readonly string[];
  /** Its shipped sources (below `SHIPPED_DIR`, tests excluded) may not import Node built-ins. */
  readonly browserSafe: boolean;
}

/** Which packages a rule covers: by exact name, by name prefix, or by folder prefix. */
export type PackageMatch =
  | { readonly name: string }
  | { readonly namePrefix: string }
  | { readonly dirPrefix: string };

export interface RuleEntry extends PackageRule {
  readonly match: PackageMatch;
}

const ANY = ["*"];
const NONE: readonly string[] = [];
const KERNEL: PackageRule = {
  deps: ["@exolab/machine"],
  imports: ["@exolab/machine", "@exolab/machine/privileged"],
  testImports: NONE,
  browserSafe: true,
};

/** The first entry that matches a package is its rule; a package no entry matches fails. */
export const RULES: readonly RuleEntry[] = [
  {
    match: { name: "@exolab/machine" },
    deps: NONE,
    imports: NONE,
    testImports: NONE,
    browserSafe: true,
  },
  { match: { name: "@exolab/exokernel" }, ...KERNEL },
  { match: { name: "@exolab/monolithic" }, ...KERNEL },
  {
    match: { namePrefix: "@exolab/libos-" },
    deps: ["@exolab/exokernel"],
    imports: ["@exolab/exokernel"],
    testImports: ["@exolab/exokernel/kernel", "@exolab/machine", "@exolab/machine/privileged"],
    browserSafe: true,
  },
  {
    match: { name: "@exolab/bench" },
    deps: ANY,
    imports: ANY,
    testImports: ANY,
    browserSafe: false,
  },
  {
    match: { dirPrefix: "apps/" },
    deps: ["@exolab/bench"],
    imports: ["@exolab/bench", "@exolab/bench/node"],
    testImports: ANY,
    browserSafe: false,
  },
  // The COSTS.md generator reads cost tables (their records' categories are the machine's).
  {
    match: { name: "@exolab/costs-md" },
    deps: NONE,
    imports: NONE,
    testImports: ["@exolab/machine"],
    browserSafe: false,
  },
  // Repository tools (this checker among them) sit outside the layering: their package.json
  // is checked, their sources are not (see OUTSIDE_LAYERING).
  {
    match: { dirPrefix: "tools/" },
    deps: NONE,
    imports: NONE,
    testImports: NONE,
    browserSafe: false,
  },
];

/** Top-level folders whose packages' sources are not checked (only their package.json). */
export const OUTSIDE_LAYERING: readonly string[] = ["tools"];

/** The folder, at a package's root, that holds the code it ships. */
export const SHIPPED_DIR = "src";

/**
 * A test file (which may set up the kernel, and use Node): its name ends in `.test.<ext>`, or
 * a folder on its path inside the package is named `test` (`src/test/world.ts`,
 * `test/helpers.ts`). A `test-*.ts` helper beside the code is NOT one: a libOS's build ships it.
 */
export const TEST_FILE_NAME = /\.test\.[cm]?[tj]sx?$/;
export const TEST_DIR_NAME = "test";

/** The source files read: TypeScript and JavaScript, declaration files included. */
export const SOURCE_FILE_NAME = /\.[cm]?[tj]sx?$/;
/** Tool configuration at a package's root (vitest.config.ts re-exports the shared one). */
export const CONFIG_FILE_NAME = /^vitest\.config\.[cm]?[tj]s$/;
/** Folders never read: installed, generated, or fixtures (this checker's own). */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  "node_modules",
  "dist",
  ".turbo",
  "fixtures",
  "coverage",
]);

export function ruleFor(pkgName: string, dir: string): PackageRule | undefined {
  return RULES.find((r) => matches(r.match, pkgName, dir));
}

function matches(m: PackageMatch, pkgName: string, dir: string): boolean {
  if ("name" in m) return pkgName === m.name;
  if ("namePrefix" in m) return pkgName.startsWith(m.namePrefix);
  return dir.startsWith(m.dirPrefix);
}

export function allowed(list: readonly string[], spec: string): boolean {
  return list.includes("*") || list.includes(spec);
}
