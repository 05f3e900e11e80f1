import { Category } from "../accounting.js";
import { type Cost, isCost } from "../cost.js";
import { COSTS } from "../costs.js";
import { ExcCode, Resolution, SR_CU1, SR_KUC } from "../cpu-defs.js";
import { ArgumentError, KernelContractError } from "../errors.js";
import { MAX_EXEC_INSTRUCTIONS } from "./constants.js";
import { CpuTraps } from "./traps.js";

const { floor } = Math;
const { isInteger } = Number;

/**
 * Counted work: `charge` (raw cycles), `exec`/`execUnder` (a cost record's instructions,
 * split at the exact cycle of an event), and the coprocessor-1 instruction.
 */
export class CpuExec extends CpuTraps {
  // ---- cycles -----------------------------------------------------------------------

  /** Charges `cycles` to the current owner in `cat`, taking events due on the way. */
  charge(cycles: number, cat: Category, label = ""): void {
    this.guard();
    this.chargeCycles(cycles, cat, label);
  }

  /**
   * Straight-line work: the counted path `cost` (a record of a package's costs table, made by
   * `defineCosts`), `times` times in one charge: `cost.instructions × times` MIPS instructions
   * (loads and stores are not counted in them: the accesses charge themselves), reported under
   * `cost.label`. Category: the record's, else User in user mode and Kernel in kernel mode. An
   * event due inside the work is taken at its exact cycle, with the PC at the instruction
   * reached. `times` 0 charges nothing and notes nothing. A value that is not a registered
   * record (a literal, a copy, a Proxy) is an ArgumentError, found without running any of it.
   */
  exec(cost: Cost, times = 1): void {
    this.guard();
    if (cost !== this.lastCost) this.admitCost(cost);
    const n = this.checkedInstructions(cost.instructions, times);
    if (this.memOn && n !== 0) this.execThroughMemory(cost, times, n, cost.label, cost.category);
    else this.execInstructions(n, cost.label, cost.category);
  }

  /**
   * `exec` for a kernel's CPU view, which decides how user work is reported: the same charge,
   * under `label` and `category` (the env's label past its quota goes under the kernel's
   * overflow label; user work in a host window is user work whatever the mode). `category`
   * undefined: the mode's, as `exec`.
   */
  execUnder(cost: Cost, times: number, label: string, category: Category | undefined): void {
    this.guard();
    if (cost !== this.lastCost) this.admitCost(cost);
    const n = this.checkedInstructions(cost.instructions, times);
    if (this.memOn && n !== 0) this.execThroughMemory(cost, times, n, label, category);
    else this.execInstructions(n, label, category);
  }

  /**
   * Counted work on the memory system: the code's fetch misses (before it runs), the
   * instructions, then the stalls of the stores the record declares (spaced through it). The
   * declared loads hit (see memory-system.ts).
   */
  protected execThroughMemory(
    cost: Cost,
    times: number,
    instructions: number,
    label: string,
    category: Category | undefined,
  ): void {
    const miss = this.fetchMisses(cost, times) * this.missCycles;
    if (miss > 0) {
      this.chargeCycles(miss, Category.CacheMiss, label);
      this.accounting.noteMemory(label, 0, miss);
    }
    const stall = this.declaredStoreStall(
      instructions * this.cyclesPerInstruction,
      cost.stores * times,
    );
    this.execInstructions(instructions, label, category);
    if (stall > 0) {
      this.chargeCycles(stall, Category.WriteStall, label);
      this.accounting.noteMemory(label, stall, 0);
    }
  }

  /**
   * Drains the write buffer (the kernel's wbflush: spin on the coprocessor condition until
   * the buffer is empty), charging the wait to WriteStall. The spin's instructions are the
   * caller's to count.
   */
  drainWriteBuffer(): void {
    this.guard();
    const stall = this.drainStall();
    if (stall > 0) this.chargeCycles(stall, Category.WriteStall, "");
  }

  /** The last record admitted (a registered record stays registered while referenced). */
  protected lastCost: Cost = COSTS["cp1.op"];

  protected admitCost(cost: unknown): void {
    if (!isCost(cost)) {
      throw new ArgumentError(
        "exec: the cost must be a record of a costs table (defineCosts), not a number or an object of its own",
      );
    }
    this.lastCost = cost;
  }

  /** `instructions × times`, checked: `times` a non-negative integer, the product within the limit. */
  protected checkedInstructions(instructions: number, times: number): number {
    if (typeof times !== "number" || !isInteger(times) || times < 0) {
      throw new ArgumentError(
        `exec: times must be a non-negative integer, got ${typeof times === "number" ? times : typeof times}`,
      );
    }
    const n = instructions * times;
    if (n > MAX_EXEC_INSTRUCTIONS) {
      throw new ArgumentError(
        `exec: instructions × times must be at most ${MAX_EXEC_INSTRUCTIONS}, got ${n}`,
      );
    }
    return n;
  }

  protected execInstructions(instructions: number, label: string, cat: Category | undefined): void {
    if (instructions === 0) return;
    const c = cat ?? ((this.status & SR_KUC) !== 0 ? Category.User : Category.Kernel);
    this.accounting.noteLabel(label, instructions, instructions * this.cyclesPerInstruction);
    this.sync();
    let left = instructions;
    while (left > 0) {
      const room = this.nextEventCycle - this.nowCycles;
      // Instructions that complete before the next event's cycle.
      const fit =
        room === Number.POSITIVE_INFINITY ? left : floor(room / this.cyclesPerInstruction);
      if (fit >= left) {
        this.pcAddr = (this.pcAddr + 4 * left) >>> 0;
        this.chargeCycles(left * this.cyclesPerInstruction, c, label);
        return;
      }
      if (fit > 0) {
        this.pcAddr = (this.pcAddr + 4 * fit) >>> 0;
        this.chargeCycles(fit * this.cyclesPerInstruction, c, label);
        left -= fit;
      } else if (room > 0) {
        // The event falls inside the next instruction (cyclesPerInstruction > 1): the
        // instruction completes, then the event is taken, as after an access.
        this.pcAddr = (this.pcAddr + 4) >>> 0;
        this.chargeWhole(this.cyclesPerInstruction, c, label);
        left--;
      } else {
        // The event is due now: take it before the next instruction.
        this.onEventsDue();
        if (this.nextEventCycle <= this.nowCycles) {
          // Nothing retired the event (a handler that does not advance time): go on.
          this.pcAddr = (this.pcAddr + 4 * left) >>> 0;
          this.chargeCycles(left * this.cyclesPerInstruction, c, label);
          return;
        }
      }
    }
  }

  /**
   * A floating-point instruction (coprocessor 1): raises CpU (Cause.CE = 1) unless Status.CU1
   * is set. Retry re-executes it (a handler that enabled CU1); Emulated skips it. Returns
   * whether the instruction executed on the coprocessor.
   */
  coprocessor1(): boolean {
    this.guard();
    for (let tries = 0; ; tries++) {
      if ((this.status & SR_CU1) !== 0) {
        const op = COSTS["cp1.op"];
        this.execInstructions(op.instructions, op.label, op.category);
        return true;
      }
      if (this.raiseException(ExcCode.CpU, 0, false, 1) === Resolution.Emulated) {
        this.pcAddr = (this.pcAddr + 4) >>> 0;
        return false;
      }
      if (tries >= this.faultRetryLimit)
        throw new KernelContractError("fault storm on a coprocessor instruction");
    }
  }
}
