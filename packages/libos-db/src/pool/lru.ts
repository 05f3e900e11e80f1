import { COSTS } from "../costs.js";
import { D, type Descriptors } from "./desc.js";
import type { Replacement } from "./replacement.js";

/**
 * LRU: one queue, most recent at the head. A hit moves the slot to the head; the victim is
 * the unpinned slot nearest the tail.
 */
export class Lru implements Replacement {
  readonly name = "lru" as const;
  constructor(private readonly d: Descriptors) {}

  init(): void {}

  admit(slot: number): void {
    this.d.pushHead(0, slot);
  }

  touch(slot: number): void {
    this.d.exec(COSTS["db.pool.lru.touch"]);
    if (this.d.head(0) === slot) return;
    this.d.remove(0, slot);
    this.d.pushHead(0, slot);
  }

  victim(): number {
    return lruVictim(this.d, 0);
  }
}

/** The unpinned slot nearest queue q's tail, taken out of the queue; -1 if none. */
export function lruVictim(d: Descriptors, q: number): number {
  for (let s = d.tail(q); s >= 0; s = d.towardsHead(s)) {
    d.exec(COSTS["db.pool.victim.step"]);
    if (d.get(s, D.PINS) === 0) {
      d.remove(q, s);
      return s;
    }
  }
  return -1;
}
