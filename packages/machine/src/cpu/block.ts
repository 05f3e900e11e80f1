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
      // Each unit is one store (and one load): each pays its own page's reference cost.
      let perUnit = this.accessCycles;
      let ps = 0;
      if (!zero) {
        ps = this.translateChecked(s, unit, ACCESS_LOAD);
        const loadCycles = this.accessCycles;
        // The source translation may have faulted and remapped the destination: translate again.
        if (this.translate(d, unit, ACCESS_STORE) !== pd) continue;
        perUnit = this.accessCycles + loadCycles;
      }
      let n = min(bytes - done, 4096 - (d & 0xfff));
      if (!zero) n = min(n, 4096 - (s & 0xfff));
      // Stop at the next event so that its interrupt is taken at its exact cycle.
      this.sync();
      const room = this.nextEventCycle - this.nowCycles;
      if (room < (n / unit) * perUnit) n = max(unit, ceil(room / perUnit) * unit);
      if (zero) typedArrayFill(this.mem8, 0, pd, pd + n);
      else typedArrayCopyWithin(this.mem8, pd, ps, ps + n);
      done += n;
      this.chargeCycles((n / unit) * perUnit, Category.Memory, "");
    }
    this.sync();
    this.pcAddr = (this.pcAddr + 4) >>> 0;
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
