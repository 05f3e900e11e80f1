import { Category } from "../accounting.js";
import { Resolution } from "../cpu-defs.js";
import { ArgumentError, KernelContractError } from "../errors.js";
import { typedArrayCopyWithin, typedArrayFill } from "../intrinsics.js";
import { CpuAccess } from "./access.js";
import { ACCESS_LOAD, ACCESS_STORE, hex } from "./constants.js";

const { min, max, ceil } = Math;
const { isInteger } = Number;

/**
 * Block copy (bcopy) and zeroing (bzero): one load and one store (or one store) per unit,
 * each at its page's reference cost, translated page by page, cut at the exact cycle of an
 * event.
 */
export class CpuBlock extends CpuAccess {
  /**
   * Block copy (bcopy) of `bytes` between two virtual ranges, charged one load and one store
   * per word (per byte when either end is unaligned). The loop overhead is the caller's to
   * charge with `exec`. Faults are taken page by page; interrupts split the copy at their
   * exact cycle.
   */
  copy(dstVa: number, srcVa: number, bytes: number): void {
    this.block(dstVa >>> 0, srcVa >>> 0, bytes, false);
  }

  /** Zeroes `bytes` at a virtual range: one store per word (bzero). */
  zero(dstVa: number, bytes: number): void {
    this.block(dstVa >>> 0, 0, bytes, true);
  }

  protected block(dst: number, src: number, bytes: number, zero: boolean): void {
    this.guard();
    if (!isInteger(bytes) || bytes < 0 || bytes > 0x7fffffff) {
      throw new ArgumentError(`block length must be a non-negative integer, got ${String(bytes)}`);
    }
    this.takeDueEvents();
    const wordwise = (dst & 3) === 0 && (zero || (src & 3) === 0) && (bytes & 3) === 0;
    const unit = wordwise ? 4 : 1;
    let done = 0;
    while (done < bytes) {
      const d = (dst + done) >>> 0;
      const s = (src + done) >>> 0;
      const pd = this.translateChecked(d, unit, ACCESS_STORE);
      const dstUncached = this.lastUncached;
      const storeCycles = this.accessCycles;
      let ps = 0;
      let srcUncached = false;
      let loadCycles = 0;
      if (!zero) {
        ps = this.translateChecked(s, unit, ACCESS_LOAD);
        srcUncached = this.lastUncached;
        loadCycles = this.accessCycles;
        // The source translation may have faulted and remapped the destination: translate again.
        if (this.translate(d, unit, ACCESS_STORE) !== pd) continue;
        this.lastUncached = dstUncached;
      }
      let n = min(bytes - done, 4096 - (d & 0xfff));
      if (!zero) n = min(n, 4096 - (s & 0xfff));
      n = this.blockUnits(pd, ps, n, unit, zero, srcUncached, dstUncached, loadCycles, storeCycles);
      if (zero) typedArrayFill(this.mem8, 0, pd, pd + n);
      else typedArrayCopyWithin(this.mem8, pd, ps, ps + n);
      done += n;
      this.chargeBlock();
    }
    this.sync();
    this.pcAddr = (this.pcAddr + 4) >>> 0;
  }

  /** Cycles of the last stretch of a block copy, by category (set by blockUnits). */
  protected blockMemory = 0;
  protected blockStall = 0;
  protected blockMiss = 0;

  /**
   * Walks up to `n` bytes of one page-bounded stretch unit by unit through the memory system
   * (each unit: a load, then a store), stopping after the unit in which the next event falls
   * (so that its interrupt is taken at that unit's end). Returns the bytes walked; leaves the
   * cycles in blockMemory/blockStall/blockMiss and the write buffer updated.
   */
  protected blockUnits(
    pd: number,
    ps: number,
    n: number,
    unit: number,
    zero: boolean,
    srcUncached: boolean,
    dstUncached: boolean,
    loadCycles: number,
    storeCycles: number,
  ): number {
    this.sync();
    if (!this.memOn) {
      // Every unit a hit at its pages' reference costs: the stretch in one step, cut at the
      // unit the next event falls in.
      const perUnit = (zero ? 0 : loadCycles) + storeCycles;
      const room = this.nextEventCycle - this.nowCycles;
      if (room < (n / unit) * perUnit) n = max(unit, ceil(room / perUnit) * unit);
      this.blockMemory = (n / unit) * perUnit;
      this.blockStall = 0;
      this.blockMiss = 0;
      return n;
    }
    const start = this.nowCycles;
    const end = this.nextEventCycle;
    const retire = this.wbRetire;
    const span = this.wbSpan;
    let last = this.wbPull();
    let t = start;
    let memory = 0;
    let stall = 0;
    let miss = 0;
    let bytes = 0;
    while (bytes < n) {
      if (!zero) {
        if (srcUncached) {
          if (last > t) {
            stall += last - t;
            t = last;
          }
        } else {
          const p = this.dataRead(ps + bytes);
          miss += p;
          t += p;
        }
        memory += loadCycles;
        t += loadCycles;
      }
      if (dstUncached || retire === 0) {
        if (dstUncached && last > t) {
          stall += last - t;
          t = last;
        }
      } else {
        const wait = last - span - t;
        if (wait > 0) {
          stall += wait;
          t += wait;
        }
        last = max(t, last) + retire;
        this.dataWrite(pd + bytes, unit);
      }
      memory += storeCycles;
      t += storeCycles;
      bytes += unit;
      if (t >= end) break;
    }
    this.wbPush(last);
    this.blockMemory = memory;
    this.blockStall = stall;
    this.blockMiss = miss;
    return bytes;
  }

  /** Charges the stretch blockUnits walked (events at its end are taken by the charges). */
  protected chargeBlock(): void {
    if (this.blockStall > 0) this.chargeCycles(this.blockStall, Category.WriteStall, "");
    if (this.blockMiss > 0) this.chargeCycles(this.blockMiss, Category.CacheMiss, "");
    this.chargeCycles(this.blockMemory, Category.Memory, "");
  }

  protected translateChecked(va: number, size: number, kind: number): number {
    let tries = 0;
    for (;;) {
      const pa = this.translate(va, size, kind);
      if (pa >= 0) return pa;
      if (this.lastResolution === Resolution.Emulated) {
        throw new KernelContractError("a block copy cannot be emulated by an exception handler");
      }
      if (++tries >= this.faultRetryLimit) {
        throw new KernelContractError(`fault storm on a block access at ${hex(va)}`);
      }
    }
  }
}
