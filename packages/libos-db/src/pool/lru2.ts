import { COSTS } from "../costs.js";
import { D, type Descriptors, GHOST_VA, META } from "./desc.js";
import type { Replacement } from "./replacement.js";

/** LRU-2 keeps no queue: the descriptor's two link words hold its reference times. */
const LAST = D.PREV;
const SECOND = D.NEXT;

/**
 * LRU-2 (O'Neil, O'Neil and Weikum, SIGMOD 1993, with K = 2): the victim is the unpinned
 * page whose second most recent reference is oldest; a page referenced only once since it
 * came in has no second reference and goes first (the oldest of those first). A sequential
 * scan references each page once, so it never displaces a page referenced twice: the hot
 * set stays.
 *
 * The history of a page that leaves the pool is retained (the paper's retained information):
 * its number and last reference time go to a ring of `frames` entries in the pool's
 * metadata pages, and a page that comes back while its entry is there comes back with two
 * references. Without it a page brought in would be the next victim (it alone has one
 * reference among pages referenced twice) and could never be referenced twice.
 *
 * Times are a reference counter in the pool's metadata page (one tick per fetch), not
 * cycles. Simplifications, stated: no correlated-reference period (every fetch counts; an
 * operation fetches a page once, but for the meta page in a put). The victim search and the
 * history search look at every slot and entry (charged per step): O(frames) per miss, where
 * the paper keeps a heap and a hash table.
 */
export class Lru2 implements Replacement {
  readonly name = "lru2" as const;
  constructor(
    private readonly d: Descriptors,
    private readonly frames: number,
  ) {}

  init(): void {
    this.d.setMeta(META.TICK, 0);
    this.d.setMeta(META.GHOST_AT, 0);
    this.d.setMeta(META.GHOST_N, 0);
  }

  #tick(): number {
    const t = this.d.metaUsed(META.TICK) + 1; // addiu, then stored
    this.d.setMeta(META.TICK, t);
    return t;
  }

  admit(slot: number, pageNo: number): void {
    const d = this.d;
    let second = 0;
    const n = d.meta(META.GHOST_N);
    for (let i = 0; i < n; i++) {
      d.exec(COSTS["db.pool.lru2.history.step"]);
      if (d.cpuLoad(GHOST_VA + i * 8) === pageNo) {
        second = d.cpuLoad(GHOST_VA + i * 8 + 4);
        d.cpuStore(GHOST_VA + i * 8, -2);
        break;
      }
    }
    d.set(slot, LAST, this.#tick());
    d.set(slot, SECOND, second);
  }

  /** Remembers a page leaving the pool: a full ring overwrites its oldest entry. */
  #retain(slot: number): void {
    const d = this.d;
    d.exec(COSTS["db.pool.lru2.history.add"]);
    const at = d.meta(META.GHOST_AT);
    const n = d.meta(META.GHOST_N);
    // Each is stored next: the entry address (db.pool.lru2.history.add's sll) fills the
    // first slot, nothing is left for the second.
    d.cpuStore(GHOST_VA + at * 8, d.get(slot, D.PAGE));
    d.cpuStore(GHOST_VA + at * 8 + 4, d.getUsed(slot, LAST));
    d.setMeta(META.GHOST_AT, at + 1 === this.frames ? 0 : at + 1);
    if (n < this.frames) d.setMeta(META.GHOST_N, n + 1);
  }

  touch(slot: number): void {
    const d = this.d;
    d.exec(COSTS["db.pool.lru2.touch"]);
    d.set(slot, SECOND, d.getUsed(slot, LAST)); // stored next
    d.set(slot, LAST, this.#tick());
  }

  victim(): number {
    const d = this.d;
    let best = -1;
    let bestSecond = 0;
    let bestLast = 0;
    for (let s = 0; s < this.frames; s++) {
      d.exec(COSTS["db.pool.lru2.step"]);
      if (d.get(s, D.PINS) !== 0) continue;
      const second = d.get(s, SECOND);
      const last = d.get(s, LAST);
      if (best < 0 || second < bestSecond || (second === bestSecond && last < bestLast)) {
        best = s;
        bestSecond = second;
        bestLast = last;
      }
    }
    if (best >= 0 && d.get(best, D.PAGE) >= 0) this.#retain(best);
    return best;
  }
}
