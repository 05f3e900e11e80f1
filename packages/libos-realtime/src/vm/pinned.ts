/**
 * Memory for real-time tasks: every frame allocated and mapped at admission, as guaranteed
 * mappings (the kernel serves their TLB misses itself from the environment's guaranteed
 * list: no upcall, no walk of the library's page table, no fault after admission), and a
 * declared reserve of frames, allocated and unmapped, that answers the kernel's revocation
 * requests: a wanted frame that holds a task's page is replaced by a reserve frame (its
 * 4 KiB copied, the page guaranteed again on the new frame) before it is freed.
 *
 * Admission is refused, with the reason, when the reserve cannot be held, when a frame
 * cannot be allocated (the kernel's frame quota) or a page cannot be guaranteed (the
 * kernel's limit on guaranteed mappings): everything allocated for the attempt is freed.
 *
 * Invariant: `pages[i]` holds the capability guaranteed at `vaOf(i)`; `reserve` holds
 * capabilities of frames mapped nowhere.
 */
import { type EnvHandle, PAGE_BYTES, Result, resultName } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { TASK_DATA_STRIDE, TASK_DATA_VA } from "../layout.js";

export interface PinnedPage {
  readonly va: number;
  cap: number;
}

export class Pinned {
  readonly pages: PinnedPage[] = [];
  readonly reserve: number[] = [];
  /** Frames given back under revocation, and how (host-side statistics). */
  readonly stats = { migrated: 0, givenFromReserve: 0, refused: 0 };

  constructor(private readonly env: EnvHandle) {}

  /** The address of task `task`'s page `page`. */
  static vaOf(task: number, page: number): number {
    return TASK_DATA_VA + task * TASK_DATA_STRIDE + page * PAGE_BYTES;
  }

  /**
   * Pins `pagesPerTask[i]` pages for each task and holds `reserveFrames` frames: all or
   * nothing. Returns null, or the reason of the refusal.
   */
  admit(
    pagesPerTask: readonly number[],
    reserveFrames: number,
    names: readonly string[] = [],
  ): string | null {
    this.release();
    const env = this.env;
    for (let i = 0; i < reserveFrames; i++) {
      const cap = env.allocFrame();
      if (cap < 0) {
        this.release();
        return `the reserve of ${reserveFrames} frames cannot be held (allocFrame: ${cap})`;
      }
      this.reserve.push(cap);
    }
    for (let t = 0; t < pagesPerTask.length; t++) {
      for (let p = 0; p < pagesPerTask[t]!; p++) {
        env.cpu.exec(COSTS["realtime.pin.page"]);
        const va = Pinned.vaOf(t, p);
        const cap = env.allocFrame();
        const r = cap < 0 ? cap : env.guarantee(va, cap, 1);
        if (r < 0) {
          if (cap >= 0) env.freeFrame(cap);
          this.release();
          const who = `task "${names[t] ?? t}"`;
          return r === Result.NoSlot
            ? `${who}'s page ${p} cannot be guaranteed (NoSlot: the kernel's guaranteed mappings are all used)`
            : `${who}'s page ${p} cannot be pinned: no frame left beside the reserve of ${reserveFrames} (${resultName(r)})`;
        }
        this.pages.push({ va, cap });
      }
    }
    return null;
  }

  /** Frees every pinned page and the reserve. */
  release(): void {
    for (const p of this.pages) this.env.freeFrame(p.cap);
    for (const c of this.reserve) this.env.freeFrame(c);
    this.pages.length = 0;
    this.reserve.length = 0;
  }

  /**
   * Answers a revocation request for physical `frames`: a reserve frame is freed; a pinned
   * page's frame is replaced by a reserve frame (copied, guaranteed again) and freed. Returns
   * how many wanted frames it could not give (no reserve left).
   */
  giveBack(frames: readonly number[]): number {
    const env = this.env;
    let refused = 0;
    for (const f of frames) {
      const ri = this.reserve.findIndex((c) => env.frameOf(c) === f);
      if (ri >= 0) {
        env.freeFrame(this.reserve[ri]!);
        this.reserve.splice(ri, 1);
        this.stats.givenFromReserve++;
        continue;
      }
      const page = this.pages.find((p) => env.frameOf(p.cap) === f);
      if (page === undefined) continue; // not the real-time memory's
      const spare = this.reserve.pop();
      if (spare === undefined) {
        refused++;
        this.stats.refused++;
        continue;
      }
      env.cpu.exec(COSTS["realtime.pin.migrate"]);
      // Copy through a scratch mapping of the spare at the reserve window, then move the page.
      const scratch = TASK_DATA_VA - PAGE_BYTES;
      env.guarantee(scratch, spare, 1);
      env.cpu.copy(scratch, page.va, PAGE_BYTES);
      env.tlbDelete(scratch);
      env.guarantee(page.va, spare, 1);
      env.freeFrame(page.cap);
      page.cap = spare;
      this.stats.migrated++;
    }
    return refused;
  }
}
