import type { FromWorker, Selection, ToWorker, TraceRequest } from "./protocol.js";

/**
 * The page's side of the worker: it starts one, sends it jobs, and hands every message of
 * the current job to the page. Cancelling ends the worker at once (even in the middle of a
 * long pair) and starts a fresh one; messages of an older job are dropped.
 */
export class LabClient {
  #worker: Worker;
  #job = 0;
  readonly #onMessage: (m: FromWorker) => void;

  constructor(onMessage: (m: FromWorker) => void) {
    this.#onMessage = onMessage;
    this.#worker = this.#start();
  }

  #start(): Worker {
    const w = new Worker(new URL("./worker.ts", import.meta.url), {
      type: "module",
      name: "exolab",
    });
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.kind === "catalog" || m.job === this.#job) this.#onMessage(m);
    };
    w.onerror = (e) => {
      e.preventDefault();
      this.#onMessage({
        kind: "failed",
        job: this.#job,
        message: `the worker stopped: ${e.message || "it could not be loaded"}`,
        refused: false,
      });
    };
    return w;
  }

  #send(m: ToWorker): void {
    this.#worker.postMessage(m);
  }

  /** Runs a selection; returns the job's number. */
  run(selection: Selection): number {
    this.#job++;
    this.#send({ kind: "run", job: this.#job, selection });
    return this.#job;
  }

  /** Traces one pair; returns the job's number. */
  trace(request: TraceRequest): number {
    this.#job++;
    this.#send({ kind: "trace", job: this.#job, request });
    return this.#job;
  }

  /** Ends the current job now: the worker is ended and a new one started. */
  cancel(): void {
    this.#job++;
    this.#worker.terminate();
    this.#worker = this.#start();
  }
}
