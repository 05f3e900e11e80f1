import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

// One test file at a time: the browser test measures how the page answers while its worker
// runs, and the README test's timing script starts another Chromium and build.
export default mergeConfig(shared, { test: { fileParallelism: false } });
