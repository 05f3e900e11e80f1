import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { compareReports, parseReport, ReportFileError, renderComparison } from "@exolab/bench";
import { type Io, RunError } from "../io.js";

/** Reads and validates one report file; every failure is one line. */
function readReport(io: Io, path: string) {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, path), "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a folder"
          : code === "EACCES"
            ? "permission denied"
            : (e as Error).message;
    throw new RunError(`cannot read ${path}: ${why}`);
  }
  try {
    return parseReport(text, path);
  } catch (e) {
    if (e instanceof ReportFileError) throw new RunError(e.message);
    throw e;
  }
}

/**
 * `exolab compare OLD.json NEW.json`: the rows both reports have, figure and ratio side by
 * side with the change, then the rows only one of them has. Both files must validate.
 */
export function compareCommand(oldPath: string, newPath: string, io: Io): number {
  const oldReport = readReport(io, oldPath);
  const newReport = readReport(io, newPath);
  io.out(`${renderComparison(compareReports(oldReport, newReport), oldPath, newPath)}\n`);
  return 0;
}
