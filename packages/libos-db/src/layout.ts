/**
 * The library's virtual address layout inside its environment (all in kuseg). What the
 * library keeps on a measured path (page table, save area, thread contexts, scheduler words)
 * lives in simulated memory at these addresses and is read and written with charged loads
 * and stores.
 *
 * Invariant: the globals page, the page-table pages and the thread-context pages are
 * guaranteed mappings. The kernel serves their TLB misses itself, so the library's own
 * handler never faults on them (a nested refill would reuse the save area that holds the
 * interrupted code's registers).
 */
import { PAGE_BYTES } from "@exolab/exokernel";

/** Application pages: [APP_BASE, APP_BASE + policy.pages * PAGE_BYTES), one page-table entry each. */
export const APP_BASE = 0x00400000;

/** One page of library state (guaranteed mapping). */
export const GLOBALS_VA = 0x7ff00000;
/**
 * The refill handler's save area: the kernel stores t0..t2 at +0..+8 before the upcall; the
 * handler keeps v0 and a0..a2 at +12..+24 while it makes system calls (their stubs load
 * those registers), and restores all seven before it resumes.
 */
export const REFILL_SAVE_VA = GLOBALS_VA;
/** Bytes of the save area: t0, t1, t2, v0, a0, a1, a2. */
export const SAVE_BYTES = 28;
/** The running thread's index (-1 between threads). */
export const CURRENT_THREAD_VA = GLOBALS_VA + 0x40;
/** The caller's callee-saved registers around a call to another environment (by register number). */
export const CALL_SAVE_VA = GLOBALS_VA + 0x100;

/** The page table: one 4-byte entry per application page (guaranteed mappings). */
export const PT_VA = 0x7ff10000;
export const PT_ENTRY_BYTES = 4;

/** Thread contexts: r1..r31, HI, LO at `register * 4`, THREAD_CTX_BYTES apart (guaranteed). */
export const THREAD_CTX_VA = 0x7ffa0000;
export const THREAD_CTX_BYTES = 256;

/** Pages needed to hold `bytes`. */
export const pagesFor = (bytes: number): number => Math.ceil(bytes / PAGE_BYTES);
