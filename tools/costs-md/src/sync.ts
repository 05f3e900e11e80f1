import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Cost } from "@exolab/machine";
import { renderTable } from "./render.js";

/**
 * A generated section of a Markdown file:
 *
 *   <!-- costs:begin src/costs.ts COSTS [GLOB …] -->
 *   …the table, rewritten by `pnpm costs:md`…
 *   <!-- costs:end -->
 *
 * MODULE is relative to the package (the folder of the Markdown file's package.json), EXPORT
 * names a table made by `defineCosts`. GLOBs select labels (`*` matches any run of
 * characters; `!GLOB` excludes); none: every label. Every label of a table a package's
 * Markdown files name must appear in one of its sections (a new label cannot go undocumented).
 */
const BEGIN = /<!-- costs:begin ([^\s]+) ([A-Za-z_$][\w$]*)((?: [^\s]+)*) -->\n/g;
const END = "<!-- costs:end -->";

export class CostsDocError extends Error {
  override name = "CostsDocError";
}

export interface Section {
  readonly file: string;
  readonly module: string;
  readonly exportName: string;
  readonly globs: readonly string[];
  /** Offsets of the generated text (between the begin line and the end marker). */
  readonly start: number;
  readonly end: number;
}

/** [start, end) offsets of the fenced code blocks of a Markdown text (markers there are examples). */
function fences(text: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /^```.*$/gm;
  let open = -1;
  for (const m of text.matchAll(re)) {
    if (open < 0) open = m.index;
    else {
      out.push([open, m.index + m[0].length]);
      open = -1;
    }
  }
  return out;
}

/** The generated sections of one Markdown text (outside code blocks). */
export function findSections(file: string, text: string): Section[] {
  const out: Section[] = [];
  const code = fences(text);
  for (const m of text.matchAll(BEGIN)) {
    if (code.some(([a, b]) => m.index >= a && m.index < b)) continue;
    const start = m.index + m[0].length;
    const end = text.indexOf(END, start);
    if (end < 0) throw new CostsDocError(`${file}: "${m[0].trim()}" has no ${END}`);
    const next = text.indexOf("<!-- costs:begin", start);
    if (next >= 0 && next < end)
      throw new CostsDocError(`${file}: a section begins inside another`);
    out.push({
      file,
      module: m[1]!,
      exportName: m[2]!,
      globs: m[3]!.trim().split(/\s+/).filter(Boolean),
      start,
      end,
    });
  }
  return out;
}

function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${body}$`);
}

/** The records of `table` a section's globs select, in table order. */
export function select(table: Readonly<Record<string, Cost>>, globs: readonly string[]): Cost[] {
  const include = globs.filter((g) => !g.startsWith("!")).map(globRegExp);
  const exclude = globs.filter((g) => g.startsWith("!")).map((g) => globRegExp(g.slice(1)));
  return Object.values(table).filter(
    (r) =>
      (include.length === 0 || include.some((re) => re.test(r.label))) &&
      !exclude.some((re) => re.test(r.label)),
  );
}

function isCostTable(value: unknown): value is Readonly<Record<string, Cost>> {
  if (typeof value !== "object" || value === null) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(
      ([k, v]) =>
        typeof v === "object" &&
        v !== null &&
        (v as Cost).label === k &&
        typeof (v as Cost).instructions === "number" &&
        typeof (v as Cost).source === "string",
    )
  );
}

/** The Markdown files of a package folder (its root, not below) that hold sections. */
function markdownFiles(pkgDir: string): string[] {
  return readdirSync(pkgDir)
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(pkgDir, f))
    .filter((f) => findSections(f, readFileSync(f, "utf8")).length > 0);
}

let imports = 0;

export interface PackageResult {
  readonly pkgDir: string;
  /** Files whose generated text differs from what is on disk. */
  readonly stale: string[];
  /** Labels of a named table that no section shows. */
  readonly missing: string[];
}

/**
 * Regenerates the sections of one package's Markdown files from its cost tables. With
 * `write`, rewrites the stale files; either way, reports them.
 */
export async function syncPackage(pkgDir: string, write: boolean): Promise<PackageResult> {
  const stale: string[] = [];
  const shown = new Map<string, Set<string>>();
  const tables = new Map<string, Readonly<Record<string, Cost>>>();
  for (const file of markdownFiles(pkgDir)) {
    const text = readFileSync(file, "utf8");
    let out = "";
    let at = 0;
    for (const s of findSections(file, text)) {
      const key = `${s.module} ${s.exportName}`;
      let table = tables.get(key);
      if (table === undefined) {
        // A fresh instance each time (the file may have changed since an earlier call).
        const url = `${pathToFileURL(resolve(pkgDir, s.module)).href}?v=${++imports}`;
        const mod = (await import(url)) as Record<string, unknown>;
        const value = mod[s.exportName];
        if (!isCostTable(value)) {
          throw new CostsDocError(
            `${relative(pkgDir, file)}: ${s.module} exports no cost table ${s.exportName}`,
          );
        }
        table = value;
        tables.set(key, table);
        shown.set(key, new Set());
      }
      const records = select(table, s.globs);
      if (records.length === 0) {
        throw new CostsDocError(
          `${relative(pkgDir, file)}: the section ${key} ${s.globs.join(" ")} selects no label`,
        );
      }
      for (const r of records) shown.get(key)!.add(r.label);
      out += `${text.slice(at, s.start)}\n${renderTable(records)}\n\n`;
      at = s.end;
    }
    out += text.slice(at);
    if (out !== text) {
      stale.push(file);
      if (write) writeFileSync(file, out);
    }
  }
  const missing: string[] = [];
  for (const [key, table] of tables) {
    for (const label of Object.keys(table)) {
      if (!shown.get(key)!.has(label)) missing.push(`${key}: ${label}`);
    }
  }
  return { pkgDir, stale, missing };
}

/** The workspace's package folders (packages/*, apps/*, tools/*) that have Markdown sections. */
export function packagesWithSections(root: string): string[] {
  const out: string[] = [];
  for (const group of ["packages", "apps", "tools"]) {
    const dir = join(root, group);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const p = join(dir, n);
      if (!statSync(p).isDirectory()) continue;
      try {
        statSync(join(p, "package.json"));
      } catch {
        continue;
      }
      if (markdownFiles(p).length > 0) out.push(p);
    }
  }
  return out;
}
