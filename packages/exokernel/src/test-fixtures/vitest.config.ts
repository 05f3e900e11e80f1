import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Runs only the fixture files of this folder (they are not tests of the package: each holds
// tests that must fail, run in a subprocess by src/death-watch.test.ts).
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  ssr: { resolve: { conditions: ["@exolab/source", "module", "node", "development|production"] } },
  test: {
    include: ["src/test-fixtures/*.fixture.ts"],
    reporters: ["json"],
    testTimeout: 60_000,
  },
});
