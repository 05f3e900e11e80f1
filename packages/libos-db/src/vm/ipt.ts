import type { CpuView } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { IPT_ENTRY_BYTES, IPT_FREE_VA, IPT_VA } from "../layout.js";

/** Flag bits of an entry. */
export const F = Object.freeze({
  /** Loads allowed now. */
  READ: 1,
  /** Stores allowed now. */
  WRITE: 2,
  /** The most the mapping allows: stores (unprotect restores WRITE only with it). */
  MAXWRITE: 4,
  /** Written since mapped or cleaned (set by the first store's fault). */
  DIRTY: 8,
  /** The frame belongs to the library (freed on unmap); else the caller keeps it. */
  OWNED: 16,
});

/**
 * An inverted (hashed) page table in simulated memory: one entry per resident page, not
 * one per virtual page. `buckets` 4-byte heads (entry index + 1; 0 ends a chain), hashed by
 * virtual page number, then `entries` entries of 16 bytes: vpn, capability, flags, next
 * (index + 1). Free entries are chained through `next` from the head at IPT_FREE_VA. Every
 * read and write is a charged load or store; the walk is charged per entry looked at.
 *
 * Invariants: a vpn is in at most one chain entry; an entry is either on exactly one
 * bucket chain or on the free list.
 */
export class InvertedPageTable {
  readonly #entriesVa: number;

  constructor(
    private readonly cpu: CpuView,
    /** Bucket heads (a power of two). */
    readonly buckets: number,
    /** Entries: the most resident pages. */
    readonly entries: number,
  ) {
    this.#entriesVa = IPT_VA + buckets * 4;
  }

  /** Bytes of simulated memory the table needs. */
  static bytes(buckets: number, entries: number): number {
    return buckets * 4 + entries * IPT_ENTRY_BYTES;
  }

  /** Empties the table: every bucket empty, every entry on the free list (charged stores). */
  init(): void {
    const cpu = this.cpu;
    cpu.zero(IPT_VA, this.buckets * 4);
    for (let i = 0; i < this.entries; i++)
      cpu.store32(this.#at(i) + 12, i + 1 < this.entries ? i + 2 : 0);
    cpu.store32(IPT_FREE_VA, this.entries > 0 ? 1 : 0);
  }

  /** The bucket of `vpn`: a multiplicative hash (Knuth), top bits. */
  #bucket(vpn: number): number {
    return IPT_VA + ((Math.imul(vpn, 0x9e3779b1) >>> 0) % this.buckets) * 4;
  }

  #at(i: number): number {
    return this.#entriesVa + i * IPT_ENTRY_BYTES;
  }

  /** The entry index of `vpn`, or -1 (walks its chain: charged per entry). */
  find(vpn: number): number {
    const cpu = this.cpu;
    cpu.exec(COSTS["db.ipt.hash"]);
    // Pointer chasing: each link is tested and decremented at once (db.ipt.walk has nothing
    // independent of it), so the head and next loads each leave a load-delay nop.
    let link = cpu.load32Used(this.#bucket(vpn));
    while (link !== 0) {
      cpu.exec(COSTS["db.ipt.walk"]);
      const i = link - 1;
      const at = this.#at(i);
      if (cpu.load32(at) >>> 0 === vpn) return i; // the next load fills its slot
      link = cpu.load32Used(at + 12);
    }
    return -1;
  }

  /** Adds `vpn` → (cap, flags) at the head of its chain; -1 when no entry is free. */
  insert(vpn: number, cap: number, flags: number): number {
    const cpu = this.cpu;
    cpu.exec(COSTS["db.ipt.insert"]);
    const free = cpu.load32(IPT_FREE_VA);
    if (free === 0) return -1;
    const i = free - 1;
    const at = this.#at(i);
    cpu.store32(IPT_FREE_VA, cpu.load32Used(at + 12)); // stored next: a nop
    const b = this.#bucket(vpn);
    cpu.store32(at, vpn);
    cpu.store32(at + 4, cap);
    cpu.store32(at + 8, flags);
    cpu.store32(at + 12, cpu.load32Used(b)); // stored next: a nop
    cpu.store32(b, free);
    return i;
  }

  /** Removes `vpn`'s entry (it must be there) and puts it on the free list. */
  remove(vpn: number): void {
    const cpu = this.cpu;
    cpu.exec(COSTS["db.ipt.hash"]);
    let prev = this.#bucket(vpn);
    let link = cpu.load32Used(prev); // db.ipt.walk's addiu uses it at once
    while (link !== 0) {
      cpu.exec(COSTS["db.ipt.walk"]);
      const at = this.#at(link - 1);
      const next = cpu.load32(at + 12);
      if (cpu.load32(at) >>> 0 === vpn) {
        cpu.store32(prev, next);
        cpu.store32(at + 12, cpu.load32Used(IPT_FREE_VA)); // stored next: a nop
        cpu.store32(IPT_FREE_VA, link);
        return;
      }
      prev = at + 12;
      link = next;
    }
  }

  cap(i: number): number {
    return this.cpu.load32(this.#at(i) + 4);
  }

  flags(i: number): number {
    return this.cpu.load32(this.#at(i) + 8);
  }

  setFlags(i: number, flags: number): void {
    this.cpu.store32(this.#at(i) + 8, flags);
  }
}
