import { relative, resolve } from "node:path";
import type { ImportRef } from "./imports.js";

/** The forms that load a module when the importing module is evaluated. */
const EAGER = new Set(["import", "re-export", "import-equals", "require"]);

/** One runtime import of a package's own module: `from` loads `to` (at `line` of `from`). */
interface Edge {
  readonly to: string;
  readonly line: number;
}

/**
 * The runtime import cycles among `files` (absolute paths of one package's shipped sources;
 * `importsOf` gives each file's module references, `findImports`),
 * one per strongly connected component: the shortest cycle through its first file. Counted:
 * static imports, re-exports, import-equals and `require` of a relative specifier that resolves
 * to one of `files` (`./x.js` → `./x.ts`, `./d` → `./d/index.ts`; under the project's
 * `verbatimModuleSyntax`, `import { type A }` loads its module, so it counts). Not counted:
 * `import type`/`export type` and type positions (erased), and `import()` (loaded later, not
 * while the module is evaluated).
 */
export function findCycles(
  files: readonly string[],
  importsOf: (file: string) => readonly ImportRef[],
): Cycle[] {
  const known = new Set(files);
  const graph = new Map<string, Edge[]>();
  for (const file of files) graph.set(file, runtimeEdges(file, importsOf(file), known));
  const out: Cycle[] = [];
  for (const scc of components(files, graph)) {
    const path = shortestCycle(scc, graph);
    if (path !== undefined) out.push({ path, modules: scc.length });
  }
  return out;
}

/** A cycle: one path around it (each file with the line of its import of the next). */
export interface Cycle {
  readonly path: readonly { readonly file: string; readonly line: number }[];
  /** How many modules its strongly connected component holds (all of them are in cycles). */
  readonly modules: number;
}

function runtimeEdges(
  file: string,
  refs: readonly ImportRef[],
  known: ReadonlySet<string>,
): Edge[] {
  const out: Edge[] = [];
  for (const ref of refs) {
    if (ref.typeOnly || !EAGER.has(ref.kind) || !ref.specifier?.startsWith(".")) continue;
    const to = resolveSource(file, ref.specifier, known);
    if (to !== undefined) out.push({ to, line: ref.line });
  }
  return out;
}

/** The source file a relative specifier names (NodeNext: `.js` written for `.ts`). */
function resolveSource(from: string, spec: string, known: ReadonlySet<string>): string | undefined {
  const base = resolve(from, "..", spec);
  const stem = base.replace(/\.([cm]?)js$/, ".$1ts");
  const candidates = [base, stem, stem.replace(/\.ts$/, ".tsx"), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => known.has(c));
}

/** Strongly connected components with a cycle (Tarjan), in the order of `files`. */
function components(files: readonly string[], graph: Map<string, Edge[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const { to } of graph.get(v)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    const selfLoop = graph.get(v)!.some((e) => e.to === v);
    if (scc.length > 1 || selfLoop)
      out.push(scc.sort((a, b) => files.indexOf(a) - files.indexOf(b)));
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return out.sort((a, b) => files.indexOf(a[0]!) - files.indexOf(b[0]!));
}

/** The shortest cycle through the component's first file (breadth first), with its lines. */
function shortestCycle(
  scc: readonly string[],
  graph: Map<string, Edge[]>,
): { file: string; line: number }[] | undefined {
  const inScc = new Set(scc);
  const start = scc[0]!;
  const prev = new Map<string, { from: string; line: number }>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const e of graph.get(v)!) {
      if (!inScc.has(e.to)) continue;
      if (e.to === start) {
        const path = [{ file: v, line: e.line }];
        for (let at = v; at !== start; ) {
          const p = prev.get(at)!;
          path.unshift({ file: p.from, line: p.line });
          at = p.from;
        }
        return path;
      }
      if (prev.has(e.to)) continue;
      prev.set(e.to, { from: v, line: e.line });
      queue.push(e.to);
    }
  }
  return undefined;
}

/** `a.ts → b.ts → a.ts`, paths relative to `dir`, and the size of the tangle. */
export function describeCycle(dir: string, cycle: Cycle): string {
  const names = cycle.path.map((c) => relative(dir, c.file));
  const among =
    cycle.modules > names.length ? ` (one of the cycles among ${cycle.modules} modules)` : "";
  return `${[...names, names[0]].join(" → ")}${among}`;
}
