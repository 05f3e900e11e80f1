import { type EnvHandle, PAGE_BYTES, Reg, Result, Resume } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { GLOBALS_VA, PT_ENTRY_BYTES, PT_VA, pagesFor, REFILL_SAVE_VA } from "../layout.js";
import type { LibOsPolicy } from "../policy.js";
import { capOf, DEMAND, frameEntry, NONE, PageTable } from "./pagetable.js";

/** Exit statuses of a process the library ends on a fault (128 + the UNIX signal). */
export const FaultExit = Object.freeze({ Segv: 139, NoMemory: 138 });

const PAGE_MASK = PAGE_BYTES - 1;

/**
 * Virtual memory: demand-zero pages through the library's own page table. A TLB miss the
 * kernel cannot serve from its software TLB is upcalled to the refill handler, which walks
 * the page table, gets a frame on the first touch, installs the mapping with `tlbWrite`
 * and retries the access. A miss on a page that is not mapped ends the process
 * (`exit(FaultExit.Segv)`, UNIX's default for SIGSEGV).
 */
export class Vm {
  /** Host-side statistics (not simulated state). */
  readonly stats = { refills: 0, zeroFills: 0 };
  readonly #pt: PageTable;

  constructor(
    private readonly env: EnvHandle,
    policy: LibOsPolicy,
  ) {
    this.#pt = new PageTable(env.cpu, policy.pages);
  }

  // #region boot
  /** Guarantees the library's globals and page-table pages; installs the refill handler. */
  boot(): number {
    let r = this.guarantee(GLOBALS_VA, 1);
    if (r < 0) return r;
    r = this.guarantee(PT_VA, pagesFor(this.#pt.pages * PT_ENTRY_BYTES));
    if (r < 0) return r;
    return this.env.setHandler("refill", () => this.#onRefill(), REFILL_SAVE_VA);
  }

  /**
   * Gives `pages` fresh frames to the library at `va`, as guaranteed writable mappings: the
   * kernel serves their misses and never upcalls them (the library's own state lives there).
   */
  guarantee(va: number, pages: number): number {
    for (let p = 0; p < pages; p++) {
      const cap = this.env.allocFrame();
      if (cap < 0) return cap;
      const r = this.env.guarantee(va + p * PAGE_BYTES, cap, 1);
      if (r < 0) return r;
    }
    return Result.Ok;
  }
  // #endregion boot

  // #region map
  /** Maps `pages` demand-zero pages from `va`: Invalid outside the region, Busy over a mapped page. */
  map(va: number, pages: number): number {
    const first = this.#range(va, pages);
    if (first < 0) return first;
    const cpu = this.env.cpu;
    for (let i = first; i < first + pages; i++) {
      cpu.exec(COSTS["db.vm.scan.step"]);
      if (this.#pt.read(i) !== NONE) return Result.Busy;
    }
    for (let i = first; i < first + pages; i++) {
      cpu.exec(COSTS["db.vm.fill.step"]);
      this.#pt.write(i, DEMAND);
    }
    return Result.Ok;
  }
  // #endregion map

  /** Unmaps `pages` pages from `va`, freeing their frames (the kernel removes their mappings). */
  unmap(va: number, pages: number): number {
    const first = this.#range(va, pages);
    if (first < 0) return first;
    const cpu = this.env.cpu;
    for (let i = first; i < first + pages; i++) {
      cpu.exec(COSTS["db.vm.unmap.step"]);
      const cap = capOf(this.#pt.read(i));
      if (cap >= 0) {
        cpu.exec(COSTS["db.vm.unmap.free"]);
        const r = this.env.freeFrame(cap);
        if (r < 0) return r;
      }
      this.#pt.write(i, NONE);
    }
    return Result.Ok;
  }

  /** The first entry index of [va, va + pages pages), or Invalid (checked before anything changes). */
  #range(va: number, pages: number): number {
    this.env.cpu.exec(COSTS["db.vm.range"]);
    if (!Number.isInteger(va) || !Number.isInteger(pages) || pages < 1) return Result.Invalid;
    if ((va & PAGE_MASK) !== 0) return Result.Invalid;
    const first = this.#pt.index(va);
    if (first < 0 || first + pages > this.#pt.pages) return Result.Invalid;
    return first;
  }

  // #region refill
  /**
   * The refill handler. It runs on the interrupted code, which must see every register as
   * it left it: the kernel saved t0..t2 in the save area (and put EPC, BadVAddr and Cause in
   * them); the system calls below load v0 and a0..a2, so those four are kept in the save
   * area too, and all seven are restored before the access is retried.
   */
  #onRefill(): number {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.refill.entry"]);
    this.stats.refills++;
    saveCallRegisters(this.env, REFILL_SAVE_VA);
    const va = cpu.reg(Reg.t1) >>> 0;
    const i = this.#pt.index(va);
    const entry = i < 0 ? NONE : this.#pt.read(i);
    if (entry === NONE) return this.env.exit(FaultExit.Segv);
    let cap = capOf(entry);
    if (entry === DEMAND) {
      cpu.exec(COSTS["db.refill.zero"]);
      cap = this.env.allocFrame();
      if (cap < 0) return this.env.exit(FaultExit.NoMemory);
      this.#pt.write(i, frameEntry(cap));
      this.stats.zeroFills++;
    }
    cpu.exec(COSTS["db.refill.install"]);
    if (this.env.tlbWrite(va & ~PAGE_MASK, cap, 1) < 0) return this.env.exit(FaultExit.Segv);
    restoreRegisters(this.env, REFILL_SAVE_VA);
    cpu.exec(COSTS["db.refill.return"]);
    return Resume.Retry;
  }
  // #endregion refill
}

// #region save-restore
/** Stores v0 and a0..a2 after the kernel's t0..t2 (charged stores): the registers a system call's stub loads. */
export function saveCallRegisters(env: EnvHandle, area: number): void {
  const cpu = env.cpu;
  cpu.store32(area + 12, cpu.reg(Reg.v0));
  cpu.store32(area + 16, cpu.reg(Reg.a0));
  cpu.store32(area + 20, cpu.reg(Reg.a1));
  cpu.store32(area + 24, cpu.reg(Reg.a2));
}

/** Restores t0..t2, v0 and a0..a2 from a save area (charged loads). */
export function restoreRegisters(env: EnvHandle, area: number): void {
  const cpu = env.cpu;
  cpu.setReg(Reg.t0, cpu.load32(area));
  cpu.setReg(Reg.t1, cpu.load32(area + 4));
  cpu.setReg(Reg.t2, cpu.load32(area + 8));
  cpu.setReg(Reg.v0, cpu.load32(area + 12));
  cpu.setReg(Reg.a0, cpu.load32(area + 16));
  cpu.setReg(Reg.a1, cpu.load32(area + 20));
  cpu.setReg(Reg.a2, cpu.load32(area + 24));
}
// #endregion save-restore
