/**
 * A minimal library OS, written only against the unprivileged API (it imports nothing but
 * "../index.js", i.e. `@exolab/exokernel`). It shows the whole exokernel contract at work:
 *
 * - its own linear page table in a frame it owns, guaranteed-mapped at PT_VA (so the kernel
 *   serves misses on it and never upcalls for them);
 * - a refill handler that walks that page table and demand-allocates frames, installing
 *   each mapping with `tlbWrite`;
 * - a protection-fault (Mod) handler: pages protected with `protect` fault on the first
 *   store; the handler counts the fault, unprotects the page and retries (Appel–Li style);
 * - one thread, run as the start-of-slice entry, that can hand its slice to another
 *   environment by synchronous protected control transfer (registers are the message).
 */
import {
  type EnvHandle,
  EXAMPLE_LIBOS_COSTS,
  ExcCode,
  type LibOS,
  Reg,
  Result,
  Resume,
  type Thread,
} from "../index.js";

/** Where the libOS keeps its page table and save area (guaranteed mappings). */
export const PT_VA = 0x7ff00000;
export const SAVE_VA = 0x7ff01000;
/** The region its page table covers: 512 pages from HEAP_VA. */
export const HEAP_VA = 0x00400000;
export const HEAP_PAGES = 512;

/** Page table entry (8 bytes): word 0 = capability name + 1 (0 = none), word 1 = writable. */
const PTE_BYTES = 8;

/** The example's own cost labels, kept in the package's costs.ts (EXAMPLE_LIBOS_COSTS). */
const COST = EXAMPLE_LIBOS_COSTS;

export interface MinimalOptions {
  /** The thread the libOS runs in its slices; gets the API. */
  main?: (api: MinimalApi) => Thread;
  /** Takes a slice position at boot (default true when `main` is given). */
  slice?: boolean;
  /** Sync entry for protected control transfers into this env. */
  serve?: (api: MinimalApi, caller: number) => Thread;
}

export interface MinimalApi {
  readonly env: EnvHandle;
  readonly stats: { refills: number; protFaults: number; allocated: number };
  /** Removes write permission from a mapped heap page (it faults on the next store). */
  protect(va: number): number;
  /** Page-table entry of a heap address: the capability name, or -1. */
  capOf(va: number): number;
}

function ptAddr(va: number): number {
  return PT_VA + ((va - HEAP_VA) >>> 12) * PTE_BYTES;
}

function inHeap(va: number): boolean {
  return va >= HEAP_VA && va < HEAP_VA + HEAP_PAGES * 4096;
}

export const minimalLibOS: LibOS<MinimalOptions, MinimalApi> = {
  name: "minimal",
  boot(env: EnvHandle, options: MinimalOptions): MinimalApi {
    const cpu = env.cpu;
    const stats = { refills: 0, protFaults: 0, allocated: 0 };
    const ptCap = env.allocFrame();
    const saveCap = env.allocFrame();
    if (ptCap < 0 || saveCap < 0) throw new Error("minimal: no memory at boot");
    env.guarantee(PT_VA, ptCap, 1);
    env.guarantee(SAVE_VA, saveCap, 1);

    /** Restores t0..t2 from the save area (the handler's duty), then resumes. */
    function resume(): number {
      cpu.exec(COST["minimal.handler.return"]);
      return Resume.Retry;
    }
    function restoreScratch(area: number): void {
      cpu.setReg(Reg.t0, cpu.load32(area));
      cpu.setReg(Reg.t1, cpu.load32(area + 4));
      cpu.setReg(Reg.t2, cpu.load32(area + 8));
    }

    // The refill handler: walk the page table, demand-allocate, install.
    env.setHandler(
      "refill",
      (h) => {
        const bad = h.cpu.reg(Reg.t1) >>> 0;
        cpu.exec(COST["minimal.refill.walk"]);
        // Not ours: a real libOS would signal its application; retrying repeats the fault,
        // and the kernel's no-progress bound ends the environment.
        if (!inHeap(bad)) return Resume.Retry;
        stats.refills++;
        const pte = ptAddr(bad);
        let cap = cpu.load32(pte) - 1;
        let writable = cpu.load32(pte + 4);
        if (cap < 0) {
          cap = h.allocFrame();
          if (cap < 0) return Resume.Retry;
          stats.allocated++;
          writable = 1;
          cpu.store32(pte, cap + 1);
          cpu.store32(pte + 4, 1);
        }
        h.tlbWrite(bad & ~0xfff, cap, writable);
        restoreScratch(SAVE_VA);
        return resume();
      },
      SAVE_VA,
    );

    // The protection-fault handler: unprotect and retry.
    env.setHandler(
      ExcCode.Mod,
      (h) => {
        const bad = h.cpu.reg(Reg.t1) >>> 0;
        cpu.exec(COST["minimal.prot.handler"]);
        stats.protFaults++;
        const pte = ptAddr(bad);
        const cap = cpu.load32(pte) - 1;
        cpu.store32(pte + 4, 1);
        h.tlbWrite(bad & ~0xfff, cap, 1);
        restoreScratch(SAVE_VA + 16);
        return resume();
      },
      SAVE_VA + 16,
    );

    const api: MinimalApi = {
      env,
      stats,
      protect(va: number): number {
        if (!inHeap(va)) return Result.Invalid;
        const pte = ptAddr(va);
        const cap = cpu.load32(pte) - 1;
        if (cap < 0) return Result.Fault;
        cpu.store32(pte + 4, 0);
        return env.tlbWrite(va & ~0xfff, cap, 0);
      },
      capOf(va: number): number {
        if (!inHeap(va)) return -1;
        return cpu.load32(ptAddr(va)) - 1;
      },
    };

    const main = options.main;
    if (main !== undefined) {
      env.onStartOfSlice(() => main(api));
      if (options.slice !== false) env.allocSlice();
    }
    const serve = options.serve;
    if (serve !== undefined) env.setEntry("sync", (caller) => serve(api, caller));
    return Object.freeze(api);
  },
};
