import { COSTS } from "../costs.js";
import { D, type Descriptors, GHOST_VA, META } from "./desc.js";
import { lruVictim } from "./lru.js";
import type { Replacement } from "./replacement.js";

/** Queue ids in the descriptor's policy word (and queue numbers of Descriptors). */
const A1IN = 1;
const AM = 2;

/**
 * 2Q (Johnson and Shasha, VLDB 1994), the full version: a page seen once enters A1in, a
 * FIFO of at most Kin frames; when it leaves A1in its page number goes to A1out, a ring of
 * Kout page numbers without frames (ghosts); a page that misses while its ghost is in A1out
 * has been seen twice at a distance, and enters Am, an LRU queue. A hit in A1in changes
 * nothing (correlated references), a hit in Am moves to its head. The victim comes from
 * A1in while A1in holds more than Kin frames (or Am has no unpinned frame), else from Am's
 * tail. So a sequential scan passes through A1in and A1out and never displaces Am: the hot
 * set stays. Kin = frames / 4 and Kout = frames / 2, the paper's recommended tuning.
 *
 * The ghost ring is searched linearly on every miss (charged per entry looked at).
 */
export class TwoQ implements Replacement {
  readonly name = "2q" as const;
  readonly #kin: number;
  readonly #kout: number;

  constructor(
    private readonly d: Descriptors,
    frames: number,
  ) {
    this.#kin = Math.max(1, frames >>> 2);
    this.#kout = Math.max(1, frames >>> 1);
  }

  init(): void {
    this.d.setMeta(META.GHOST_AT, 0);
    this.d.setMeta(META.GHOST_N, 0);
  }

  admit(slot: number, pageNo: number): void {
    const d = this.d;
    const g = this.#findGhost(pageNo);
    if (g >= 0) {
      d.exec(COSTS["db.pool.2q.promote"]);
      this.#dropGhost(g);
      d.set(slot, D.AUX, AM);
      d.pushHead(AM, slot);
      return;
    }
    d.set(slot, D.AUX, A1IN);
    d.pushHead(A1IN, slot);
  }

  touch(slot: number): void {
    const d = this.d;
    d.exec(COSTS["db.pool.2q.touch"]);
    if (d.get(slot, D.AUX) !== AM || d.head(AM) === slot) return;
    d.remove(AM, slot);
    d.pushHead(AM, slot);
  }

  victim(): number {
    const d = this.d;
    d.exec(COSTS["db.pool.2q.choose"]);
    let s = -1;
    if (d.length(A1IN) > this.#kin) s = this.#fromA1in();
    if (s < 0) s = lruVictim(d, AM);
    if (s < 0) s = this.#fromA1in();
    return s;
  }

  /** The oldest unpinned A1in slot, its page number remembered in A1out. */
  #fromA1in(): number {
    const d = this.d;
    const s = lruVictim(d, A1IN);
    if (s >= 0) this.#addGhost(d.get(s, D.PAGE));
    return s;
  }

  #findGhost(pageNo: number): number {
    const d = this.d;
    const n = d.meta(META.GHOST_N);
    for (let i = 0; i < n; i++) {
      d.exec(COSTS["db.pool.2q.ghost.step"]);
      if (d.cpuLoad(GHOST_VA + i * 4) === pageNo) return i;
    }
    return -1;
  }

  /** Adds a ghost; a full ring overwrites its oldest (FIFO order by write index). */
  #addGhost(pageNo: number): void {
    const d = this.d;
    d.exec(COSTS["db.pool.2q.ghost.add"]);
    const n = d.meta(META.GHOST_N);
    // The next store's address; db.pool.2q.ghost.add's not-full test (slt n) fills the slot.
    const at = d.meta(META.GHOST_AT);
    d.cpuStore(GHOST_VA + at * 4, pageNo);
    d.setMeta(META.GHOST_AT, at + 1 === this.#kout ? 0 : at + 1);
    if (n < this.#kout) d.setMeta(META.GHOST_N, n + 1);
  }

  /** Removes ghost i: its place takes the value -2, which no page number (nor an empty slot's -1) matches. */
  #dropGhost(i: number): void {
    this.d.cpuStore(GHOST_VA + i * 4, -2);
  }
}
