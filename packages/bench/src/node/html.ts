import { renderHtmlWith } from "../report/html.js";
import type { BenchReport } from "../result.js";

/**
 * The HTML report (see renderHtmlWith), its charts drawn in Node with linkedom's DOM: one
 * self-contained page, no script and no external resource.
 */
export async function renderHtml(report: BenchReport, systems: readonly string[]): Promise<string> {
  const { parseHTML } = await import("linkedom");
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  return renderHtmlWith(report, systems, document);
}
