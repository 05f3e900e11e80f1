// Writes schema/report.schema.json from the zod schema (src/result.ts). A test fails when
// the shipped file and the schema differ: run `pnpm --filter @exolab/bench schema` then.
import { writeFileSync } from "node:fs";
import { reportJsonSchemaText } from "../src/report/schema.js";

const path = new URL("../schema/report.schema.json", import.meta.url);
writeFileSync(path, reportJsonSchemaText());
console.log(`wrote ${path.pathname}`);
