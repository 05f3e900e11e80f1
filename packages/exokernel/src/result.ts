/**
 * Result codes, rights and handler resumptions: the plain data of the exokernel ABI.
 * Every call returns a number: `>= 0` is success (a value), `< 0` is one of `Result`.
 */

export const Result = Object.freeze({
  Ok: 0,
  /** An ill-typed or out-of-range argument. */
  Invalid: -1,
  /** No such capability slot. */
  BadCap: -2,
  /** The slot's generation does not match (the name is old), or the frame it named is gone. */
  Stale: -3,
  /** The capability lacks the right the call needs. */
  Rights: -4,
  NoMemory: -5,
  NotOwner: -6,
  /** No such, or dead, target environment. */
  NoEnv: -7,
  Busy: -8,
  /** Not allowed in this state (a transfer from a synchronous handler, a call from another env). */
  Refused: -9,
  NoSlot: -10,
  /** This handle's environment was destroyed. */
  Dead: -11,
  Fault: -12,
} as const);
export type Result = (typeof Result)[keyof typeof Result];

const NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: "Ok",
  [-1]: "Invalid",
  [-2]: "BadCap",
  [-3]: "Stale",
  [-4]: "Rights",
  [-5]: "NoMemory",
  [-6]: "NotOwner",
  [-7]: "NoEnv",
  [-8]: "Busy",
  [-9]: "Refused",
  [-10]: "NoSlot",
  [-11]: "Dead",
  [-12]: "Fault",
});

const TEXTS: Readonly<Record<number, string>> = Object.freeze({
  0: "success",
  [-1]: "an argument is ill-typed or out of range",
  [-2]: "no such capability slot",
  [-3]: "the capability name is stale (old generation, or its frame was freed or repossessed)",
  [-4]: "the capability lacks the right this call needs",
  [-5]: "no free physical memory",
  [-6]: "the caller does not own this resource",
  [-7]: "no such environment, or it is dead",
  [-8]: "the resource or the target is busy",
  [-9]: "not allowed in this state",
  [-10]: "no free slot",
  [-11]: "this environment was destroyed",
  [-12]: "fault (no usable save area or mapping, or a callee that ended without replying)",
});

/**
 * A batched call (`bindBatch`) refused because of one entry returns which entry and why in
 * one negative number: `code - BATCH_ENTRY_STRIDE * (index + 1)` (entry 0 Stale = -19,
 * entry 2 Rights = -52). A refusal of the whole call (its length, its type) is a plain code.
 */
export const BATCH_ENTRY_STRIDE = 16;

/** The result a batched call returns for entry `index` refused with `code`. */
export function batchEntryResult(index: number, code: number): number {
  return code - BATCH_ENTRY_STRIDE * (index + 1);
}

/** The entry a batched call's result names, or -1 for a plain result (success or a code). */
export function batchEntryOf(r: number): number {
  if (typeof r !== "number" || !Number.isInteger(r) || r > -BATCH_ENTRY_STRIDE) return -1;
  const code = -(-r % BATCH_ENTRY_STRIDE);
  if (NAMES[code] === undefined || code === 0) return -1;
  return Math.floor(-r / BATCH_ENTRY_STRIDE) - 1;
}

/** The Result code of a batched call's result (the entry's code, or the plain code). */
export function batchCodeOf(r: number): number {
  return batchEntryOf(r) < 0 ? r : -(-r % BATCH_ENTRY_STRIDE);
}

/** The name of a result code ("Ok", "Stale", "Stale@3" for entry 3 of a batch, …), or "value". */
export function resultName(code: number): string {
  if (typeof code !== "number" || !Number.isInteger(code)) return "not-a-result";
  if (code > 0) return "value";
  const entry = batchEntryOf(code);
  if (entry >= 0) return `${NAMES[batchCodeOf(code)]}@${entry}`;
  return NAMES[code] ?? "unknown";
}

/** A sentence describing a result code. */
export function describeResult(code: number): string {
  if (typeof code !== "number" || !Number.isInteger(code)) return "not a result code";
  if (code > 0) return `success (value ${code})`;
  const entry = batchEntryOf(code);
  if (entry >= 0) return `entry ${entry} of the batch: ${TEXTS[batchCodeOf(code)]}`;
  return TEXTS[code] ?? `unknown result code ${code}`;
}

/** Capability rights bits. */
export const Rights = Object.freeze({ Read: 1, Write: 2, Own: 4 } as const);
export type Rights = number;
export const ALL_RIGHTS = 7;

/** What a user-level exception handler returns. */
export const Resume = Object.freeze({
  /** Re-execute the faulting access (the handler fixed the cause). */
  Retry: 0,
  /** The handler emulated the access; its value is in v0. */
  Emulated: 1,
} as const);
export type Resume = (typeof Resume)[keyof typeof Resume];

/** A capability name: `slot | (generation << 12)`. */
export const CAP_SLOT_BITS = 12;
export const CAP_SLOT_MASK = (1 << CAP_SLOT_BITS) - 1;
/** Generations run 0..CAP_GEN_MAX; a slot whose generation would wrap is retired. */
export const CAP_GEN_MAX = (1 << 19) - 1;

/**
 * The exec label user work is charged under once its environment has used its quota of
 * distinct labels (policy.labelQuota): the cycles are charged all the same, under one name.
 */
export const LABEL_OVERFLOW = "labels.overflow";

// Reachable by every libOS: frozen, prototypes included (nothing of the kernel's to patch).
for (const f of [resultName, describeResult, batchEntryResult, batchEntryOf, batchCodeOf]) {
  Object.freeze(f.prototype);
  Object.freeze(f);
}
