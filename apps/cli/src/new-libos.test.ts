import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { takenNames } from "./commands/new-libos.js";
import { leftovers, renameText } from "./scaffold/rename.js";
import { applyScaffold, planScaffold, registerIn } from "./scaffold/scaffold.js";
import { captureIo } from "./test-io.js";

const ROOT = resolve(new URL("../../../", import.meta.url).pathname);

/**
 * A copy of what the scaffold reads and edits (the template, the bench's adapters and
 * package.json, the workspace and formatter config), with the real node_modules linked in
 * for the formatter: the scaffold runs on it as on a clone.
 */
function workspaceCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "exolab-new-libos-"));
  for (const path of [
    "pnpm-workspace.yaml",
    ".gitignore",
    "biome.json",
    "packages/libos-template",
    "packages/bench/package.json",
    "packages/bench/biome.json",
    "packages/bench/src/adapters",
  ])
    cpSync(join(ROOT, path), join(dir, path), {
      recursive: true,
      filter: (src) => !/node_modules|\/dist(\/|$)/.test(src),
    });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** Every file under `dir` (node_modules aside) with a hash of its content. */
function tree(dir: string, sub = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, sub))) {
    if (name === "node_modules") continue;
    const rel = sub === "" ? name : `${sub}/${name}`;
    if (statSync(join(dir, rel)).isDirectory()) Object.assign(out, tree(dir, rel));
    else
      out[rel] = createHash("sha1")
        .update(readFileSync(join(dir, rel)))
        .digest("hex");
  }
  return out;
}

async function newLibOs(cwd: string, ...args: string[]) {
  const c = captureIo({ cwd });
  const status = await runCli(["new-libos", ...args], c.io);
  return { status, out: c.outText(), err: c.errText() };
}

describe("exolab new-libos NAME", () => {
  it("creates packages/libos-NAME from the template, renamed, and registers it in the bench", async () => {
    const ws = workspaceCopy();
    // Build output in the template (turbo's logs when `pnpm test` ran it first) is not copied.
    mkdirSync(join(ws, "packages/libos-template/.turbo"), { recursive: true });
    writeFileSync(join(ws, "packages/libos-template/.turbo/turbo-test.log"), "a log\n");
    const before = tree(ws);
    const r = await newLibOs(ws, "my-rt2");
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
    expect(r.out).toMatch(
      /created packages\/libos-my-rt2 \(@exolab\/libos-my-rt2, system id "my-rt2"\)/,
    );
    expect(r.out).toMatch(/pnpm install --offline/);
    expect(r.out).toMatch(/pnpm --filter @exolab\/libos-my-rt2 test/);
    expect(r.out).toMatch(/pnpm exolab bench --system monolithic,exos,my-rt2/);

    // The package: every file of the template, renamed; nothing else outside it but the bench's three.
    const after = tree(ws);
    const created = Object.keys(after).filter((f) => !(f in before));
    const changed = Object.keys(before).filter((f) => after[f] !== before[f]);
    const templateFiles = Object.keys(before).filter(
      (f) =>
        f.startsWith("packages/libos-template/") &&
        !/\/(node_modules|dist|\.turbo|coverage)\//.test(f),
    );
    expect(templateFiles.length).toBeGreaterThan(20);
    expect(created.sort()).toEqual(
      [
        ...templateFiles.map((f) => f.replace("libos-template", "libos-my-rt2")),
        "packages/bench/src/adapters/my-rt2.ts",
      ].sort(),
    );
    expect(changed.sort()).toEqual([
      "packages/bench/package.json",
      "packages/bench/src/adapters/registry.ts",
    ]);
    const read = (f: string) => readFileSync(join(ws, f), "utf8");
    for (const f of created) expect(leftovers(f, read(f)), f).toEqual([]);
    const pkg = JSON.parse(read("packages/libos-my-rt2/package.json"));
    expect(pkg.name).toBe("@exolab/libos-my-rt2");
    expect(read("packages/libos-my-rt2/src/index.ts")).toMatch(/name: "my-rt2"/);
    expect(read("packages/libos-my-rt2/src/costs.ts")).toMatch(/"my-rt2\.refill\.entry"/);
    expect(read("packages/libos-my-rt2/COSTS.md")).toMatch(/`my-rt2\.refill\.entry`/);
    const adapter = read("packages/bench/src/adapters/my-rt2.ts");
    expect(adapter).toMatch(/export const myRt2Adapter = defineLibOsSystem\(\{/);
    expect(adapter).toMatch(/from "@exolab\/libos-my-rt2"/);
    expect(adapter).toMatch(/id: "my-rt2"/);
    const registry = read("packages/bench/src/adapters/registry.ts");
    expect(registry).toMatch(/import \{ myRt2Adapter \} from "\.\/my-rt2\.js";/);
    expect(registry).toMatch(/\{ adapter: myRt2Adapter, onlyWhenNamed: true \},\n\];/);
    const bench = JSON.parse(read("packages/bench/package.json"));
    expect(bench.dependencies["@exolab/libos-my-rt2"]).toBe("workspace:*");
    expect(Object.keys(bench.dependencies)).toEqual(Object.keys(bench.dependencies).sort());

    // It passes the repository's lint as it is (formatting, imports, rules).
    const biome = spawnSync(
      join(ROOT, "node_modules/.bin/biome"),
      [
        "check",
        "packages/libos-my-rt2",
        "packages/bench/src/adapters/my-rt2.ts",
        "packages/bench/src/adapters/registry.ts",
        "packages/bench/package.json",
      ],
      { cwd: ws, encoding: "utf8" },
    );
    expect(`${biome.stdout}${biome.stderr}`).not.toMatch(/error|×/i);
    expect(biome.status).toBe(0);
  }, 60_000);

  it("a name at the longest still lints (labels and tables re-formatted)", async () => {
    const ws = workspaceCopy();
    const name = "a23456789-b23456789-c234567890";
    expect(name).toHaveLength(30);
    expect((await newLibOs(ws, name)).status).toBe(0);
    const biome = spawnSync(
      join(ROOT, "node_modules/.bin/biome"),
      ["check", `packages/libos-${name}`, "packages/bench/src/adapters"],
      { cwd: ws, encoding: "utf8" },
    );
    expect(biome.status, `${biome.stdout}${biome.stderr}`).toBe(0);
  }, 60_000);

  it("refuses a bad or taken name with one line, and changes nothing", async () => {
    const ws = workspaceCopy();
    mkdirSync(join(ws, "packages/libos-here"));
    const before = tree(ws);
    const cases: [string[], RegExp][] = [
      [
        ["Rt"],
        /"Rt" is not a libOS name: a lowercase letter, then lowercase letters, digits and single hyphens/,
      ],
      [["9p"], /"9p" is not a libOS name/],
      [["rt--2"], /"rt--2" is not a libOS name/],
      [["rt-"], /"rt-" is not a libOS name/],
      [["rt_2"], /"rt_2" is not a libOS name/],
      [["x".repeat(31)], /at most 30 characters/],
      [["exos"], /"exos" is taken: a registered system/],
      [["template"], /"template" is taken: a registered system/],
      [["aegis"], /"aegis" is taken: the cost labels of @exolab\/exokernel start with "aegis\."/],
      [["vm"], /"vm" is taken: the cost labels of @exolab\/monolithic/],
      [["labels"], /"labels" is taken/],
      [["here"], /"here" is taken: packages\/libos-here exists/],
      [[], /missing required argument 'name': the new libOS's name/],
    ];
    for (const [args, message] of cases) {
      const r = await newLibOs(ws, ...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.err.trimEnd().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.err, args.join(" ")).toMatch(message);
      expect(r.out).toBe("");
    }
    expect(tree(ws)).toEqual(before);
  }, 60_000);

  it("outside a workspace: one line, exit 2", async () => {
    const r = await newLibOs(mkdtempSync(join(tmpdir(), "exolab-nowhere-")), "rt");
    expect(r.status).toBe(2);
    expect(r.err).toMatch(
      /^error: new-libos: no ExoLab workspace above .*; run it inside a clone\n$/,
    );
  });

  it("a write that fails midway takes back what was written", () => {
    const ws = workspaceCopy();
    const before = tree(ws);
    const plan = planScaffold({ name: "rt", cwd: ws, taken: takenNames() });
    // The last bench file cannot be written (its folder is missing).
    const bench = new Map(plan.bench);
    bench.set("packages/bench/nowhere/file.json", "{}");
    expect(() => applyScaffold({ ...plan, bench })).toThrow();
    expect(tree(ws)).toEqual(before);
    expect(existsSync(join(ws, "packages/libos-rt"))).toBe(false);
  });
});

describe("the renaming", () => {
  it("replaces the name in every form it takes, and only the whole lowercase word", () => {
    const text = [
      'import { COSTS } from "@exolab/libos-template";',
      'export const templateAdapter = defineLibOsSystem({ id: "template" });',
      'const c = COSTS["template.refill.entry"]; // `template.vm.range`',
      "see packages/bench/src/adapters/template.ts and --system monolithic,exos,template",
      "LIBOS_TEMPLATE templates untemplated",
    ].join("\n");
    expect(renameText(text, "db-2")).toBe(
      [
        'import { COSTS } from "@exolab/libos-db-2";',
        'export const db2Adapter = defineLibOsSystem({ id: "db-2" });',
        'const c = COSTS["db-2.refill.entry"]; // `db-2.vm.range`',
        "see packages/bench/src/adapters/db-2.ts and --system monolithic,exos,db-2",
        "LIBOS_TEMPLATE templates untemplated",
      ].join("\n"),
    );
  });

  it("the leftover check finds the word in another case (it can fail)", () => {
    expect(leftovers("f", "ok LIBOS_TEMPLATE\nThe Template says")).toEqual([
      "f:2: The Template says",
    ]);
    expect(leftovers("f", renameText("templates", "rt"))).toEqual(["f:1: templates"]);
  });

  it("the template's files use the word only as its name (no prose the renaming would garble)", () => {
    const files = execFileSync(
      "git",
      ["ls-files", "packages/libos-template", "packages/bench/src/adapters/template.ts"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    )
      .split("\n")
      .filter((f) => f.length > 0);
    expect(files.length).toBeGreaterThan(15);
    for (const f of files)
      expect(leftovers(f, renameText(readFileSync(join(ROOT, f), "utf8"), "rt")), f).toEqual([]);
  });

  it("registers the new adapter's import in sorted place and its entry last", () => {
    const registry = [
      'import type { SystemAdapter } from "./adapter.js";',
      'import { exosAdapter } from "./exos.js";',
      'import { monolithicAdapter } from "./monolithic.js";',
      "",
      "export const REGISTRY: readonly Registration[] = [",
      "  { adapter: monolithicAdapter },",
      "  { adapter: exosAdapter },",
      "];",
      "",
    ].join("\n");
    const out = registerIn(registry, "lab").split("\n");
    expect(out.slice(0, 4)).toEqual([
      'import type { SystemAdapter } from "./adapter.js";',
      'import { exosAdapter } from "./exos.js";',
      'import { labAdapter } from "./lab.js";',
      'import { monolithicAdapter } from "./monolithic.js";',
    ]);
    expect(out.slice(-3)).toEqual(["  { adapter: labAdapter, onlyWhenNamed: true },", "];", ""]);
    expect(registerIn(registry, "zz").split("\n")[3]).toBe('import { zzAdapter } from "./zz.js";');
  });
});
