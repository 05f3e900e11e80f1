import { Writable } from "node:stream";
import type { Io } from "./io.js";

/** An Io that keeps what the CLI writes, for tests; `tty` adds a fake terminal for the bar. */
export function captureIo(options: { tty?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const bar: string[] = [];
  const files = new Map<string, string>();
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
  const io: Io = {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    writeFile: (p, t) => files.set(p, t),
    progress,
  };
  return {
    io,
    files,
    outText: () => out.join(""),
    errText: () => err.join(""),
    barText: () => bar.join(""),
  };
}
