/**
 * Where the kernel keeps its data in simulated physical memory, and the layouts of the
 * structures it reads and writes through charged accesses on its measured paths.
 */

export const PAGE = 4096;
export const KSEG0_BASE = 0x80000000;
export const KSEG2_BASE = 0xc0000000;

/** Physical frames of the kernel's static data (frame 0 and 9..15: kernel text, unused here). */
export const FRAME_JUMPTABLE = 1;
export const FRAME_PROC = 2; // and 3: 64 proc entries of 128 bytes
export const FRAME_QUEUES = 4;
export const FRAME_FILES = 5;
export const FRAME_PIPES = 6;
export const FRAME_SHM = 7;
/** A page-table page of zeros, mapped read-only for holes of the user page table. */
export const FRAME_NULLPT = 8;
export const FIRST_FREE_FRAME = 16;

export function kseg0(frame: number, offset = 0): number {
  return (KSEG0_BASE + frame * PAGE + offset) >>> 0;
}

/** Scheduler and clock globals in FRAME_QUEUES. */
export const Q_RUNHEAD = 0;
export const Q_RUNTAIL = 4;
export const Q_CURPROC = 8;
export const Q_RUNRUN = 12;
export const Q_TICKS = 16;
export const Q_SLICE_LEFT = 20;
/** The queue of processes woken from a sleep, at their kernel priority (sched/runq.ts). */
export const Q_KRUNHEAD = 24;
export const Q_KRUNTAIL = 28;
export const Q_SLPQUE = 64; // SQSIZE buckets of one word (proc index + 1, 0 = empty)
export const SQSIZE = 64;

/** proc entry (128 bytes each, kernel data in kseg0). Links are proc index + 1 (0 = none). */
export const PROC_BYTES = 128;
export const P = {
  STAT: 0,
  PID: 4,
  PPID: 8,
  SIG: 12,
  SIGMASK: 16,
  SIGIGNORE: 20,
  SIGCATCH: 24,
  WCHAN: 28,
  LINK: 32,
  ASID: 36,
  XSTAT: 40,
  UFRAME: 44,
  KFRAME: 48,
  FLAG: 52,
} as const;
/** p_stat values (4.3BSD proc.h). */
export const SSLEEP = 1;
export const SRUN = 3;
export const SIDL = 4;
export const SZOMB = 5;

export function procVa(index: number): number {
  return kseg0(FRAME_PROC, index * PROC_BYTES);
}

/**
 * The u-area (UPAGES = 2 as in Ultrix: the u page and the kernel stack page). The current
 * process's pair is mapped at UADDR by two wired TLB entries rewritten at each switch, as
 * Ultrix's resume() does; other processes' u-areas are reached through kseg0.
 */
export const UADDR = 0xffffc000;
export const KSTACK_VA = 0xffffd000;
export const U = {
  /** PCB: s0..s7, sp, fp, ra, status (the kernel context saved by swtch). */
  PCB: 0,
  SIGACT: 64, // 32 x (handler, mask, flags)
  ARG: 448, // u_arg[8]
  ERROR: 480,
  RVAL1: 484,
  RVAL2: 488,
  OLDMASK: 492,
  CODE: 496,
  DATASTART: 512,
  BRK: 516,
  STACKLOW: 520,
  STACKTOP: 524,
  SHM: 528, // SHMSEG x (addr, pages, (segment index + 1) | USHM_RDONLY)
  OFILE: 640, // u_ofile[NOFILE]: file index + 1
  ROOT: 1024, // 512 words: (pt frame << 12) | 1 for each 4 MiB of user space
  /** FP state (32 registers and the csr) saved by the lazy FP switch. */
  FPREGS: 3072,
} as const;
/** Flag in the third word of a u-area shm attachment: attached SHM_RDONLY. */
export const USHM_RDONLY = 0x10000;
export const PCB_REGS: readonly number[] = Object.freeze([
  16, 17, 18, 19, 20, 21, 22, 23, 29, 30, 31,
]);

/**
 * The process's vm_map (vm/map.ts), at the bottom of its kernel-stack page (the stack grows
 * down from the top and never comes near: a trap frame, a sigcontext and a few C frames): a
 * header, then entries 1..MAP_ENTRIES of 20 bytes (2,560 bytes in all). Links are entry
 * indices (0 = none).
 */
export const MAP = { OFFSET: 0, FIRST: 0, NENTRIES: 4, HINT: 8, TIMESTAMP: 12 } as const;
export const ME = { START: 0, END: 4, PROT: 8, NEXT: 12, PREV: 16 } as const;
export const ME_BYTES = 20;
export const MAP_ENTRIES = 127;

/** Exception frame on the kernel stack: regs 0..33 (HI 32, LO 33), then coprocessor 0. */
export const EF = {
  SR: 34 * 4,
  EPC: 35 * 4,
  CAUSE: 36 * 4,
  BADVADDR: 37 * 4,
} as const;
export const EF_BYTES = 160;
export function efReg(r: number): number {
  return r * 4;
}
/** Registers the exception entry saves: all but zero, k0 and k1 (HI and LO separately). */
export const SAVED_REGS: readonly number[] = Object.freeze([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 28, 29,
  30, 31,
]);

/** The user page table windows: process index i's linear table at PT_BASE + i * 2 MiB. */
export const PT_BASE = KSEG2_BASE;
export const PT_WINDOW_BYTES = 0x200000;
export function ptBase(index: number): number {
  return (PT_BASE + index * PT_WINDOW_BYTES) >>> 0;
}
export function pteVa(index: number, vpn: number): number {
  return (ptBase(index) + vpn * 4) >>> 0;
}

/** PTE = EntryLo layout (the refill handler writes it unchanged) plus software bits 0..3. */
export const PG_V = 1 << 9;
export const PG_D = 1 << 10;
export const PG_G = 1 << 8;
export const PG_NOREAD = 1;
export const PG_NOWRITE = 2;
export const PG_ALLOC = 4;
export const PG_SHM = 8;
export const PG_PFN = 0xfffff000;

/** File table entries (16 bytes): type, flags, count, pipe index. */
export const FILE_BYTES = 16;
export const F = { TYPE: 0, FLAG: 4, COUNT: 8, PIPE: 12 } as const;
export const FTYPE_PIPE = 1;
/** A socket (src/net/): F.PIPE holds its socket-table index. */
export const FTYPE_SOCKET = 2;
/** A file of the file system (src/fs/): F.PIPE holds F_VNODE | its inode number. */
export const FTYPE_VNODE = 3;
export const FREAD = 1;
export const FWRITE = 2;

/**
 * Pipe headers (32 bytes): a socket pair reduced to what a pipe uses — the reading socket's
 * receive buffer (sb_cc, the head of its mbuf chain sb_mb, sb_mbcnt), reader and writer
 * counts (SS_CANTRCVMORE / SS_CANTSENDMORE), the SB_WAIT flags of the receive buffer
 * (PIPE_WANTR) and of the writer's send buffer (PIPE_WANTW), and the pipe's two mbuf frames.
 */
export const PIPE_BYTES = 32;
export const PI = {
  COUNT: 0, // so_rcv.sb_cc
  MB: 4, // so_rcv.sb_mb: first mbuf (index; 0 = none)
  MBCNT: 8, // so_rcv.sb_mbcnt
  READERS: 12,
  WRITERS: 16,
  STATE: 20,
  FRAME: 24,
  FRAME2: 28,
} as const;
export const PIPE_WANTR = 1;
export const PIPE_WANTW = 2;
/**
 * mbufs (4.4BSD mbuf.h: MSIZE 128, a 20-byte header, MLEN 108 bytes of data). A pipe's mbufs
 * come from its two frames (its sb_mbmax: 8 KiB, twice the high-water mark, as sbreserve
 * gives): mbuf i (1..63) is at frame i >> 5, slot i & 31; slot 0 of the first frame holds the
 * free list's head (M_FREE).
 */
export const MSIZE = 128;
export const MLEN = 108;
export const M = { NEXT: 0, LEN: 4, DATA: 8, TYPE: 12, NEXTPKT: 16, DAT: 20 } as const;
export const MBUFS_PER_PIPE = 63;
export const M_FREE = 0;
export const MT_DATA = 1;

/** shm table entries (32 bytes): key, size, pages, first frame, nattch, flags (allocated, removed). */
export const SHM_BYTES = 32;
export const SH = {
  KEY: 0,
  SIZE: 4,
  PAGES: 8,
  FRAMES: 12,
  NATTCH: 16,
  FLAGS: 20,
  SEQ: 24,
} as const;
export const SHM_ALLOC = 1;
export const SHM_DEST = 2;
