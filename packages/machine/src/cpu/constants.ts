import type { Cpu } from "../cpu.js";
import type { Resolution } from "../cpu-defs.js";

/** A kernel's exception handler: runs synchronously on the interrupted thread. */
export type ExceptionHandler = (cpu: Cpu) => Resolution;

export const ACCESS_LOAD = 0;
export const ACCESS_STORE = 1;
export const MAX_EXEC_INSTRUCTIONS = 1_000_000_000;
/** Nested exceptions beyond this are a kernel bug (a handler that re-raises forever). */
export const MAX_EXCEPTION_DEPTH = 256;

export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
}
