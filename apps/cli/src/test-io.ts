import type { Io } from "./io.js";

/** An Io that keeps what the CLI writes, for tests. */
export function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, string>();
  const io: Io = {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    writeFile: (p, t) => files.set(p, t),
    interactive: false,
  };
  return { io, files, outText: () => out.join(""), errText: () => err.join("") };
}
