import { defineConfig } from "vitest/config";

// Resolve workspace packages to their TypeScript sources (the "@exolab/source" export
// condition), so each package tests alone on a fresh clone without building its dependencies.
// When VITEST_JSON_DIR is set (by .ci/run), each package also writes vitest's JSON report
// there, so CI can count passed and failed tests across the whole repo.
const jsonDir = process.env.VITEST_JSON_DIR;
const pkgName = process.cwd().split("/").slice(-2).join("-");

export default defineConfig({
  ssr: { resolve: { conditions: ["@exolab/source", "module", "node", "development|production"] } },
  test: {
    // The test files of a package share their worker's module instances (each file still gets
    // fresh kernels and machines from its own code): importing the simulator once per worker
    // instead of once per file saves about a sixth of the tests' CPU. The machine package
    // keeps per-file isolation (its vitest.config.ts): its stack-reserve tests find where the
    // host stack runs out, which depends on what the worker ran before.
    isolate: false,
    // Property tests run many simulations, and turbo runs every package's tests at once: on a
    // 2-core machine a suite run that takes 4 s alone was seen to take over 120 s while other
    // test runs shared the cores. Tests assert behaviour, never time, so the limit only
    // catches hangs.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    reporters: jsonDir ? ["default", "json"] : ["default"],
    outputFile: jsonDir ? { json: `${jsonDir}/${pkgName}.json` } : undefined,
  },
});
