import {
  type EnvHandle,
  ExcCode,
  PAGE_BYTES,
  Reg,
  Result,
  Resume,
  Rights,
} from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import {
  APP_BASE,
  APP_LIMIT,
  G_EXC_DEPTH,
  G_FRAMES,
  G_PT_COUNT,
  G_SAVE,
  GLOBALS_VA,
  IPC_BASE,
  IPC_LIMIT,
  MAX_EXC_DEPTH,
  PT_ENTRY_BYTES,
  PT_VA,
  REFILL_SAVE_SLOT,
  SAVE_LIVE_BYTES,
  SAVE_SLOT_BYTES,
  SCRATCH_SRC_VA,
  SCRATCH_VA,
} from "../layout.js";
import type { ExosPolicy } from "../policy.js";
import { F, PageTable } from "./pagetable.js";

/** Protection an application asks for. */
export const Prot = { None: 0, Read: 1, ReadWrite: 3 } as const;
export type Prot = (typeof Prot)[keyof typeof Prot];

/** What an application's fault handler tells the library to do with the faulting access. */
export const FaultAction = {
  /** Re-execute the access (the handler changed the protection or the mapping). */
  Retry: 0,
  /** Skip it: a load returns the value the handler left in v0; a store is dropped. */
  Emulate: 1,
} as const;
export type FaultAction = (typeof FaultAction)[keyof typeof FaultAction];

/** Why the application's handler runs. */
export const FaultKind = {
  /** The page is mapped but its protection forbids the access (Appel–Li trap). */
  Protection: 0,
  /** Nothing is mapped there, or the address is not the application's (segmentation fault). */
  Segv: 1,
  /** The library could not get a frame for the page (demand-zero or copy-on-write). */
  NoMemory: 2,
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/**
 * Exit status of a process ended by a memory fault it had no handler for: the shell's
 * 128 + signal, with the DECstation's (Ultrix/BSD) signal numbers: SIGSEGV 11, SIGBUS 10.
 */
export const FaultExit = {
  /** An access outside the mappings, or a protection fault (SIGSEGV). */
  Segv: 128 + 11,
  /** No frame could be had for a demand-zero or copy-on-write page (SIGBUS). */
  NoMemory: 128 + 10,
} as const;

/** Traps other than memory faults that an application may handle (see `setTrapHandler`). */
export const TRAP_CODES: readonly number[] = Object.freeze([
  ExcCode.Ov,
  ExcCode.CpU,
  ExcCode.Bp,
  ExcCode.RI,
]);

/** A handler for such a trap: exception code, EPC, BadVAddr. Synchronous; cannot block. */
export type TrapHandler = (code: number, epc: number, badVaddr: number) => FaultAction;

/** A user-level fault handler. Runs synchronously on the faulting thread; cannot block. */
export type FaultHandler = (va: number, write: boolean, kind: FaultKind) => FaultAction;

/** Counters for tests and reports (host-side statistics, not on any measured path). */
export interface VmStats {
  refills: number;
  dirtyFaults: number;
  protectionFaults: number;
  segv: number;
  zeroFills: number;
  cowCopies: number;
  lastFaultVa: number;
}

const PAGE_MASK = PAGE_BYTES - 1;
/** `mprotect`'s "the most the mapping allows". */
const UNPROTECT = -1;

/**
 * ExOS virtual memory at application level: the page table, the TLB-miss and TLB-modify
 * handlers (refill, demand-zero, dirty tracking, copy-on-write), user-level fault handlers,
 * and the Appel–Li primitives. Every call checks all of its arguments before it changes
 * anything and returns a number: >= 0 success, < 0 a Result code.
 */
export class Vm {
  readonly pt: PageTable;
  readonly stats: VmStats = {
    refills: 0,
    dirtyFaults: 0,
    protectionFaults: 0,
    segv: 0,
    zeroFills: 0,
    cowCopies: 0,
    lastFaultVa: 0,
  };
  /** Capability names of the library's own pages (set at boot; never change after). */
  readonly #libraryCaps: number[] = [];
  #faultHandler: FaultHandler | null = null;
  #segvHandler: FaultHandler | null = null;

  constructor(
    private readonly env: EnvHandle,
    private readonly policy: ExosPolicy,
  ) {
    this.pt = new PageTable(env.cpu, policy.pageTableEntries);
  }

  /**
   * Allocates the globals and page-table pages under guaranteed mappings and installs the
   * exception handlers. Returns Result.Ok or the first failure.
   */
  boot(): number {
    const env = this.env;
    const ptPages = Math.ceil((this.policy.pageTableEntries * PT_ENTRY_BYTES) / PAGE_BYTES);
    const pages: number[] = [GLOBALS_VA];
    for (let p = 0; p < ptPages; p++) pages.push(PT_VA + p * PAGE_BYTES);
    for (const va of pages) {
      const r = this.guaranteePage(va);
      if (r < 0) return r;
    }
    env.cpu.store32(GLOBALS_VA + G_PT_COUNT, 0);
    env.cpu.store32(GLOBALS_VA + G_EXC_DEPTH, 0);
    const handlers: [ExcCode | "refill", number][] = [
      ["refill", REFILL_SAVE_SLOT],
      [ExcCode.Mod, ExcCode.Mod],
    ];
    for (const [code, slot] of handlers) {
      const save = GLOBALS_VA + G_SAVE + slot * SAVE_SLOT_BYTES;
      const r = env.setHandler(code, () => this.#onTlbFault(save), save);
      if (r < 0) return r;
    }
    for (const code of [ExcCode.AdEL, ExcCode.AdES]) {
      const save = GLOBALS_VA + G_SAVE + code * SAVE_SLOT_BYTES;
      const r = env.setHandler(code, () => this.#onAddressError(save), save);
      if (r < 0) return r;
    }
    return Result.Ok;
  }

  /** Allocates a frame and guarantees its mapping at `va` (library state). */
  guaranteePage(va: number): number {
    const cap = this.env.allocFrame();
    if (cap < 0) return cap;
    const r = this.env.guarantee(va, cap, 1);
    if (r < 0) return r;
    this.#libraryCaps.push(cap);
    return cap;
  }

  /**
   * Whether `cap` is the name of one of the library's own pages (globals, page table,
   * thread contexts). A peer may send such a name as "a page I share with you"; mapping it
   * would let the application write the library's state believing it shared memory.
   */
  #isLibraryCap(cap: number): boolean {
    for (const c of this.#libraryCaps) {
      this.env.cpu.exec(COSTS["exos.vm.libcap"]);
      if (c === cap) return true;
    }
    return false;
  }

  // ---- application API ----------------------------------------------------------------

  /** Reserves `pages` demand-zero pages at `va` with protection `prot`. */
  map(va: number, pages: number, prot: Prot = Prot.ReadWrite): number {
    if (!this.#userRange(va, pages) || !isProt(prot)) return Result.Invalid;
    const at = this.#freeRunAt(va >>> 12, pages);
    if (at < 0) return at;
    const flags = F.ZERO | protFlags(prot) | F.MAXWRITE;
    return this.pt.insertRun(at, va >>> 12, pages, flags, 0) ? Result.Ok : Result.NoMemory;
  }

  /**
   * Unmaps `pages` pages at `va` (all must be mapped); frees the frames the library owns.
   * A frame still shared copy-on-write with a fork child is not freed (frames are not
   * reference-counted: the child may not have copied it yet). Capabilities received from
   * others are never dropped: their names came from a peer, which may have named one this
   * process uses elsewhere (dropping it would remove those mappings too).
   */
  unmap(va: number, pages: number): number {
    if (!this.#userRange(va, pages)) return Result.Invalid;
    const i = this.#mappedRun(va >>> 12, pages);
    if (i < 0) return i;
    this.env.cpu.exec(COSTS["exos.vm.unmap"]);
    for (let j = 0; j < pages; j++) {
      const w0 = this.pt.word0(i + j);
      if ((w0 & F.PRESENT) !== 0) {
        this.env.tlbDelete(va + j * PAGE_BYTES);
        if ((w0 & (F.FOREIGN | F.COW)) === 0) this.env.freeFrame(this.pt.cap(i + j));
      }
      this.env.cpu.exec(COSTS["exos.vm.unmap.step"]);
    }
    this.pt.removeRun(i, pages);
    return Result.Ok;
  }

  /** Maps `va` to the frame behind `srcVa` (an alias in this address space). */
  alias(va: number, srcVa: number, prot: Prot = Prot.ReadWrite): number {
    if (!this.#appRange(va, 1) || !this.#appRange(srcVa, 1) || !isProt(prot)) return Result.Invalid;
    const src = this.pt.find(srcVa >>> 12);
    if (src < 0) return Result.Invalid;
    let w = this.pt.word0(src);
    if ((prot & 2) !== 0 && (w & F.MAXWRITE) === 0) return Result.Rights;
    const at = this.#freeRunAt(va >>> 12, 1);
    if (at < 0) return at;
    const r = this.#ownFrame(src, srcVa & ~PAGE_MASK, w);
    if (r < 0) return r;
    w = this.pt.word0(src);
    const flags = F.PRESENT | F.FOREIGN | F.ALIAS | protFlags(prot) | (prot & 2 ? F.MAXWRITE : 0);
    // The source moved up by one if the alias sorts before it; its cap is unchanged.
    const cap = this.pt.cap(src);
    return this.pt.insertRun(at, va >>> 12, 1, flags, cap) ? Result.Ok : Result.NoMemory;
  }

  /**
   * Grants the frame behind `va` to environment `target` (Read, or Read|Write when
   * `writable`); returns the capability name in the target's list (plain data to send it).
   */
  share(va: number, target: number, writable: boolean): number {
    if (!this.#userRange(va, 1)) return Result.Invalid;
    const i = this.pt.find(va >>> 12);
    if (i < 0) return Result.Invalid;
    const w = this.pt.word0(i);
    if (writable && (w & F.MAXWRITE) === 0) return Result.Rights;
    const r = this.#ownFrame(i, va & ~PAGE_MASK, w);
    if (r < 0) return r;
    return this.env.grant(
      this.pt.cap(i),
      target,
      writable ? Rights.Read | Rights.Write : Rights.Read,
    );
  }

  /**
   * Maps a frame granted to this environment (capability `cap`) at `va`. Busy for the name
   * of one of the library's own pages.
   */
  mapShared(va: number, cap: number, writable: boolean): number {
    if (!this.#userRange(va, 1)) return Result.Invalid;
    const frame = this.env.frameOf(cap);
    if (frame < 0) return frame;
    if (this.#isLibraryCap(cap)) return Result.Busy;
    const at = this.#freeRunAt(va >>> 12, 1);
    if (at < 0) return at;
    const flags = F.PRESENT | F.FOREIGN | F.READ | (writable ? F.WRITE | F.MAXWRITE : F.CAPRO);
    return this.pt.insertRun(at, va >>> 12, 1, flags, cap) ? Result.Ok : Result.NoMemory;
  }

  /** Appel–Li `dirty`: 1 if the page was written, 0 if not (a page-table lookup only). */
  dirty(va: number): number {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.call"]);
    const i = this.pt.find(va >>> 12);
    if (i < 0) return Result.Invalid;
    cpu.exec(COSTS["exos.vm.dirty"]);
    return (this.pt.word0(i) & F.DIRTY) !== 0 ? 1 : 0;
  }

  /** Clears the dirty bit of a page (the next store sets it again). */
  clean(va: number): number {
    const i = this.pt.find(va >>> 12);
    if (i < 0) return Result.Invalid;
    const w = this.pt.word0(i);
    this.pt.setWord0(i, w & ~F.DIRTY);
    if ((w & F.PRESENT) !== 0) this.env.tlbDelete(va & ~PAGE_MASK);
    return Result.Ok;
  }

  /** Appel–Li `prot1`: removes all access to one page. */
  protect1(va: number): number {
    return this.mprotect(va, 1, Prot.None);
  }

  /** Appel–Li `protN`: removes all access to `pages` pages in one call. */
  protectRange(va: number, pages: number): number {
    return this.mprotect(va, pages, Prot.None);
  }

  /** Appel–Li `unprot`: restores `pages` pages to the most their mapping allows. */
  unprotectRange(va: number, pages: number): number {
    return this.mprotect(va, pages, UNPROTECT);
  }

  /**
   * Sets the protection of `pages` mapped pages at `va`. `prot` -1 means "the most the
   * mapping allows" (unprotect). Lowering protection deletes the TLB entry (TLB and the
   * kernel's software TLB: two structures, as the paper's ExOS); raising it installs the
   * entry at once when `policy.eagerRemap`.
   */
  mprotect(va: number, pages: number, prot: Prot | typeof UNPROTECT): number {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.call"]);
    if (!this.#userRange(va, pages)) return Result.Invalid;
    if (prot !== UNPROTECT && !isProt(prot)) return Result.Invalid;
    const i = this.#mappedRun(va >>> 12, pages);
    if (i < 0) return i;
    if (prot !== UNPROTECT && (prot & 2) !== 0) {
      for (let j = 0; j < pages; j++)
        if ((this.pt.word0(i + j) & F.MAXWRITE) === 0) return Result.Rights;
    }
    cpu.exec(COSTS["exos.vm.protect.setup"]);
    for (let j = 0; j < pages; j++) {
      const w = this.pt.word0(i + j);
      const want = prot === UNPROTECT ? F.READ | (w & F.MAXWRITE ? F.WRITE : 0) : protFlags(prot);
      const nw = (w & ~(F.READ | F.WRITE)) | want;
      cpu.exec(COSTS["exos.vm.protect.step"]);
      if (nw === w) continue;
      this.pt.setWord0(i + j, nw);
      if ((nw & F.PRESENT) === 0) continue;
      const page = va + j * PAGE_BYTES;
      const lowered = (w & ~nw & (F.READ | F.WRITE)) !== 0;
      if (lowered) this.env.tlbDelete(page);
      else if (this.policy.eagerRemap)
        this.env.tlbWrite(page, this.pt.cap(i + j), this.#writable(nw));
    }
    return Result.Ok;
  }

  /** Installs the application's protection-trap handler (null removes it). */
  setFaultHandler(fn: FaultHandler | null): number {
    if (fn !== null && typeof fn !== "function") return Result.Invalid;
    this.#faultHandler = fn;
    return Result.Ok;
  }

  /** Installs the application's segmentation-fault handler (null: the default). */
  setSegvHandler(fn: FaultHandler | null): number {
    if (fn !== null && typeof fn !== "function") return Result.Invalid;
    this.#segvHandler = fn;
    return Result.Ok;
  }

  // ---- handlers -------------------------------------------------------------------------

  /** TLB refill (software-TLB miss upcall), TLB modify, and invalid-entry faults. */
  #onTlbFault(save: number): Resume {
    const env = this.env;
    const cpu = env.cpu;
    cpu.exec(COSTS["exos.fault.decode"]);
    this.#saveLive(save);
    const va = cpu.reg(Reg.t1) >>> 0;
    const code = (cpu.reg(Reg.t2) >>> 2) & 31;
    const write = code === ExcCode.TLBS || code === ExcCode.Mod;
    if (!this.#userRange(va & ~PAGE_MASK, 1)) return this.#deliver(save, va, write, FaultKind.Segv);
    this.stats.refills++;
    const page = (va & ~PAGE_MASK) >>> 0;
    const i = this.pt.find(va >>> 12);
    if (i < 0) return this.#deliver(save, va, write, FaultKind.Segv);
    let w = this.pt.word0(i);
    cpu.exec(COSTS["exos.fault.check"]);
    if ((w & (write ? F.WRITE : F.READ)) === 0) {
      this.stats.protectionFaults++;
      return this.#deliver(save, va, write, FaultKind.Protection);
    }
    if ((w & F.ZERO) !== 0) {
      if (this.#zeroFill(i, page, w) < 0) return this.#deliver(save, va, write, FaultKind.NoMemory);
      w = this.pt.word0(i);
    }
    if (write && (w & F.COW) !== 0) {
      if (this.#cowCopy(i, page, w, true) < 0)
        return this.#deliver(save, va, write, FaultKind.NoMemory);
      return this.#restore(save, Resume.Retry);
    }
    // A first store marks the page dirty. Without dirty tracking, any writable page that is
    // installed counts as dirty (it is installed writable, so later stores go unseen).
    const untracked = !this.policy.trackDirty && (w & F.WRITE) !== 0 && (w & F.COW) === 0;
    if ((write || untracked) && (w & F.DIRTY) === 0) {
      w |= F.DIRTY;
      this.pt.setWord0(i, w);
      if (write) this.stats.dirtyFaults++;
    }
    cpu.exec(COSTS["exos.fault.install"]);
    if (env.tlbWrite(page, this.pt.cap(i), this.#writable(w)) < 0)
      return this.#deliver(save, va, write, FaultKind.Segv);
    return this.#restore(save, Resume.Retry);
  }

  /** Unaligned or kernel-segment access: a segmentation fault for the application. */
  #onAddressError(save: number): Resume {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.fault.decode"]);
    this.#saveLive(save);
    const code = (cpu.reg(Reg.t2) >>> 2) & 31;
    return this.#deliver(save, cpu.reg(Reg.t1) >>> 0, code === ExcCode.AdES, FaultKind.Segv);
  }

  /**
   * Whether a page with flags `w` is installed writable: only when the application may
   * write it, it is not copy-on-write, and (with dirty tracking) it is already dirty.
   */
  #writable(w: number): 0 | 1 {
    if ((w & F.WRITE) === 0 || (w & F.COW) !== 0) return 0;
    return (w & F.DIRTY) !== 0 || !this.policy.trackDirty ? 1 : 0;
  }

  /**
   * Keeps v0 and a0..a2 in the save slot: the handler's system calls (their stubs load the
   * call number and arguments into those registers) would otherwise clobber the
   * application's values.
   */
  #saveLive(save: number): void {
    const cpu = this.env.cpu;
    cpu.store32(save + 12, cpu.reg(Reg.v0));
    cpu.store32(save + 16, cpu.reg(Reg.a0));
    cpu.store32(save + 20, cpu.reg(Reg.a1));
    cpu.store32(save + 24, cpu.reg(Reg.a2));
  }

  /** Restores t0..t2, v0 and a0..a2 from a save slot or frame (charged loads) and resumes. */
  #restore(save: number, how: Resume): Resume {
    const cpu = this.env.cpu;
    cpu.setReg(Reg.t0, cpu.load32(save));
    cpu.setReg(Reg.t1, cpu.load32(save + 4));
    cpu.setReg(Reg.t2, cpu.load32(save + 8));
    cpu.setReg(Reg.v0, cpu.load32(save + 12));
    cpu.setReg(Reg.a0, cpu.load32(save + 16));
    cpu.setReg(Reg.a1, cpu.load32(save + 20));
    cpu.setReg(Reg.a2, cpu.load32(save + 24));
    cpu.exec(COSTS["exos.fault.return"]);
    return how;
  }

  /**
   * Runs the application's handler for a fault. The saved registers move to an exception
   * frame first (the handler may fault again and reuse the save slot). An emulated load
   * takes the value the handler left in v0. Without a handler (or with faults nested past
   * MAX_EXC_DEPTH), the UNIX default action: the process ends (`exit` with FaultExit), and
   * the exokernel unwinds the application's code; the faulting access never completes.
   */
  #deliver(save: number, va: number, write: boolean, kind: FaultKind): Resume {
    const cpu = this.env.cpu;
    this.stats.lastFaultVa = va;
    const handler =
      (kind === FaultKind.Protection ? this.#faultHandler : null) ?? this.#segvHandler;
    const depth = cpu.load32(GLOBALS_VA + G_EXC_DEPTH);
    if (handler === null || depth >= MAX_EXC_DEPTH) {
      this.stats.segv++;
      this.env.exit(kind === FaultKind.NoMemory ? FaultExit.NoMemory : FaultExit.Segv);
      // Not reached: exit returns only if the environment is already gone.
      return Resume.Retry;
    }
    if (kind !== FaultKind.Protection) this.stats.segv++;
    return this.#upcall(save, depth, () => handler(va, write, kind));
  }

  /**
   * Calls application code from a handler: the save slot's live registers move to the
   * exception frame of this depth first (the application may fault again), and come back
   * from it afterwards; an emulated access keeps the v0 the application left.
   */
  #upcall(save: number, depth: number, call: () => FaultAction): Resume {
    const cpu = this.env.cpu;
    const frame = GLOBALS_VA + G_FRAMES + depth * SAVE_SLOT_BYTES;
    cpu.copy(frame, save, SAVE_LIVE_BYTES);
    cpu.store32(GLOBALS_VA + G_EXC_DEPTH, depth + 1);
    cpu.exec(COSTS["exos.fault.upcall"]);
    const action = call();
    cpu.store32(GLOBALS_VA + G_EXC_DEPTH, depth);
    if (action !== FaultAction.Emulate) return this.#restore(frame, Resume.Retry);
    const value = cpu.reg(Reg.v0);
    this.#restore(frame, Resume.Emulated);
    cpu.setReg(Reg.v0, value);
    return Resume.Emulated;
  }

  /**
   * Installs (or, with null, removes) the application's handler for a trap that is not a
   * memory fault: overflow (Ov), coprocessor unusable (CpU), breakpoint (Bp), reserved
   * instruction (RI). Without one the exokernel destroys the environment on that trap —
   * the UNIX default action for SIGFPE/SIGILL/SIGTRAP. `fn(code, epc, badVaddr)` returns
   * Emulate (resume after the instruction; an overflowing add yields the handler's v0) or
   * Retry (resume; the machine re-executes only memory accesses).
   */
  setTrapHandler(code: number, fn: TrapHandler | null): number {
    if (!TRAP_CODES.includes(code)) return Result.Invalid;
    if (fn !== null && typeof fn !== "function") return Result.Invalid;
    const save = GLOBALS_VA + G_SAVE + code * SAVE_SLOT_BYTES;
    const r = this.env.setHandler(
      code as ExcCode,
      fn === null ? null : () => this.#onTrap(save, code, fn),
      save,
    );
    return r < 0 ? r : Result.Ok;
  }

  #onTrap(save: number, code: number, fn: TrapHandler): Resume {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.trap.decode"]);
    this.#saveLive(save);
    const epc = cpu.reg(Reg.t0) >>> 0;
    const bad = cpu.reg(Reg.t1) >>> 0;
    const depth = cpu.load32(GLOBALS_VA + G_EXC_DEPTH);
    if (depth >= MAX_EXC_DEPTH) return this.#restore(save, Resume.Emulated);
    return this.#upcall(save, depth, () => fn(code, epc, bad));
  }

  /**
   * Demand-zero: gets a frame and records it. The exokernel hands out frames zeroed (so no
   * data of a previous owner leaks), so the library does not zero it again.
   */
  #zeroFill(i: number, _page: number, w: number): number {
    const env = this.env;
    const cap = env.allocFrame();
    if (cap < 0) return cap;
    env.cpu.exec(COSTS["exos.vm.zerofill"]);
    this.pt.setCap(i, cap);
    this.pt.setWord0(i, (w & ~F.ZERO) | F.PRESENT);
    this.stats.zeroFills++;
    return Result.Ok;
  }

  /**
   * Copy-on-write: copies the shared frame into a new one of ours and maps it as the page's
   * protection allows (writable at once after a store, `dirty`). Both frames are reached
   * through guaranteed windows during the copy, so it cannot fault into this handler again
   * (a nested refill would reuse the save slot that holds the application's registers).
   */
  #cowCopy(i: number, page: number, w: number, dirty: boolean): number {
    const env = this.env;
    const cap = env.allocFrame();
    if (cap < 0) return cap;
    const old = this.pt.cap(i);
    let r = env.guarantee(SCRATCH_VA, cap, 1);
    if (r >= 0) r = env.guarantee(SCRATCH_SRC_VA, old, 0);
    if (r < 0) {
      env.tlbDelete(SCRATCH_VA);
      env.freeFrame(cap);
      return r;
    }
    env.cpu.copy(SCRATCH_VA, SCRATCH_SRC_VA, PAGE_BYTES);
    env.tlbDelete(SCRATCH_VA);
    env.tlbDelete(SCRATCH_SRC_VA);
    env.cpu.exec(COSTS["exos.vm.cow"]);
    const nw = (w & ~(F.COW | F.FOREIGN | F.CAPRO)) | (dirty ? F.DIRTY : 0);
    this.pt.setCap(i, cap);
    this.pt.setWord0(i, nw);
    this.stats.cowCopies++;
    if ((nw & F.READ) === 0) return env.tlbDelete(page);
    return env.tlbWrite(page, cap, this.#writable(nw));
  }

  /**
   * Before a frame gets a second name (an alias, a grant): a demand-zero page gets its
   * frame, and a copy-on-write page its private copy (else the second name would keep the
   * old frame after the next store, or let another party write a frame a fork relative
   * reads).
   */
  #ownFrame(i: number, page: number, w: number): number {
    if ((w & F.ZERO) !== 0) return this.#zeroFill(i, page, w);
    if ((w & F.COW) !== 0) return this.#cowCopy(i, page, w, false);
    return Result.Ok;
  }

  // ---- argument checks ----------------------------------------------------------------

  /** Page-aligned range of `pages` >= 1 pages inside the application's region. */
  #appRange(va: number, pages: number): boolean {
    return (
      Number.isInteger(va) &&
      Number.isInteger(pages) &&
      pages >= 1 &&
      (va & PAGE_MASK) === 0 &&
      va >= APP_BASE &&
      va + pages * PAGE_BYTES <= APP_LIMIT
    );
  }

  /** Like #appRange, but the library's IPC windows count too. */
  #userRange(va: number, pages: number): boolean {
    if (this.#appRange(va, pages)) return true;
    return (
      Number.isInteger(va) &&
      Number.isInteger(pages) &&
      pages >= 1 &&
      (va & PAGE_MASK) === 0 &&
      va >= IPC_BASE &&
      va + pages * PAGE_BYTES <= IPC_LIMIT
    );
  }

  /** Insertion point for `pages` new entries from vpn0, or Busy if any is mapped. */
  #freeRunAt(vpn0: number, pages: number): number {
    const a = this.pt.find(vpn0);
    if (a >= 0) return Result.Busy;
    if (pages > 1 && this.pt.find(vpn0 + pages - 1) !== a) return Result.Busy;
    return -a - 1;
  }

  /** Index of the first of `pages` consecutive mapped entries from vpn0, or Invalid. */
  #mappedRun(vpn0: number, pages: number): number {
    const i = this.pt.find(vpn0);
    if (i < 0) return Result.Invalid;
    if (pages > 1) {
      if (i + pages > this.pt.count()) return Result.Invalid;
      if (this.pt.word0(i + pages - 1) >>> 12 !== vpn0 + pages - 1) return Result.Invalid;
    }
    return i;
  }
}

function isProt(p: number): p is Prot {
  return p === Prot.None || p === Prot.Read || p === Prot.ReadWrite;
}

function protFlags(p: Prot): number {
  return (p & 1 ? F.READ : 0) | (p & 2 ? F.WRITE : 0);
}
