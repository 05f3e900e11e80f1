import { PAGE_BYTES, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { SCRATCH_SRC_VA, SCRATCH_VA } from "../layout.js";
import { F } from "./pagetable.js";
import type { VmState } from "./state.js";

/**
 * Where a page's frame comes from: demand-zero (the first touch allocates one) and
 * copy-on-write (the first store copies a frame shared with a fork relative), and how an
 * installed page's TLB entry is made (writable or not).
 */

/**
 * Whether a page with flags `w` is installed writable: only when the application may
 * write it, it is not copy-on-write, and (with dirty tracking) it is already dirty.
 */
export function installWritable(s: VmState, w: number): 0 | 1 {
  if ((w & F.WRITE) === 0 || (w & F.COW) !== 0) return 0;
  return (w & F.DIRTY) !== 0 || !s.policy.trackDirty ? 1 : 0;
}

/**
 * Demand-zero: gets a frame and records it. The exokernel hands out frames zeroed (so no
 * data of a previous owner leaks), so the library does not zero it again.
 */
export function zeroFill(s: VmState, i: number, w: number): number {
  const env = s.env;
  const cap = env.allocFrame();
  if (cap < 0) return cap;
  env.cpu.exec(COSTS["exos.vm.zerofill"]);
  s.pt.setCap(i, cap);
  s.pt.setWord0(i, (w & ~F.ZERO) | F.PRESENT);
  s.stats.zeroFills++;
  return Result.Ok;
}

/**
 * Copy-on-write: copies the shared frame into a new one of ours and maps it as the page's
 * protection allows (writable at once after a store, `dirty`). Both frames are reached
 * through guaranteed windows during the copy, so it cannot fault into the TLB handler again
 * (a nested refill would reuse the save slot that holds the application's registers).
 */
export function cowCopy(s: VmState, i: number, page: number, w: number, dirty: boolean): number {
  const env = s.env;
  const cap = env.allocFrame();
  if (cap < 0) return cap;
  const old = s.pt.cap(i);
  let r = env.guarantee(SCRATCH_VA, cap, 1);
  if (r >= 0) r = env.guarantee(SCRATCH_SRC_VA, old, 0);
  if (r < 0) {
    env.tlbDelete(SCRATCH_VA);
    env.freeFrame(cap);
    return r;
  }
  env.cpu.copy(SCRATCH_VA, SCRATCH_SRC_VA, PAGE_BYTES);
  env.tlbDelete(SCRATCH_VA);
  env.tlbDelete(SCRATCH_SRC_VA);
  env.cpu.exec(COSTS["exos.vm.cow"]);
  const nw = (w & ~(F.COW | F.FOREIGN | F.CAPRO)) | (dirty ? F.DIRTY : 0);
  s.pt.setCap(i, cap);
  s.pt.setWord0(i, nw);
  s.stats.cowCopies++;
  if ((nw & F.READ) === 0) return env.tlbDelete(page);
  return env.tlbWrite(page, cap, installWritable(s, nw));
}

/**
 * Before a frame gets a second name (an alias, a grant): a demand-zero page gets its
 * frame, and a copy-on-write page its private copy (else the second name would keep the
 * old frame after the next store, or let another party write a frame a fork relative
 * reads).
 */
export function ownFrame(s: VmState, i: number, page: number, w: number): number {
  if ((w & F.ZERO) !== 0) return zeroFill(s, i, w);
  if ((w & F.COW) !== 0) return cowCopy(s, i, page, w, false);
  return Result.Ok;
}
