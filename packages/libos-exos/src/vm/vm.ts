import { type EnvHandle, ExcCode, PAGE_BYTES, Result } from "@exolab/exokernel";
import {
  G_EXC_DEPTH,
  G_PT_COUNT,
  G_SAVE,
  GLOBALS_VA,
  PT_ENTRY_BYTES,
  PT_VA,
  REFILL_SAVE_SLOT,
  SAVE_SLOT_BYTES,
} from "../layout.js";
import type { ExosPolicy } from "../policy.js";
import { onAddressError, onTlbFault, onTrap } from "./faults.js";
import * as mapping from "./mapping.js";
import { PageTable } from "./pagetable.js";
import * as protection from "./protection.js";
import type { VmState } from "./state.js";
import {
  type FaultHandler,
  Prot,
  TRAP_CODES,
  type TrapHandler,
  UNPROTECT,
  type VmStats,
} from "./types.js";

export {
  FaultAction,
  FaultExit,
  type FaultHandler,
  FaultKind,
  Prot,
  TRAP_CODES,
  type TrapHandler,
  type VmStats,
} from "./types.js";

/**
 * ExOS virtual memory at application level — the API. The mechanisms live one per file:
 * `pagetable.ts` (the sorted vector), `ranges.ts` (argument checks), `mapping.ts` (map,
 * unmap, alias, share), `frames.ts` (demand-zero, copy-on-write), `protection.ts` (the
 * Appel–Li primitives), `faults.ts` (the exception handlers and delivery to the
 * application). Every call checks all of its arguments before it changes anything and
 * returns a number: >= 0 success, < 0 a Result code.
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
  readonly #s: VmState;

  constructor(env: EnvHandle, policy: ExosPolicy) {
    this.pt = new PageTable(env.cpu, policy.pageTableEntries);
    this.#s = {
      env,
      policy,
      pt: this.pt,
      stats: this.stats,
      libraryCaps: [],
      faultHandler: null,
      segvHandler: null,
    };
  }

  /**
   * Allocates the globals and page-table pages under guaranteed mappings and installs the
   * exception handlers. Returns Result.Ok or the first failure.
   */
  boot(): number {
    const s = this.#s;
    const env = s.env;
    const ptPages = Math.ceil((s.policy.pageTableEntries * PT_ENTRY_BYTES) / PAGE_BYTES);
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
      const r = env.setHandler(code, () => onTlbFault(s, save), save);
      if (r < 0) return r;
    }
    for (const code of [ExcCode.AdEL, ExcCode.AdES]) {
      const save = GLOBALS_VA + G_SAVE + code * SAVE_SLOT_BYTES;
      const r = env.setHandler(code, () => onAddressError(s, save), save);
      if (r < 0) return r;
    }
    return Result.Ok;
  }

  /** Allocates a frame and guarantees its mapping at `va` (library state). */
  guaranteePage(va: number): number {
    return mapping.guaranteePage(this.#s, va);
  }

  // ---- address space (mapping.ts) ---------------------------------------------------------

  /** Reserves `pages` demand-zero pages at `va` with protection `prot`. */
  map(va: number, pages: number, prot: Prot = Prot.ReadWrite): number {
    return mapping.map(this.#s, va, pages, prot);
  }

  /** Unmaps `pages` mapped pages at `va`; frees the frames the library owns (see mapping.ts). */
  unmap(va: number, pages: number): number {
    return mapping.unmap(this.#s, va, pages);
  }

  /** Maps `va` to the frame behind `srcVa` (an alias in this address space). */
  alias(va: number, srcVa: number, prot: Prot = Prot.ReadWrite): number {
    return mapping.alias(this.#s, va, srcVa, prot);
  }

  /** Grants the frame behind `va` to `target`; returns the capability name in its list. */
  share(va: number, target: number, writable: boolean): number {
    return mapping.share(this.#s, va, target, writable);
  }

  /** Maps a frame granted to this environment at `va` (Busy for a library page's name). */
  mapShared(va: number, cap: number, writable: boolean): number {
    return mapping.mapShared(this.#s, va, cap, writable);
  }

  // ---- Appel–Li primitives (protection.ts) ------------------------------------------------

  /** Appel–Li `dirty`: 1 if the page was written, 0 if not (a page-table lookup only). */
  dirty(va: number): number {
    return protection.dirty(this.#s, va);
  }

  /** Clears the dirty bit of a page (the next store sets it again). */
  clean(va: number): number {
    return protection.clean(this.#s, va);
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

  /** Sets the protection of `pages` mapped pages at `va` (-1: the most the mapping allows). */
  mprotect(va: number, pages: number, prot: Prot | typeof UNPROTECT): number {
    return protection.mprotect(this.#s, va, pages, prot);
  }

  // ---- the application's handlers (faults.ts) ---------------------------------------------

  /** Installs the application's protection-trap handler (null removes it). */
  setFaultHandler(fn: FaultHandler | null): number {
    if (fn !== null && typeof fn !== "function") return Result.Invalid;
    this.#s.faultHandler = fn;
    return Result.Ok;
  }

  /** Installs the application's segmentation-fault handler (null: the default). */
  setSegvHandler(fn: FaultHandler | null): number {
    if (fn !== null && typeof fn !== "function") return Result.Invalid;
    this.#s.segvHandler = fn;
    return Result.Ok;
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
    const s = this.#s;
    const save = GLOBALS_VA + G_SAVE + code * SAVE_SLOT_BYTES;
    const r = s.env.setHandler(
      code as ExcCode,
      fn === null ? null : () => onTrap(s, save, code, fn),
      save,
    );
    return r < 0 ? r : Result.Ok;
  }
}
