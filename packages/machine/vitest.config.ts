import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

// Per-file isolation here (the workspace default shares a worker's modules between files):
// the stack-reserve tests (src/host-throw.test.ts) dive to where the host stack runs out,
// which depends on what the worker ran and compiled before.
export default mergeConfig(shared, defineConfig({ test: { isolate: true } }));
