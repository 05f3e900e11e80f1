/**
 * The JavaScript intrinsics the kernel uses, captured when this module loads (before any
 * library OS runs), so that a libOS that patches `Map.prototype.get`, `Array.prototype.push`,
 * `Function.prototype.call`, `Number.isInteger`, `Reflect.apply`, `Object.freeze`, an
 * iterator's `next` or a global constructor gains nothing: no kernel decision and no kernel
 * table ever goes through a property lookup that untrusted code can change.
 *
 * Rules for kernel code (src/ except tests and the fuzz; a test greps for them):
 * - collections are `SafeMap`/`SafeSet`/`SafeWeakMap` (their methods are own, frozen
 *   properties of their prototypes, copied from the originals here), iterated with their
 *   captured `forEach` — never `for…of`, spread or destructuring of an iterable, which run
 *   `%ArrayIteratorPrototype%.next` and friends;
 * - lists are typed arrays or null-prototype arrays (`newList`, `listPush`), so that an
 *   indexed accessor planted on `Array.prototype` is never reached by a write or a read;
 * - global functions and constructors are the captured ones below;
 * - a method of an intrinsic is called uncurried (`uncurryThis`), never through `.call`.
 *
 * The realm itself is not frozen (freezing `Object.prototype` breaks ordinary libraries
 * through the override mistake): a libOS may still patch what its own code, or another
 * libOS's code, uses. See the threat model in the README.
 */

const FunctionPrototype = Function.prototype;
// `bind.bind(call)(fn)` is `call.bind(fn)`: a bound function whose target is the original
// `Function.prototype.call` with `this` fixed to `fn`; nothing is looked up when it is called.
const bindOf = FunctionPrototype.bind;
const callOf = FunctionPrototype.call;
const uncurryThisImpl = bindOf.bind(callOf) as (fn: Function) => Function;

/** `uncurryThis(Map.prototype.get)(map, key)` is `map.get(key)` with the original method. */
// biome-ignore lint/suspicious/noExplicitAny: a generic uncurried signature
export function uncurryThis<T, A extends any[], R>(
  fn: (this: T, ...args: A) => R,
): (self: T, ...args: A) => R {
  return uncurryThisImpl(fn) as (self: T, ...args: A) => R;
}

export const ReflectApply = Reflect.apply;
export const ReflectOwnKeys = Reflect.ownKeys;
export const ReflectGetPrototypeOf = Reflect.getPrototypeOf;
export const ReflectSetPrototypeOf = Reflect.setPrototypeOf;
export const ReflectDefineProperty = Reflect.defineProperty;
export const ObjectFreeze = Object.freeze;
export const ObjectIsFrozen = Object.isFrozen;
export const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export const ObjectHasOwn = Object.hasOwn;
export const NumberIsInteger = Number.isInteger;
export const NumberIsSafeInteger = Number.isSafeInteger;
export const NumberIsFinite = Number.isFinite;
export const MathMax = Math.max;
export const MathMin = Math.min;
export const MathRound = Math.round;
export const MathFloor = Math.floor;
export const StringPrototypeStartsWith = uncurryThis(String.prototype.startsWith);
export const ArrayOf = Array.of;
export const ArrayIsArray = Array.isArray;
export const ArrayCtor = Array;
export const FunctionCtor = Function;
export const Int32ArrayCtor = Int32Array;
export const Uint8ArrayCtor = Uint8Array;
export const Uint32ArrayCtor = Uint32Array;
export const Float64ArrayCtor = Float64Array;
const TypedArrayPrototype = ReflectGetPrototypeOf(Int32Array.prototype) as object;
export const TypedArrayPrototypeFill = uncurryThis(
  (TypedArrayPrototype as { fill: (this: Int32Array, v: number, s?: number, e?: number) => void })
    .fill,
) as (
  self: Int32Array | Uint8Array | Float64Array,
  v: number,
  start?: number,
  end?: number,
) => void;

/** The intrinsic getter `key` of %TypedArray%.prototype (`length`, `buffer`, `byteOffset`). */
function typedArrayGetter(key: string): (this: unknown) => unknown {
  return ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, key)!.get! as (
    this: unknown,
  ) => unknown;
}

type AnyTypedArray = Int32Array | Uint8Array | Uint32Array | Float64Array;
/**
 * A typed array's `length`, `buffer` and `byteOffset` through the intrinsic getters: these
 * are accessors on %TypedArray%.prototype, so `ta.length` runs whatever getter a libOS planted
 * there (`Object.defineProperty(Object.getPrototypeOf(Uint8Array.prototype), "length", …)`).
 * Kernel code never reads a property of a typed array other than its elements (a test
 * checks it with the type checker).
 */
export const TypedArrayLength = uncurryThis(typedArrayGetter("length")) as (
  self: AnyTypedArray,
) => number;
export const TypedArrayBuffer = uncurryThis(typedArrayGetter("buffer")) as (
  self: AnyTypedArray,
) => ArrayBuffer;
export const TypedArrayByteOffset = uncurryThis(typedArrayGetter("byteOffset")) as (
  self: AnyTypedArray,
) => number;

/** `%GeneratorPrototype%.next`: drives a generator without looking `next` up on it. */
const GeneratorPrototype = (ReflectGetPrototypeOf(function* () {}) as { prototype: object })
  .prototype as { next: (this: Generator, v?: unknown) => IteratorResult<unknown> };
export const GeneratorPrototypeNext = uncurryThis(GeneratorPrototype.next);

/**
 * A copy of a collection class whose prototype holds every method of the original as an own,
 * frozen property (`get`, `set`, `forEach`, the `size` getter…): `new SafeMap()` and
 * `m.get(k)` run the originals whatever is later done to `Map.prototype` or `globalThis.Map`.
 */
function makeSafe<C extends new (...args: never[]) => object>(Base: C, Safe: C): C {
  const from = Base.prototype as object;
  const to = Safe.prototype as object;
  const keys = ReflectOwnKeys(from);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === "constructor") continue;
    const d = ObjectGetOwnPropertyDescriptor(from, key)!;
    ReflectDefineProperty(to, key, d);
  }
  ObjectFreeze(to);
  ObjectFreeze(Safe);
  return Safe;
}

// Explicit constructors: an implicit derived constructor spreads its arguments (through
// `%Array.prototype%[Symbol.iterator]`, which a libOS may patch). These take none.
export const SafeMap = makeSafe(
  Map,
  class SafeMap<K, V> extends Map<K, V> {
    // biome-ignore lint/complexity/noUselessConstructor: no argument spread (see above)
    constructor() {
      super();
    }
  },
) as MapConstructor;
export type SafeMap<K, V> = Map<K, V>;
export const SafeSet = makeSafe(
  Set,
  class SafeSet<T> extends Set<T> {
    // biome-ignore lint/complexity/noUselessConstructor: no argument spread (see above)
    constructor() {
      super();
    }
  },
) as SetConstructor;
export type SafeSet<T> = Set<T>;
export const SafeWeakMap = makeSafe(
  WeakMap,
  class SafeWeakMap<K extends WeakKey, V> extends WeakMap<K, V> {
    // biome-ignore lint/complexity/noUselessConstructor: no argument spread (see above)
    constructor() {
      super();
    }
  },
) as WeakMapConstructor;
export type SafeWeakMap<K extends WeakKey, V> = WeakMap<K, V>;

/**
 * A list with no prototype: `list[i] = v`, `list[list.length] = v` and reads of `list[i]`
 * never reach `Array.prototype` (where a libOS may plant an indexed getter or setter). Use
 * `listPush`, indexed loops and `length` only.
 */
export function newList<T>(): T[] {
  const list: T[] = [];
  ReflectSetPrototypeOf(list, null);
  return list;
}

export function listPush<T>(list: T[], value: T): void {
  list[list.length] = value;
}

/** A frozen ordinary array of `list`'s elements (its elements are defined, never set). */
export function frozenArray<T>(list: readonly T[]): readonly T[] {
  return ObjectFreeze(ReflectApply(ArrayOf, ArrayCtor, list) as T[]);
}

/** A null-prototype list of a SafeMap's values (a snapshot: entries may be deleted after). */
export function mapValuesList<K, V>(m: Map<K, V>): V[] {
  const out = newList<V>();
  m.forEach((v) => {
    listPush(out, v);
  });
  return out;
}

/** A null-prototype list of a SafeSet's values. */
export function setValuesList<T>(s: Set<T>): T[] {
  const out = newList<T>();
  s.forEach((v) => {
    listPush(out, v);
  });
  return out;
}
