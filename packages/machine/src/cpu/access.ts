import { Category } from "../accounting.js";
import { COSTS } from "../costs.js";
import { ExcCode, KSEG0, KSEG1, KSEG2, REGISTER_COUNT, Resolution, SR_KUC } from "../cpu-defs.js";
import { KernelContractError } from "../errors.js";
import { HOST_BUDGET_WORD } from "../memory.js";
import { MAP_WRITABLE } from "../tlb.js";
import { ACCESS_LOAD, ACCESS_STORE, hex } from "./constants.js";
import { CpuExec } from "./exec.js";

/**
 * The host-buffer constants the hot path uses, as immediates: an imported constant is a
 * module binding that the JIT loads and checks on every access; a const enum is inlined.
 * They equal memory.ts's HOST_BUDGET_WORD and tlb.ts's MAP_WRITABLE (asserted below).
 */
const enum Hot {
  BudgetWord = 0x80000,
  Writable = 1,
}
if (Hot.BudgetWord !== HOST_BUDGET_WORD || Hot.Writable !== MAP_WRITABLE) {
  throw new Error(
    "cpu/access.ts Hot must match HOST_BUDGET_WORD (memory.ts) and MAP_WRITABLE (tlb.ts)",
  );
}

/**
 * Translated loads and stores: the TLB-hit fast path (the host map and the budget word, no
 * call, no allocation), and the slow path (the address map, a probe of the 64 slots, the
 * architectural exception through the handler table, the retry).
 */
export class CpuAccess extends CpuExec {
  // ---- translated loads and stores ----------------------------------------------------

  // The fast path: an aligned kuseg address whose page the host map holds, with budget left.
  // Any other access (and every access while tracing or with an event due: the budget is
  // then zero) takes the slow path. This is the machine without a memory system (every access
  // a one-cycle hit); with one, the CPU is a CpuWithMemory (cpu/memory-access.ts), whose
  // load32/store32 keep the caches' tags and the write buffer: a process whose machines have
  // no memory system runs only this code.

  // Every entry point reads each argument once (`| 0`): an object whose valueOf answers
  // differently on each read can never make the checks and the access disagree.

  load32(va: number): number {
    const a = va | 0;
    const m = this.host;
    if ((a & 0x80000003) === 0) {
      const page = m[a >>> 12]!;
      const budget = m[Hot.BudgetWord]!;
      if (page !== 0 && budget !== 0) {
        m[Hot.BudgetWord] = budget - 1;
        return m[(page + (a & 0xfff)) >>> 2]!;
      }
    }
    return this.loadSlow(a);
  }

  store32(va: number, value: number): void {
    const a = va | 0;
    const v = value | 0;
    const m = this.host;
    if ((a & 0x80000003) === 0) {
      const page = m[a >>> 12]!;
      const budget = m[Hot.BudgetWord]!;
      if ((page & Hot.Writable) !== 0 && budget !== 0) {
        m[Hot.BudgetWord] = budget - 1;
        m[(page + (a & 0xfff)) >>> 2] = v;
        return;
      }
    }
    this.storeSlow(a, v);
  }

  // The slow paths, kept out of load32/store32 so that their bytecode (which the JIT weighs
  // when it inlines them into a caller's loop) is the fast path alone. (>>> 0: both paths of
  // load32 give a uint32, so the JIT can keep its result unboxed.)
  protected loadSlow(va: number): number {
    return this.access(va >>> 0, 4, ACCESS_LOAD, 0, Category.Memory) >>> 0;
  }

  protected storeSlow(va: number, value: number): void {
    this.access(va >>> 0, 4, ACCESS_STORE, value, Category.Memory);
  }

  /**
   * A word load whose value the very next instruction uses. MIPS I does not interlock a
   * load's result: the instruction after a load must not read it, so when the program has no
   * independent instruction to put there the slot holds a nop. That nop (the machine's
   * `load-delay.nop`, one instruction) is charged after the access. `load32` is a load whose
   * slot is filled by independent work, or whose value is not needed at once.
   */
  load32Used(va: number): number {
    this.guard();
    const v = this.load32(va);
    const nop = COSTS["load-delay.nop"];
    this.execInstructions(nop.instructions, nop.label, nop.category);
    return v;
  }

  load16(va: number): number {
    return this.access(va >>> 0, 2, ACCESS_LOAD, 0, Category.Memory);
  }

  load8(va: number): number {
    return this.access(va >>> 0, 1, ACCESS_LOAD, 0, Category.Memory);
  }

  store16(va: number, value: number): void {
    this.access(va >>> 0, 2, ACCESS_STORE, value | 0, Category.Memory);
  }

  store8(va: number, value: number): void {
    this.access(va >>> 0, 1, ACCESS_STORE, value | 0, Category.Memory);
  }

  /**
   * Loads a register-sized word for a save/restore path: the same access as load32, charged
   * to RegRestore rather than Memory so that attribution shows context-switch costs.
   */
  loadReg(va: number, reg: number): void {
    const r = reg | 0;
    const v = this.access(va >>> 0, 4, ACCESS_LOAD, 0, Category.RegRestore);
    if (r > 0 && r < REGISTER_COUNT) this.regs[r] = v;
  }

  /** Stores register `reg` for a save path (charged to RegSave). */
  storeReg(va: number, reg: number): void {
    this.access(va >>> 0, 4, ACCESS_STORE, this.regs[reg | 0] ?? 0, Category.RegSave);
  }

  protected access(va: number, size: number, kind: number, value: number, cat: Category): number {
    this.guard();
    this.takeDueEvents();
    for (let tries = 0; ; tries++) {
      const pa = this.translate(va, size, kind);
      if (pa >= 0) {
        let v = 0;
        let stall = 0;
        let miss = 0;
        if (this.lastUncached) stall = this.drainStall();
        if (kind === ACCESS_LOAD) {
          if (!this.lastUncached) miss = this.dataRead(pa);
          v =
            size === 4
              ? this.mem32[pa >>> 2]!
              : size === 2
                ? this.mem16[pa >>> 1]!
                : this.mem8[pa]!;
        } else {
          if (!this.lastUncached) {
            stall = this.storeStall();
            this.dataWrite(pa, size);
          }
          if (size === 4) this.mem32[pa >>> 2] = value;
          else if (size === 2) this.mem16[pa >>> 1] = value;
          else this.mem8[pa] = value;
        }
        this.chargeMemoryAccess(this.accessCycles, cat, stall, miss);
        return v;
      }
      if (this.lastResolution === Resolution.Emulated) {
        this.pcAddr = (this.pcAddr + 4) >>> 0;
        return kind === ACCESS_LOAD ? this.emulatedValue >>> 0 : 0;
      }
      if (tries >= this.faultRetryLimit) {
        throw new KernelContractError(
          `fault storm: the access to ${hex(va)} faulted ${tries} times; a kernel must bound retries`,
        );
      }
    }
  }

  /**
   * Virtual to physical for one access. Returns the physical address, or -1 after raising
   * the exception (the handler has run; lastResolution says what it decided). Sets accessCycles.
   */
  protected translate(va: number, size: number, kind: number): number {
    if ((va & (size - 1)) !== 0) {
      return this.fault(kind === ACCESS_LOAD ? ExcCode.AdEL : ExcCode.AdES, va, false);
    }
    if (va >= KSEG0) {
      if ((this.status & SR_KUC) !== 0) {
        return this.fault(kind === ACCESS_LOAD ? ExcCode.AdEL : ExcCode.AdES, va, false);
      }
      if (va < KSEG2) {
        const pa = va < KSEG1 ? va - KSEG0 : va - KSEG1;
        if (pa + size > this.memoryBytes) return this.fault(ExcCode.DBE, va, false);
        this.lastUncached = va >= KSEG1;
        this.accessCycles = this.lastUncached ? this.uncachedCycles : this.cachedCycles;
        return pa;
      }
    }
    const vpn = va >>> 12;
    const slot = this.tlb.probe(vpn, this.tlb.asid);
    if (slot < 0) {
      return this.fault(kind === ACCESS_LOAD ? ExcCode.TLBL : ExcCode.TLBS, va, va < KSEG0);
    }
    const base = this.tlb.pageBase[slot]!;
    if (base < 0) return this.fault(kind === ACCESS_LOAD ? ExcCode.TLBL : ExcCode.TLBS, va, false);
    if (kind === ACCESS_STORE && this.tlb.writable[slot] === 0)
      return this.fault(ExcCode.Mod, va, false);
    const pa = base + (va & 0xfff);
    if (pa + size > this.memoryBytes) return this.fault(ExcCode.DBE, va, false);
    this.lastUncached = this.tlb.uncached[slot] !== 0;
    this.accessCycles = this.lastUncached ? this.uncachedCycles : this.cachedCycles;
    return pa;
  }

  protected fault(code: ExcCode, va: number, refill: boolean): number {
    this.lastResolution = this.raiseException(code, va, refill, 0);
    return -1;
  }
}
