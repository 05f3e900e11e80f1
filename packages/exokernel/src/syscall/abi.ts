/**
 * The system-call ABI. A stub (in the handle) reads each JS argument once, checks that it
 * is an integer that fits a 32-bit register (else Result.Invalid, without trapping), puts
 * the call number in v0 and the arguments in a0..a3, and executes `syscall`. The kernel's
 * Sys handler decodes the registers, validates every argument, then invokes the call; the
 * result is in v0.
 *
 * Protected control transfer and directed yield put the call number in v0 and the target in
 * v1 only: a0..a3, t0..t9, s0..s7 reach the callee untouched (they are the message).
 */
import { NumberIsInteger } from "../intrinsics.js";

export const Call = {
  Null: 0,
  NullStack: 1,
  AllocFrame: 2,
  FrameOf: 3,
  FreeFrame: 4,
  Grant: 5,
  DropCap: 6,
  TlbWrite: 7,
  TlbDelete: 8,
  Guarantee: 9,
  SetHandler: 10,
  OnEndOfSlice: 11,
  OnStartOfSlice: 12,
  SetEntry: 13,
  AllocSlice: 14,
  FreeSlice: 15,
  OnRevoke: 16,
  Repossessed: 17,
  PctSync: 18,
  PctAsync: 19,
  YieldTo: 20,
  YieldSlice: 21,
  Exit: 22,
  BindBatch: 23,
  ReadCycles: 24,
  SetInterruptHandler: 25,
  SetAlarm: 26,
  CancelAlarm: 27,
  ReserveSlices: 28,
  ReleaseSlices: 29,
  AllocExtent: 30,
  FreeExtent: 31,
  ExtentOf: 32,
  DiskRead: 33,
  DiskWrite: 34,
  GrantExtent: 35,
  InsertFilter: 36,
  DeleteFilter: 37,
  NetSend: 38,
  DownloadAsh: 39,
} as const;
export type Call = (typeof Call)[keyof typeof Call];

/** Index used for the refill handler in `setHandler` (exception codes use 0..15). */
export const REFILL_CODE = 16;

/** Index of the alarm in `setInterruptHandler` (the device's number). */
export const DEVICE_ALARM = 0;
/** Index of the disk in `setInterruptHandler`. */
export const DEVICE_DISK = 1;
/** Index of the network card in `setInterruptHandler`. */
export const DEVICE_NET = 2;

/** 2^32, to split a cycle number into the two registers that carry it. */
export const WORD_SPAN = 4294967296;

/**
 * True for a JS value that is a cycle number two registers can carry: a non-negative integer
 * below 2^53 (a 64-bit counter as JS can hold it exactly).
 */
export function isCycle(x: unknown): x is number {
  return typeof x === "number" && NumberIsInteger(x) && x >= 0 && x <= 9007199254740991;
}

/** True for a JS value that may go into a register as is: an integer in [-2^31, 2^32). */
export function isWord(x: unknown): x is number {
  return typeof x === "number" && NumberIsInteger(x) && x >= -0x80000000 && x <= 0xffffffff;
}
