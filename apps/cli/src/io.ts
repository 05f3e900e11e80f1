/** Where the CLI reads and writes: the process in main.ts, buffers and a temp folder in tests. */
export interface Io {
  /** Standard output (tables, and reports given as `-`). */
  out(text: string): void;
  /** Standard error (the one-line errors, warnings, notes). */
  err(text: string): void;
  /** The folder relative paths are taken from. */
  readonly cwd: string;
  /**
   * The terminal to draw progress on (stderr when it is a terminal), or null for none
   * (output piped or captured).
   */
  readonly progress: NodeJS.WritableStream | null;
  /**
   * Registers work to undo if the process is interrupted (Ctrl-C, SIGTERM): remove partial
   * files, show the cursor. Returns a function that unregisters it. A long command also
   * awaits `breathe()` between steps, so that an interrupt is handled there.
   */
  onInterrupt(undo: () => void): () => void;
  /** Lets pending signals be handled (a macrotask turn). */
  breathe(): Promise<void>;
}

/** A usage error: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure that is not the user's syntax (a file that cannot be written or read): exit 1. */
export class RunError extends Error {
  override name = "RunError";
}
