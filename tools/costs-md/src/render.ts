import { CATEGORY_NAMES, type Cost } from "@exolab/machine";

/**
 * A costs table as Markdown: one row per record, in table order. Columns: label, instructions,
 * then loads and stores (only when a row states some), the category (only when a row sets
 * one; "(mode)" for the rest: the CPU mode's, kernel or user), and the source. Cells are
 * padded to their column's width, as a Markdown formatter would.
 */
export function renderTable(records: readonly Cost[]): string {
  const memory = records.some((r) => r.loads !== 0 || r.stores !== 0);
  const category = records.some((r) => r.category !== undefined);
  const head = ["Label", "Instr."];
  if (memory) head.push("Loads", "Stores");
  if (category) head.push("Category");
  head.push("Source");
  const rows = records.map((r) => {
    const row = [`\`${r.label}\``, String(r.instructions)];
    if (memory) row.push(String(r.loads), String(r.stores));
    if (category) row.push(r.category === undefined ? "(mode)" : CATEGORY_NAMES[r.category]!);
    row.push(escapeCell(r.source));
    return row;
  });
  const widths = head.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => width(r[i]!))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c + " ".repeat(widths[i]! - width(c))).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A `|` inside a cell would end it. */
function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/** Display width: code points (the tables hold no wide characters). */
function width(s: string): number {
  return [...s].length;
}
