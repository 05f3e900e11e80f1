/**
 * The library's virtual address layout inside its environment (all in kuseg). What the
 * library keeps on a measured path (the inverted page table, save areas, thread contexts,
 * the buffer pool's descriptors, hash table and queues, the pages themselves) lives in
 * simulated memory at these addresses and is read and written with charged loads and stores.
 *
 * Invariant: the globals page, the inverted page table's pages and the thread-context pages
 * are guaranteed mappings. The kernel serves their TLB misses itself, so the library's own
 * handlers never fault on them (a nested refill would reuse the save area that holds the
 * interrupted code's registers). Every other page (the application's, the buffer pool's)
 * is found through the inverted page table by the refill handler.
 */
import { PAGE_BYTES } from "@exolab/exokernel";

/** Application pages: [APP_BASE, APP_BASE + policy.pages * PAGE_BYTES). */
export const APP_BASE = 0x00400000;

/** The database's own region (engine header, pool metadata, undo frames, pool frames). */
export const DB_BASE = 0x10000000;
/** Engine header words and the transaction's page list (one page, IPT-mapped). */
export const DB_META_VA = DB_BASE;
/** Buffer-pool metadata: queue heads, the hash buckets, the 2Q ghost ring (IPT-mapped). */
export const POOL_META_VA = DB_BASE + 0x10000;
/** Buffer-pool frame descriptors, DESC_BYTES each (IPT-mapped). */
export const POOL_DESC_VA = DB_BASE + 0x40000;
export const DESC_BYTES = 32;
/** Undo (before-image) frames of the running transaction, one page each. */
export const UNDO_VA = DB_BASE + 0x100000;
/** Log buffer frames: copies of a committed transaction's pages while their log writes are in flight. */
export const LOGBUF_VA = DB_BASE + 0x180000;
/** A server's request queues (ipc/queue.ts), one page each; a client maps its own where it likes. */
export const QUEUE_VA = DB_BASE + 0x200000;
/** The buffer pool's frames: slot s at POOL_FRAMES_VA + s * PAGE_BYTES. */
export const POOL_FRAMES_VA = 0x20000000;
/** The end of the region the inverted page table maps (exclusive). */
export const MAPPED_END = 0x7ff00000;

/** One page of library state (guaranteed mapping). */
export const GLOBALS_VA = 0x7ff00000;
/**
 * The refill handler's save area: the kernel stores t0..t2 at +0..+8 before the upcall; the
 * handler keeps v0 and a0..a2 at +12..+24 while it makes system calls (their stubs load
 * those registers), and restores all seven before it resumes.
 */
export const REFILL_SAVE_VA = GLOBALS_VA;
/** The TLB-modify handler's save area (same shape). */
export const MOD_SAVE_VA = GLOBALS_VA + 0x20;
/** The disk handler's save area (t0..t2). */
export const DISK_SAVE_VA = GLOBALS_VA + 0x40;
/** Bytes of a save area: t0, t1, t2, v0, a0, a1, a2. */
export const SAVE_BYTES = 28;
/** The running thread's index (-1 between threads). */
export const CURRENT_THREAD_VA = GLOBALS_VA + 0x60;
/** Depth of application fault handlers running (exception frames in use). */
export const EXC_DEPTH_VA = GLOBALS_VA + 0x6c;
/** Head of the inverted page table's free-entry list (entry index + 1; 0: none). */
export const IPT_FREE_VA = GLOBALS_VA + 0x70;
/** The caller's callee-saved registers around a call to another environment (by register number). */
export const CALL_SAVE_VA = GLOBALS_VA + 0x100;
/**
 * Disk wait slots (storage/io.ts): request id and result, DISK_WAIT_BYTES each; slot 0 for
 * code outside a thread, slot t + 1 for thread t (`policy.maxThreads` + 1 slots, ≤ 520 bytes).
 */
export const DISK_WAIT_VA = GLOBALS_VA + 0x400;
export const DISK_WAIT_BYTES = 8;
/** Exception frames for application fault handlers: SAVE_BYTES each (rounded to 32). */
export const EXC_FRAMES_VA = GLOBALS_VA + 0x200;
export const EXC_FRAME_BYTES = 32;
export const MAX_EXC_DEPTH = 4;

/**
 * The inverted page table (guaranteed): `policy.iptBuckets` 4-byte bucket heads, then
 * `policy.frames` entries of IPT_ENTRY_BYTES (vpn, capability, flags, next).
 */
export const IPT_VA = 0x7ff10000;
export const IPT_ENTRY_BYTES = 16;

/** Thread contexts: r1..r31, HI, LO at `register * 4`, THREAD_CTX_BYTES apart (guaranteed). */
export const THREAD_CTX_VA = 0x7ffa0000;
export const THREAD_CTX_BYTES = 256;

/** Pages needed to hold `bytes`. */
export const pagesFor = (bytes: number): number => Math.ceil(bytes / PAGE_BYTES);
