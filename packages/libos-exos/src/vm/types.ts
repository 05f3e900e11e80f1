import { ExcCode, PAGE_BYTES } from "@exolab/exokernel";
import { F } from "./pagetable.js";

/** Protection an application asks for. */
export const Prot = { None: 0, Read: 1, ReadWrite: 3 } as const;
export type Prot = (typeof Prot)[keyof typeof Prot];

/** `mprotect`'s "the most the mapping allows". */
export const UNPROTECT = -1;

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

export const PAGE_MASK = PAGE_BYTES - 1;

export function isProt(p: number): p is Prot {
  return p === Prot.None || p === Prot.Read || p === Prot.ReadWrite;
}

/** The page-table flags of a protection. */
export function protFlags(p: Prot): number {
  return (p & 1 ? F.READ : 0) | (p & 2 ? F.WRITE : 0);
}
