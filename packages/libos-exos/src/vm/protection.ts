import { PAGE_BYTES, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { installWritable } from "./frames.js";
import { F } from "./pagetable.js";
import { mappedRun, userRange } from "./ranges.js";
import type { VmState } from "./state.js";
import { isProt, PAGE_MASK, type Prot, protFlags, UNPROTECT } from "./types.js";

/**
 * The Appel–Li primitives on the page table: `dirty`, `clean`, and `mprotect` (prot1,
 * protN, unprot). They check all their arguments before they change anything.
 */

/** Appel–Li `dirty`: 1 if the page was written, 0 if not (a page-table lookup only). */
export function dirty(s: VmState, va: number): number {
  const cpu = s.env.cpu;
  cpu.exec(COSTS["exos.call"]);
  const i = s.pt.find(va >>> 12);
  if (i < 0) return Result.Invalid;
  cpu.exec(COSTS["exos.vm.dirty"]);
  return (s.pt.word0Used(i) & F.DIRTY) !== 0 ? 1 : 0; // andi DIRTY next
}

/** Clears the dirty bit of a page (the next store sets it again). */
export function clean(s: VmState, va: number): number {
  const i = s.pt.find(va >>> 12);
  if (i < 0) return Result.Invalid;
  const w = s.pt.word0Used(i); // cleared and stored at once
  s.pt.setWord0(i, w & ~F.DIRTY);
  if ((w & F.PRESENT) !== 0) s.env.tlbDelete(va & ~PAGE_MASK);
  return Result.Ok;
}

/**
 * Sets the protection of `pages` mapped pages at `va`. `prot` -1 means "the most the
 * mapping allows" (unprotect). Lowering protection deletes the TLB entry (TLB and the
 * kernel's software TLB: two structures, as the paper's ExOS); raising it installs the
 * entry at once when `policy.eagerRemap`.
 */
export function mprotect(
  s: VmState,
  va: number,
  pages: number,
  prot: Prot | typeof UNPROTECT,
): number {
  const cpu = s.env.cpu;
  const pt = s.pt;
  cpu.exec(COSTS["exos.call"]);
  if (!userRange(va, pages)) return Result.Invalid;
  if (prot !== UNPROTECT && !isProt(prot)) return Result.Invalid;
  const i = mappedRun(pt, va >>> 12, pages);
  if (i < 0) return i;
  if (prot !== UNPROTECT && (prot & 2) !== 0) {
    for (let j = 0; j < pages; j++) if ((pt.word0(i + j) & F.MAXWRITE) === 0) return Result.Rights;
  }
  cpu.exec(COSTS["exos.vm.protect.setup"]);
  // One page: its binding call directly. A range: one `bindBatch` vector per
  // `policy.batchEntries` pages that change (one kernel crossing each, not one per page).
  cpu.exec(COSTS["exos.vm.protect.pick"]);
  const batch: number[] | null = pages > 1 ? [] : null;
  for (let j = 0; j < pages; j++) {
    const w = pt.word0(i + j);
    const want = prot === UNPROTECT ? F.READ | (w & F.MAXWRITE ? F.WRITE : 0) : protFlags(prot);
    const nw = (w & ~(F.READ | F.WRITE)) | want;
    cpu.exec(COSTS["exos.vm.protect.step"]);
    if (nw === w) continue;
    pt.setWord0(i + j, nw);
    if ((nw & F.PRESENT) === 0) continue;
    const page = va + j * PAGE_BYTES;
    const lowered = (w & ~nw & (F.READ | F.WRITE)) !== 0;
    if (!lowered && !s.policy.eagerRemap) continue;
    if (batch === null) {
      if (lowered) s.env.tlbDelete(page);
      else s.env.tlbWrite(page, pt.cap(i + j), installWritable(s, nw));
      continue;
    }
    const rights = lowered ? 0 : installWritable(s, nw) === 1 ? BIND_RW : BIND_R;
    cpu.exec(COSTS["exos.vm.batch.entry"]);
    batch.push(page, lowered ? 0 : pt.cap(i + j), rights);
    if (batch.length === 3 * s.policy.batchEntries) flush(s, batch);
  }
  if (batch !== null && batch.length > 0) flush(s, batch);
  return Result.Ok;
}

/** `bindBatch` rights: writable, read-only (0 removes the binding). */
const BIND_RW = 3;
const BIND_R = 1;

/** Hands the vector to the exokernel in one call and empties it. */
function flush(s: VmState, batch: number[]): void {
  s.env.cpu.exec(COSTS["exos.vm.batch.call"]);
  s.env.bindBatch(batch);
  batch.length = 0;
}
