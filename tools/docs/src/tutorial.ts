/**
 * The tutorial's commands that CI runs: the lines of every `sh` block preceded by
 * `<!-- ci: walk -->`, in order (comments and blank lines dropped).
 */
export function walkCommands(markdown: string): string[] {
  const lines = markdown.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "<!-- ci: walk -->") continue;
    let open = i + 1;
    while (open < lines.length && lines[open]!.trim() === "") open++;
    if (lines[open]?.trim() !== "```sh")
      throw new Error(`line ${i + 1}: a walk marker without an sh block`);
    for (let j = open + 1; j < lines.length && lines[j]!.trim() !== "```"; j++) {
      const command = lines[j]!.replace(/\s#.*$/, "").trim();
      if (command !== "" && !command.startsWith("#")) out.push(command);
    }
  }
  return out;
}

/** The name the walk gives its libOS: the argument of its `pnpm exolab new-libos`. */
export function walkName(commands: readonly string[]): string {
  for (const c of commands) {
    const m = /^pnpm exolab new-libos ([a-z0-9-]+)$/.exec(c);
    if (m !== null) return m[1]!;
  }
  throw new Error("the tutorial's walk has no `pnpm exolab new-libos NAME`");
}

/**
 * The changes a walk may leave in the workspace (`git status --porcelain` lines): the new
 * package, the bench's adapter for it, and what the scaffold and `pnpm install` edit to
 * register it. Returns the lines that are none of these.
 */
export function unexpectedChanges(porcelain: string, name: string): string[] {
  const allowed = new Set([
    `?? packages/libos-${name}/`,
    `?? packages/bench/src/adapters/${name}.ts`,
    " M packages/bench/src/adapters/registry.ts",
    " M packages/bench/package.json",
    " M pnpm-lock.yaml",
  ]);
  return porcelain
    .split("\n")
    .filter((l) => l.trim() !== "")
    .filter((l) => !allowed.has(l));
}
