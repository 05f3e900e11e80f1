import {
  type BenchReport,
  type BenchResult,
  paramsText,
  ReportSchema,
  rowKey,
  SCHEMA_VERSION,
} from "../result.js";
import { displayValue, fmt, metricLabel, valueText } from "./model.js";
import { alignColumns, unitText } from "./table.js";

/** A file that is not a report of this schema: the message is one line. */
export class ReportFileError extends Error {
  override name = "ReportFileError";
}

/**
 * Parses and validates a report file's text (`name` is for the message). Refuses, with one
 * line, what is not JSON, a report of another schema version, or one that breaks the schema
 * (naming the first field that does).
 */
export function parseReport(text: string, name: string): BenchReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ReportFileError(`${name} is not JSON (${(e as Error).message.split("\n")[0]})`);
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (
    typeof raw === "object" &&
    raw !== null &&
    version !== undefined &&
    version !== SCHEMA_VERSION
  )
    throw new ReportFileError(
      `${name} has schema version ${JSON.stringify(version)}; this exolab reads version ${SCHEMA_VERSION} (run \`exolab bench --json FILE\` again)`,
    );
  const parsed = ReportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length === 0 ? "the top level" : issue.path.join(".");
    throw new ReportFileError(
      `${name} is not an exolab report (schema version ${SCHEMA_VERSION}): ${where}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** One row both reports have. */
export interface SharedRow {
  readonly key: string;
  readonly label: string;
  readonly system: string;
  readonly unit: string;
  /** The figure in the row's unit (µs, s), null where the system could not run it. */
  readonly old: number | null;
  readonly new: number | null;
  /** new / old - 1, null where either is missing. */
  readonly change: number | null;
  readonly oldRatio: number | null;
  readonly newRatio: number | null;
  /** Metrics both sides have, old and new. */
  readonly metrics: readonly { name: string; old: number; new: number; change: number | null }[];
}

export interface Comparison {
  readonly old: BenchReport;
  readonly new: BenchReport;
  readonly shared: readonly SharedRow[];
  readonly onlyOld: readonly string[];
  readonly onlyNew: readonly string[];
  /** What makes the two hard to compare (a different profile or seed). */
  readonly caveats: readonly string[];
}

function figure(r: BenchResult): number | null {
  return r.supported && r.metrics === undefined ? displayValue(r) : null;
}

function relative(a: number | null, b: number | null): number | null {
  if (a === null || b === null || a === 0) return null;
  return b / a - 1;
}

function rowLabel(r: BenchResult): string {
  return `${r.benchmark}${paramsText(r.params)} on ${r.system}`;
}

/** The rows of two reports side by side, by (suite, benchmark, system, params). */
export function compareReports(oldReport: BenchReport, newReport: BenchReport): Comparison {
  const byKey = (rs: readonly BenchResult[]) => new Map(rs.map((r) => [rowKey(r), r]));
  const olds = byKey(oldReport.results);
  const news = byKey(newReport.results);
  const shared: SharedRow[] = [];
  for (const [key, o] of olds) {
    const n = news.get(key);
    if (n === undefined) continue;
    const metrics = Object.keys(o.metrics ?? {})
      .filter((m) => n.metrics?.[m] !== undefined)
      .map((m) => ({
        name: m,
        old: o.metrics![m]!,
        new: n.metrics![m]!,
        change: relative(o.metrics![m]!, n.metrics![m]!),
      }));
    shared.push({
      key,
      label: `${o.benchmark}${paramsText(o.params)}`,
      system: o.system,
      unit: unitText(n.unit),
      old: figure(o),
      new: figure(n),
      change: relative(figure(o), figure(n)),
      oldRatio: o.ratioToBaseline,
      newRatio: n.ratioToBaseline,
      metrics,
    });
  }
  const caveats: string[] = [];
  if (oldReport.profile !== newReport.profile)
    caveats.push(
      `the profiles differ (${oldReport.profile} / ${newReport.profile}): different machines`,
    );
  if (oldReport.seed !== newReport.seed)
    caveats.push(`the seeds differ (${oldReport.seed} / ${newReport.seed})`);
  return {
    old: oldReport,
    new: newReport,
    shared,
    onlyOld: [...olds].filter(([k]) => !news.has(k)).map(([, r]) => rowLabel(r)),
    onlyNew: [...news].filter(([k]) => !olds.has(k)).map(([, r]) => rowLabel(r)),
    caveats,
  };
}

function changeText(change: number | null, a: number | null, b: number | null): string {
  if (a === null && b === null) return "";
  if (a === null) return "new figure";
  if (b === null) return "no figure now";
  if (change === null) return "";
  if (change === 0) return "=";
  const pct = change * 100;
  return `${pct > 0 ? "+" : ""}${Math.abs(pct) >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

function ratioText(r: number | null): string {
  return r === null ? "—" : `${fmt(r)}x`;
}

function describe(name: string, r: BenchReport): string {
  const m = r.meta;
  return `${name}: ${m.tool} ${m.version}${m.commit === null ? "" : ` at ${m.commit.slice(0, 12)}${m.dirty === true ? "+changes" : ""}`}, ${m.date}, ${r.profile} seed ${r.seed}`;
}

/** The comparison as text: shared rows with the change, then the rows only one side has. */
export function renderComparison(c: Comparison, oldName: string, newName: string): string {
  const out = [describe(`old ${oldName}`, c.old), describe(`new ${newName}`, c.new)];
  for (const caveat of c.caveats) out.push(`note: ${caveat}`);
  const timed = c.shared.filter((r) => r.metrics.length === 0);
  if (timed.length > 0) {
    const lines: string[][] = [
      ["benchmark", "system", "unit", "old", "new", "change", "old ratio", "new ratio"],
    ];
    for (const r of timed) {
      lines.push([
        r.label,
        r.system,
        r.unit,
        r.old === null ? "n/a" : fmt(r.old),
        r.new === null ? "n/a" : fmt(r.new),
        changeText(r.change, r.old, r.new),
        ratioText(r.oldRatio),
        ratioText(r.newRatio),
      ]);
    }
    out.push("", ...alignColumns(lines, 3));
  }
  const metric = c.shared.filter((r) => r.metrics.length > 0);
  if (metric.length > 0) {
    const lines: string[][] = [["benchmark", "system", "metric", "old", "new", "change"]];
    for (const r of metric)
      for (const m of r.metrics)
        lines.push([
          r.label,
          r.system,
          metricLabel(m.name),
          valueText(m.old),
          valueText(m.new),
          changeText(m.change, m.old, m.new),
        ]);
    out.push("", ...alignColumns(lines, 3));
  }
  const changed = c.shared.filter(
    (r) => r.old !== r.new || r.oldRatio !== r.newRatio || r.metrics.some((m) => m.old !== m.new),
  ).length;
  out.push(
    "",
    `${c.shared.length} shared rows: ${changed} changed, ${c.shared.length - changed} the same.`,
  );
  out.push(
    c.onlyOld.length === 0
      ? `Only in old: none.`
      : `Only in old (${c.onlyOld.length}): ${c.onlyOld.join(", ")}.`,
  );
  out.push(
    c.onlyNew.length === 0
      ? `Only in new: none.`
      : `Only in new (${c.onlyNew.length}): ${c.onlyNew.join(", ")}.`,
  );
  return out.join("\n");
}
