import { type EnvHandle, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import type { Scheduler } from "./threads.js";

/**
 * Stride scheduling at application level (Waldspurger & Weihl; the paper §7.3), over a
 * group of processes that share one page: the member vector (env id, tickets, stride,
 * pass) and the member chosen for the slice being donated. At the start of each slice a
 * member owns, its library picks the member with the least pass, advances that pass by its
 * stride, and yields the slice to it (or keeps it). Every read and write is a charged
 * access to the shared page.
 */
const STRIDE1 = 1 << 16;
const G_COUNT = 0;
const G_CHOSEN = 4;
const G_MEMBERS = 16;
const M_BYTES = 16;
export const STRIDE_MAX_MEMBERS = 64;

export class StrideMember {
  /** Slices this member donated, and slices it kept (host-side statistics). */
  donated = 0;
  kept = 0;

  constructor(
    private readonly env: EnvHandle,
    private readonly sched: Scheduler,
    readonly groupVa: number,
  ) {}

  /** Initialises an empty group page (by the creator, once). */
  static init(env: EnvHandle, groupVa: number): void {
    env.cpu.store32(groupVa + G_COUNT, 0);
    env.cpu.store32(groupVa + G_CHOSEN, -1);
  }

  /** Adds this environment with `tickets` (1..65536) and starts deciding at each slice. */
  join(tickets: number): number {
    if (!Number.isInteger(tickets) || tickets < 1 || tickets > STRIDE1) return Result.Invalid;
    const cpu = this.env.cpu;
    const n = cpu.load32(this.groupVa + G_COUNT);
    if (n >= STRIDE_MAX_MEMBERS) return Result.NoSlot;
    // A newcomer starts one stride after the least pass of the live members (the group's
    // virtual time), not at zero: else it would take every slice until it caught up.
    let least = 0;
    for (let i = 0; i < n; i++) {
      const o = this.groupVa + G_MEMBERS + i * M_BYTES;
      cpu.exec(COSTS["exos.stride.scan"]);
      if ((cpu.load32(o) | 0) < 0) continue;
      const pass = cpu.load32(o + 12) >>> 0;
      if (least === 0 || pass < least) least = pass;
    }
    const m = this.groupVa + G_MEMBERS + n * M_BYTES;
    const stride = Math.floor(STRIDE1 / tickets);
    cpu.store32(m, this.env.id);
    cpu.store32(m + 4, tickets);
    cpu.store32(m + 8, stride);
    cpu.store32(m + 12, least + stride);
    cpu.store32(this.groupVa + G_COUNT, n + 1);
    this.sched.setSliceHook(() => this.#decide());
    return Result.Ok;
  }

  /** The start-of-slice decision (under 100 lines with the above, as the paper's). */
  *#decide(): Generator<unknown, void, unknown> {
    const cpu = this.env.cpu;
    const g = this.groupVa;
    for (;;) {
      cpu.exec(COSTS["exos.stride.enter"]);
      const chosen = cpu.load32(g + G_CHOSEN) | 0;
      if (chosen === this.env.id) {
        cpu.store32(g + G_CHOSEN, -1);
        return; // a donor picked us: run the rest of its slice
      }
      // The page is shared: a member may have scribbled the count. Bound it to the page.
      const n = Math.min(cpu.load32(g + G_COUNT) >>> 0, STRIDE_MAX_MEMBERS);
      let best = -1;
      let bestPass = 0;
      for (let i = 0; i < n; i++) {
        const m = g + G_MEMBERS + i * M_BYTES;
        cpu.exec(COSTS["exos.stride.scan"]);
        if ((cpu.load32(m) | 0) < 0) continue;
        const pass = cpu.load32(m + 12) >>> 0;
        if (best < 0 || pass < bestPass) {
          best = i;
          bestPass = pass;
        }
      }
      if (best < 0) return;
      const m = g + G_MEMBERS + best * M_BYTES;
      // Both loads are used at once (added and stored; compared and stored): two nops.
      cpu.store32(m + 12, bestPass + cpu.load32Used(m + 8));
      const target = cpu.load32Used(m) | 0;
      if (target === this.env.id) {
        this.kept++;
        return;
      }
      cpu.store32(g + G_CHOSEN, target);
      this.donated++;
      const r = yield* this.sched.yieldTo(target);
      cpu.exec(COSTS["exos.yield.check"]);
      if (r < 0) {
        cpu.exec(COSTS["exos.yield.refused"]);
        cpu.store32(g + G_CHOSEN, -1);
        if (r === Result.NoEnv) {
          cpu.store32(m, -1); // the member is gone: drop it
          continue;
        }
        // Busy (parked in a transfer): like a blocked client it is not runnable now, so it
        // lets this turn pass (its pass stays advanced: no burst of catch-up when it comes
        // back) and this member keeps the slice. (Choosing again could loop for as long
        // as a member with a scribbled stride of 0 stays parked.)
        this.donated--;
        this.kept++;
        return;
      }
    }
  }
}
