import { CATEGORY_NAMES, type OwnerInfo } from "./accounting.js";

/**
 * Records where cycles went over time, for Chrome/Perfetto. Consecutive charges with the same
 * (owner, category, label) merge into one span, so a loop of loads is one slice, not thousands.
 * Off by default: a machine traces only when asked (`trace: true`), and the hot path then pays
 * one null check.
 */
export class Tracer {
  readonly starts: number[] = [];
  readonly durs: number[] = [];
  readonly owners: number[] = [];
  readonly cats: number[] = [];
  readonly labelIds: number[] = [];
  readonly labels: string[] = [""];
  readonly #labelIndex = new Map<string, number>([["", 0]]);
  readonly instants: { at: number; name: string; owner: number }[] = [];
  /** Bound on recorded spans; past it, spans are counted but not stored. */
  readonly limit: number;
  dropped = 0;

  constructor(limit = 2_000_000) {
    this.limit = limit;
  }

  span(at: number, cycles: number, owner: number, cat: number, label: string): void {
    let id = this.#labelIndex.get(label);
    if (id === undefined) {
      id = this.labels.length;
      this.labels.push(label);
      this.#labelIndex.set(label, id);
    }
    const n = this.starts.length - 1;
    if (
      n >= 0 &&
      this.owners[n] === owner &&
      this.cats[n] === cat &&
      this.labelIds[n] === id &&
      this.starts[n]! + this.durs[n]! === at
    ) {
      this.durs[n]! += cycles;
      return;
    }
    if (n + 1 >= this.limit) {
      this.dropped++;
      return;
    }
    this.starts.push(at);
    this.durs.push(cycles);
    this.owners.push(owner);
    this.cats.push(cat);
    this.labelIds.push(id);
  }

  instant(at: number, name: string, owner: number): void {
    if (this.instants.length < this.limit) this.instants.push({ at, name, owner });
  }

  /** FNV-1a over every span and instant: equal hashes mean bit-identical traces. */
  hash(): string {
    let h = 0x811c9dc5;
    const mix = (v: number) => {
      // Mix the value as two 32-bit halves, so that cycle counts past 2^32 still count.
      const lo = v >>> 0;
      const hi = Math.floor(v / 4294967296) >>> 0;
      for (const w of [lo, hi]) {
        for (let s = 0; s < 32; s += 8) {
          h ^= (w >>> s) & 0xff;
          h = Math.imul(h, 0x01000193);
        }
      }
    };
    for (let i = 0; i < this.starts.length; i++) {
      mix(this.starts[i]!);
      mix(this.durs[i]!);
      mix(this.owners[i]!);
      mix(this.cats[i]!);
      for (const ch of this.labels[this.labelIds[i]!]!) mix(ch.charCodeAt(0));
    }
    for (const e of this.instants) {
      mix(e.at);
      mix(e.owner);
      for (const ch of e.name) mix(ch.charCodeAt(0));
    }
    mix(this.dropped);
    return (h >>> 0).toString(16).padStart(8, "0");
  }

  /**
   * Chrome trace-event JSON ("X" complete events and "i" instants), one thread per owner,
   * timestamps in microseconds of simulated time.
   */
  toChromeTrace(cycleNs: number, owners: readonly OwnerInfo[], pid = 1): ChromeTrace {
    const us = (cycles: number) => (cycles * cycleNs) / 1000;
    const traceEvents: ChromeTraceEvent[] = [];
    for (const o of owners) {
      traceEvents.push({ name: "thread_name", ph: "M", pid, tid: o.id, args: { name: o.name } });
    }
    for (let i = 0; i < this.starts.length; i++) {
      const label = this.labels[this.labelIds[i]!]!;
      const cat = CATEGORY_NAMES[this.cats[i]!]!;
      traceEvents.push({
        name: label === "" ? cat : label,
        cat,
        ph: "X",
        ts: us(this.starts[i]!),
        dur: us(this.durs[i]!),
        pid,
        tid: this.owners[i]!,
        args: { cycles: this.durs[i]! },
      });
    }
    for (const e of this.instants) {
      traceEvents.push({
        name: e.name,
        cat: "event",
        ph: "i",
        s: "t",
        ts: us(e.at),
        pid,
        tid: e.owner,
      });
    }
    return { traceEvents, displayTimeUnit: "ns", otherData: { droppedSpans: this.dropped } };
  }
}

export interface ChromeTraceEvent {
  name: string;
  ph: "X" | "i" | "M";
  pid: number;
  tid: number;
  cat?: string;
  ts?: number;
  dur?: number;
  s?: "t" | "p" | "g";
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: "ns" | "ms";
  otherData: Record<string, unknown>;
}
