import { readFileSync } from "node:fs";

/** The CLI's version, from its package.json (beside src/ and dist/ alike). */
function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

export const VERSION = readVersion();

/** The program recorded in a report's meta. */
export const TOOL = { name: "exolab", version: VERSION } as const;
