import {
  ArrayIsArray,
  Int32ArrayCtor,
  NumberIsInteger,
  ObjectGetOwnPropertyDescriptor,
  ObjectHasOwn,
} from "../intrinsics.js";
import { batchEntryResult, Result } from "../result.js";
import { isWord } from "./abi.js";

/**
 * The stub's side of a vector argument (`bindBatch`): the untrusted JS array is copied into a
 * kernel-owned `Int32Array` of register words before anything else happens, each value read
 * ONCE as an own data property (`Object.getOwnPropertyDescriptor`, captured): a getter is
 * refused without being run, nothing inherited is looked at, no `valueOf` is called. A Proxy
 * cannot be told apart from an array: its `getOwnPropertyDescriptor` trap runs once per
 * element and its answers go through the same checks; a trap that throws throws out of the
 * caller's own call, before anything in the kernel changed. The kernel then checks only the
 * copy, so nothing the libOS does later can change what was checked.
 */
export interface Vector {
  /** Entries (elements / 3): what the stub puts in a0. */
  readonly count: number;
  /** The decoded words; empty when `count` is over the maximum (the kernel refuses it). */
  readonly words: Int32Array;
}

const NONE = new Int32ArrayCtor(0);

/**
 * Reads `x` as a vector of `width`-word entries of at most `maxEntries` entries. Returns the
 * copy, or a result without trapping: Invalid for anything but an array whose length is a
 * multiple of `width` that fits a register, `batchEntryResult(i, Invalid)` for entry i with an
 * element that is not an own data property holding a register word. A vector over the
 * maximum is not copied: its count goes to the kernel, which refuses it (Invalid).
 */
export function readVector(x: unknown, width: number, maxEntries: number): Vector | number {
  if (!ArrayIsArray(x)) return Result.Invalid;
  const length = ownWord(x, "length");
  if (length === undefined || length < 0 || length % width !== 0) return Result.Invalid;
  const count = length / width;
  if (count > maxEntries) return { count, words: NONE };
  const words = new Int32ArrayCtor(length);
  for (let i = 0; i < length; i++) {
    const v = ownWord(x, i);
    if (v === undefined) return batchEntryResult((i - (i % width)) / width, Result.Invalid);
    words[i] = v | 0;
  }
  return { count, words };
}

/** `obj[key]` if it is an own data property holding a register word; else undefined. */
function ownWord(obj: object, key: string | number): number | undefined {
  const d = ObjectGetOwnPropertyDescriptor(obj, key);
  if (d === undefined || !ObjectHasOwn(d, "value")) return undefined;
  const v: unknown = d.value;
  return isWord(v) && NumberIsInteger(v) ? v : undefined;
}
