import { type Accounting, CATEGORY_COUNT, Category, KERNEL_OWNER } from "./accounting.js";
import {
  CAUSE_IP_SHIFT,
  ExcCode,
  KSEG0,
  KSEG1,
  KSEG2,
  REGISTER_COUNT,
  Resolution,
  SR_IEC,
  SR_IM_MASK,
  SR_KUC,
} from "./cpu-defs.js";
import { ArgumentError, KernelContractError } from "./errors.js";
import type { PhysicalMemory } from "./memory.js";
import type { MachineProfile } from "./profiles.js";
import type { Tlb } from "./tlb.js";
import type { Tracer } from "./trace.js";

/** A kernel's exception handler: runs synchronously on the interrupted thread. */
export type ExceptionHandler = (cpu: Cpu) => Resolution;

const ACCESS_LOAD = 0;
const ACCESS_STORE = 1;
const MAX_EXEC_INSTRUCTIONS = 1_000_000_000;

/**
 * The R3000 core: registers, coprocessor 0, translated loads and stores, exceptions,
 * `exec`, and the cycle counter with its attribution.
 *
 * Hot-path invariants:
 * - A translated access never throws for a simulated reason. Alignment, segment, TLB and
 *   bus faults raise the architectural exception through the handler table; the handler
 *   runs on the spot; the access is retried (or emulated) afterwards.
 * - A TLB hit allocates nothing: one hash of (asid, vpn), three typed-array reads to verify the
 *   host index against the TLB slot, one read of memory.
 * - Every cycle charged goes to `attr[owner * CATEGORY_COUNT + category]`, and the clock
 *   is checked against the next event after every charge, so interrupts are taken at their
 *   exact cycle (an instruction boundary).
 */
export class Cpu {
  /** General registers 0..31, then HI (32) and LO (33). r0 reads 0: write it through setReg. */
  readonly regs = new Int32Array(REGISTER_COUNT);
  /** A notional program counter: advances 4 bytes per instruction, saved in EPC on exceptions. */
  pc = 0x00400000;
  // Coprocessor 0.
  status = SR_KUC | SR_IEC | SR_IM_MASK;
  cause = 0;
  epc = 0;
  badVaddr = 0;
  entryHi = 0;
  entryLo = 0;
  index = 0;
  context = 0;
  /** Current address-space id (EntryHi.ASID), kept unshifted for the hot path. */
  asid = 0;

  /** The clock, in cycles since reset. */
  now = 0;
  /** Cycle of the earliest pending event (mirrors the event queue; +Infinity when empty). */
  nextEventAt = Number.POSITIVE_INFINITY;
  /** Set by a kernel that wants the running context switched at its next safepoint. */
  switchPending = false;
  /** Value a handler puts here when it returns Resolution.Emulated for a load. */
  emulatedValue = 0;
  /** Exceptions currently being handled (nested depth), for kernels that bound nesting. */
  exceptionDepth = 0;

  owner = KERNEL_OWNER;
  attr: Float64Array;
  #attrBase = 0;

  readonly handlers: (ExceptionHandler | undefined)[] = new Array(16).fill(undefined);
  refillHandler: ExceptionHandler | undefined;
  /** Called when the clock reaches `nextEventAt`; the machine fires the due events. */
  onEventsDue: () => void = () => {};
  tracer: Tracer | null = null;
  /** A handler that keeps returning Retry on the same access past this count is a kernel bug. */
  faultRetryLimit = 100_000;

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
    this.#u8 = memory.u8;
    this.#u16 = memory.u16;
    this.#u32 = memory.u32;
    this.#memBytes = memory.sizeBytes;
    this.#cached = profile.cachedAccessCycles;
    this.#uncached = profile.uncachedAccessCycles;
    this.#cpi = profile.cyclesPerInstruction;
    this.attr = accounting.table;
  }

  // ---- modes, owners, registers -------------------------------------------------------

  get userMode(): boolean {
    return (this.status & SR_KUC) !== 0;
  }

  setOwner(owner: number): number {
    const prev = this.owner;
    this.owner = owner;
    this.#attrBase = owner * CATEGORY_COUNT;
    this.attr = this.accounting.table;
    return prev;
  }

  reg(i: number): number {
    return this.regs[i]!;
  }

  setReg(i: number, v: number): void {
    if (i !== 0) this.regs[i] = v;
  }

  setAsid(asid: number): void {
    this.asid = asid & 63;
    this.entryHi = ((this.entryHi & 0xfffff03f) | (this.asid << 6)) >>> 0;
  }

  // ---- cycles -----------------------------------------------------------------------

  /** Charges `cycles` to the current owner in `cat`, taking events due on the way. */
  charge(cycles: number, cat: Category, label = ""): void {
    for (;;) {
      const room = this.nextEventAt - this.now;
      if (cycles < room) {
        if (this.tracer !== null) this.tracer.span(this.now, cycles, this.owner, cat, label);
        this.now += cycles;
        this.attr[this.#attrBase + cat] += cycles;
        return;
      }
      const step = Math.max(room, 0);
      if (this.tracer !== null && step > 0)
        this.tracer.span(this.now, step, this.owner, cat, label);
      this.now += step;
      this.attr[this.#attrBase + cat] += step;
      cycles -= step;
      this.onEventsDue();
      if (cycles <= 0) return;
    }
  }

  /**
   * Straight-line work: `instructions` MIPS instructions (loads and stores are not counted
   * here: they are charged by the accesses themselves). `label` names the path in the
   * package's costs.ts. Category defaults to User in user mode and Kernel in kernel mode.
   */
  exec(instructions: number, label: string, cat?: Category): void {
    if (
      typeof instructions !== "number" ||
      !Number.isInteger(instructions) ||
      instructions < 0 ||
      instructions > MAX_EXEC_INSTRUCTIONS
    ) {
      throw new ArgumentError(
        `exec: instructions must be an integer in [0, ${MAX_EXEC_INSTRUCTIONS}], got ${String(instructions)}`,
      );
    }
    if (typeof label !== "string" || label.length === 0) {
      throw new ArgumentError("exec: label must be a non-empty string naming an entry of costs.ts");
    }
    const cycles = instructions * this.#cpi;
    this.accounting.noteLabel(label, instructions, cycles);
    this.pc = (this.pc + 4 * instructions) >>> 0;
    this.charge(
      cycles,
      cat ?? ((this.status & SR_KUC) !== 0 ? Category.User : Category.Kernel),
      label,
    );
  }

  #chargeAccess(cycles: number, cat: Category): void {
    this.pc = (this.pc + 4) >>> 0;
    if (this.tracer !== null) {
      this.charge(cycles, cat);
      return;
    }
    this.now += cycles;
    this.attr[this.#attrBase + cat] += cycles;
    if (this.now >= this.nextEventAt) this.onEventsDue();
  }

  // ---- translated loads and stores ----------------------------------------------------

  load32(va: number): number {
    va >>>= 0;
    if ((va & 3) === 0 && va < KSEG0) {
      const tlb = this.tlb;
      const vpn = va >>> 12;
      const key = (this.asid << 20) | vpn;
      const h = Math.imul(key, 0x9e3779b1) >>> 20;
      const slot = tlb.fastSlot[h]!;
      if (tlb.fastKey[h] === key && tlb.generation[slot] === tlb.fastGen[h]) {
        const v = this.#u32[(tlb.pageBase[slot]! | (va & 0xfff)) >>> 2]!;
        this.#chargeAccess(this.#cached, Category.Memory);
        return v;
      }
    }
    return this.#loadSlow(va, 4);
  }

  load16(va: number): number {
    return this.#loadSlow(va >>> 0, 2);
  }

  load8(va: number): number {
    return this.#loadSlow(va >>> 0, 1);
  }

  store32(va: number, value: number): void {
    va >>>= 0;
    if ((va & 3) === 0 && va < KSEG0) {
      const tlb = this.tlb;
      const vpn = va >>> 12;
      const key = (this.asid << 20) | vpn;
      const h = Math.imul(key, 0x9e3779b1) >>> 20;
      const slot = tlb.fastSlot[h]!;
      if (
        tlb.fastKey[h] === key &&
        tlb.generation[slot] === tlb.fastGen[h] &&
        tlb.writable[slot] === 1
      ) {
        this.#u32[(tlb.pageBase[slot]! | (va & 0xfff)) >>> 2] = value;
        this.#chargeAccess(this.#cached, Category.Memory);
        return;
      }
    }
    this.#storeSlow(va, value, 4);
  }

  store16(va: number, value: number): void {
    this.#storeSlow(va >>> 0, value, 2);
  }

  store8(va: number, value: number): void {
    this.#storeSlow(va >>> 0, value, 1);
  }

  /**
   * Loads a register-sized word for a save/restore path: the same access as load32, charged
   * to RegRestore rather than Memory so that attribution shows context-switch costs.
   */
  loadReg(va: number, reg: number): void {
    const v = this.#access(va >>> 0, 4, ACCESS_LOAD, 0, Category.RegRestore);
    if (reg !== 0) this.regs[reg] = v;
  }

  /** Stores register `reg` for a save path (charged to RegSave). */
  storeReg(va: number, reg: number): void {
    this.#access(va >>> 0, 4, ACCESS_STORE, this.regs[reg]!, Category.RegSave);
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

  #loadSlow(va: number, size: number): number {
    return this.#access(va, size, ACCESS_LOAD, 0, Category.Memory);
  }

  #storeSlow(va: number, value: number, size: number): void {
    this.#access(va, size, ACCESS_STORE, value, Category.Memory);
  }

  #access(va: number, size: number, kind: number, value: number, cat: Category): number {
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
        this.pc = (this.pc + 4) >>> 0;
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
    const slot = this.tlb.lookup(vpn, this.asid);
    if (slot < 0) {
      return this.#fault(kind === ACCESS_LOAD ? ExcCode.TLBL : ExcCode.TLBS, va, va < KSEG0);
    }
    const base = this.tlb.pageBase[slot]!;
    if (base < 0) return this.#fault(kind === ACCESS_LOAD ? ExcCode.TLBL : ExcCode.TLBS, va, false);
    if (kind === ACCESS_STORE && this.tlb.writable[slot] === 0)
      return this.#fault(ExcCode.Mod, va, false);
    const pa = base | (va & 0xfff);
    if (pa + size > this.#memBytes) return this.#fault(ExcCode.DBE, va, false);
    this.#accessCycles = this.#cached;
    return pa;
  }

  #fault(code: ExcCode, va: number, refill: boolean): number {
    this.#resolution = this.raise(code, va, refill);
    return -1;
  }

  #block(dst: number, src: number, bytes: number, zero: boolean): void {
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > 0x7fffffff) {
      throw new ArgumentError(`block length must be a non-negative integer, got ${String(bytes)}`);
    }
    const wordwise = (dst & 3) === 0 && (zero || (src & 3) === 0) && (bytes & 3) === 0;
    const unit = wordwise ? 4 : 1;
    const perUnit = this.#cached * (zero ? 1 : 2);
    let done = 0;
    while (done < bytes) {
      const d = (dst + done) >>> 0;
      const s = (src + done) >>> 0;
      const pd = this.#translateChecked(d, unit, ACCESS_STORE);
      if (pd < 0) continue;
      let ps = 0;
      if (!zero) {
        ps = this.#translateChecked(s, unit, ACCESS_LOAD);
        if (ps < 0) continue;
      }
      let n = Math.min(bytes - done, 4096 - (d & 0xfff));
      if (!zero) n = Math.min(n, 4096 - (s & 0xfff));
      // Stop at the next event so that its interrupt is taken at its exact cycle.
      const room = this.nextEventAt - this.now;
      if (room < (n / unit) * perUnit) n = Math.max(unit, Math.ceil(room / perUnit) * unit);
      if (zero) this.#u8.fill(0, pd, pd + n);
      else this.#u8.copyWithin(pd, ps, ps + n);
      done += n;
      this.charge((n / unit) * perUnit, Category.Memory);
    }
    this.pc = (this.pc + 4) >>> 0;
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
   * Takes an exception: sets EPC, Cause, BadVAddr (and EntryHi/Context for TLB faults), pushes
   * the KU/IE stack into kernel mode with interrupts off, charges the pipeline cost and runs
   * the handler the kernel installed (the UTLB-refill vector for kuseg misses, the general
   * vector otherwise) on the spot, as the kernel owner. The handler must leave the mode as it
   * found it (its `rfe`). Returns the handler's decision.
   */
  raise(code: ExcCode, badVaddr: number, refill = false): Resolution {
    const handler = refill ? this.refillHandler : this.handlers[code];
    if (handler === undefined) {
      throw new KernelContractError(
        `no handler installed for exception ${code}${refill ? " (UTLB refill)" : ""}`,
      );
    }
    const statusBefore = this.status;
    this.epc = this.pc;
    this.cause = ((this.cause & 0x0000ff00) | (code << 2)) >>> 0;
    if (code === ExcCode.Mod || code === ExcCode.TLBL || code === ExcCode.TLBS) {
      this.badVaddr = badVaddr >>> 0;
      this.entryHi = ((badVaddr & 0xfffff000) | (this.asid << 6)) >>> 0;
      this.context = ((this.context & 0xffe00000) | ((badVaddr >>> 12) << 2)) >>> 0;
    } else if (code === ExcCode.AdEL || code === ExcCode.AdES) {
      this.badVaddr = badVaddr >>> 0;
    }
    this.status = ((this.status & ~0x3f) | ((this.status << 2) & 0x3c)) >>> 0;
    const prevOwner = this.setOwner(KERNEL_OWNER);
    this.tracer?.instant(this.now, refill ? "exception:refill" : `exception:${code}`, this.owner);
    this.exceptionDepth++;
    this.charge(this.profile.exceptionEntryCycles, Category.TrapEntry);
    const r = handler(this);
    this.exceptionDepth--;
    this.setOwner(prevOwner);
    if ((this.status & 3) !== (statusBefore & 3)) {
      throw new KernelContractError(
        `handler for exception ${code} returned without restoring the mode (missing rfe)`,
      );
    }
    return r;
  }

  /** `rfe`: pops the KU/IE stack. One instruction, charged to TrapExit. */
  rfe(): void {
    this.status = ((this.status & ~0x0f) | ((this.status >>> 2) & 0x0f)) >>> 0;
    this.charge(this.profile.cp0OpCycles, Category.TrapExit);
    this.pc = (this.pc + 4) >>> 0;
    this.checkInterrupts();
  }

  /** A `syscall` instruction: raises Sys with EPC at it. The handler is the kernel's. */
  syscall(): Resolution {
    return this.raise(ExcCode.Sys, 0);
  }

  /** A `break` instruction. */
  breakpoint(): Resolution {
    return this.raise(ExcCode.Bp, 0);
  }

  /**
   * `add` with overflow trap: returns a + b, or raises Ov when the signed 32-bit sum
   * overflows (the destination register is left unchanged, so the result is `a`).
   */
  addTrapping(a: number, b: number): number {
    const sum = (a | 0) + (b | 0);
    this.pc = (this.pc + 4) >>> 0;
    this.charge(this.#cpi, this.userMode ? Category.User : Category.Kernel);
    if (sum > 0x7fffffff || sum < -0x80000000) {
      this.pc = (this.pc - 4) >>> 0;
      const r = this.raise(ExcCode.Ov, 0);
      this.pc = (this.pc + 4) >>> 0;
      return r === Resolution.Emulated ? this.emulatedValue | 0 : a | 0;
    }
    return sum;
  }

  /**
   * `mult` then `mflo`: the low 32 bits of a signed product, charged the multiplier's latency
   * (profile.multiplyCycles) as one instruction.
   */
  multiply(a: number, b: number): number {
    this.pc = (this.pc + 4) >>> 0;
    this.charge(this.profile.multiplyCycles, (this.status & SR_KUC) !== 0 ? Category.User : Category.Kernel);
    return Math.imul(a, b);
  }

  /**
   * A floating-point instruction (coprocessor 1): raises CpU unless Status.CU1 is set.
   * Charges one instruction when it executes.
   */
  coprocessor1(): boolean {
    if ((this.status & (1 << 29)) === 0) {
      this.raise(ExcCode.CpU, 0);
      this.cause = (this.cause & ~(3 << 28)) | (1 << 28);
      return false;
    }
    this.exec(1, "cp1.op");
    return true;
  }

  // ---- coprocessor 0 and interrupts -------------------------------------------------

  /** mtc0 Status (kernel mode only: a kernel's business). Re-checks pending interrupts. */
  setStatus(value: number): void {
    this.status = value >>> 0;
    this.charge(this.profile.cp0OpCycles, Category.Kernel);
    this.checkInterrupts();
  }

  /** A device asserts interrupt line `line` (2..7). */
  assertIrq(line: number): void {
    this.cause = (this.cause | (1 << (CAUSE_IP_SHIFT + line))) >>> 0;
    this.checkInterrupts();
  }

  /** A device deasserts its line (after the kernel acknowledged it). */
  clearIrq(line: number): void {
    this.cause = (this.cause & ~(1 << (CAUSE_IP_SHIFT + line))) >>> 0;
  }

  /** Takes an interrupt if one is pending, enabled by its mask, and IEc is set. */
  checkInterrupts(): void {
    while ((this.status & SR_IEC) !== 0 && (this.cause & this.status & SR_IM_MASK) !== 0) {
      this.raise(ExcCode.Int, 0);
    }
  }

  // ---- TLB instructions ----------------------------------------------------------------

  /** tlbwr: EntryHi/EntryLo into a random non-wired slot. */
  tlbWriteRandom(hi: number, lo: number): number {
    this.entryHi = hi >>> 0;
    this.entryLo = lo >>> 0;
    this.charge(this.profile.cp0OpCycles * 3, Category.Tlb);
    return this.tlb.writeRandom(hi, lo);
  }

  /** tlbwi: EntryHi/EntryLo into slot `index`. */
  tlbWriteIndexed(index: number, hi: number, lo: number): void {
    this.entryHi = hi >>> 0;
    this.entryLo = lo >>> 0;
    this.index = index;
    this.charge(this.profile.cp0OpCycles * 3, Category.Tlb);
    this.tlb.writeIndexed(index, hi, lo);
  }

  /** tlbp: the slot matching (vpn, asid), or -1 (Index.P set). */
  tlbProbe(vpn: number, asid: number): number {
    this.charge(this.profile.cp0OpCycles * 2, Category.Tlb);
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

export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
}
