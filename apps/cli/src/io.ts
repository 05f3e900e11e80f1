/** Where the CLI writes: the terminal in main.ts, buffers in tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Writes a file (reports, traces). */
  writeFile(path: string, text: string): void;
  /** Whether stderr is a terminal (a progress bar is drawn only there). */
  readonly interactive: boolean;
}

/** A usage error: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
