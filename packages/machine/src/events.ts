/**
 * The machine's event queue: device completions, timer expiries, frame arrivals.
 * Ordered by (cycle, origin, sequence). Local events have origin = this machine's id and a
 * sequence number in insertion order; an event inserted by another machine of the same world
 * (a frame arrival) carries that machine's id and its own sequence number, so the order of
 * same-cycle events never depends on the order in which a world stepped its machines.
 */
import { newList } from "./intrinsics.js";

export interface MachineEvent {
  readonly at: number;
  readonly origin: number;
  readonly seq: number;
  readonly name: string;
  readonly fire: () => void;
}

export class EventQueue {
  /** A null-prototype array: no accessor planted on Array.prototype is ever reached. */
  readonly #heap: MachineEvent[] = newList();
  #seq = 0;
  /**
   * Called whenever the earliest event may have changed (insert, cancel, pop). The machine
   * points the CPU's `nextEventAt` at `nextAt` here, so an event inserted by any code (not
   * only a device) is taken at its exact cycle.
   */
  onHeadChange: () => void = () => {};

  constructor(readonly localOrigin: number) {}

  get size(): number {
    return this.#heap.length;
  }

  /** Cycle of the earliest event, or +Infinity when the queue is empty. */
  get nextAt(): number {
    return this.#heap.length === 0 ? Number.POSITIVE_INFINITY : this.#heap[0]!.at;
  }

  schedule(at: number, name: string, fire: () => void): MachineEvent {
    return this.insert({ at, origin: this.localOrigin, seq: this.#seq++, name, fire });
  }

  /** Inserts an event made elsewhere (another machine), keeping its origin and sequence. */
  insert(ev: MachineEvent): MachineEvent {
    const h = this.#heap;
    let i = h.length;
    h[i] = ev;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(ev, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = ev;
    if (i === 0) this.onHeadChange();
    return ev;
  }

  /** Removes a scheduled event (a cancelled timer). Returns false if it had already fired. */
  cancel(ev: MachineEvent): boolean {
    const h = this.#heap;
    let i = h.length - 1;
    while (i >= 0 && h[i] !== ev) i--;
    if (i < 0) return false;
    const last = pop(h);
    if (i < h.length) {
      h[i] = last;
      this.#siftDown(i);
      this.#siftUp(i);
    }
    this.onHeadChange();
    return true;
  }

  /** Takes the earliest event if it is due at or before `now`. */
  popDue(now: number): MachineEvent | undefined {
    const h = this.#heap;
    if (h.length === 0 || h[0]!.at > now) return undefined;
    const top = h[0]!;
    const last = pop(h);
    if (h.length > 0) {
      h[0] = last;
      this.#siftDown(0);
    }
    this.onHeadChange();
    return top;
  }

  #siftUp(i: number): void {
    const h = this.#heap;
    const ev = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(ev, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = ev;
  }

  #siftDown(i: number): void {
    const h = this.#heap;
    const n = h.length;
    const ev = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, ev)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = ev;
  }
}

/** Removes and returns the last element (the heap is never empty here). */
function pop(h: MachineEvent[]): MachineEvent {
  const last = h[h.length - 1]!;
  h.length--;
  return last;
}

function before(a: MachineEvent, b: MachineEvent): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.origin !== b.origin) return a.origin < b.origin;
  return a.seq < b.seq;
}
