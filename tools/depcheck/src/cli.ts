#!/usr/bin/env tsx
import { resolve } from "node:path";
import { checkRepo } from "./check.js";

const root = resolve(process.argv[2] ?? ".");
const violations = checkRepo(root);
for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
if (violations.length > 0) {
  console.error(`depcheck: ${violations.length} dependency-direction violation(s)`);
  process.exit(1);
}
console.log("depcheck: dependency direction ok");
