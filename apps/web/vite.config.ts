import { execFileSync } from "node:child_process";
import { defaultClientConditions, defineConfig } from "vite";

/** Runs git here; undefined without git or a checkout (a tarball builds too). */
function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync("git", [...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5_000,
    }).trim();
  } catch {
    return undefined;
  }
}

const commit = git(["rev-parse", "HEAD"]);
const known = commit !== undefined && /^[0-9a-f]{40}$/.test(commit);
const status = known ? git(["status", "--porcelain", "--untracked-files=no"]) : undefined;

/**
 * The browser lab. `base: "./"` makes every URL in the build relative, so `dist/` can be
 * served from any folder of any static web server. Workspace packages resolve to their
 * TypeScript sources (the `@exolab/source` condition): no package needs building first.
 */
export default defineConfig({
  base: "./",
  resolve: { conditions: ["@exolab/source", ...defaultClientConditions] },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  worker: { format: "es" },
  define: {
    __EXOLAB_COMMIT__: JSON.stringify(known ? commit : null),
    __EXOLAB_DIRTY__: JSON.stringify(status === undefined ? null : status.length > 0),
  },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        // Observable Plot and its d3 modules in a chunk of their own, named for what it is
        // (the page loads it when it draws its first chart).
        codeSplitting: {
          groups: [
            {
              name: "plot",
              test: /node_modules[\\/].*(@observablehq|d3-|interval-tree|isoformat|internmap|delaunator|robust-predicates)/,
            },
          ],
        },
      },
    },
  },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
