/** Where the CLI writes: the terminal in main.ts, buffers in tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Writes a file (reports, traces). */
  writeFile(path: string, text: string): void;
  /**
   * The terminal to draw the progress bar on (stderr when it is a terminal), or null for no
   * bar (output piped or captured).
   */
  readonly progress: NodeJS.WritableStream | null;
}

/** A usage error: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
