import { SingleBar } from "cli-progress";
import type { Io } from "./io.js";

export const HIDE_CURSOR = "\u001b[?25l";
export const SHOW_CURSOR = "\u001b[?25h";

/**
 * A progress bar on the terminal (cli-progress), or nothing when there is no terminal. It
 * hides the cursor while it is drawn and shows it again on every way out: `stop()`, an
 * interrupt (registered with the Io), and process exit (main.ts shows it if still hidden).
 */
export class Progress {
  readonly #bar: SingleBar | null;
  readonly #stream: NodeJS.WritableStream | null;
  #hidden = false;
  #unregister: () => void = () => {};

  constructor(io: Io, format: string) {
    this.#stream = io.progress;
    this.#bar =
      io.progress === null
        ? null
        : new SingleBar({
            format,
            stream: io.progress,
            // The cursor is ours to hide and show, so that every exit path can restore it.
            hideCursor: false,
            clearOnComplete: true,
            // Redrawn on every update: the work is synchronous, so no timer could redraw it.
            fps: 1000,
            barsize: 30,
          });
    if (this.#bar !== null)
      this.#unregister = io.onInterrupt(() => {
        this.#bar!.stop();
        this.#restore();
      });
  }

  start(total: number, payload: Record<string, unknown>): void {
    if (this.#bar === null) return;
    this.#stream!.write(HIDE_CURSOR);
    this.#hidden = true;
    CURSOR.hidden = true;
    this.#bar.start(total, 0, payload);
  }

  update(value: number, payload: Record<string, unknown>): void {
    this.#bar?.update(value, payload);
  }

  /** Clears the bar and shows the cursor. */
  stop(): void {
    if (this.#bar === null) return;
    this.#bar.stop();
    this.#restore();
    this.#unregister();
  }

  #restore(): void {
    if (!this.#hidden) return;
    this.#hidden = false;
    CURSOR.hidden = false;
    this.#stream!.write(SHOW_CURSOR);
  }
}

/** Whether some bar left the process's cursor hidden (main.ts shows it at exit if so). */
export const CURSOR = { hidden: false };
