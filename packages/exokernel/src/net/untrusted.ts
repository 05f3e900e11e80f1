/**
 * Reading untrusted host values (a filter, an ASH program) without coercion.
 *
 * The rules, shared by the DPF and ASH parsers:
 * - a field is read once, as an OWN DATA property, through `Object.getOwnPropertyDescriptor`:
 *   an accessor (getter) is refused without being run, and nothing inherited from a
 *   prototype is ever looked at;
 * - a value is accepted only if it already has the right primitive type (`typeof x ===
 *   "number"`, a string compared by identity to a literal): `valueOf`, `toString` and
 *   `Symbol.toPrimitive` are never called;
 * - a Proxy cannot be told apart from an object in portable JavaScript: its
 *   `getOwnPropertyDescriptor` trap runs, once per field, and whatever it answers goes through
 *   the same checks. A trap that throws makes the whole read fail (the parsers catch it and
 *   return `Invalid`); nothing has been changed at that point, because the parsers copy
 *   everything into their own validated form before anything else happens;
 * - the word form is a genuine `Uint32Array`, recognised by the %TypedArray% brand (the
 *   intrinsic `Symbol.toStringTag` getter, captured when this module loads), and its length is
 *   read through the intrinsic getter, so that no own `length` property can lie.
 */

import {
  ArrayIsArray,
  listPush,
  NumberIsInteger,
  NumberIsSafeInteger,
  newList,
  ObjectGetOwnPropertyDescriptor,
  ObjectHasOwn,
  ReflectGetPrototypeOf,
  TypedArrayLength,
  uncurryThis,
} from "../intrinsics.js";

/** Returned by the readers when a field is missing, inherited, an accessor, or unreadable. */
export const MISSING: unique symbol = Symbol("missing");
export type Missing = typeof MISSING;

const getOwnDescriptor = ObjectGetOwnPropertyDescriptor;
const hasOwn = ObjectHasOwn;
const isArray = ArrayIsArray;

const TYPED_ARRAY_PROTO = ReflectGetPrototypeOf(Uint8Array.prototype) as object;
/** The %TypedArray% brand: the element type's name for a genuine typed array, else undefined. */
const typedArrayTag = uncurryThis(
  getOwnDescriptor(TYPED_ARRAY_PROTO, Symbol.toStringTag)!.get! as (this: unknown) => unknown,
);

/** The value of `obj[key]` if it is an own data property; MISSING otherwise. Runs no getter. */
export function ownData(obj: object, key: string | number): unknown {
  const d = getOwnDescriptor(obj, key);
  if (d === undefined || !hasOwn(d, "value")) return MISSING;
  return d.value;
}

/** True for a non-null object (the only kind a record or an atom may be). */
export function isObject(x: unknown): x is object {
  return typeof x === "object" && x !== null;
}

/**
 * The elements of an untrusted array, each read once, or MISSING if `x` is not an array,
 * its length is not an integer in [0, maxLength], or any element is not an own data property.
 */
export function ownArray(x: unknown, maxLength: number): readonly unknown[] | Missing {
  if (!isArray(x)) return MISSING;
  const length = ownData(x, "length");
  if (typeof length !== "number" || !NumberIsInteger(length) || length < 0) return MISSING;
  if (length > maxLength) return MISSING;
  // A null-prototype list filled by appending: a holey `new Array(length)` would send each
  // `out[i] = v` to an indexed setter planted on Array.prototype (and each read to its getter).
  const out = newList<unknown>();
  for (let i = 0; i < length; i++) {
    const v = ownData(x, i);
    if (v === MISSING) return MISSING;
    listPush(out, v);
  }
  return out;
}

/** True only for a genuine Uint32Array (brand check; runs no user code, sees through nothing). */
export function isUint32Array(x: unknown): x is Uint32Array {
  return typedArrayTag(x) === "Uint32Array";
}

/** True only for a genuine Uint8Array (the same brand check). */
export function isUint8Array(x: unknown): x is Uint8Array {
  return typedArrayTag(x) === "Uint8Array";
}

/** The element count of a genuine typed array, through the intrinsic getter. */
export const typedLength: (x: Uint32Array | Uint8Array) => number = TypedArrayLength;

/** An integer in [min, max] that is already a number: no coercion, no NaN, no 2^53. */
export function isIntIn(x: unknown, min: number, max: number): x is number {
  return typeof x === "number" && NumberIsSafeInteger(x) && x >= min && x <= max;
}
