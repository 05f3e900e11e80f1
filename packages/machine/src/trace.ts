import { CATEGORY_COUNT, CATEGORY_NAMES, type OwnerInfo } from "./accounting.js";
import { max, typedArrayLength, typedArraySet } from "./intrinsics.js";

/**
 * What a tracer records. Every field is optional: the default records every span and
 * instant of the whole run, keeping up to 2 000 000 spans in memory.
 */
export interface TracerOptions {
  /** Spans kept (in memory) or written (streamed); past it, spans are counted as dropped. */
  readonly limit?: number;
  /** First cycle recorded: spans are clipped to [fromCycle, toCycle), instants outside skipped. */
  readonly fromCycle?: number;
  /** First cycle not recorded (exclusive end of the window). */
  readonly toCycle?: number;
  /** Categories recorded, as indices into CATEGORY_NAMES; undefined: every category. */
  readonly categories?: readonly number[];
  /** Whether instants (exceptions, device events) are recorded; default true. */
  readonly instants?: boolean;
  /**
   * Which owners are recorded; asked once per owner id (the answer is kept), so it may look
   * the owner up by name or kind. Undefined: every owner.
   */
  readonly owner?: (owner: number) => boolean;
}

/** Where a streamed trace goes: one text chunk at a time, with the cycle reached so far. */
export type TraceWrite = (text: string, reachedCycle: number) => void;

const FNV_OFFSET = 0x811c9dc5;
const ALL_CATEGORIES = (1 << CATEGORY_COUNT) - 1;

/** FNV-1a of one value, as two 32-bit halves (so that cycle counts past 2^32 still count). */
function mix(h: number, v: number): number {
  const lo = v >>> 0;
  const hi = Math.floor(v / 4294967296) >>> 0;
  for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((lo >>> s) & 0xff), 0x01000193);
  for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((hi >>> s) & 0xff), 0x01000193);
  return h;
}

function mixText(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = mix(h, text.charCodeAt(i));
  return h;
}

interface Stream {
  readonly write: TraceWrite;
  readonly cycleNs: number;
  readonly pid: number;
  readonly chunkSpans: number;
  /** Events written so far (spans, instants, metadata). */
  events: number;
  /** The label's JSON-quoted event name, by label id (filled as labels appear). */
  readonly names: string[];
}

/**
 * Records where cycles went over time, for Chrome/Perfetto. Consecutive charges with the same
 * (owner, category, label) merge into one span, so a loop of loads is one slice, not thousands.
 * Off by default: a machine traces only when asked (`trace: true`), and the hot path then pays
 * one null check.
 *
 * A tracer may record a window of cycles, some categories and some owners only
 * (`configure`), and may stream its spans out as Chrome trace-event JSON instead of keeping
 * them (`streamChromeTrace`): it then keeps one chunk of spans at a time. Either way the hash
 * is the same for the same recorded spans, and filtering never changes a simulated cycle:
 * the tracer only observes.
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
  #limit = 2_000_000;
  /** Spans not recorded because the limit was reached. */
  dropped = 0;
  /** The cycle of the first dropped span (-1 while none was dropped). */
  firstDroppedAt = -1;
  /**
   * Called once, with no arguments, when the first span at or past the window's end arrives
   * (a caller may then detach the tracer from the CPU: nothing later would be recorded).
   */
  onWindowEnd: (() => void) | null = null;
  /** Called once when the first span is dropped, with its cycle. */
  onFull: ((at: number) => void) | null = null;

  #from = 0;
  #to = Number.POSITIVE_INFINITY;
  #catMask = ALL_CATEGORIES;
  #recordInstants = true;
  #ownerFilter: ((owner: number) => boolean) | null = null;
  /** Per owner id: 0 not asked yet, 1 recorded, 2 filtered out. */
  #ownerVerdict = new Uint8Array(16);
  /** Spans already streamed out (no longer in the arrays). */
  #flushed = 0;
  /** FNV state over the spans streamed out, in order. */
  #flushedHash = FNV_OFFSET;
  #stream: Stream | null = null;

  constructor(options: number | TracerOptions = {}) {
    this.configure(typeof options === "number" ? { limit: options } : options);
  }

  /** Bound on recorded spans; past it, spans are counted as dropped, not stored. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Sets the window, the filters and the limit. What was already recorded is replayed under
   * the new settings, so the trace is the one they would have given from the start (a machine
   * traces its kernel's boot before its owner can configure the tracer). Not once streaming
   * has begun, nor after spans were dropped (they could not be replayed): a RangeError, as
   * for an empty window or an unknown category.
   */
  configure(o: TracerOptions): void {
    if (this.#stream !== null) throw new RangeError("tracer: configure() while streaming");
    if (this.dropped > 0) throw new RangeError("tracer: configure() after spans were dropped");
    const from = o.fromCycle ?? 0;
    const to = o.toCycle ?? Number.POSITIVE_INFINITY;
    if (!(Number.isFinite(from) && from >= 0 && to > from))
      throw new RangeError(`tracer: window [${from}, ${to}) is empty or negative`);
    const limit = o.limit ?? this.#limit;
    if (!(Number.isSafeInteger(limit) && limit >= 0))
      throw new RangeError(`tracer: limit must be a non-negative integer, got ${limit}`);
    let mask = ALL_CATEGORIES;
    if (o.categories !== undefined) {
      mask = 0;
      for (const c of o.categories) {
        if (!(Number.isInteger(c) && c >= 0 && c < CATEGORY_COUNT))
          throw new RangeError(`tracer: unknown category ${c}`);
        mask |= 1 << c;
      }
    }
    const spans = this.starts.map((at, i) => ({
      at,
      cycles: this.durs[i]!,
      owner: this.owners[i]!,
      cat: this.cats[i]!,
      label: this.labels[this.labelIds[i]!]!,
    }));
    const instants = this.instants.splice(0, this.instants.length);
    for (const a of [this.starts, this.durs, this.owners, this.cats, this.labelIds]) a.length = 0;
    this.#from = from;
    this.#to = to;
    this.#limit = limit;
    this.#catMask = mask;
    this.#recordInstants = o.instants ?? true;
    this.#ownerFilter = o.owner ?? null;
    this.#ownerVerdict.fill(0);
    for (const x of spans) this.span(x.at, x.cycles, x.owner, x.cat, x.label);
    for (const e of instants) this.instant(e.at, e.name, e.owner);
  }

  /** The window recorded, [fromCycle, toCycle). */
  get window(): { readonly fromCycle: number; readonly toCycle: number } {
    return { fromCycle: this.#from, toCycle: this.#to };
  }

  /** Spans recorded so far: streamed out plus held. */
  get recordedSpans(): number {
    return this.#flushed + this.starts.length;
  }

  span(at: number, cycles: number, owner: number, cat: number, label: string): void {
    // The window: spans wholly outside are skipped, spans across an edge are clipped.
    if (at >= this.#to) {
      if (this.onWindowEnd !== null) this.#windowEnded();
      return;
    }
    if (at < this.#from) {
      const end = at + cycles;
      if (end <= this.#from) return;
      cycles = end - this.#from;
      at = this.#from;
    }
    if (at + cycles > this.#to) cycles = this.#to - at;
    if ((this.#catMask & (1 << cat)) === 0) return;
    if (this.#ownerFilter !== null && !this.#ownerRecorded(owner)) return;

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
    if (this.#flushed + n + 1 >= this.#limit) {
      this.dropped++;
      if (this.firstDroppedAt < 0) {
        this.firstDroppedAt = at;
        this.onFull?.(at);
      }
      return;
    }
    // Streaming: every held span is final once a new one starts, so the chunk leaves whole.
    if (this.#stream !== null && n + 1 >= this.#stream.chunkSpans) this.#flushSpans(n + 1);
    this.starts.push(at);
    this.durs.push(cycles);
    this.owners.push(owner);
    this.cats.push(cat);
    this.labelIds.push(id);
  }

  /** A point event; once a span was dropped the trace has ended, and later instants are skipped. */
  instant(at: number, name: string, owner: number): void {
    if (!this.#recordInstants || at < this.#from || at >= this.#to) return;
    if (this.firstDroppedAt >= 0 && at >= this.firstDroppedAt) return;
    if (this.#ownerFilter !== null && !this.#ownerRecorded(owner)) return;
    if (this.instants.length < this.#limit) this.instants.push({ at, name, owner });
  }

  #windowEnded(): void {
    const done = this.onWindowEnd!;
    this.onWindowEnd = null;
    done();
  }

  #ownerRecorded(owner: number): boolean {
    const have = typedArrayLength(this.#ownerVerdict);
    if (owner >= have) {
      const bigger = new Uint8Array(max(owner + 1, have * 2));
      typedArraySet(bigger, this.#ownerVerdict);
      this.#ownerVerdict = bigger;
    }
    let v = this.#ownerVerdict[owner]!;
    if (v === 0) {
      v = this.#ownerFilter!(owner) ? 1 : 2;
      this.#ownerVerdict[owner] = v;
    }
    return v === 1;
  }

  /** FNV-1a over every span and instant: equal hashes mean bit-identical traces. */
  hash(): string {
    let h = this.#flushedHash;
    for (let i = 0; i < this.starts.length; i++) h = this.#mixSpan(h, i);
    for (const e of this.instants) {
      h = mix(h, e.at);
      h = mix(h, e.owner);
      h = mixText(h, e.name);
    }
    h = mix(h, this.dropped);
    return (h >>> 0).toString(16).padStart(8, "0");
  }

  #mixSpan(h: number, i: number): number {
    h = mix(h, this.starts[i]!);
    h = mix(h, this.durs[i]!);
    h = mix(h, this.owners[i]!);
    h = mix(h, this.cats[i]!);
    return mixText(h, this.labels[this.labelIds[i]!]!);
  }

  /**
   * Chrome trace-event JSON ("X" complete events and "i" instants), one thread per owner,
   * timestamps in microseconds of simulated time. For a tracer that keeps its spans (not one
   * that streams them).
   */
  toChromeTrace(cycleNs: number, owners: readonly OwnerInfo[], pid = 1): ChromeTrace {
    if (this.#stream !== null)
      throw new RangeError("tracer: toChromeTrace() on a streamed trace (use endChromeTrace)");
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

  // ---- streaming ------------------------------------------------------------------------

  /**
   * From now on, spans leave the tracer as Chrome trace-event JSON text through `write`, a
   * chunk of `chunkSpans` at a time (spans held so far go with the first chunk; the newest
   * span stays until the next one starts, since it may still grow), so a long run never
   * holds its whole trace. `endChromeTrace` writes the rest and closes the
   * JSON document. The events are those `toChromeTrace` would give, metadata last.
   */
  streamChromeTrace(
    write: TraceWrite,
    o: { readonly cycleNs: number; readonly pid?: number; readonly chunkSpans?: number },
  ): void {
    if (this.#stream !== null) throw new RangeError("tracer: already streaming");
    const chunkSpans = o.chunkSpans ?? 16_384;
    if (!(Number.isSafeInteger(chunkSpans) && chunkSpans >= 2))
      throw new RangeError(`tracer: chunkSpans must be an integer >= 2, got ${chunkSpans}`);
    this.#stream = { write, cycleNs: o.cycleNs, pid: o.pid ?? 1, chunkSpans, events: 0, names: [] };
    write('{"traceEvents":[', this.#from);
  }

  /** Events written by a streamed trace so far (0 when not streaming). */
  get streamedEvents(): number {
    return this.#stream?.events ?? 0;
  }

  /**
   * Ends a streamed trace: the held spans, the instants, one thread name per owner, then
   * `otherData` (with `droppedSpans` and the trace `hash` added). Returns the events written.
   */
  endChromeTrace(owners: readonly OwnerInfo[], otherData: Record<string, unknown> = {}): number {
    const s = this.#stream;
    if (s === null) throw new RangeError("tracer: endChromeTrace() without streamChromeTrace()");
    const hash = this.hash();
    const reached = this.starts.length > 0 ? this.starts.at(-1)! + this.durs.at(-1)! : this.#from;
    this.#flushSpans(this.starts.length);
    const us = (cycles: number) => (cycles * s.cycleNs) / 1000;
    const parts: string[] = [];
    for (const e of this.instants) {
      parts.push(
        `{"name":${JSON.stringify(e.name)},"cat":"event","ph":"i","s":"t","ts":${us(e.at)},"pid":${s.pid},"tid":${e.owner}}`,
      );
    }
    for (const o of owners) {
      parts.push(
        `{"name":"thread_name","ph":"M","pid":${s.pid},"tid":${o.id},"args":{"name":${JSON.stringify(o.name)}}}`,
      );
    }
    this.#emit(parts, reached);
    const other = JSON.stringify({ ...otherData, droppedSpans: this.dropped, hash });
    s.write(`\n],"displayTimeUnit":"ns","otherData":${other}}\n`, reached);
    this.#stream = null;
    return s.events;
  }

  /** Streams out the first `count` held spans and keeps the rest (at most one) at the front. */
  #flushSpans(count: number): void {
    const s = this.#stream!;
    const us = (cycles: number) => (cycles * s.cycleNs) / 1000;
    const parts: string[] = [];
    let h = this.#flushedHash;
    for (let i = 0; i < count; i++) {
      h = this.#mixSpan(h, i);
      const id = this.labelIds[i]!;
      const cat = CATEGORY_NAMES[this.cats[i]!]!;
      let name = s.names[id];
      if (name === undefined) {
        name = JSON.stringify(this.labels[id] === "" ? cat : this.labels[id]);
        // A label's name is the same whatever the category, except the empty label.
        if (this.labels[id] !== "") s.names[id] = name;
      }
      const d = this.durs[i]!;
      parts.push(
        `{"name":${name},"cat":"${cat}","ph":"X","ts":${us(this.starts[i]!)},"dur":${us(d)},"pid":${s.pid},"tid":${this.owners[i]!},"args":{"cycles":${d}}}`,
      );
    }
    this.#flushedHash = h;
    this.#flushed += count;
    const reached = count > 0 ? this.starts[count - 1]! + this.durs[count - 1]! : this.#from;
    for (const a of [this.starts, this.durs, this.owners, this.cats, this.labelIds])
      a.splice(0, count);
    this.#emit(parts, reached);
  }

  #emit(parts: string[], reached: number): void {
    if (parts.length === 0) return;
    const s = this.#stream!;
    s.write(`${s.events === 0 ? "\n" : ",\n"}${parts.join(",\n")}`, reached);
    s.events += parts.length;
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
