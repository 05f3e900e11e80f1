import { type Accounting, CATEGORY_COUNT, Category, KERNEL_OWNER } from "../accounting.js";
import { REGISTER_COUNT, Resolution, SR_IEC, SR_IM_MASK, SR_KUC } from "../cpu-defs.js";
import { ArgumentError } from "../errors.js";
import {
  HOST_BUDGET_WORD,
  HOST_MISS_WORD,
  HOST_STALL_WORD,
  HOST_WB_BIAS,
  HOST_WB_WORD,
  type PhysicalMemory,
} from "../memory.js";
import type { MachineProfile } from "../profiles.js";
import type { Tlb } from "../tlb.js";
import type { Tracer } from "../trace.js";
import type { ExceptionHandler } from "./constants.js";

/**
 * The budget word's index, as an immediate: an imported constant is a module binding that the
 * JIT loads and checks on every use; a const enum is inlined (equal to memory.ts's
 * HOST_BUDGET_WORD, asserted below).
 */
const enum Hot {
  BudgetWord = 0x80000,
  WbWord = 0x80001,
  StallWord = 0x80002,
  MissWord = 0x80003,
  WbBias = 0x100000,
}
if (
  Hot.BudgetWord !== HOST_BUDGET_WORD ||
  Hot.WbWord !== HOST_WB_WORD ||
  Hot.StallWord !== HOST_STALL_WORD ||
  Hot.MissWord !== HOST_MISS_WORD ||
  Hot.WbBias !== HOST_WB_BIAS
) {
  throw new Error("cpu/clock.ts Hot must match the host control words (memory.ts)");
}
/** Budget of fast accesses when no event is pending (re-armed when spent). */
const UNBOUNDED_BUDGET = 1 << 30;
// Captured when this module loads (see intrinsics.ts), as module-local constants: the JIT
// folds them and inlines the builtins, where an imported binding is loaded and checked on
// every use (as the Hot enum's comment says of constants).
const { min, max, ceil } = Math;
const { isInteger, isSafeInteger } = Number;

/**
 * The CPU's state and its clock: registers, coprocessor 0, the owner and the attribution
 * table, the cycle counter, the notional PC, and the budget of deferred fast accesses.
 * The first layer of the Cpu (cpu.ts): the layers above it (traps, exec, access, block) add
 * one mechanism each and share this state.
 *
 * Invariants:
 * - Every cycle lands in `attr[owner * CATEGORY_COUNT + category]`.
 * - Cycles are only ever added through `chargeCycles`/`chargeWhole` (taking the events due
 *   on the way, at their exact cycle) or in bulk by `sync()` for the fast accesses.
 * - `armedBudget - host[budget word]` cycles of fast accesses (one each) and their write-buffer
 *   stalls (host[stall word] of them), plus host[miss word] cycles of cache-miss penalties,
 *   have completed and are not synced yet (the misses are kept out of the budget word so that
 *   its next value never waits for a tag's host load; the cycles left are budget − misses):
 *   everything that reads or changes the clock, the PC or the owner syncs first.
 * - The write buffer's state is `wbLast`, the cycle its last word is retired to memory, held
 *   in the host's write-buffer word in budget coordinates between arms (see wbPull/wbPush):
 *   `now + armedBudget` is invariant under sync, so the word stays valid until the next arm.
 */
export class CpuClock {
  /** General registers 0..31, then HI (32) and LO (33). r0 reads 0: write it through setReg. */
  readonly regs = new Int32Array(REGISTER_COUNT);
  // Coprocessor 0.
  status = SR_KUC | SR_IEC | SR_IM_MASK;
  cause = 0;
  epc = 0;
  badVaddr = 0;
  entryHi = 0;
  entryLo = 0;
  index = 0;
  context = 0;

  /** Set by a kernel that wants the running context switched at its next safepoint. */
  switchPending = false;
  /** Value a handler puts here when it returns Resolution.Emulated for a load. */
  emulatedValue = 0;
  /** Exceptions currently being handled (nested depth), for kernels that bound nesting. */
  exceptionDepth = 0;
  /** Exceptions taken since reset, by ExcCode; index 16 counts UTLB refills. */
  readonly exceptionCounts = new Float64Array(17);

  owner = KERNEL_OWNER;
  /** Cycles by (owner, category): the Accounting's table, which this CPU writes. */
  protected attrTable: Float64Array;
  protected attrBase = 0;

  readonly handlers: (ExceptionHandler | undefined)[] = new Array(16).fill(undefined);
  refillHandler: ExceptionHandler | undefined;
  /** Called when the clock reaches `nextEventAt`; the machine fires the due events. */
  onEventsDue: () => void = () => {};
  protected tracerRef: Tracer | null = null;
  /**
   * Called (with no argument: the thrown value is never handed on) when a host error other
   * than a kernel's ContextAbort unwinds an exception frame; the CPU state was restored first.
   * A kernel uses it to make that the death of the environment or process that caused it.
   */
  onHostThrow: (() => void) | null = null;
  /** Set with each such host throw; the kernel clears it once it has dealt with it. */
  hostThrowPending = false;
  /** Host throws that unwound an exception frame since reset. */
  hostThrows = 0;
  /** A handler that keeps returning Retry on the same access past this count is a kernel bug. */
  faultRetryLimit = 100_000;

  protected nowCycles = 0;
  protected pcAddr = 0x00400000;
  protected nextEventCycle = Number.POSITIVE_INFINITY;
  /** The budget word as last armed: `armedBudget - budget word` hits are not synced yet. */
  protected armedBudget = 0;
  /** Set by `rfe`; a handler must have executed one (checked by `raise`). */
  protected rfeExecuted = false;

  /**
   * [host map | budget word | memory] (see PhysicalMemory). Declared, not initialised, so
   * that the constructor's one store leaves it a constant field the JIT can fold (a `#` field is
   * defined as undefined first, then stored, which the JIT treats as mutable). Private to TypeScript only, like
   * `memory`: the Cpu is privileged, and untrusted code gets a kernel's view, never the Cpu.
   */
  declare protected readonly host: Uint32Array;
  protected readonly mem8: Uint8Array;
  protected readonly mem16: Uint16Array;
  protected readonly mem32: Uint32Array;
  protected readonly memoryBytes: number;
  protected readonly cachedCycles: number;
  protected readonly uncachedCycles: number;
  protected readonly cyclesPerInstruction: number;
  protected lastResolution: number = Resolution.Retry;
  protected accessCycles = 0;
  // The memory system (profile; all zero with memorySystem off: hits and no stalls).
  protected readonly memOn: boolean;
  /** Data-cache line index mask (lines - 1). */
  protected readonly dMask: number;
  /** Instruction-cache line index mask (lines - 1). */
  protected readonly iMask: number;
  /** Cycles a cache miss adds to the hit. */
  protected readonly missCycles: number;
  /** Write buffer: stages, cycles to retire a word, (depth-1)·retire, (depth-2)·retire. */
  protected readonly wbDepth: number;
  protected readonly wbRetire: number;
  protected readonly wbSpan: number;
  protected readonly wbK: number;

  constructor(
    readonly profile: MachineProfile,
    readonly memory: PhysicalMemory,
    readonly tlb: Tlb,
    readonly accounting: Accounting,
  ) {
    this.host = memory.host;
    this.mem8 = memory.u8;
    this.mem16 = memory.u16;
    this.mem32 = memory.u32;
    this.memoryBytes = memory.sizeBytes;
    this.cachedCycles = profile.cachedAccessCycles;
    this.uncachedCycles = profile.uncachedAccessCycles;
    this.cyclesPerInstruction = profile.cyclesPerInstruction;
    this.memOn = profile.memorySystem === true;
    this.dMask = (profile.dataCacheBytes >>> 2) - 1;
    this.iMask = (profile.instructionCacheBytes >>> 2) - 1;
    this.missCycles = this.memOn ? profile.cacheMissCycles : 0;
    this.wbDepth = profile.writeBufferDepth;
    this.wbRetire = this.memOn ? profile.writeRetireCycles : 0;
    this.wbSpan = (this.wbDepth - 1) * this.wbRetire;
    this.wbK = (this.wbDepth - 2) * this.wbRetire;
    this.attrTable = accounting.attach(
      () => this.sync(),
      (table) => {
        this.attrTable = table;
      },
    );
    this.wbPush(0);
    this.arm();
  }

  // ---- the clock, the PC and the deferred fast accesses ------------------------------

  /** The clock, in cycles since reset. */
  get now(): number {
    this.sync();
    return this.nowCycles;
  }

  /** A notional program counter: advances 4 bytes per instruction, saved in EPC on exceptions. */
  get pc(): number {
    this.sync();
    return this.pcAddr;
  }

  set pc(value: number) {
    this.sync();
    this.pcAddr = value >>> 0;
  }

  /** Cycle of the earliest pending event (mirrors the event queue; +Infinity when empty). */
  get nextEventAt(): number {
    return this.nextEventCycle;
  }

  set nextEventAt(cycle: number) {
    this.sync();
    this.nextEventCycle = cycle;
    this.arm();
  }

  get tracer(): Tracer | null {
    return this.tracerRef;
  }

  set tracer(t: Tracer | null) {
    this.sync();
    this.tracerRef = t;
    this.arm();
  }

  /** The attribution table, `attr[owner * CATEGORY_COUNT + category]`, with every access in it. */
  get attr(): Float64Array {
    this.sync();
    return this.attrTable;
  }

  /** Adds the fast accesses not yet accounted (call before reading the attribution table). */
  flush(): void {
    this.sync();
  }

  protected sync(): void {
    const m = this.host;
    const budget = m[Hot.BudgetWord]!;
    const n = this.armedBudget - budget;
    if (n === 0) return;
    if (!this.memOn) {
      // No memory system: n one-cycle hits, nothing else.
      this.nowCycles += n;
      this.attrTable[this.attrBase + Category.Memory] += n;
      this.pcAddr = (this.pcAddr + 4 * n) >>> 0;
      this.armedBudget = budget;
      return;
    }
    const stall = m[Hot.StallWord]!;
    const miss = m[Hot.MissWord]!;
    const accesses = n - stall;
    this.nowCycles += n + miss;
    const t = this.attrTable;
    const b = this.attrBase;
    t[b + Category.Memory] += accesses;
    if (stall !== 0) t[b + Category.WriteStall] += stall;
    if (miss !== 0) t[b + Category.CacheMiss] += miss;
    this.pcAddr = (this.pcAddr + 4 * accesses) >>> 0;
    // The misses are folded into the budget: now + armedBudget stays what it was.
    this.armedBudget = budget - miss;
    m[Hot.BudgetWord] = budget - miss;
    m[Hot.StallWord] = 0;
    m[Hot.MissWord] = 0;
  }

  /**
   * Sets the budget: cycles of fast accesses that complete before the next event (none while
   * tracing); a fast access is one cycle (a hit: validateProfile requires it) plus its stall.
   */
  protected arm(): void {
    // The write buffer's word is in budget coordinates: re-based when the budget is.
    const last = this.memOn ? this.wbPull() : 0;
    let k = 0;
    if (this.tracerRef === null) {
      const room = this.nextEventCycle - this.nowCycles;
      // Capped: the budget word is 32 bits, and an event may be 2^32 cycles or more away.
      k = min(UNBOUNDED_BUDGET, max(0, ceil(room) - 1));
    }
    this.host[Hot.BudgetWord] = k;
    this.armedBudget = k;
    if (this.memOn) this.wbPush(last);
  }

  /**
   * The cycle at which the write buffer's last word is retired, read from the host word. The
   * word holds S + bias, S = wbBase - (last - (depth-1)·retire): a store issued with budget b
   * (at cycle wbBase - b) stalls b - S cycles when that is positive.
   */
  protected wbPull(): number {
    const s = this.host[Hot.WbWord]! - Hot.WbBias;
    return this.wbBase - s + this.wbSpan;
  }

  /**
   * Writes `last` into the host word. A buffer already empty is the same as one that empties
   * now (its past does not matter), which keeps the word within 32 bits.
   */
  protected wbPush(last: number): void {
    const l = max(last, this.nowCycles);
    this.wbBase = this.nowCycles + this.armedBudget;
    this.host[Hot.WbWord] = this.wbBase - (l - this.wbSpan) + Hot.WbBias;
  }

  /**
   * `now + armedBudget` when the write-buffer word was written: the cycle that budget 0 stands
   * for. Sync keeps now + armedBudget; a charge moves now, and arm() then re-bases the word.
   */
  protected wbBase = 0;

  // ---- modes, owners, registers -------------------------------------------------------

  get userMode(): boolean {
    return (this.status & SR_KUC) !== 0;
  }

  setOwner(owner: number): number {
    if (!(isInteger(owner) && owner >= 0 && owner < this.accounting.owners.length)) {
      throw new ArgumentError(`unknown owner ${String(owner)}: register it first`);
    }
    this.sync();
    const prev = this.owner;
    this.owner = owner;
    this.attrBase = owner * CATEGORY_COUNT;
    return prev;
  }

  /** Register i (0..33); any other index reads 0. */
  reg(i: number): number {
    return this.regs[i | 0] ?? 0;
  }

  /** Sets register i (1..33; r0 stays 0, any other index is ignored). */
  setReg(i: number, v: number): void {
    const r = i | 0;
    if (r > 0 && r < REGISTER_COUNT) this.regs[r] = v | 0;
  }

  /** Current address-space id (EntryHi.ASID): the one translations use (kept by the TLB). */
  get asid(): number {
    return this.tlb.asid;
  }

  /** Sets the current ASID (EntryHi.ASID); the TLB's host map switches with it. */
  setAsid(asid: number): void {
    const a = asid & 63;
    this.entryHi = ((this.entryHi & 0xfffff03f) | (a << 6)) >>> 0;
    if (a !== this.tlb.asid) this.tlb.setAsid(a);
  }

  protected chargeCycles(cycles: number, cat: Category, label: string): void {
    if (!(isSafeInteger(cycles) && cycles >= 0)) {
      throw new ArgumentError(
        `charge: cycles must be a non-negative integer, got ${String(cycles)}`,
      );
    }
    if (!(isInteger(cat) && cat >= 0 && cat < CATEGORY_COUNT)) {
      throw new ArgumentError(`charge: unknown category ${String(cat)}`);
    }
    this.sync();
    for (;;) {
      const room = this.nextEventCycle - this.nowCycles;
      if (cycles < room) {
        if (this.tracerRef !== null)
          this.tracerRef.span(this.nowCycles, cycles, this.owner, cat, label);
        this.nowCycles += cycles;
        this.attrTable[this.attrBase + cat] += cycles;
        break;
      }
      const step = max(room, 0);
      if (this.tracerRef !== null && step > 0)
        this.tracerRef.span(this.nowCycles, step, this.owner, cat, label);
      this.nowCycles += step;
      this.attrTable[this.attrBase + cat] += step;
      cycles -= step;
      this.onEventsDue();
      if (cycles <= 0) break;
    }
    this.arm();
  }

  /**
   * Takes the events already due (one scheduled for the current cycle) before the next
   * instruction starts, as `exec` does. The fast path never runs then: its budget is zero.
   */
  protected takeDueEvents(): void {
    this.sync();
    if (this.nowCycles >= this.nextEventCycle) {
      this.onEventsDue();
      this.arm();
    }
  }

  /** Charges one completed slow-path access whole (PC past it), then takes the events due. */
  protected chargeAccess(cycles: number, cat: Category): void {
    this.pcAddr = (this.pcAddr + 4) >>> 0;
    this.chargeWhole(cycles, cat, "");
  }

  /** Charges one instruction's cycles whole, then takes the events due (interrupts between instructions). */
  protected chargeWhole(cycles: number, cat: Category, label: string): void {
    this.sync();
    if (this.tracerRef !== null)
      this.tracerRef.span(this.nowCycles, cycles, this.owner, cat, label);
    this.nowCycles += cycles;
    this.attrTable[this.attrBase + cat] += cycles;
    if (this.nowCycles >= this.nextEventCycle) this.onEventsDue();
    this.arm();
  }
}
