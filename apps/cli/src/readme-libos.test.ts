import { describe } from "vitest";
import { readmeCommandsTest } from "./test-readme.js";

/** The libOS packages' README commands (apart from readme.test.ts, so that both run at once). */
describe("the libOS READMEs' commands", () => {
  readmeCommandsTest("packages/libos-template/README.md");
  readmeCommandsTest("packages/libos-realtime/README.md");
  readmeCommandsTest("packages/libos-db/README.md");
});
