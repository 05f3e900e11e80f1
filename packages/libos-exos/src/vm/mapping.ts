import { PAGE_BYTES, Result, Rights } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { ownFrame } from "./frames.js";
import { F } from "./pagetable.js";
import { appRange, freeRunAt, mappedRun, userRange } from "./ranges.js";
import type { VmState } from "./state.js";
import { isProt, PAGE_MASK, type Prot, protFlags } from "./types.js";

/**
 * The address space's contents: demand-zero mappings, unmapping, aliases, and pages shared
 * with other environments (granted out, or received and mapped). Every call checks all of
 * its arguments before it changes anything.
 */

/** Allocates a frame and guarantees its mapping at `va` (library state). */
export function guaranteePage(s: VmState, va: number): number {
  const cap = s.env.allocFrame();
  if (cap < 0) return cap;
  const r = s.env.guarantee(va, cap, 1);
  if (r < 0) return r;
  s.libraryCaps.push(cap);
  return cap;
}

/**
 * Whether `cap` is the name of one of the library's own pages (globals, page table,
 * thread contexts). A peer may send such a name as "a page I share with you"; mapping it
 * would let the application write the library's state believing it shared memory.
 */
function isLibraryCap(s: VmState, cap: number): boolean {
  for (const c of s.libraryCaps) {
    s.env.cpu.exec(COSTS["exos.vm.libcap"]);
    if (c === cap) return true;
  }
  return false;
}

/** Reserves `pages` demand-zero pages at `va` with protection `prot`. */
export function map(s: VmState, va: number, pages: number, prot: Prot): number {
  if (!userRange(va, pages) || !isProt(prot)) return Result.Invalid;
  const at = freeRunAt(s.pt, va >>> 12, pages);
  if (at < 0) return at;
  const flags = F.ZERO | protFlags(prot) | F.MAXWRITE;
  return s.pt.insertRun(at, va >>> 12, pages, flags, 0) ? Result.Ok : Result.NoMemory;
}

/**
 * Unmaps `pages` pages at `va` (all must be mapped); frees the frames the library owns.
 * A frame still shared copy-on-write with a fork child is not freed (frames are not
 * reference-counted: the child may not have copied it yet). Capabilities received from
 * others are never dropped: their names came from a peer, which may have named one this
 * process uses elsewhere (dropping it would remove those mappings too).
 */
export function unmap(s: VmState, va: number, pages: number): number {
  if (!userRange(va, pages)) return Result.Invalid;
  const i = mappedRun(s.pt, va >>> 12, pages);
  if (i < 0) return i;
  s.env.cpu.exec(COSTS["exos.vm.unmap"]);
  for (let j = 0; j < pages; j++) {
    const w0 = s.pt.word0(i + j);
    if ((w0 & F.PRESENT) !== 0) {
      s.env.tlbDelete(va + j * PAGE_BYTES);
      if ((w0 & (F.FOREIGN | F.COW)) === 0) s.env.freeFrame(s.pt.cap(i + j));
    }
    s.env.cpu.exec(COSTS["exos.vm.unmap.step"]);
  }
  s.pt.removeRun(i, pages);
  return Result.Ok;
}

/** Maps `va` to the frame behind `srcVa` (an alias in this address space). */
export function alias(s: VmState, va: number, srcVa: number, prot: Prot): number {
  if (!appRange(va, 1) || !appRange(srcVa, 1) || !isProt(prot)) return Result.Invalid;
  const src = s.pt.find(srcVa >>> 12);
  if (src < 0) return Result.Invalid;
  let w = s.pt.word0(src);
  if ((prot & 2) !== 0 && (w & F.MAXWRITE) === 0) return Result.Rights;
  const at = freeRunAt(s.pt, va >>> 12, 1);
  if (at < 0) return at;
  const r = ownFrame(s, src, srcVa & ~PAGE_MASK, w);
  if (r < 0) return r;
  w = s.pt.word0(src);
  const flags = F.PRESENT | F.FOREIGN | F.ALIAS | protFlags(prot) | (prot & 2 ? F.MAXWRITE : 0);
  // The source moved up by one if the alias sorts before it; its cap is unchanged.
  const cap = s.pt.cap(src);
  return s.pt.insertRun(at, va >>> 12, 1, flags, cap) ? Result.Ok : Result.NoMemory;
}

/**
 * Grants the frame behind `va` to environment `target` (Read, or Read|Write when
 * `writable`); returns the capability name in the target's list (plain data to send it).
 */
export function share(s: VmState, va: number, target: number, writable: boolean): number {
  if (!userRange(va, 1)) return Result.Invalid;
  const i = s.pt.find(va >>> 12);
  if (i < 0) return Result.Invalid;
  const w = s.pt.word0(i);
  if (writable && (w & F.MAXWRITE) === 0) return Result.Rights;
  const r = ownFrame(s, i, va & ~PAGE_MASK, w);
  if (r < 0) return r;
  return s.env.grant(s.pt.cap(i), target, writable ? Rights.Read | Rights.Write : Rights.Read);
}

/**
 * Maps a frame granted to this environment (capability `cap`) at `va`. Busy for the name
 * of one of the library's own pages.
 */
export function mapShared(s: VmState, va: number, cap: number, writable: boolean): number {
  if (!userRange(va, 1)) return Result.Invalid;
  const frame = s.env.frameOf(cap);
  if (frame < 0) return frame;
  if (isLibraryCap(s, cap)) return Result.Busy;
  const at = freeRunAt(s.pt, va >>> 12, 1);
  if (at < 0) return at;
  const flags = F.PRESENT | F.FOREIGN | F.READ | (writable ? F.WRITE | F.MAXWRITE : F.CAPRO);
  return s.pt.insertRun(at, va >>> 12, 1, flags, cap) ? Result.Ok : Result.NoMemory;
}
