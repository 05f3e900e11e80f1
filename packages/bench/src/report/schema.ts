import { z } from "zod";
import { ReportSchema, SCHEMA_VERSION } from "../result.js";

/**
 * The JSON Schema (draft 2020-12) of a report, generated from the zod schema: what
 * `schema/report.schema.json` holds, for consumers that do not use zod.
 */
export function reportJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ReportSchema, { target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  return {
    ...generated,
    title: `ExoLab benchmark report, schema version ${SCHEMA_VERSION}`,
    description:
      "What `exolab bench --json FILE` writes. Generated from packages/bench/src/result.ts by `pnpm --filter @exolab/bench schema`; do not edit by hand.",
  };
}

/** The file's text: two-space JSON and a final newline. */
export function reportJsonSchemaText(): string {
  return `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
}
