import { type BenchReport, ReportSchema } from "../result.js";

/** Validates the report against the schema and returns it as JSON text. */
export function renderJson(report: BenchReport): string {
  const parsed = ReportSchema.parse(report);
  return `${JSON.stringify(parsed, null, 2)}\n`;
}
