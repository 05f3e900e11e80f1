import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { BENCH_VERSION } from "./version.js";

/**
 * The package's main entry runs in a browser: bundled for the browser platform (as a web
 * page's bundler would), its module graph — this package, the machine, the kernels, the
 * libOS and every third-party dependency — must reach no Node built-in. esbuild refuses such
 * an import for the browser platform; the check also reads the bundle's inputs. (Globals
 * such as `process` or `Buffer` are caught by `tsconfig.browser.json`, which typechecks the
 * entry without Node's types: `pnpm --filter @exolab/bench typecheck`.)
 */
interface BrowserBundle {
  /** esbuild's errors, one line each ("file: text"). */
  readonly errors: readonly string[];
  /** The files of the module graph, relative to this package. */
  readonly inputs: readonly string[];
  readonly bytes: number;
}

async function bundleForBrowser(entry: string): Promise<BrowserBundle> {
  try {
    const r = await build({
      entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "esm",
      // Workspace packages resolve to their TypeScript sources, as in the tests.
      conditions: ["@exolab/source"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    return {
      errors: [],
      inputs: Object.keys(r.metafile.inputs),
      bytes: r.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0),
    };
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string } | null }[] })
      .errors;
    if (errors === undefined) throw e;
    return {
      errors: errors.map((x) => `${x.location?.file ?? "?"}: ${x.text}`),
      inputs: [],
      bytes: 0,
    };
  }
}

describe("the browser-safe entry", () => {
  it("bundles for the browser: no Node built-in anywhere in its module graph", async () => {
    const b = await bundleForBrowser("./index.ts");
    expect(b.errors).toEqual([]);
    const builtins = b.inputs.filter((f) => f.startsWith("node:") || isBuiltin(f));
    expect(builtins).toEqual([]);
    // What needs Node stays out: the node/ folder, benchmark.js, linkedom, playwright.
    const nodeOnly = b.inputs.filter((f) =>
      /(^|\/)src\/node\/|node_modules\/(\.pnpm\/)?(benchmark|linkedom|playwright-core)[@/]/.test(f),
    );
    expect(nodeOnly).toEqual([]);
    // The simulator is in it (the check bundled the real graph, not an empty one).
    for (const pkg of ["machine", "exokernel", "monolithic", "libos-exos"])
      expect(b.inputs.some((f) => f.includes(`${pkg}/src/`))).toBe(true);
  }, 60_000);

  it("the check fails for an entry that reaches a Node built-in through another module", async () => {
    const b = await bundleForBrowser("./test/reaches-node/entry.ts");
    expect(b.errors.length).toBeGreaterThan(0);
    expect(b.errors.join("\n")).toMatch(/node:fs/);
  }, 60_000);

  it("the Node entry is not browser-safe, and the check says so", async () => {
    const b = await bundleForBrowser("./node/index.ts");
    expect(b.errors.join("\n")).toMatch(/node:(child_process|fs|os|module|path|url)/);
  }, 60_000);

  it("BENCH_VERSION is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(BENCH_VERSION).toBe(pkg.version);
  });
});
