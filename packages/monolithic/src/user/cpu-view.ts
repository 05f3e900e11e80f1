import { ArgumentError, Category, type Cost, type CpuView, isCost } from "@exolab/machine";
import type { Cpu } from "@exolab/machine/privileged";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import type { Proc } from "../proc/proc.js";
import { freezeClass } from "./freeze.js";
import { enterFromProcess } from "./guard.js";

/** Categories user code may charge its own work to (never the kernel's). */
const USER_CATEGORIES: ReadonlySet<unknown> = new Set<unknown>([
  Category.User,
  Category.Memory,
  Category.RegSave,
  Category.RegRestore,
]);
/** Longest exec label a process may use. */
export const MAX_LABEL_LENGTH = 64;
const MAX_EXEC_INSTRUCTIONS = 1_000_000_000;
const NO_LABEL = Symbol("no label");

/** A user address: an integer in [-2^31, 2^32) (signed or unsigned spelling of a word). */
function address(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new ArgumentError(`${what} must be an integer address in [-2^31, 2^32)`);
  }
  return v;
}

/** A value or operand: a finite number (the machine takes its low 32 bits). */
function word(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new ArgumentError(`${what} must be a finite number`);
  }
  return v;
}

function count(what: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    throw new ArgumentError(`${what} must be an integer in [0, ${max}]`);
  }
  return v;
}

function register(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 33) {
    throw new ArgumentError("register index must be an integer in [0, 33]");
  }
  return v;
}

/**
 * The CPU as a process sees it: translated loads and stores under its ASID (faults go to the
 * kernel), exec, its registers. Every call, before anything happens:
 * 1. checks the kernel stack reserve (the machine's reserve.ts): a process that dived into the stack
 *    is doomed there, with nothing done;
 * 2. checks that the kernel is running this very process (NotRunningError otherwise: another
 *    process, a host callback after `run` returned, a dead process); a doomed process's call
 *    unwinds it (ContextAbort);
 * 3. reads each argument once and checks its type and range (ArgumentError): no getter,
 *    `valueOf` or Proxy trap of an argument ever runs.
 * Loads and stores note their size and value for the kernel's unaligned fix-up (the decode of
 * "the instruction at EPC"), and block copies that they are one (their faults re-execute).
 */
export class UserCpu implements CpuView {
  readonly #k: MonolithicKernel;
  readonly #p: Proc;

  constructor(k: MonolithicKernel, p: Proc) {
    this.#k = k;
    this.#p = p;
    Object.freeze(this);
  }

  /** Steps 1 and 2 above (user/guard.ts); returns the CPU to act on. */
  #enter(): Cpu {
    enterFromProcess(this.#k, this.#p);
    return this.#k.cpu;
  }

  get switchPending(): boolean {
    const k = this.#k;
    return k.inRun && k.cur === this.#p && k.cpu.switchPending;
  }
  get now(): number {
    return this.#k.cpu.now;
  }

  #note(size: number, store: boolean, value: number, block: boolean): void {
    const a = this.#k.lastAccess;
    a.size = size;
    a.store = store;
    a.value = value | 0;
    a.block = block;
  }

  load8(va: unknown): number {
    const cpu = this.#enter();
    const a = address("va", va);
    this.#note(1, false, 0, false);
    return cpu.load8(a);
  }
  load16(va: unknown): number {
    const cpu = this.#enter();
    const a = address("va", va);
    this.#note(2, false, 0, false);
    return cpu.load16(a);
  }
  load32(va: unknown): number {
    const cpu = this.#enter();
    const a = address("va", va);
    this.#note(4, false, 0, false);
    return cpu.load32(a);
  }
  load32Used(va: unknown): number {
    const cpu = this.#enter();
    const a = address("va", va);
    this.#note(4, false, 0, false);
    return cpu.load32Used(a);
  }
  store8(va: unknown, value: unknown): void {
    const cpu = this.#enter();
    const a = address("va", va);
    const v = word("value", value);
    this.#note(1, true, v, false);
    cpu.store8(a, v);
  }
  store16(va: unknown, value: unknown): void {
    const cpu = this.#enter();
    const a = address("va", va);
    const v = word("value", value);
    this.#note(2, true, v, false);
    cpu.store16(a, v);
  }
  store32(va: unknown, value: unknown): void {
    const cpu = this.#enter();
    const a = address("va", va);
    const v = word("value", value);
    this.#note(4, true, v, false);
    cpu.store32(a, v);
  }
  /** bcopy: a fault inside re-executes the copy once its handler returns (see trap/install.ts). */
  copy(dstVa: unknown, srcVa: unknown, bytes: unknown): void {
    const cpu = this.#enter();
    const d = address("dst", dstVa);
    const s = address("src", srcVa);
    const n = count("bytes", bytes, 0x7fffffff);
    this.#note(4, false, 0, true);
    cpu.copy(d, s, n);
  }
  zero(dstVa: unknown, bytes: unknown): void {
    const cpu = this.#enter();
    const d = address("dst", dstVa);
    const n = count("bytes", bytes, 0x7fffffff);
    this.#note(4, true, 0, true);
    cpu.zero(d, n);
  }
  /**
   * Straight-line user work: the counted path `cost`, a record of a costs table
   * (`defineCosts`; anything else — a number, a copy, a Proxy — is refused without running any
   * of it), `times` times. Its label names the application's path: at most MAX_LABEL_LENGTH
   * characters, none of the kernel's (costs.ts); a label new to the accounting counts against
   * policy.maxLabelsPerProcess and maxUserLabels. Its category, if any, is one user code may
   * charge: user, memory, regSave or regRestore. Each field is read once (the record is frozen
   * plain data).
   */
  exec(cost: Cost, times = 1): void {
    const cpu = this.#enter();
    // Typed for callers; checked as the unknown value untrusted code may pass.
    if (!isCost(cost as unknown)) {
      throw new ArgumentError("exec takes a record of a costs table (defineCosts)");
    }
    const n = count("times", times as unknown, MAX_EXEC_INSTRUCTIONS);
    const label = cost.label;
    const cat = cost.category;
    // The two labels last admitted need no new check (a loop alternates a few labels).
    if (label !== this.#label0 && label !== this.#label1) this.#admit(label);
    if (cat !== undefined && !USER_CATEGORIES.has(cat)) {
      throw new ArgumentError("user code may charge only user, memory, regSave or regRestore");
    }
    cpu.execUnder(cost, n, label, cat);
  }

  /** The labels last admitted (NO_LABEL: none yet; no caller can pass it). */
  #label0: unknown = NO_LABEL;
  #label1: unknown = NO_LABEL;

  #admit(label: string): void {
    if (label.length > MAX_LABEL_LENGTH || Object.hasOwn(COSTS, label)) {
      throw new ArgumentError(
        `exec label must be at most ${MAX_LABEL_LENGTH} characters, not a kernel label`,
      );
    }
    if (!this.#k.admitLabel(this.#p, label)) {
      throw new ArgumentError(
        "too many distinct exec labels (policy.maxLabelsPerProcess, maxUserLabels)",
      );
    }
    this.#label1 = this.#label0;
    this.#label0 = label;
  }
  reg(i: unknown): number {
    const cpu = this.#enter();
    return cpu.reg(register(i));
  }
  setReg(i: unknown, value: unknown): void {
    const cpu = this.#enter();
    const r = register(i);
    cpu.setReg(r, word("value", value));
  }
  multiply(a: unknown, b: unknown): number {
    const cpu = this.#enter();
    const x = word("a", a);
    return cpu.multiply(x, word("b", b));
  }
  addTrapping(a: unknown, b: unknown): number {
    const cpu = this.#enter();
    const x = word("a", a);
    const y = word("b", b);
    this.#note(4, false, x, false);
    return cpu.addTrapping(x, y);
  }
  /** `break`: raises Bp (SIGTRAP to the process); execution goes on after it. */
  breakpoint(): void {
    const cpu = this.#enter();
    this.#note(4, false, 0, false);
    cpu.breakpoint();
  }
  coprocessor1(): boolean {
    return this.#enter().coprocessor1();
  }
}

freezeClass(UserCpu);
