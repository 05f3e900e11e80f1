/**
 * A trace (Chrome trace-event JSON, as the worker writes it) as a timeline to draw: one lane
 * per owner (the kernel, each environment or process), its spans coloured by category,
 * exceptions and device events as marks, and every change of owner from one span to the
 * next (a trap into the kernel, a return, a protected transfer, a switch) as a link between
 * lanes. Times in simulated microseconds from the window's start.
 */

export interface TimelineSpan {
  readonly lane: string;
  readonly fromUs: number;
  readonly toUs: number;
  readonly category: string;
  readonly name: string;
  readonly cycles: number;
}

export interface TimelineMark {
  readonly lane: string;
  readonly atUs: number;
  readonly name: string;
}

export interface TimelineSwitch {
  readonly atUs: number;
  readonly from: string;
  readonly to: string;
}

export interface Timeline {
  /** Lanes with something in them, in owner order (the kernel first). */
  readonly lanes: readonly string[];
  readonly spans: readonly TimelineSpan[];
  readonly marks: readonly TimelineMark[];
  readonly switches: readonly TimelineSwitch[];
  /** The window's length in µs (from 0). */
  readonly lengthUs: number;
  /** Categories present, in order of first appearance. */
  readonly categories: readonly string[];
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly tid: number;
  readonly cat?: string;
  readonly ts?: number;
  readonly dur?: number;
  readonly args?: { readonly name?: string; readonly cycles?: number };
}

/** Reads a trace; a text that is not one gives a TypeError with one line. */
export function timelineOf(json: string): Timeline {
  let doc: { traceEvents?: unknown };
  try {
    doc = JSON.parse(json) as { traceEvents?: unknown };
  } catch {
    throw new TypeError("the trace is not JSON");
  }
  if (!Array.isArray(doc.traceEvents)) throw new TypeError("the trace has no traceEvents");
  const events = doc.traceEvents as TraceEvent[];
  // Owners by id; two owners of one name (two ExOS environments) get their ids beside it.
  const given = new Map<number, string>();
  for (const e of events)
    if (e.ph === "M" && e.name === "thread_name")
      given.set(e.tid, e.args?.name ?? `owner ${e.tid}`);
  const count = new Map<string, number>();
  for (const n of given.values()) count.set(n, (count.get(n) ?? 0) + 1);
  const names = new Map<number, string>();
  for (const [tid, n] of given) names.set(tid, count.get(n)! > 1 ? `${n} #${tid}` : n);
  const lane = (tid: number) => names.get(tid) ?? `owner ${tid}`;
  const timed = events.filter((e) => (e.ph === "X" || e.ph === "i") && typeof e.ts === "number");
  const origin = timed.length === 0 ? 0 : Math.min(...timed.map((e) => e.ts!));
  const spans: TimelineSpan[] = events
    .filter((e) => e.ph === "X")
    .map((e) => ({
      lane: lane(e.tid),
      fromUs: e.ts! - origin,
      toUs: e.ts! + (e.dur ?? 0) - origin,
      category: e.cat ?? "",
      name: e.name,
      cycles: e.args?.cycles ?? 0,
    }))
    .sort((a, b) => a.fromUs - b.fromUs);
  const marks: TimelineMark[] = events
    .filter((e) => e.ph === "i")
    .map((e) => ({ lane: lane(e.tid), atUs: e.ts! - origin, name: e.name }));
  const switches: TimelineSwitch[] = [];
  for (let i = 1; i < spans.length; i++) {
    const a = spans[i - 1]!;
    const b = spans[i]!;
    if (a.lane !== b.lane) switches.push({ atUs: b.fromUs, from: a.lane, to: b.lane });
  }
  const used = new Set([...spans.map((s) => s.lane), ...marks.map((m) => m.lane)]);
  const tids = [...names.keys()].sort((a, b) => a - b);
  const lanes = [
    ...tids.map(lane).filter((l) => used.has(l)),
    ...[...used].filter((l) => !tids.map(lane).includes(l)),
  ];
  return {
    lanes,
    spans,
    marks,
    switches,
    lengthUs: Math.max(0, ...spans.map((s) => s.toUs), ...marks.map((m) => m.atUs)),
    categories: [...new Set(spans.map((s) => s.category))],
  };
}
