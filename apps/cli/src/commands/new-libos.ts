import { ADAPTERS, costLabels } from "@exolab/bench";
import { type Io, RunError, UsageError } from "../io.js";
import { applyScaffold, planScaffold, ScaffoldError } from "../scaffold/scaffold.js";

/**
 * Names a new libOS may not take: the registered systems', and the first segment of every
 * cost label the bench knows (a libOS's labels start with its name, and `aegis.*` is the
 * kernel's), plus the kernel's label for charges past an environment's label quota.
 */
export function takenNames(): Map<string, string> {
  const taken = new Map<string, string>();
  for (const [label, pkg] of costLabels()) {
    const prefix = label.split(".")[0]!;
    if (label.includes(".")) taken.set(prefix, `the cost labels of ${pkg} start with "${prefix}."`);
  }
  taken.set("labels", 'the kernel charges under "labels.overflow"');
  for (const a of ADAPTERS) taken.set(a.id, `a registered system (${a.title})`);
  return taken;
}

/** `exolab new-libos NAME`: creates packages/libos-NAME from the template and registers it. */
export function newLibOsCommand(name: string, io: Io): number {
  let plan: ReturnType<typeof planScaffold>;
  try {
    plan = planScaffold({ name, cwd: io.cwd, taken: takenNames() });
  } catch (e) {
    if (e instanceof ScaffoldError) throw new UsageError(`new-libos: ${e.message}`);
    throw e;
  }
  try {
    applyScaffold(plan);
  } catch (e) {
    throw new RunError(
      `new-libos: nothing was changed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const pkg = plan.packageName;
  const bench = [...plan.bench.keys()].join(", ");
  io.out(
    [
      `created packages/libos-${name} (${pkg}, system id "${name}"), ${plan.files.size} files from packages/libos-template`,
      `registered it in the bench (measured when a run names it): ${bench}`,
      "next:",
      "  pnpm install --offline   # links the new package into the workspace",
      `  pnpm --filter ${pkg} test`,
      `  pnpm exolab bench --system monolithic,exos,${name}`,
      "",
    ].join("\n"),
  );
  return 0;
}
