/**
 * The dependency direction of DESIGN.md §1, as data.
 *
 *   machine      -> nothing
 *   exokernel    -> machine
 *   monolithic   -> machine
 *   libos-*      -> exokernel (its unprivileged entry only)
 *   bench        -> everything
 *   apps/*       -> bench
 *
 * A libOS's tests play the kernel's part (they create the machine and the environments), so
 * test files may also use the privileged entries; the libOS's own code may not.
 */
export interface PackageRule {
  /** Workspace packages it may list in dependencies (production code). */
  readonly deps: readonly string[];
  /** Import specifiers its production code may use among @exolab/* (exact entries). */
  readonly imports: readonly string[];
  /** Extra @exolab/* entries its tests may import (listed in devDependencies). */
  readonly testImports: readonly string[];
}

const ANY = ["*"];

export function ruleFor(pkgName: string, dir: string): PackageRule | undefined {
  if (pkgName === "@exolab/machine") return { deps: [], imports: [], testImports: [] };
  if (pkgName === "@exolab/exokernel" || pkgName === "@exolab/monolithic") {
    return {
      deps: ["@exolab/machine"],
      imports: ["@exolab/machine", "@exolab/machine/privileged"],
      testImports: [],
    };
  }
  if (pkgName.startsWith("@exolab/libos-")) {
    return {
      deps: ["@exolab/exokernel"],
      imports: ["@exolab/exokernel"],
      testImports: ["@exolab/exokernel/kernel", "@exolab/machine", "@exolab/machine/privileged"],
    };
  }
  if (pkgName === "@exolab/bench") return { deps: ANY, imports: ANY, testImports: ANY };
  if (dir.startsWith("apps/")) {
    return { deps: ["@exolab/bench"], imports: ["@exolab/bench"], testImports: ANY };
  }
  if (dir.startsWith("tools/")) return { deps: [], imports: [], testImports: [] };
  return undefined;
}

export function allowed(list: readonly string[], spec: string): boolean {
  return list.includes("*") || list.includes(spec);
}
