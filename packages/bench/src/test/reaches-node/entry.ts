// A fixture for browser-safe.test.ts: an entry whose module graph reaches a Node built-in
// through another module, as a helper that reads a file would. The check must refuse it.
export { fileText } from "./helper.js";
