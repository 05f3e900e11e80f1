import { KUSEG_END } from "@exolab/machine";
import { PROT_READ, PROT_WRITE } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { kseg0, MAP, MAP_ENTRIES, ME, ME_BYTES } from "../layout.js";
import type { Proc } from "../proc/proc.js";

/**
 * The process's address map (4.4BSD vm_map.c 8.1, reduced to what mprotect and vm_fault use):
 * a sorted, doubly linked list of entries {start, end, protection, next, prev} covering the whole
 * user space, in kernel memory (the bottom of the process's kernel-stack page, copied by fork
 * with it), every field read and written with charged accesses. mprotect locks the map, looks
 * up the first entry (hint first), clips the entries at the range's ends (a new entry each
 * side, "malloc'd" from the page's slots), sets the protection of each entry in the range,
 * merges equal neighbours from the entry before the range to the one after it, and unlocks; vm_fault locks it for reading, looks up the faulting address's entry and unlocks.
 * Adjacent entries left with the same protection are merged (vm_map_simplify_entry), which
 * bounds the list. The PTE's protection bits stay what the fault path and useracc decide by.
 */

/** The map of `p` (through kseg0: valid whether or not p is current). */
function mapVa(p: Proc): number {
  return kseg0(p.kframe, MAP.OFFSET);
}
function entryVa(p: Proc, i: number): number {
  return kseg0(p.kframe, MAP.OFFSET + i * ME_BYTES);
}

/** A new process's map: one read-write entry over all of user space (exec's vmspace). */
export function mapInit(k: MonolithicKernel, p: Proc): void {
  const cpu = k.cpu;
  const m = mapVa(p);
  const e = entryVa(p, 1);
  cpu.store32(e + ME.START, 0);
  cpu.store32(e + ME.END, KUSEG_END);
  cpu.store32(e + ME.PROT, PROT_READ | PROT_WRITE);
  cpu.store32(e + ME.NEXT, 0);
  cpu.store32(e + ME.PREV, 0);
  cpu.store32(m + MAP.FIRST, 1);
  cpu.store32(m + MAP.NENTRIES, 1);
  cpu.store32(m + MAP.HINT, 1);
  cpu.store32(m + MAP.TIMESTAMP, 0);
  p.mapFree = [];
  for (let i = MAP_ENTRIES; i >= 2; i--) p.mapFree.push(i);
}

/**
 * vm_map_lookup_entry: the entry holding `va` (the map covers user space, so there is one),
 * from the hint when it is at or below va, else from the head; charged per entry visited.
 */
function lookup(k: MonolithicKernel, p: Proc, va: number): number {
  const cpu = k.cpu;
  const m = mapVa(p);
  cpu.exec(COSTS["vm.map.lookup"]);
  let i = cpu.load32(m + MAP.HINT);
  if (cpu.load32(entryVa(p, i) + ME.START) > va) i = cpu.load32(m + MAP.FIRST);
  for (;;) {
    cpu.exec(COSTS["vm.map.walk"]);
    const e = entryVa(p, i);
    if (va < cpu.load32(e + ME.END)) return i;
    i = cpu.load32(e + ME.NEXT);
  }
}

/** vm_map_lock/unlock (lock_write, the timestamp) around a read or a change of the map. */
function lock(k: MonolithicKernel, p: Proc): void {
  k.cpu.exec(COSTS["vm.map.lock"]);
  const t = mapVa(p) + MAP.TIMESTAMP;
  k.cpu.store32(t, (k.cpu.load32(t) + 1) >>> 0);
}
function unlock(k: MonolithicKernel): void {
  k.cpu.exec(COSTS["vm.map.unlock"]);
}

/**
 * vm_fault's vm_map_lookup for a user address: read-lock, find the entry, its protection,
 * unlock. Returns the entry's protection (PROT_* bits).
 */
export function mapFaultLookup(k: MonolithicKernel, p: Proc, va: number): number {
  lock(k, p);
  const i = lookup(k, p, va);
  k.cpu.exec(COSTS["vm.map.faultcheck"]);
  const prot = k.cpu.load32(entryVa(p, i) + ME.PROT);
  k.cpu.store32(mapVa(p) + MAP.HINT, i);
  unlock(k);
  return prot;
}

/**
 * Clips entry `i` at `at` (start < at < end): a new entry takes [at, end) with i's protection
 * and is linked after i, which keeps [start, at). The new entry's fields are copied from i
 * (vm_map_clip_start/end: a malloc'd entry, *new = *entry, link). Returns the new entry.
 */
function clip(k: MonolithicKernel, p: Proc, i: number, at: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["vm.map.clip"]);
  const n = p.mapFree.pop()!;
  const e = entryVa(p, i);
  const ne = entryVa(p, n);
  cpu.store32(ne + ME.START, at);
  cpu.store32(ne + ME.END, cpu.load32(e + ME.END));
  cpu.store32(ne + ME.PROT, cpu.load32(e + ME.PROT));
  const next = cpu.load32(e + ME.NEXT);
  cpu.store32(ne + ME.NEXT, next);
  cpu.store32(ne + ME.PREV, i);
  if (next !== 0) cpu.store32(entryVa(p, next) + ME.PREV, n);
  cpu.store32(e + ME.END, at);
  cpu.store32(e + ME.NEXT, n);
  const m = mapVa(p) + MAP.NENTRIES;
  cpu.store32(m, cpu.load32(m) + 1);
  return n;
}

/**
 * vm_map_protect: sets the protection of [start, end) in the map, clipping at both ends, and
 * calls `pmap(entryStart, entryEnd)` for each entry whose range it changed (pmap_protect).
 * Returns false, with nothing changed, when the clips need more entries than are free.
 */
export function mapProtect(
  k: MonolithicKernel,
  p: Proc,
  start: number,
  end: number,
  prot: number,
  pmap: (from: number, to: number) => void,
): boolean {
  const cpu = k.cpu;
  lock(k, p);
  let i = lookup(k, p, start);
  // First pass (the max_protection check of each entry), which also finds the last one.
  let need = cpu.load32(entryVa(p, i) + ME.START) < start ? 1 : 0;
  let j = i;
  for (;;) {
    cpu.exec(COSTS["vm.map.check"]);
    const e = entryVa(p, j);
    if (cpu.load32(e + ME.END) >= end) {
      if (cpu.load32(e + ME.END) > end) need++;
      break;
    }
    j = cpu.load32(e + ME.NEXT);
  }
  if (p.mapFree.length < need) {
    unlock(k);
    return false;
  }
  if (cpu.load32(entryVa(p, i) + ME.START) < start) i = clip(k, p, i, start);
  const first = i;
  for (;;) {
    const e = entryVa(p, i);
    if (cpu.load32(e + ME.END) > end) clip(k, p, i, end);
    cpu.exec(COSTS["vm.map.setprot"]);
    cpu.load32(e + ME.PROT);
    cpu.store32(e + ME.PROT, prot);
    pmap(cpu.load32(e + ME.START), cpu.load32(e + ME.END));
    const entryEnd = cpu.load32(e + ME.END);
    if (entryEnd >= end) break;
    i = cpu.load32(e + ME.NEXT);
  }
  cpu.store32(mapVa(p) + MAP.HINT, first);
  const prev = cpu.load32(entryVa(p, first) + ME.PREV);
  simplify(k, p, prev !== 0 ? prev : first, end);
  unlock(k);
  return true;
}

/**
 * vm_map_simplify_entry over the changed range: from entry `i`, merges each entry with its
 * successor while they have the same protection and the successor starts before `end`
 * (inclusive of the entry just past the range). Freed entries go back to the page's slots.
 */
function simplify(k: MonolithicKernel, p: Proc, from: number, end: number): void {
  const cpu = k.cpu;
  let i = from;
  for (;;) {
    const e = entryVa(p, i);
    const n = cpu.load32(e + ME.NEXT);
    if (n === 0) return;
    const ne = entryVa(p, n);
    cpu.exec(COSTS["vm.map.simplify"]);
    const nStart = cpu.load32(ne + ME.START);
    if (cpu.load32(e + ME.PROT) === cpu.load32(ne + ME.PROT)) {
      cpu.exec(COSTS["vm.map.merge"]);
      cpu.store32(e + ME.END, cpu.load32(ne + ME.END));
      const nn = cpu.load32(ne + ME.NEXT);
      cpu.store32(e + ME.NEXT, nn);
      if (nn !== 0) cpu.store32(entryVa(p, nn) + ME.PREV, i);
      const m = mapVa(p) + MAP.NENTRIES;
      cpu.store32(m, cpu.load32(m) - 1);
      const hint = mapVa(p) + MAP.HINT;
      if (cpu.load32(hint) === n) cpu.store32(hint, i);
      p.mapFree.push(n);
      continue;
    }
    if (nStart > end) return;
    i = n;
  }
}
