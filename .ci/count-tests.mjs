// Sums vitest JSON reports (one per package) into the closing line CI reads.
// Exits 1 when any test failed or when no test ran at all.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
let files = 0;
for (const name of readdirSync(dir)) {
  if (!name.endsWith(".json")) continue;
  const report = JSON.parse(readFileSync(join(dir, name), "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  files++;
}
console.log(`ci: ${files} package report(s)`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
