import { type EnvHandle, ExcCode, PAGE_BYTES, Reg, Result, Resume } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import {
  APP_BASE,
  EXC_DEPTH_VA,
  EXC_FRAME_BYTES,
  EXC_FRAMES_VA,
  GLOBALS_VA,
  IPT_VA,
  MAPPED_END,
  MAX_EXC_DEPTH,
  MOD_SAVE_VA,
  pagesFor,
  REFILL_SAVE_VA,
  SAVE_BYTES,
} from "../layout.js";
import type { LibOsPolicy } from "../policy.js";
import { F, InvertedPageTable } from "./ipt.js";

/** Exit statuses of a process the library ends on a fault (128 + the UNIX signal). */
export const FaultExit = Object.freeze({ Segv: 139, NoMemory: 138 });

/** The application's protection-fault handler: runs at user level, then the access is retried. */
export type FaultHandler = (va: number, write: boolean) => void;

const PAGE_MASK = PAGE_BYTES - 1;
/** `bindBatch` rights: writable, read-only (0 removes the binding). */
const BIND_RW = 3;
const BIND_R = 1;

/**
 * Virtual memory over an inverted (hashed) page table: one entry per resident page, found
 * by hashing the virtual page number. Pages are mapped with a frame at once (`map` takes
 * fresh frames, `mapFrame` one the caller holds: the buffer pool's); there is no
 * demand-zero state, since an inverted table describes only what is resident.
 *
 * A TLB miss the kernel cannot serve from its software TLB is upcalled to the refill
 * handler, which finds the page's entry and installs the binding (`tlbWrite`, a secure
 * binding the kernel checks). Dirty bits are tracked: a page is installed read-only until
 * its first store, whose fault (TLB modify, or a refill on a store) sets DIRTY. The
 * Appel–Li primitives (`dirty`, `protect1`, `protectRange`, `unprotectRange`, and user-level
 * protection faults) work on the entries; a range changes its bindings in one `bindBatch`
 * crossing. An access to a page not mapped ends the process (`exit(FaultExit.Segv)`).
 */
export class Vm {
  /** Host-side statistics (not simulated state). */
  readonly stats = { refills: 0, modifies: 0, protectionFaults: 0 };
  readonly #ipt: InvertedPageTable;
  #faultHandler: FaultHandler | null = null;

  constructor(
    private readonly env: EnvHandle,
    private readonly policy: LibOsPolicy,
  ) {
    this.#ipt = new InvertedPageTable(env.cpu, policy.iptBuckets, policy.frames);
  }

  // #region boot
  /** Guarantees the library's globals and the table's pages; installs the handlers. */
  boot(): number {
    let r = this.guarantee(GLOBALS_VA, 1);
    if (r < 0) return r;
    const bytes = InvertedPageTable.bytes(this.#ipt.buckets, this.#ipt.entries);
    r = this.guarantee(IPT_VA, pagesFor(bytes));
    if (r < 0) return r;
    this.#ipt.init();
    this.env.cpu.store32(EXC_DEPTH_VA, 0);
    r = this.env.setHandler("refill", () => this.#onFault(REFILL_SAVE_VA), REFILL_SAVE_VA);
    if (r < 0) return r;
    return this.env.setHandler(ExcCode.Mod, () => this.#onFault(MOD_SAVE_VA), MOD_SAVE_VA);
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
  /**
   * Maps `pages` pages from `va` to fresh frames (zeroed by the kernel), read-write.
   * Invalid outside [APP_BASE, MAPPED_END) or unaligned, Busy over a mapped page, NoMemory
   * when the table or the frame quota is full (the pages mapped so far stay mapped).
   */
  map(va: number, pages: number): number {
    const first = this.#range(va, pages);
    if (first < 0) return first;
    for (let p = 0; p < pages; p++) {
      this.env.cpu.exec(COSTS["db.vm.map.step"]);
      if (this.#ipt.find(first + p) >= 0) return Result.Busy;
    }
    for (let p = 0; p < pages; p++) {
      const cap = this.env.allocFrame();
      if (cap < 0) return cap;
      const r = this.#insert(first + p, cap, F.READ | F.WRITE | F.MAXWRITE | F.OWNED);
      if (r < 0) {
        this.env.freeFrame(cap);
        return r;
      }
    }
    return Result.Ok;
  }

  /** Maps one page at `va` to a frame the caller holds (`cap`); the caller keeps the frame. */
  mapFrame(va: number, cap: number, writable: boolean): number {
    const first = this.#range(va, 1);
    if (first < 0) return first;
    if (!Number.isInteger(cap) || cap < 0) return Result.Invalid;
    return this.#insert(first, cap, F.READ | (writable ? F.WRITE | F.MAXWRITE : 0));
  }
  // #endregion map

  #insert(vpn: number, cap: number, flags: number): number {
    this.env.cpu.exec(COSTS["db.vm.map.step"]);
    if (this.#ipt.find(vpn) >= 0) return Result.Busy;
    return this.#ipt.insert(vpn, cap, flags) < 0 ? Result.NoMemory : Result.Ok;
  }

  /** Unmaps `pages` mapped pages from `va` (Invalid if one is not mapped; nothing changes). */
  unmap(va: number, pages: number): number {
    const first = this.#range(va, pages);
    if (first < 0) return first;
    const ipt = this.#ipt;
    for (let p = 0; p < pages; p++) if (ipt.find(first + p) < 0) return Result.Invalid;
    for (let p = 0; p < pages; p++) {
      const i = ipt.find(first + p);
      this.env.cpu.exec(COSTS["db.vm.unmap.step"]);
      const flags = ipt.flags(i);
      const cap = ipt.cap(i);
      ipt.remove(first + p);
      this.env.tlbDelete((first + p) * PAGE_BYTES);
      if ((flags & F.OWNED) !== 0) this.env.freeFrame(cap);
    }
    return Result.Ok;
  }

  /** The first virtual page number of [va, va + pages pages), or Invalid. */
  #range(va: number, pages: number): number {
    this.env.cpu.exec(COSTS["db.vm.range"]);
    if (!Number.isInteger(va) || !Number.isInteger(pages) || pages < 1) return Result.Invalid;
    if ((va & PAGE_MASK) !== 0 || va < APP_BASE) return Result.Invalid;
    if (pages > (MAPPED_END - va) / PAGE_BYTES) return Result.Invalid;
    return va >>> 12;
  }

  // #region appel-li
  /** Appel–Li `dirty`: 1 if the page was written, 0 if not, Invalid if not mapped (a table lookup only). */
  dirty(va: number): number {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.vm.call"]);
    if (!Number.isInteger(va) || va < APP_BASE || va >= MAPPED_END) return Result.Invalid;
    const i = this.#ipt.find(va >>> 12);
    if (i < 0) return Result.Invalid;
    cpu.exec(COSTS["db.vm.dirty"]);
    return (this.#ipt.flags(i) & F.DIRTY) !== 0 ? 1 : 0;
  }

  /** Clears a page's dirty bit (its binding is removed, so the next store faults and sets it). */
  clean(va: number): number {
    if (!Number.isInteger(va) || va < APP_BASE || va >= MAPPED_END) return Result.Invalid;
    const i = this.#ipt.find(va >>> 12);
    if (i < 0) return Result.Invalid;
    this.#ipt.setFlags(i, this.#ipt.flags(i) & ~F.DIRTY);
    return this.env.tlbDelete(va & ~PAGE_MASK);
  }

  /** Appel–Li `prot1`: removes all access to one page. */
  protect1(va: number): number {
    return this.#protect(va, 1, false);
  }

  /** Appel–Li `protN`: removes all access to `pages` pages in one call. */
  protectRange(va: number, pages: number): number {
    return this.#protect(va, pages, false);
  }

  /** Appel–Li `unprot`: restores `pages` pages to the most their mapping allows. */
  unprotectRange(va: number, pages: number): number {
    return this.#protect(va, pages, true);
  }

  /**
   * Sets the protection of `pages` mapped pages (all checked first: Invalid if one is not
   * mapped). Protecting removes the bindings; unprotecting installs them at once (read-only
   * until the page is dirty, so the dirty bit stays exact). One page: its binding call; a
   * range: `bindBatch` vectors of at most the kernel's `maxBatchEntries` entries.
   */
  #protect(va: number, pages: number, open: boolean): number {
    const cpu = this.env.cpu;
    const first = this.#range(va, pages);
    if (first < 0) return first;
    const ipt = this.#ipt;
    const found: number[] = [];
    for (let p = 0; p < pages; p++) {
      const i = ipt.find(first + p);
      if (i < 0) return Result.Invalid;
      found.push(i);
    }
    cpu.exec(COSTS["db.vm.protect.setup"]);
    const batch: number[] = [];
    const maxEntries = this.env.policy.maxBatchEntries;
    for (let p = 0; p < pages; p++) {
      const i = found[p]!;
      const w = ipt.flags(i);
      const want = open ? F.READ | (w & F.MAXWRITE ? F.WRITE : 0) : 0;
      const nw = (w & ~(F.READ | F.WRITE)) | want;
      cpu.exec(COSTS["db.vm.protect.step"]);
      if (nw === w) continue;
      ipt.setFlags(i, nw);
      const page = (first + p) * PAGE_BYTES;
      if (pages === 1) {
        if (open) this.env.tlbWrite(page, ipt.cap(i), installWritable(nw));
        else this.env.tlbDelete(page);
        continue;
      }
      cpu.exec(COSTS["db.vm.batch.entry"]);
      batch.push(page, open ? ipt.cap(i) : 0, open ? (installWritable(nw) ? BIND_RW : BIND_R) : 0);
      if (batch.length === 3 * maxEntries) this.#flush(batch);
    }
    if (batch.length > 0) this.#flush(batch);
    return Result.Ok;
  }

  #flush(batch: number[]): void {
    this.env.cpu.exec(COSTS["db.vm.batch.call"]);
    this.env.bindBatch(batch);
    batch.length = 0;
  }

  /** Installs the application's protection-fault handler (null removes it: a fault then ends the process). */
  setFaultHandler(fn: FaultHandler | null): number {
    if (fn !== null && typeof fn !== "function") return Result.Invalid;
    this.#faultHandler = fn;
    return Result.Ok;
  }
  // #endregion appel-li

  // #region refill
  /**
   * The refill and TLB-modify handler. It runs on the interrupted code, which must see
   * every register as it left it: the kernel saved t0..t2 in the save area (and put EPC,
   * BadVAddr and Cause in them); the system calls below load v0 and a0..a2, so those four
   * are kept in the save area too, and all seven are restored before the access is retried.
   */
  #onFault(save: number): number {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["db.refill.entry"]);
    saveCallRegisters(this.env, save);
    const va = cpu.reg(Reg.t1) >>> 0;
    const code = (cpu.reg(Reg.t2) >>> 2) & 31;
    const write = code === ExcCode.TLBS || code === ExcCode.Mod;
    if (code === ExcCode.Mod) this.stats.modifies++;
    else this.stats.refills++;
    const inRange = va >= APP_BASE && va < MAPPED_END;
    const i = inRange ? this.#ipt.find(va >>> 12) : -1;
    if (i < 0) return this.env.exit(FaultExit.Segv);
    let w = this.#ipt.flags(i);
    cpu.exec(COSTS["db.refill.check"]);
    if ((w & (write ? F.WRITE : F.READ)) === 0) return this.#deliver(save, va, write);
    if (write && (w & F.DIRTY) === 0) {
      w |= F.DIRTY;
      this.#ipt.setFlags(i, w);
    }
    cpu.exec(COSTS["db.refill.install"]);
    if (this.env.tlbWrite(va & ~PAGE_MASK, this.#ipt.cap(i), installWritable(w)) < 0)
      return this.env.exit(FaultExit.Segv);
    return this.#restore(save, Resume.Retry);
  }
  // #endregion refill

  /**
   * A protection fault for the application's handler, run at user level: the save area
   * moves to an exception frame first (the handler may fault again and reuse it). Without
   * a handler, or nested past MAX_EXC_DEPTH, the process ends (`exit(FaultExit.Segv)`).
   */
  #deliver(save: number, va: number, write: boolean): number {
    const cpu = this.env.cpu;
    this.stats.protectionFaults++;
    const depth = cpu.load32(EXC_DEPTH_VA);
    const handler = this.#faultHandler;
    if (handler === null || depth >= MAX_EXC_DEPTH) return this.env.exit(FaultExit.Segv);
    const frame = EXC_FRAMES_VA + depth * EXC_FRAME_BYTES;
    cpu.copy(frame, save, SAVE_BYTES);
    cpu.store32(EXC_DEPTH_VA, depth + 1);
    cpu.exec(COSTS["db.fault.upcall"]);
    handler(va, write);
    cpu.store32(EXC_DEPTH_VA, depth);
    return this.#restore(frame, Resume.Retry);
  }

  #restore(save: number, how: Resume): number {
    restoreRegisters(this.env, save);
    this.env.cpu.exec(COSTS["db.refill.return"]);
    return how;
  }
}

/** Install writable only once dirty (so the first store faults and sets DIRTY). */
function installWritable(flags: number): number {
  return (flags & F.WRITE) !== 0 && (flags & F.DIRTY) !== 0 ? 1 : 0;
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
