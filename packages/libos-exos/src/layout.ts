/**
 * ExOS's virtual address layout inside its environment (all in kuseg). Everything the
 * library keeps on a measured path (page table, save areas, file table, thread contexts,
 * scheduler state) lives in simulated memory at these addresses and is read and written
 * with charged loads and stores.
 *
 * Invariants: the globals page and the page-table pages are guaranteed mappings (the kernel
 * serves their misses; they are never upcalled). Application mappings lie below APP_LIMIT.
 */

/** Application mappings (demand-zero regions, aliases, shared pages) lie in [APP_BASE, APP_LIMIT). */
export const APP_BASE = 0x00001000;
export const APP_LIMIT = 0x70000000;

/** IPC windows (pipe rings, shm pages, fork images) are bump-allocated from here. */
export const IPC_BASE = 0x70000000;
export const IPC_LIMIT = 0x7fd00000;

/** One page of library state (guaranteed mapping). */
export const GLOBALS_VA = 0x7ff00000;
/**
 * Exception save areas: 32 bytes per exception code (0..15), then the refill's at 16. The
 * kernel stores t0..t2 at +0..+8; the library's handler keeps v0, a0, a1, a2 at +12..+24
 * while it makes system calls (their stubs use those registers).
 */
export const G_SAVE = 0x000;
export const SAVE_SLOT_BYTES = 32;
export const REFILL_SAVE_SLOT = 16;
/** Bytes of a save slot that hold live registers (t0..t2, v0, a0..a2). */
export const SAVE_LIVE_BYTES = 28;
/** Page-table entry count. */
export const G_PT_COUNT = 0x300;
/** Depth of nested exception frames (upcalls that run application handlers). */
export const G_EXC_DEPTH = 0x304;
/** This process's id and its parent's. */
export const G_PID = 0x308;
export const G_PPID = 0x30c;
/** Non-zero while an end-of-slice upcall is pending (set by the synchronous handler). */
export const G_EOS_PENDING = 0x310;
/** Critical-section nesting depth, and the cycle at which deferral began. */
export const G_CRIT_DEPTH = 0x314;
export const G_CRIT_SINCE = 0x318;
/** Index of the running thread. */
export const G_CUR_THREAD = 0x31c;
/** Next free IPC window address. */
export const G_IPC_NEXT = 0x320;
/** Exception frames: a save slot's live registers moved aside, 32 bytes each. */
export const G_FRAMES = 0x400;
export const MAX_EXC_DEPTH = 16;
/** Callee-saved registers of a caller around an untrusted LRPC (indexed by register number). */
export const G_LRPC_SAVE = 0x600;
/** Callee-saved registers of a trusted LRPC server (indexed by register number). */
export const G_TLRPC_SAVE = 0x680;
/** File-descriptor table: FD_COUNT entries of 32 bytes (kind, window va, peer env, peer cap, ring size). */
export const G_FDS = 0x800;
export const FD_COUNT = 64;
export const FD_BYTES = 32;

/** The page table: a vector of 8-byte entries sorted by vpn (guaranteed mappings). */
export const PT_VA = 0x7ff10000;
export const PT_ENTRY_BYTES = 8;

/** Thread contexts: 34 registers each, THREAD_CTX_BYTES apart (guaranteed mappings). */
export const THREAD_CTX_VA = 0x7ffa0000;
export const THREAD_CTX_BYTES = 256;

/**
 * Two one-page windows for copying frames (copy-on-write): the new frame at SCRATCH_VA, the
 * old one at SCRATCH_SRC_VA. Both are guaranteed mappings while a copy runs (the kernel
 * serves their misses), so the copy can never fault into the library's own handler.
 */
export const SCRATCH_VA = 0x7fe00000;
export const SCRATCH_SRC_VA = 0x7fe01000;
