import type { Category, CpuView } from "@exolab/machine";
import { NotRunningError } from "../errors.js";
import type { MonolithicKernel } from "../kernel.js";
import type { Proc } from "../proc/proc.js";

/**
 * The CPU as a process sees it: translated loads and stores under its ASID (faults go to the
 * kernel), exec, its registers. Every call checks that the process is the one running (a
 * typed error otherwise, before anything happens). Loads and stores note their size and
 * value for the kernel's unaligned fix-up (the decode of "the instruction at EPC").
 */
export class UserCpu implements CpuView {
  constructor(
    private readonly k: MonolithicKernel,
    private readonly p: Proc,
  ) {
    Object.freeze(this);
  }

  #check(): void {
    if (this.k.cur !== this.p || this.p.stat !== 3) {
      throw new NotRunningError(`process ${this.p.pid} is not running`);
    }
  }

  get switchPending(): boolean {
    return this.k.cpu.switchPending;
  }
  get now(): number {
    return this.k.cpu.now;
  }

  #note(size: number, store: boolean, value: number): void {
    const a = this.k.lastAccess;
    a.size = size;
    a.store = store;
    a.value = value;
  }

  load8(va: number): number {
    this.#check();
    this.#note(1, false, 0);
    return this.k.cpu.load8(va);
  }
  load16(va: number): number {
    this.#check();
    this.#note(2, false, 0);
    return this.k.cpu.load16(va);
  }
  load32(va: number): number {
    this.#check();
    this.#note(4, false, 0);
    return this.k.cpu.load32(va);
  }
  store8(va: number, value: number): void {
    this.#check();
    this.#note(1, true, value);
    this.k.cpu.store8(va, value);
  }
  store16(va: number, value: number): void {
    this.#check();
    this.#note(2, true, value);
    this.k.cpu.store16(va, value);
  }
  store32(va: number, value: number): void {
    this.#check();
    this.#note(4, true, value);
    this.k.cpu.store32(va, value);
  }
  copy(dstVa: number, srcVa: number, bytes: number): void {
    this.#check();
    this.k.cpu.copy(dstVa, srcVa, bytes);
  }
  zero(dstVa: number, bytes: number): void {
    this.#check();
    this.k.cpu.zero(dstVa, bytes);
  }
  exec(instructions: number, label: string, cat?: Category): void {
    this.#check();
    this.k.cpu.exec(instructions, label, cat);
  }
  reg(i: number): number {
    this.#check();
    return this.k.cpu.reg(i);
  }
  setReg(i: number, value: number): void {
    this.#check();
    this.k.cpu.setReg(i, value);
  }
  multiply(a: number, b: number): number {
    this.#check();
    return this.k.cpu.multiply(a, b);
  }
  addTrapping(a: number, b: number): number {
    this.#check();
    this.#note(4, false, a);
    return this.k.cpu.addTrapping(a, b);
  }
  /** `break`: raises Bp (SIGTRAP to the process); execution goes on after it. */
  breakpoint(): void {
    this.#check();
    this.#note(4, false, 0);
    this.k.cpu.breakpoint();
  }
  coprocessor1(): boolean {
    this.#check();
    return this.k.cpu.coprocessor1();
  }
}
