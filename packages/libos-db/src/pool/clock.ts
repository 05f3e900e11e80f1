import { COSTS } from "../costs.js";
import { D, type Descriptors, META } from "./desc.js";
import type { Replacement } from "./replacement.js";

/**
 * Clock (second chance): a reference bit per frame (the descriptor's policy word), set on
 * admission and on every hit; the hand sweeps the slots, clearing set bits and taking the
 * first unpinned slot whose bit is clear. Two sweeps find a victim if any slot is unpinned.
 */
export class Clock implements Replacement {
  readonly name = "clock" as const;
  constructor(
    private readonly d: Descriptors,
    private readonly frames: number,
  ) {}

  init(): void {
    this.d.setMeta(META.HAND, 0);
  }

  admit(slot: number): void {
    this.d.set(slot, D.AUX, 1);
  }

  touch(slot: number): void {
    this.d.exec(COSTS["db.pool.clock.touch"]);
    this.d.set(slot, D.AUX, 1);
  }

  victim(): number {
    const d = this.d;
    let hand = d.metaUsed(META.HAND); // db.pool.clock.step's addiu uses it at once
    for (let k = 0; k < 2 * this.frames + 1; k++) {
      d.exec(COSTS["db.pool.clock.step"]);
      const s = hand;
      hand = hand + 1 === this.frames ? 0 : hand + 1;
      if (d.get(s, D.PINS) !== 0) continue;
      if (d.get(s, D.AUX) !== 0) {
        d.set(s, D.AUX, 0);
        continue;
      }
      d.setMeta(META.HAND, hand);
      return s;
    }
    d.setMeta(META.HAND, hand);
    return -1;
  }
}
