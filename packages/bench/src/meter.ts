import type { AttributionSnapshot, Machine } from "@exolab/machine/privileged";

export interface MeterWindow {
  readonly before: AttributionSnapshot;
  readonly after: AttributionSnapshot;
  readonly beforeCounts: Record<string, number>;
  readonly afterCounts: Record<string, number>;
}

/**
 * Marks the measured parts of a workload from inside the simulation: `start()` … `stop()`
 * pairs (several are summed, so that set-up between them is left out), then `finish(ops)`.
 * Reading the clock and taking snapshots charge nothing: the meter observes the system and
 * is not part of it.
 */
export class Meter {
  readonly windows: MeterWindow[] = [];
  #open: { before: AttributionSnapshot; counts: Record<string, number> } | null = null;
  #ops = -1;
  readonly observed: Record<string, number | number[]> = {};
  /** The row's figures that are not a time per operation (a miss ratio), by name. */
  readonly metrics: Record<string, number> = {};

  constructor(
    private readonly machine: Machine,
    private readonly counters: () => Record<string, number>,
  ) {}

  start(): void {
    if (this.#open !== null) throw new Error("meter: start() while a window is open");
    if (this.#ops >= 0) throw new Error("meter: start() after finish()");
    this.#open = { before: this.machine.snapshot(), counts: this.counters() };
  }

  stop(): void {
    if (this.#open === null) throw new Error("meter: stop() without start()");
    this.windows.push({
      before: this.#open.before,
      after: this.machine.snapshot(),
      beforeCounts: this.#open.counts,
      afterCounts: this.counters(),
    });
    this.#open = null;
  }

  /** Ends the measurement: `ops` operations were measured in the windows. */
  finish(ops: number): void {
    if (this.#open !== null) throw new Error("meter: finish() with a window open");
    if (!Number.isInteger(ops) || ops <= 0)
      throw new Error(`meter: finish() needs a positive operation count, got ${ops}`);
    this.#ops = ops;
  }

  /** Records a figure of the row (`metrics` in the JSON); units at the end of the name. */
  metric(name: string, value: number): void {
    if (!Number.isFinite(value)) throw new Error(`meter: metric ${name} is not a finite number`);
    this.metrics[name] = value;
  }

  observe(key: string, value: number | number[]): void {
    this.observed[key] = value;
  }

  get finished(): boolean {
    return this.#ops > 0;
  }

  get ops(): number {
    return this.#ops;
  }
}
