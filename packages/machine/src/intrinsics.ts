/**
 * The JavaScript intrinsics the machine uses on the paths a kernel drives while untrusted
 * code runs (exceptions, charges, block copies, the event queue, TLB writes, context
 * creation), captured when this module loads. Code running on the machine (a library OS) may
 * patch `Math`, `Number`, `%TypedArray%.prototype.fill` or `Array.prototype.push`; the machine
 * never looks them up again, so such a patch cannot reach physical memory (a patched `fill`
 * would be handed the whole memory array by a block zero), drop a timer event or fail a check.
 */
const uncurryThis = Function.prototype.bind.bind(Function.prototype.call) as <
  T,
  A extends unknown[],
  R,
>(
  fn: (this: T, ...args: A) => R,
) => (self: T, ...args: A) => R;

export const { min, max, ceil, floor, imul } = Math;
export const { isInteger, isSafeInteger } = Number;

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as Uint8Array;
export const typedArrayFill = uncurryThis(TypedArrayPrototype.fill) as (
  self: Uint8Array | Uint16Array | Uint32Array | Float64Array,
  value: number,
  start: number,
  end: number,
) => void;
export const typedArrayCopyWithin = uncurryThis(TypedArrayPrototype.copyWithin) as (
  self: Uint8Array,
  target: number,
  start: number,
  end: number,
) => void;
export const typedArraySet = uncurryThis(TypedArrayPrototype.set) as (
  self: Uint8Array | Float64Array,
  source: ArrayLike<number>,
  offset?: number,
) => void;

export const typedArraySlice = uncurryThis(TypedArrayPrototype.slice) as (
  self: Uint8Array,
  start: number,
  end: number,
) => Uint8Array;

/** The `length` getter of %TypedArray%.prototype (a libOS may plant another there). */
export const typedArrayLength = uncurryThis(
  Object.getOwnPropertyDescriptor(TypedArrayPrototype, "length")!.get as (
    this: Uint8Array,
  ) => number,
) as (self: Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array) => number;

/** The `Symbol.toStringTag` getter of %TypedArray%.prototype: a brand check that runs no user code. */
const typedArrayTag = uncurryThis(
  Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag)!.get as (
    this: unknown,
  ) => unknown,
) as (self: unknown) => unknown;

/** True only for a genuine Uint8Array (no `instanceof`: `Symbol.hasInstance` can be planted). */
export function isUint8Array(x: unknown): x is Uint8Array {
  return typedArrayTag(x) === "Uint8Array";
}

export const stringCharCodeAt = uncurryThis(String.prototype.charCodeAt) as (
  s: string,
  i: number,
) => number;
export const mapGet = uncurryThis(Map.prototype.get) as <K, V>(m: Map<K, V>, k: K) => V | undefined;
export const mapSet = uncurryThis(Map.prototype.set) as <K, V>(m: Map<K, V>, k: K, v: V) => void;

export const defineProperty = Reflect.defineProperty;
const setPrototypeOf = Reflect.setPrototypeOf;

/** A list with no prototype (indexed accessors planted on Array.prototype are never reached). */
export function newList<T>(): T[] {
  const list: T[] = [];
  setPrototypeOf(list, null);
  return list;
}

/** Appends to an ordinary array by defining the element (no setter on Array.prototype runs). */
export function definePush<T>(list: T[], value: T): void {
  defineProperty(list, list.length, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

export const weakSetHas = uncurryThis(WeakSet.prototype.has) as (
  s: WeakSet<object>,
  v: object,
) => boolean;
export const weakSetAdd = uncurryThis(WeakSet.prototype.add) as (
  s: WeakSet<object>,
  v: object,
) => void;

export const objectFreeze = Object.freeze;
export const objectKeys = Object.keys;
export const arrayIsArray = Array.isArray;
export const regExpExec = uncurryThis(RegExp.prototype.exec) as (
  re: RegExp,
  s: string,
) => RegExpExecArray | null;
