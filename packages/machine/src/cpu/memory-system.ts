import { Category } from "../accounting.js";
import type { Cost } from "../cost.js";
import { HOST_DTAG_WORD, HOST_ITAG_WORD, MEMORY_OFFSET_BYTES } from "../memory.js";
import { CpuClock } from "./clock.js";

const { max, floor } = Math;

/** Host word index of physical address 0. */
const MEMORY_OFFSET_WORDS = MEMORY_OFFSET_BYTES >>> 2;

/**
 * The DECstation memory system: a direct-mapped, physically indexed, write-through data cache
 * and instruction cache with one-word (4-byte) lines, and a FIFO write buffer in front of
 * main memory. The second layer of the Cpu (after the clock); the TLB-hit fast path in
 * access.ts does the common cases inline (a hit; a miss with budget; a store, stalled or not);
 * this layer is what the slow paths, block copies and `exec` use.
 *
 * Model (each a hardware fact of the profile or an assumption stated in the README):
 * - A cached load hits in one cycle or misses: one main-memory read, `cacheMissCycles` more,
 *   and the line is filled. Reads do not wait for the write buffer (no read-after-write
 *   ordering on a cached miss; memory contention between a miss and a retiring write is not
 *   modelled).
 * - A word store writes its line (write-allocate of one word: the line is the word) and
 *   enters the write buffer; a partial-word store keeps a line it hits and invalidates one it
 *   misses. A store to a full buffer stalls until one stage is free. The buffer retires one
 *   word every `writeRetireCycles`, back to back while it is not empty.
 * - An uncached reference (kseg1, a TLB entry with N set, a device register) first drains
 *   the buffer, then takes a full memory reference (`uncachedAccessCycles`).
 * - Counted code (`exec`): its instructions have a footprint of `instructions` words at a
 *   synthetic address derived from a hash of the label (cost.ts), fetched through the
 *   instruction cache; the loads it declares hit (they are the kernel's hot tables, assumed
 *   resident); the stores it declares are spaced evenly through it and go through the write
 *   buffer (an O(1) closed form, below).
 *
 * Invariants: a tag word holds the host word index of the memory word (or code word) its line
 * holds, 0 for an invalid line; `wbLast` (the cycle the buffer's last word retires) is kept
 * in the host word between arms (clock.ts) and read back with wbPull.
 */
export class CpuMemory extends CpuClock {
  /** Set by translate: whether the last translated access is uncached. */
  protected lastUncached = false;

  // ---- data cache ------------------------------------------------------------------------

  /** A cached read of the word at `pa`: the miss penalty (0 on a hit); the line is filled. */
  protected dataRead(pa: number): number {
    if (!this.memOn) return 0;
    const w = MEMORY_OFFSET_WORDS + (pa >>> 2);
    const i = HOST_DTAG_WORD + (w & this.dMask);
    if (this.host[i] === w) return 0;
    this.host[i] = w;
    return this.missCycles;
  }

  /** A store into the cache: a word store fills its line; a partial one invalidates a miss. */
  protected dataWrite(pa: number, size: number): void {
    const w = MEMORY_OFFSET_WORDS + (pa >>> 2);
    const i = HOST_DTAG_WORD + (w & this.dMask);
    if (size === 4) this.host[i] = w;
    else if (this.host[i] !== w) this.host[i] = 0;
  }

  // ---- write buffer ----------------------------------------------------------------------

  /**
   * A store issued now: the cycles it stalls for a free stage. The buffer takes the word
   * (its last retirement moves on by one word's time).
   */
  protected storeStall(): number {
    if (this.wbRetire === 0) return 0;
    this.sync();
    const last = this.wbPull();
    const t = this.nowCycles;
    const stall = max(0, last - this.wbSpan - t);
    this.wbPush(max(t + stall, last) + this.wbRetire);
    return stall;
  }

  /** Cycles until the buffer is empty (an uncached reference or a flush waits them). */
  protected drainStall(): number {
    if (this.wbRetire === 0) return 0;
    this.sync();
    return max(0, this.wbPull() - this.nowCycles);
  }

  /**
   * `stores` stores spaced evenly through `cycles` cycles of counted work starting now (one
   * every `d = floor(cycles / stores)` cycles, the first at the end of the first stretch):
   * their total stall, with the buffer updated, in O(1). Store j (1-based) is issued at
   * τj = max(τ(j-1) + d, L(j-1) - (depth-1)·W); after the first, the buffer never empties
   * when d < W (each store adds W of work and at most d passes), so L(j) = L1 + (j-1)·W and
   * τs = max(τ1 + (s-1)·d, L1 + (s-1-depth)·W); when d ≥ W the second term never wins. The
   * last retirement is max(L1 + (s-1)·W, τs + W).
   */
  protected declaredStoreStall(cycles: number, stores: number): number {
    if (stores === 0 || this.wbRetire === 0) return 0;
    this.sync();
    const w = this.wbRetire;
    const d = max(1, floor(cycles / stores));
    const last0 = this.wbPull();
    const t1 = this.nowCycles + d - 1;
    const stall1 = max(0, last0 - this.wbSpan - t1);
    const issued1 = t1 + stall1;
    const last1 = max(last0, issued1) + w;
    if (stores === 1) {
      this.wbPush(last1);
      return stall1;
    }
    const unstalled = issued1 + (stores - 1) * d;
    const issuedS = max(unstalled, last1 + (stores - 1 - this.wbDepth) * w);
    this.wbPush(max(last1 + (stores - 1) * w, issuedS + w));
    return stall1 + issuedS - unstalled;
  }

  // ---- instruction cache -----------------------------------------------------------------

  /**
   * Fetches the code of `cost`, run `times` times, through the instruction cache: the misses
   * (lines filled). Code no larger than the cache misses at most once per line (later
   * iterations hit); code larger than the direct-mapped cache evicts itself and misses on
   * every fetch.
   */
  protected fetchMisses(cost: Cost, times: number): number {
    const lines = cost.instructions;
    const base = cost.codeWord;
    const mask = this.iMask;
    const m = this.host;
    if (lines > mask) {
      for (let i = lines - mask - 1; i < lines; i++)
        m[HOST_ITAG_WORD + ((base + i) & mask)] = base + i;
      return lines * times;
    }
    let misses = 0;
    for (let i = 0; i < lines; i++) {
      const tag = base + i;
      const j = HOST_ITAG_WORD + (tag & mask);
      if (m[j] !== tag) {
        m[j] = tag;
        misses++;
      }
    }
    return misses;
  }

  // ---- cold and warm ---------------------------------------------------------------------

  /** Invalidates both caches (cold), as the kernel's cache flush at boot does. */
  invalidateCaches(): void {
    this.host.fill(0, HOST_DTAG_WORD, HOST_DTAG_WORD + this.dMask + 1);
    this.host.fill(0, HOST_ITAG_WORD, HOST_ITAG_WORD + this.iMask + 1);
  }

  /** Invalidates the data cache's line of the word at physical address `pa` (a DMA target). */
  protected invalidateDataLine(pa: number): void {
    const w = MEMORY_OFFSET_WORDS + (pa >>> 2);
    const i = HOST_DTAG_WORD + (w & this.dMask);
    if (this.host[i] === w) this.host[i] = 0;
  }

  /** Charges one completed slow-path access: its stall first, the access, then a miss penalty. */
  protected chargeMemoryAccess(cycles: number, cat: Category, stall: number, miss: number): void {
    if (stall > 0) this.chargeCycles(stall, Category.WriteStall, "");
    this.pcAddr = (this.pcAddr + 4) >>> 0;
    if (miss > 0) {
      this.sync();
      if (this.tracerRef !== null) {
        this.tracerRef.span(this.nowCycles, cycles, this.owner, cat, "");
        this.tracerRef.span(this.nowCycles + cycles, miss, this.owner, Category.CacheMiss, "");
      }
      this.nowCycles += cycles + miss;
      this.attrTable[this.attrBase + cat] += cycles;
      this.attrTable[this.attrBase + Category.CacheMiss] += miss;
      if (this.nowCycles >= this.nextEventCycle) this.onEventsDue();
      this.arm();
    } else this.chargeWhole(cycles, cat, "");
  }
}
