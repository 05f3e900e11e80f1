import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { Io } from "./io.js";

/**
 * An Io for tests: output kept in buffers, files written into a fresh temporary folder
 * (`dir`), and `tty` adds a fake terminal for the progress bar.
 */
export function captureIo(options: { tty?: boolean; cwd?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const bar: string[] = [];
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), "exolab-cli-"));
  let progress: NodeJS.WritableStream | null = null;
  if (options.tty === true) {
    const terminal = new Writable({
      write(chunk, _encoding, done) {
        bar.push(String(chunk));
        done();
      },
    });
    Object.assign(terminal, { isTTY: true, columns: 120 });
    progress = terminal;
  }
  const undos = new Set<() => void>();
  const io: Io = {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    cwd,
    progress,
    onInterrupt: (undo) => {
      undos.add(undo);
      return () => undos.delete(undo);
    },
    breathe: () => new Promise((resolve) => setImmediate(resolve)),
  };
  return {
    io,
    /** The temporary folder relative paths resolve to. */
    dir: cwd,
    /** A file the command wrote (relative to dir), or undefined. */
    file: (name: string) => {
      const p = join(cwd, name);
      return existsSync(p) ? readFileSync(p, "utf8") : undefined;
    },
    /** Every entry of dir, hidden ones too (a partial file would show here). */
    entries: () => readdirSync(cwd).sort(),
    /** Registered interrupt undos still pending (a finished command leaves none). */
    pendingUndos: () => undos.size,
    outText: () => out.join(""),
    errText: () => err.join(""),
    barText: () => bar.join(""),
  };
}
