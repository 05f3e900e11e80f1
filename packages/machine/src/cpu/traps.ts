import { CATEGORY_COUNT, Category, KERNEL_OWNER } from "../accounting.js";
import type { Cpu } from "../cpu.js";
import { CAUSE_IP_SHIFT, ExcCode, Resolution, SR_IEC, SR_IM_MASK, SR_KUC } from "../cpu-defs.js";
import { ArgumentError, ContextAbort, KernelContractError } from "../errors.js";
import { HOST_BUDGET_WORD, HOST_MISS_WORD, HOST_STALL_WORD } from "../memory.js";
import { checkStackReserve } from "../reserve.js";
import { type ExceptionHandler, MAX_EXCEPTION_DEPTH } from "./constants.js";
import { CpuMemory } from "./memory-system.js";

/** The budget word's index as an immediate (see clock.ts). */
const enum Hot {
  BudgetWord = 0x80000,
  StallWord = 0x80002,
  MissWord = 0x80003,
}
if (
  Hot.BudgetWord !== HOST_BUDGET_WORD ||
  Hot.StallWord !== HOST_STALL_WORD ||
  Hot.MissWord !== HOST_MISS_WORD
) {
  throw new Error("cpu/traps.ts Hot must match HOST_BUDGET_WORD (memory.ts)");
}
const { imul } = Math;
const { isInteger } = Number;

/**
 * Exception entry and return, and the instructions that trap: the handler table's dispatch
 * (transactional with respect to host errors), `rfe`, `syscall`, `break`, the overflowing
 * add, the multiplier, interrupts, and the stack-reserve guard of every entry point that
 * user-mode code can reach.
 */
export class CpuTraps extends CpuMemory {
  // ---- exceptions -------------------------------------------------------------------

  /**
   * Takes an exception: sets EPC, Cause (with `coprocessor` in CE for CpU), BadVAddr (and
   * EntryHi/Context for TLB faults), pushes the KU/IE stack into kernel mode with interrupts
   * off, charges the pipeline cost and runs the handler the kernel installed (the UTLB-refill
   * vector for kuseg misses, the general vector otherwise) on the spot, as the kernel owner.
   * The handler must execute `rfe` and leave the mode as it found it. Afterwards the PC is back
   * at EPC (the instruction is retried, or skipped by the caller when emulated). Returns the
   * handler's decision.
   */
  raise(code: ExcCode, badVaddr: number, refill = false, coprocessor = 0): Resolution {
    this.guard();
    return this.raiseException(code, badVaddr, refill, coprocessor);
  }

  protected raiseException(
    code: ExcCode,
    badVaddr: number,
    refill: boolean,
    coprocessor: number,
  ): Resolution {
    const handler = refill ? this.refillHandler : this.handlers[code];
    if (handler === undefined) {
      throw new KernelContractError(
        `no handler installed for exception ${code}${refill ? " (UTLB refill)" : ""}`,
      );
    }
    if (this.exceptionDepth >= MAX_EXCEPTION_DEPTH) {
      throw new KernelContractError(
        `exceptions nested ${MAX_EXCEPTION_DEPTH} deep: a handler keeps raising (an unacknowledged interrupt?)`,
      );
    }
    this.sync();
    const statusBefore = this.status;
    const ownerBefore = this.owner;
    const depthBefore = this.exceptionDepth;
    const rfeSeenBefore = this.rfeExecuted;
    const epc = this.pcAddr;
    let r: Resolution;
    // Transactional with respect to host errors: whatever the host throws between the entry
    // and the handler's return (a RangeError of an exhausted JS stack, a kernel's
    // ContextAbort, an error of untrusted code that escaped its kernel) leaves the CPU in the
    // mode, owner and depth it had before the exception. Nothing is ever left in kernel mode.
    try {
      r = this.enter(handler, code, badVaddr >>> 0, refill, coprocessor, epc);
    } catch (e) {
      // No calls before the state is restored: with an exhausted stack a call may throw
      // again. (The frames of enter and below have been popped: a leaf call after this fits.)
      const m = this.host;
      const budget = m[Hot.BudgetWord]!;
      const n = this.armedBudget - budget;
      if (n !== 0) {
        const stall = m[Hot.StallWord]!;
        const miss = m[Hot.MissWord]!;
        this.nowCycles += n + miss;
        this.attrTable[this.attrBase + Category.Memory] += n - stall;
        this.attrTable[this.attrBase + Category.WriteStall] += stall;
        this.attrTable[this.attrBase + Category.CacheMiss] += miss;
        this.armedBudget = budget - miss;
        m[Hot.BudgetWord] = budget - miss;
        m[Hot.StallWord] = 0;
        m[Hot.MissWord] = 0;
      }
      this.status = statusBefore;
      this.owner = ownerBefore;
      this.attrBase = ownerBefore * CATEGORY_COUNT;
      this.exceptionDepth = depthBefore;
      this.rfeExecuted = rfeSeenBefore;
      this.pcAddr = epc;
      // Marked pending before the check, which is a call and may itself fail for want of
      // stack: a throw that cannot be told apart is the kernel's to deal with as a host throw.
      const pendingBefore = this.hostThrowPending;
      this.hostThrowPending = true;
      if (ContextAbort.is(e)) this.hostThrowPending = pendingBefore;
      else this.noteHostThrow();
      throw e;
    }
    this.exceptionDepth = depthBefore;
    const rfeSeen = this.rfeExecuted;
    this.rfeExecuted = rfeSeenBefore;
    this.setOwner(ownerBefore);
    if (!rfeSeen || (this.status & 3) !== (statusBefore & 3)) {
      throw new KernelContractError(
        `handler for exception ${code} returned without restoring the mode (missing rfe)`,
      );
    }
    this.pcAddr = epc;
    return r;
  }

  /** The exception entry proper: Cause, EPC, BadVAddr, the KU/IE push, the pipeline charge, the handler. */
  protected enter(
    handler: ExceptionHandler,
    code: ExcCode,
    badVaddr: number,
    refill: boolean,
    coprocessor: number,
    epc: number,
  ): Resolution {
    this.exceptionCounts[refill ? 16 : code]!++;
    this.epc = epc;
    this.cause = ((this.cause & 0x0000ff00) | ((coprocessor & 3) << 28) | (code << 2)) >>> 0;
    if (code === ExcCode.Mod || code === ExcCode.TLBL || code === ExcCode.TLBS) {
      this.badVaddr = badVaddr;
      this.entryHi = ((badVaddr & 0xfffff000) | (this.asid << 6)) >>> 0;
      this.context = ((this.context & 0xffe00000) | (((badVaddr >>> 12) & 0x7ffff) << 2)) >>> 0;
    } else if (code === ExcCode.AdEL || code === ExcCode.AdES) {
      this.badVaddr = badVaddr;
    }
    this.status = ((this.status & ~0x3f) | ((this.status << 2) & 0x3c)) >>> 0;
    this.setOwner(KERNEL_OWNER);
    this.tracerRef?.instant(
      this.nowCycles,
      refill ? "exception:refill" : `exception:${code}`,
      this.owner,
    );
    this.rfeExecuted = false;
    this.exceptionDepth++;
    this.chargeCycles(this.profile.exceptionEntryCycles, Category.TrapEntry, "");
    return handler(this as unknown as Cpu); // the one concrete class is Cpu
  }

  /**
   * The stack reserve (reserve.ts), checked at every entry point user-mode code can reach
   * (accesses past the fast path, `exec`, block copies, traps, `charge`), before anything
   * changes: an entry either has host stack for all the kernel work it may cause (handlers,
   * event service, device completions) or throws the host's RangeError with nothing done,
   * recorded as a host throw. Kernel-mode calls are already inside a checked entry (or are host
   * set-up code) and skip it. The TLB-hit fast path makes no call and needs none.
   */
  protected guard(): void {
    if ((this.status & SR_KUC) === 0) return;
    try {
      checkStackReserve();
    } catch (e) {
      // Recorded here, before any call: a stack too full for the probe may be too full for
      // one more frame (noteHostThrow's), and the throw must be counted whatever happens.
      this.hostThrows++;
      this.hostThrowPending = true;
      this.callHostThrowHook();
      throw e;
    }
  }

  /**
   * A host error crossed an exception frame: recorded for the kernel (which decides whose
   * death it is), whose hook is then called. The flag stays set if the hook cannot run (the
   * stack is still exhausted): the kernel reads it at its next boundary and clears it.
   */
  protected noteHostThrow(): void {
    this.hostThrows++;
    this.hostThrowPending = true;
    this.callHostThrowHook();
  }

  /** Calls the kernel's host-throw hook, if any; a throw from it (no stack) is swallowed. */
  private callHostThrowHook(): void {
    const hook = this.onHostThrow;
    if (hook === null) return;
    try {
      hook();
    } catch {
      // Still no stack: the pending flag tells the kernel later. The value is not inspected.
    }
  }

  /** `rfe`: pops the KU/IE stack. One instruction, charged to TrapExit. */
  rfe(): void {
    this.status = ((this.status & ~0x0f) | ((this.status >>> 2) & 0x0f)) >>> 0;
    this.rfeExecuted = true;
    this.chargeCycles(this.profile.cp0OpCycles, Category.TrapExit, "");
    this.checkInterrupts();
  }

  /** A `syscall` instruction: raises Sys with EPC at it; execution goes on after it. */
  syscall(): Resolution {
    this.guard();
    const r = this.raiseException(ExcCode.Sys, 0, false, 0);
    this.pcAddr = (this.pcAddr + 4) >>> 0;
    return r;
  }

  /** A `break` instruction; execution goes on after it. */
  breakpoint(): Resolution {
    this.guard();
    const r = this.raiseException(ExcCode.Bp, 0, false, 0);
    this.pcAddr = (this.pcAddr + 4) >>> 0;
    return r;
  }

  /**
   * `add` with overflow trap: returns a + b, or raises Ov when the signed 32-bit sum
   * overflows. A handler that returns Retry has the add executed again; one that returns
   * Emulated supplies the result in `emulatedValue`.
   */
  addTrapping(a: number, b: number): number {
    this.guard();
    const sum = (a | 0) + (b | 0);
    for (let tries = 0; ; tries++) {
      this.chargeCycles(
        this.cyclesPerInstruction,
        (this.status & SR_KUC) !== 0 ? Category.User : Category.Kernel,
        "",
      );
      if (sum <= 0x7fffffff && sum >= -0x80000000) {
        this.pcAddr = (this.pcAddr + 4) >>> 0;
        return sum;
      }
      if (this.raiseException(ExcCode.Ov, 0, false, 0) === Resolution.Emulated) {
        this.pcAddr = (this.pcAddr + 4) >>> 0;
        return this.emulatedValue | 0;
      }
      if (tries >= this.faultRetryLimit)
        throw new KernelContractError("fault storm on an overflowing add");
    }
  }

  /**
   * `mult` then `mflo`: the low 32 bits of a signed product, charged the multiplier's latency
   * (profile.multiplyCycles) as one instruction.
   */
  multiply(a: number, b: number): number {
    this.guard();
    this.chargeCycles(
      this.profile.multiplyCycles,
      (this.status & SR_KUC) !== 0 ? Category.User : Category.Kernel,
      "",
    );
    this.pcAddr = (this.pcAddr + 4) >>> 0;
    return imul(a, b);
  }

  // ---- coprocessor 0 and interrupts -------------------------------------------------

  /** mtc0 Status (kernel mode only: a kernel's business). Re-checks pending interrupts. */
  setStatus(value: number): void {
    this.status = value >>> 0;
    this.chargeCycles(this.profile.cp0OpCycles, Category.Kernel, "");
    this.checkInterrupts();
  }

  /** A device asserts interrupt line `line` (2..7). */
  assertIrq(line: number): void {
    checkLine(line);
    this.cause = (this.cause | (1 << (CAUSE_IP_SHIFT + line))) >>> 0;
    this.checkInterrupts();
  }

  /** A device deasserts its line (after the kernel acknowledged it). */
  clearIrq(line: number): void {
    checkLine(line);
    this.cause = (this.cause & ~(1 << (CAUSE_IP_SHIFT + line))) >>> 0;
  }

  /** Takes an interrupt if one is pending, enabled by its mask, and IEc is set. */
  checkInterrupts(): void {
    while ((this.status & SR_IEC) !== 0 && (this.cause & this.status & SR_IM_MASK) !== 0) {
      this.raiseException(ExcCode.Int, 0, false, 0);
    }
  }
}

/** Hardware interrupt lines are IP2..IP7 (IP0/IP1 are the software interrupts). */
function checkLine(line: number): void {
  if (!(isInteger(line) && line >= 2 && line <= 7)) {
    throw new ArgumentError(`interrupt line must be an integer in [2, 7], got ${String(line)}`);
  }
}
