import { readFileSync } from "node:fs";

export function fileText(path: string): string {
  return readFileSync(path, "utf8");
}
