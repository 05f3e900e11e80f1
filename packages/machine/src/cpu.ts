import { type Accounting, CATEGORY_COUNT, Category, KERNEL_OWNER } from "./accounting.js";
import { type Cost, isCost } from "./cost.js";
import { COSTS } from "./costs.js";
import {
  CAUSE_IP_SHIFT,
  ExcCode,
  KSEG0,
  KSEG1,
  KSEG2,
  REGISTER_COUNT,
  Resolution,
  SR_CU1,
  SR_IEC,
  SR_IM_MASK,
  SR_KUC,
} from "./cpu-defs.js";
import { ArgumentError, ContextAbort, KernelContractError } from "./errors.js";
import { typedArrayCopyWithin, typedArrayFill } from "./intrinsics.js";
import { HOST_BUDGET_WORD, type PhysicalMemory } from "./memory.js";
import type { MachineProfile } from "./profiles.js";
import { checkStackReserve } from "./reserve.js";
import { MAP_WRITABLE, type Tlb } from "./tlb.js";
import type { Tracer } from "./trace.js";

/** A kernel's exception handler: runs synchronously on the interrupted thread. */
export type ExceptionHandler = (cpu: Cpu) => Resolution;

const ACCESS_LOAD = 0;
const ACCESS_STORE = 1;
const MAX_EXEC_INSTRUCTIONS = 1_000_000_000;
/** Nested exceptions beyond this are a kernel bug (a handler that re-raises forever). */
export const MAX_EXCEPTION_DEPTH = 256;
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
  throw new Error("cpu.ts Hot must match HOST_BUDGET_WORD (memory.ts) and MAP_WRITABLE (tlb.ts)");
}
/** Budget of fast accesses when no event is pending (re-armed when spent). */
const UNBOUNDED_BUDGET = 1 << 30;
// Captured when this module loads (see intrinsics.ts), as module-local constants: the JIT
// folds them and inlines the builtins, where an imported binding is loaded and checked on
// every use (as the Hot enum's comment says of constants).
const { min, max, ceil, floor, imul } = Math;
const { isInteger, isSafeInteger } = Number;

/**
 * The R3000 core: registers, coprocessor 0, translated loads and stores, exceptions,
 * `exec`, and the cycle counter with its attribution.
 *
 * Invariants:
 * - A translated access never throws for a simulated reason. Alignment, segment, TLB and
 *   bus faults raise the architectural exception through the handler table; the handler
 *   runs on the spot; the access is retried (or emulated) afterwards.
 * - An access is atomic: its cycles are charged whole, then the events due are taken (an
 *   interrupt falls between instructions). `exec` is split at the exact cycle of an event.
 * - Every cycle lands in `attr[owner * CATEGORY_COUNT + category]`.
 *
 * The hot path (a load or store that hits the TLB): the TLB's host map gives the page of a
 * kuseg address in the current address space in one read, and the access spends one unit of
 * the budget word (the number of cached accesses that can complete before the next event).
 * Map, budget and memory are one typed array (`PhysicalMemory.host`), so a hit is three reads
 * and one write of it. The hits' cycles, their Memory attribution and the PC advance are
 * added in bulk by `#sync()` whenever anything reads or changes the clock, the PC or the
 * owner: the figures are exactly those of charging each access on its own (a test compares
 * the two with the map off).
 */
export class Cpu {
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
  #attr: Float64Array;
  #attrBase = 0;

  readonly handlers: (ExceptionHandler | undefined)[] = new Array(16).fill(undefined);
  refillHandler: ExceptionHandler | undefined;
  /** Called when the clock reaches `nextEventAt`; the machine fires the due events. */
  onEventsDue: () => void = () => {};
  #tracer: Tracer | null = null;
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

  #now = 0;
  #pc = 0x00400000;
  #nextEventAt = Number.POSITIVE_INFINITY;
  /** The budget word as last armed: `#armed - budget word` hits are not synced yet. */
  #armed = 0;
  /** Set by `rfe`; a handler must have executed one (checked by `raise`). */
  #rfeSeen = false;

  /**
   * [host map | budget word | memory] (see PhysicalMemory). Declared, not initialised, so
   * that the constructor's one store leaves it a constant field the JIT can fold (a `#` field is
   * defined as undefined first, then stored, which the JIT treats as mutable). Private to TypeScript only, like
   * `memory`: the Cpu is privileged, and untrusted code gets a kernel's view, never the Cpu.
   */
  declare private readonly host: Uint32Array;
  readonly #u8: Uint8Array;
  readonly #u16: Uint16Array;
  readonly #u32: Uint32Array;
  readonly #memBytes: number;
  readonly #cached: number;
  readonly #uncached: number;
  readonly #cpi: number;
  #resolution: number = Resolution.Retry;
  #accessCycles = 0;

  constructor(
    readonly profile: MachineProfile,
    readonly memory: PhysicalMemory,
    readonly tlb: Tlb,
    readonly accounting: Accounting,
  ) {
    this.host = memory.host;
    this.#u8 = memory.u8;
    this.#u16 = memory.u16;
    this.#u32 = memory.u32;
    this.#memBytes = memory.sizeBytes;
    this.#cached = profile.cachedAccessCycles;
    this.#uncached = profile.uncachedAccessCycles;
    this.#cpi = profile.cyclesPerInstruction;
    this.#attr = accounting.attach(
      () => this.#sync(),
      (table) => {
        this.#attr = table;
      },
    );
    this.#arm();
  }

  // ---- the clock, the PC and the deferred fast accesses ------------------------------

  /** The clock, in cycles since reset. */
  get now(): number {
    this.#sync();
    return this.#now;
  }

  /** A notional program counter: advances 4 bytes per instruction, saved in EPC on exceptions. */
  get pc(): number {
    this.#sync();
    return this.#pc;
  }

  set pc(value: number) {
    this.#sync();
    this.#pc = value >>> 0;
  }

  /** Cycle of the earliest pending event (mirrors the event queue; +Infinity when empty). */
  get nextEventAt(): number {
    return this.#nextEventAt;
  }

  set nextEventAt(cycle: number) {
    this.#sync();
    this.#nextEventAt = cycle;
    this.#arm();
  }

  get tracer(): Tracer | null {
    return this.#tracer;
  }

  set tracer(t: Tracer | null) {
    this.#sync();
    this.#tracer = t;
    this.#arm();
  }

  /** The attribution table, `attr[owner * CATEGORY_COUNT + category]`, with every access in it. */
  get attr(): Float64Array {
    this.#sync();
    return this.#attr;
  }

  /** Adds the fast accesses not yet accounted (call before reading the attribution table). */
  flush(): void {
    this.#sync();
  }

  #sync(): void {
    const n = this.#armed - this.host[Hot.BudgetWord]!;
    if (n !== 0) {
      const cycles = n * this.#cached;
      this.#now += cycles;
      this.#attr[this.#attrBase + Category.Memory] += cycles;
      this.#pc = (this.#pc + 4 * n) >>> 0;
      this.#armed -= n;
    }
  }

  /** Sets the budget: fast accesses that complete before the next event (none while tracing). */
  #arm(): void {
    let k = 0;
    if (this.#tracer === null) {
      const room = this.#nextEventAt - this.#now;
      // Capped: the budget word is 32 bits, and an event may be 2^32 cycles or more away.
      k = min(UNBOUNDED_BUDGET, max(0, ceil(room / this.#cached) - 1));
    }
    this.host[Hot.BudgetWord] = k;
    this.#armed = k;
  }

  // ---- modes, owners, registers -------------------------------------------------------

  get userMode(): boolean {
    return (this.status & SR_KUC) !== 0;
  }

  setOwner(owner: number): number {
    if (!(isInteger(owner) && owner >= 0 && owner < this.accounting.owners.length)) {
      throw new ArgumentError(`unknown owner ${String(owner)}: register it first`);
    }
    this.#sync();
    const prev = this.owner;
    this.owner = owner;
    this.#attrBase = owner * CATEGORY_COUNT;
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

  // ---- cycles -----------------------------------------------------------------------

  /** Charges `cycles` to the current owner in `cat`, taking events due on the way. */
  charge(cycles: number, cat: Category, label = ""): void {
    this.#guard();
    this.#charge(cycles, cat, label);
  }

  #charge(cycles: number, cat: Category, label: string): void {
    if (!(isSafeInteger(cycles) && cycles >= 0)) {
      throw new ArgumentError(
        `charge: cycles must be a non-negative integer, got ${String(cycles)}`,
      );
    }
    if (!(isInteger(cat) && cat >= 0 && cat < CATEGORY_COUNT)) {
      throw new ArgumentError(`charge: unknown category ${String(cat)}`);
    }
    this.#sync();
    for (;;) {
      const room = this.#nextEventAt - this.#now;
      if (cycles < room) {
        if (this.#tracer !== null) this.#tracer.span(this.#now, cycles, this.owner, cat, label);
        this.#now += cycles;
        this.#attr[this.#attrBase + cat] += cycles;
        break;
      }
      const step = max(room, 0);
      if (this.#tracer !== null && step > 0)
        this.#tracer.span(this.#now, step, this.owner, cat, label);
      this.#now += step;
      this.#attr[this.#attrBase + cat] += step;
      cycles -= step;
      this.onEventsDue();
      if (cycles <= 0) break;
    }
    this.#arm();
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
    this.#guard();
    if (cost !== this.#lastCost) this.#admitCost(cost);
    this.#exec(this.#instructions(cost.instructions, times), cost.label, cost.category);
  }

  /**
   * `exec` for a kernel's CPU view, which decides how user work is reported: the same charge,
   * under `label` and `category` (the env's label past its quota goes under the kernel's
   * overflow label; user work in a host window is user work whatever the mode). `category`
   * undefined: the mode's, as `exec`.
   */
  execUnder(cost: Cost, times: number, label: string, category: Category | undefined): void {
    this.#guard();
    if (cost !== this.#lastCost) this.#admitCost(cost);
    this.#exec(this.#instructions(cost.instructions, times), label, category);
  }

  /** The last record admitted (a registered record stays registered while referenced). */
  #lastCost: Cost = COSTS["cp1.op"];

  #admitCost(cost: unknown): void {
    if (!isCost(cost)) {
      throw new ArgumentError(
        "exec: the cost must be a record of a costs table (defineCosts), not a number or an object of its own",
      );
    }
    this.#lastCost = cost;
  }

  /** `instructions × times`, checked: `times` a non-negative integer, the product within the limit. */
  #instructions(instructions: number, times: number): number {
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

  #exec(instructions: number, label: string, cat: Category | undefined): void {
    if (instructions === 0) return;
    const c = cat ?? ((this.status & SR_KUC) !== 0 ? Category.User : Category.Kernel);
    this.accounting.noteLabel(label, instructions, instructions * this.#cpi);
    this.#sync();
    let left = instructions;
    while (left > 0) {
      const room = this.#nextEventAt - this.#now;
      // Instructions that complete before the next event's cycle.
      const fit = room === Number.POSITIVE_INFINITY ? left : floor(room / this.#cpi);
      if (fit >= left) {
        this.#pc = (this.#pc + 4 * left) >>> 0;
        this.#charge(left * this.#cpi, c, label);
        return;
      }
      if (fit > 0) {
        this.#pc = (this.#pc + 4 * fit) >>> 0;
        this.#charge(fit * this.#cpi, c, label);
        left -= fit;
      } else if (room > 0) {
        // The event falls inside the next instruction (cyclesPerInstruction > 1): the
        // instruction completes, then the event is taken, as after an access.
        this.#pc = (this.#pc + 4) >>> 0;
        this.#chargeWhole(this.#cpi, c, label);
        left--;
      } else {
        // The event is due now: take it before the next instruction.
        this.onEventsDue();
        if (this.#nextEventAt <= this.#now) {
          // Nothing retired the event (a handler that does not advance time): go on.
          this.#pc = (this.#pc + 4 * left) >>> 0;
          this.#charge(left * this.#cpi, c, label);
          return;
        }
      }
    }
  }

  /**
   * Takes the events already due (one scheduled for the current cycle) before the next
   * instruction starts, as `exec` does. The fast path never runs then: its budget is zero.
   */
  #takeDueEvents(): void {
    this.#sync();
    if (this.#now >= this.#nextEventAt) {
      this.onEventsDue();
      this.#arm();
    }
  }

  /** Charges one completed slow-path access whole (PC past it), then takes the events due. */
  #chargeAccess(cycles: number, cat: Category): void {
    this.#pc = (this.#pc + 4) >>> 0;
    this.#chargeWhole(cycles, cat, "");
  }

  /** Charges one instruction's cycles whole, then takes the events due (interrupts between instructions). */
  #chargeWhole(cycles: number, cat: Category, label: string): void {
    this.#sync();
    if (this.#tracer !== null) this.#tracer.span(this.#now, cycles, this.owner, cat, label);
    this.#now += cycles;
    this.#attr[this.#attrBase + cat] += cycles;
    if (this.#now >= this.#nextEventAt) this.onEventsDue();
    this.#arm();
  }

  // ---- translated loads and stores ----------------------------------------------------

  // The fast path: an aligned kuseg address whose page the host map holds, with budget left.
  // Any other access (and every access while tracing or with an event due: the budget is
  // then zero) takes the slow path.

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
    return this.#loadSlow(a);
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
    this.#storeSlow(a, v);
  }

  // The slow paths, kept out of load32/store32 so that their bytecode (which the JIT weighs
  // when it inlines them into a caller's loop) is the fast path alone. (>>> 0: both paths of
  // load32 give a uint32, so the JIT can keep its result unboxed.)
  #loadSlow(va: number): number {
    return this.#access(va >>> 0, 4, ACCESS_LOAD, 0, Category.Memory) >>> 0;
  }

  #storeSlow(va: number, value: number): void {
    this.#access(va >>> 0, 4, ACCESS_STORE, value, Category.Memory);
  }

  load16(va: number): number {
    return this.#access(va >>> 0, 2, ACCESS_LOAD, 0, Category.Memory);
  }

  load8(va: number): number {
    return this.#access(va >>> 0, 1, ACCESS_LOAD, 0, Category.Memory);
  }

  store16(va: number, value: number): void {
    this.#access(va >>> 0, 2, ACCESS_STORE, value | 0, Category.Memory);
  }

  store8(va: number, value: number): void {
    this.#access(va >>> 0, 1, ACCESS_STORE, value | 0, Category.Memory);
  }

  /**
   * Loads a register-sized word for a save/restore path: the same access as load32, charged
   * to RegRestore rather than Memory so that attribution shows context-switch costs.
   */
  loadReg(va: number, reg: number): void {
    const r = reg | 0;
    const v = this.#access(va >>> 0, 4, ACCESS_LOAD, 0, Category.RegRestore);
    if (r > 0 && r < REGISTER_COUNT) this.regs[r] = v;
  }

  /** Stores register `reg` for a save path (charged to RegSave). */
  storeReg(va: number, reg: number): void {
    this.#access(va >>> 0, 4, ACCESS_STORE, this.regs[reg | 0] ?? 0, Category.RegSave);
  }

  /**
   * Block copy (bcopy) of `bytes` between two virtual ranges, charged one load and one store
   * per word (per byte when either end is unaligned). The loop overhead is the caller's to
   * charge with `exec`. Faults are taken page by page; interrupts split the copy at their
   * exact cycle.
   */
  copy(dstVa: number, srcVa: number, bytes: number): void {
    this.#block(dstVa >>> 0, srcVa >>> 0, bytes, false);
  }

  /** Zeroes `bytes` at a virtual range: one store per word (bzero). */
  zero(dstVa: number, bytes: number): void {
    this.#block(dstVa >>> 0, 0, bytes, true);
  }

  #access(va: number, size: number, kind: number, value: number, cat: Category): number {
    this.#guard();
    this.#takeDueEvents();
    for (let tries = 0; ; tries++) {
      const pa = this.#translate(va, size, kind);
      if (pa >= 0) {
        let v = 0;
        if (kind === ACCESS_LOAD) {
          v = size === 4 ? this.#u32[pa >>> 2]! : size === 2 ? this.#u16[pa >>> 1]! : this.#u8[pa]!;
        } else if (size === 4) this.#u32[pa >>> 2] = value;
        else if (size === 2) this.#u16[pa >>> 1] = value;
        else this.#u8[pa] = value;
        this.#chargeAccess(this.#accessCycles, cat);
        return v;
      }
      if (this.#resolution === Resolution.Emulated) {
        this.#pc = (this.#pc + 4) >>> 0;
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
   * the exception (the handler has run; #resolution says what it decided). Sets #accessCycles.
   */
  #translate(va: number, size: number, kind: number): number {
    if ((va & (size - 1)) !== 0) {
      return this.#fault(kind === ACCESS_LOAD ? ExcCode.AdEL : ExcCode.AdES, va, false);
    }
    if (va >= KSEG0) {
      if ((this.status & SR_KUC) !== 0) {
        return this.#fault(kind === ACCESS_LOAD ? ExcCode.AdEL : ExcCode.AdES, va, false);
      }
      if (va < KSEG2) {
        const pa = va < KSEG1 ? va - KSEG0 : va - KSEG1;
        if (pa + size > this.#memBytes) return this.#fault(ExcCode.DBE, va, false);
        this.#accessCycles = va < KSEG1 ? this.#cached : this.#uncached;
        return pa;
      }
    }
    const vpn = va >>> 12;
    const slot = this.tlb.probe(vpn, this.tlb.asid);
    if (slot < 0) {
      return this.#fault(kind === ACCESS_LOAD ? ExcCode.TLBL : ExcCode.TLBS, va, va < KSEG0);
    }
    const base = this.tlb.pageBase[slot]!;
    if (base < 0) return this.#fault(kind === ACCESS_LOAD ? ExcCode.TLBL : ExcCode.TLBS, va, false);
    if (kind === ACCESS_STORE && this.tlb.writable[slot] === 0)
      return this.#fault(ExcCode.Mod, va, false);
    const pa = base + (va & 0xfff);
    if (pa + size > this.#memBytes) return this.#fault(ExcCode.DBE, va, false);
    this.#accessCycles = this.tlb.uncached[slot] === 0 ? this.#cached : this.#uncached;
    return pa;
  }

  #fault(code: ExcCode, va: number, refill: boolean): number {
    this.#resolution = this.#raise(code, va, refill, 0);
    return -1;
  }

  #block(dst: number, src: number, bytes: number, zero: boolean): void {
    this.#guard();
    if (!isInteger(bytes) || bytes < 0 || bytes > 0x7fffffff) {
      throw new ArgumentError(`block length must be a non-negative integer, got ${String(bytes)}`);
    }
    this.#takeDueEvents();
    const wordwise = (dst & 3) === 0 && (zero || (src & 3) === 0) && (bytes & 3) === 0;
    const unit = wordwise ? 4 : 1;
    let done = 0;
    while (done < bytes) {
      const d = (dst + done) >>> 0;
      const s = (src + done) >>> 0;
      const pd = this.#translateChecked(d, unit, ACCESS_STORE);
      // Each unit is one store (and one load): each pays its own page's reference cost.
      let perUnit = this.#accessCycles;
      let ps = 0;
      if (!zero) {
        ps = this.#translateChecked(s, unit, ACCESS_LOAD);
        const loadCycles = this.#accessCycles;
        // The source translation may have faulted and remapped the destination: translate again.
        if (this.#translate(d, unit, ACCESS_STORE) !== pd) continue;
        perUnit = this.#accessCycles + loadCycles;
      }
      let n = min(bytes - done, 4096 - (d & 0xfff));
      if (!zero) n = min(n, 4096 - (s & 0xfff));
      // Stop at the next event so that its interrupt is taken at its exact cycle.
      this.#sync();
      const room = this.#nextEventAt - this.#now;
      if (room < (n / unit) * perUnit) n = max(unit, ceil(room / perUnit) * unit);
      if (zero) typedArrayFill(this.#u8, 0, pd, pd + n);
      else typedArrayCopyWithin(this.#u8, pd, ps, ps + n);
      done += n;
      this.#charge((n / unit) * perUnit, Category.Memory, "");
    }
    this.#sync();
    this.#pc = (this.#pc + 4) >>> 0;
  }

  #translateChecked(va: number, size: number, kind: number): number {
    let tries = 0;
    for (;;) {
      const pa = this.#translate(va, size, kind);
      if (pa >= 0) return pa;
      if (this.#resolution === Resolution.Emulated) {
        throw new KernelContractError("a block copy cannot be emulated by an exception handler");
      }
      if (++tries >= this.faultRetryLimit) {
        throw new KernelContractError(`fault storm on a block access at ${hex(va)}`);
      }
    }
  }

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
    this.#guard();
    return this.#raise(code, badVaddr, refill, coprocessor);
  }

  #raise(code: ExcCode, badVaddr: number, refill: boolean, coprocessor: number): Resolution {
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
    this.#sync();
    const statusBefore = this.status;
    const ownerBefore = this.owner;
    const depthBefore = this.exceptionDepth;
    const rfeSeenBefore = this.#rfeSeen;
    const epc = this.#pc;
    let r: Resolution;
    // Transactional with respect to host errors: whatever the host throws between the entry
    // and the handler's return (a RangeError of an exhausted JS stack, a kernel's
    // ContextAbort, an error of untrusted code that escaped its kernel) leaves the CPU in the
    // mode, owner and depth it had before the exception. Nothing is ever left in kernel mode.
    try {
      r = this.#enter(handler, code, badVaddr >>> 0, refill, coprocessor, epc);
    } catch (e) {
      // No calls before the state is restored: with an exhausted stack a call may throw
      // again. (The frames of #enter and below have been popped: a leaf call after this fits.)
      const n = this.#armed - this.host[Hot.BudgetWord]!;
      if (n !== 0) {
        this.#now += n * this.#cached;
        this.#attr[this.#attrBase + Category.Memory] += n * this.#cached;
        this.#armed -= n;
      }
      this.status = statusBefore;
      this.owner = ownerBefore;
      this.#attrBase = ownerBefore * CATEGORY_COUNT;
      this.exceptionDepth = depthBefore;
      this.#rfeSeen = rfeSeenBefore;
      this.#pc = epc;
      // Marked pending before the check, which is a call and may itself fail for want of
      // stack: a throw that cannot be told apart is the kernel's to deal with as a host throw.
      const pendingBefore = this.hostThrowPending;
      this.hostThrowPending = true;
      if (ContextAbort.is(e)) this.hostThrowPending = pendingBefore;
      else this.#noteHostThrow();
      throw e;
    }
    this.exceptionDepth = depthBefore;
    const rfeSeen = this.#rfeSeen;
    this.#rfeSeen = rfeSeenBefore;
    this.setOwner(ownerBefore);
    if (!rfeSeen || (this.status & 3) !== (statusBefore & 3)) {
      throw new KernelContractError(
        `handler for exception ${code} returned without restoring the mode (missing rfe)`,
      );
    }
    this.#pc = epc;
    return r;
  }

  /** The exception entry proper: Cause, EPC, BadVAddr, the KU/IE push, the pipeline charge, the handler. */
  #enter(
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
    this.#tracer?.instant(this.#now, refill ? "exception:refill" : `exception:${code}`, this.owner);
    this.#rfeSeen = false;
    this.exceptionDepth++;
    this.#charge(this.profile.exceptionEntryCycles, Category.TrapEntry, "");
    return handler(this);
  }

  /**
   * The stack reserve (reserve.ts), checked at every entry point user-mode code can reach
   * (accesses past the fast path, `exec`, block copies, traps, `charge`), before anything
   * changes: an entry either has host stack for all the kernel work it may cause (handlers,
   * event service, device completions) or throws the host's RangeError with nothing done,
   * recorded as a host throw. Kernel-mode calls are already inside a checked entry (or are host
   * set-up code) and skip it. The TLB-hit fast path makes no call and needs none.
   */
  #guard(): void {
    if ((this.status & SR_KUC) === 0) return;
    try {
      checkStackReserve();
    } catch (e) {
      this.#noteHostThrow();
      throw e;
    }
  }

  /**
   * A host error crossed an exception frame: recorded for the kernel (which decides whose
   * death it is), whose hook is then called. The flag stays set if the hook cannot run (the
   * stack is still exhausted): the kernel reads it at its next boundary and clears it.
   */
  #noteHostThrow(): void {
    this.hostThrows++;
    this.hostThrowPending = true;
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
    this.#rfeSeen = true;
    this.#charge(this.profile.cp0OpCycles, Category.TrapExit, "");
    this.checkInterrupts();
  }

  /** A `syscall` instruction: raises Sys with EPC at it; execution goes on after it. */
  syscall(): Resolution {
    this.#guard();
    const r = this.#raise(ExcCode.Sys, 0, false, 0);
    this.#pc = (this.#pc + 4) >>> 0;
    return r;
  }

  /** A `break` instruction; execution goes on after it. */
  breakpoint(): Resolution {
    this.#guard();
    const r = this.#raise(ExcCode.Bp, 0, false, 0);
    this.#pc = (this.#pc + 4) >>> 0;
    return r;
  }

  /**
   * `add` with overflow trap: returns a + b, or raises Ov when the signed 32-bit sum
   * overflows. A handler that returns Retry has the add executed again; one that returns
   * Emulated supplies the result in `emulatedValue`.
   */
  addTrapping(a: number, b: number): number {
    this.#guard();
    const sum = (a | 0) + (b | 0);
    for (let tries = 0; ; tries++) {
      this.#charge(this.#cpi, (this.status & SR_KUC) !== 0 ? Category.User : Category.Kernel, "");
      if (sum <= 0x7fffffff && sum >= -0x80000000) {
        this.#pc = (this.#pc + 4) >>> 0;
        return sum;
      }
      if (this.#raise(ExcCode.Ov, 0, false, 0) === Resolution.Emulated) {
        this.#pc = (this.#pc + 4) >>> 0;
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
    this.#guard();
    this.#charge(
      this.profile.multiplyCycles,
      (this.status & SR_KUC) !== 0 ? Category.User : Category.Kernel,
      "",
    );
    this.#pc = (this.#pc + 4) >>> 0;
    return imul(a, b);
  }

  /**
   * A floating-point instruction (coprocessor 1): raises CpU (Cause.CE = 1) unless Status.CU1
   * is set. Retry re-executes it (a handler that enabled CU1); Emulated skips it. Returns
   * whether the instruction executed on the coprocessor.
   */
  coprocessor1(): boolean {
    this.#guard();
    for (let tries = 0; ; tries++) {
      if ((this.status & SR_CU1) !== 0) {
        const op = COSTS["cp1.op"];
        this.#exec(op.instructions, op.label, op.category);
        return true;
      }
      if (this.#raise(ExcCode.CpU, 0, false, 1) === Resolution.Emulated) {
        this.#pc = (this.#pc + 4) >>> 0;
        return false;
      }
      if (tries >= this.faultRetryLimit)
        throw new KernelContractError("fault storm on a coprocessor instruction");
    }
  }

  // ---- coprocessor 0 and interrupts -------------------------------------------------

  /** mtc0 Status (kernel mode only: a kernel's business). Re-checks pending interrupts. */
  setStatus(value: number): void {
    this.status = value >>> 0;
    this.#charge(this.profile.cp0OpCycles, Category.Kernel, "");
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
      this.#raise(ExcCode.Int, 0, false, 0);
    }
  }

  // ---- TLB instructions ----------------------------------------------------------------

  /** tlbwr: EntryHi/EntryLo into a random non-wired slot. */
  tlbWriteRandom(hi: number, lo: number): number {
    this.entryHi = hi >>> 0;
    this.entryLo = lo >>> 0;
    this.#charge(this.profile.cp0OpCycles * 3, Category.Tlb, "");
    return this.tlb.writeRandom(hi, lo);
  }

  /** tlbwi: EntryHi/EntryLo into slot `index` (a bad index is refused before anything changes). */
  tlbWriteIndexed(index: number, hi: number, lo: number): void {
    if (!isInteger(index) || index < 0 || index >= this.tlb.size) {
      throw new ArgumentError(
        `TLB index must be an integer in [0, ${this.tlb.size}), got ${String(index)}`,
      );
    }
    this.entryHi = hi >>> 0;
    this.entryLo = lo >>> 0;
    this.index = index << 8;
    this.#charge(this.profile.cp0OpCycles * 3, Category.Tlb, "");
    this.tlb.writeIndexed(index, hi, lo);
  }

  /** tlbp: the slot matching (vpn, asid), or -1 (Index.P set). */
  tlbProbe(vpn: number, asid: number): number {
    this.#charge(this.profile.cp0OpCycles * 2, Category.Tlb, "");
    const i = this.tlb.probe(vpn, asid);
    this.index = i < 0 ? 0x80000000 : i << 8;
    return i;
  }

  /** Invalidates one mapping if present (tlbp, then tlbwi of an invalid entry). */
  tlbInvalidate(vpn: number, asid: number): boolean {
    const i = this.tlbProbe(vpn, asid);
    if (i < 0) return false;
    this.tlbWriteIndexed(i, ((0x80000 + i) << 12) >>> 0, 0);
    return true;
  }

  /** Current mode and interrupt-enable, for tests and kernels. */
  get interruptsEnabled(): boolean {
    return (this.status & SR_IEC) !== 0;
  }
}

/** Hardware interrupt lines are IP2..IP7 (IP0/IP1 are the software interrupts). */
function checkLine(line: number): void {
  if (!(isInteger(line) && line >= 2 && line <= 7)) {
    throw new ArgumentError(`interrupt line must be an integer in [2, 7], got ${String(line)}`);
  }
}

export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
}
