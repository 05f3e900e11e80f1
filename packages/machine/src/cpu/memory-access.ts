import { Cpu } from "../cpu.js";
import {
  HOST_BUDGET_WORD,
  HOST_DTAG_WORD,
  HOST_MISS_WORD,
  HOST_STALL_WORD,
  HOST_WB_BIAS,
  HOST_WB_WORD,
} from "../memory.js";
import { MAP_WRITABLE } from "../tlb.js";

const { min } = Math;

/** The host-buffer words the memory system's hot path uses, as immediates (see access.ts). */
const enum Hot {
  BudgetWord = 0x80000,
  WbWord = 0x80001,
  StallWord = 0x80002,
  MissWord = 0x80003,
  WbBias = 0x100000,
  DTag = 0x84000,
  Writable = 1,
}
if (
  Hot.BudgetWord !== HOST_BUDGET_WORD ||
  Hot.WbWord !== HOST_WB_WORD ||
  Hot.StallWord !== HOST_STALL_WORD ||
  Hot.MissWord !== HOST_MISS_WORD ||
  Hot.WbBias !== HOST_WB_BIAS ||
  Hot.DTag !== HOST_DTAG_WORD ||
  Hot.Writable !== MAP_WRITABLE
) {
  throw new Error(
    "cpu/memory-access.ts Hot must match the host control words (memory.ts) and MAP_WRITABLE (tlb.ts)",
  );
}

/**
 * The CPU of a machine whose profile has the memory system on: the TLB-hit fast path keeps
 * the D-cache's tags and the write buffer (the slow paths, exec and block copies see the model
 * in every CPU, through `memOn`). A subclass, so that a machine without the model runs the
 * plain fast path of access.ts and nothing of this (a call site that sees only one of the two
 * classes stays monomorphic).
 *
 * The fast path: an aligned kuseg address whose page the host map holds (a cached page), with
 * budget left for the access and its stall. A load: its line's tag (one load and a compare)
 * hits, or misses with the penalty taken from the budget and noted in the miss word. A store:
 * the write buffer's threshold word says in one compare whether it stalls; the stall is taken
 * from the budget and noted in the stall word; the line is written and the threshold moved on
 * (memory-system.ts and clock.ts say why this is the FIFO model). Anything else (and every
 * access while tracing or with an event due: the budget is then zero, or smaller than the
 * stall) takes the slow path.
 */
export class CpuWithMemory extends Cpu {
  override load32(va: number): number {
    const a = va | 0;
    const m = this.host;
    if ((a & 0x80000003) === 0) {
      const page = m[a >>> 12]!;
      const budget = m[Hot.BudgetWord]!;
      if (page !== 0) {
        const w = (page + (a & 0xfff)) >>> 2;
        const t = Hot.DTag + (w & this.dMask);
        // Branch-free hit or miss: d is 0 on a hit; (d | -d) >>> 31 is 1 for any other d
        // (tags are below 2^28, so -d never overflows). The penalty goes to the miss word
        // only: the budget word's next value does not wait for the tag's host load.
        const d = m[t]! ^ w;
        const miss = m[Hot.MissWord]! + ((d | -d) >>> 31) * this.missCycles;
        if (budget > miss) {
          m[t] = w;
          m[Hot.MissWord] = miss;
          m[Hot.BudgetWord] = budget - 1;
          return m[w]!;
        }
      }
    }
    return this.loadSlow(a);
  }

  override store32(va: number, value: number): void {
    const a = va | 0;
    const v = value | 0;
    const m = this.host;
    if ((a & 0x80000003) === 0) {
      const page = m[a >>> 12]!;
      const budget = m[Hot.BudgetWord]!;
      // The budget net of the misses taken so far: the cycles left, and the store's time.
      const b = budget - m[Hot.MissWord]!;
      if ((page & Hot.Writable) !== 0 && b > 0) {
        const s = m[Hot.WbWord]!;
        let stall = b + Hot.WbBias - s;
        if (stall > 0) {
          if (stall >= b) {
            this.storeSlow(a, v);
            return;
          }
          m[Hot.StallWord] += stall;
        } else stall = 0;
        const w = (page + (a & 0xfff)) >>> 2;
        m[w] = v;
        m[Hot.DTag + (w & this.dMask)] = w;
        m[Hot.BudgetWord] = budget - stall - 1;
        // The threshold after this store, issued at b - stall: min(b' + (depth-2)·W, S - W).
        const x = s - this.wbRetire;
        const y = b - stall + Hot.WbBias + this.wbK;
        m[Hot.WbWord] = min(x, y);
        return;
      }
    }
    this.storeSlow(a, v);
  }
}
