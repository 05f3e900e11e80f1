/**
 * The DPF filter language and its validation.
 *
 * A filter is a conjunction of atoms read in order:
 * - `eq`    — `(field(offset, width) & mask) === value`: the `width`-byte field (1, 2 or 4
 *             bytes, network byte order) at `base + offset` of the packet;
 * - `shift` — `base += (field(offset, width) & mask) << scale`: the SHIFT of DPF, for
 *             variable-length headers (the IP header length: `shift(14, 1, 0x0f, 2)`). Every
 *             atom after it is relative to the new base.
 * The base starts at 0 (the first byte of the frame). A field that does not lie entirely
 * inside the packet's length fails its atom (a shift that cannot read its field fails too),
 * so a short packet never matches a filter that looks past its end.
 *
 * Untrusted input comes in two shapes, both parsed into the same validated `CanonicalFilter`
 * before anything else happens (read once, no coercion; see ../untrusted.ts):
 * - an array of atom objects `{ op: "eq", offset, width, mask, value }` /
 *   `{ op: "shift", offset, width, mask, scale }` (the builders `eq` and `shift` make them);
 * - a genuine `Uint32Array` of 5 words per atom `[op (0 eq, 1 shift), offset, width, mask,
 *   value or scale]` — the form a filter has in an environment's memory (`encodeFilter`).
 *
 * Canonical form: the atoms between two shifts (a segment) are sorted by (offset, width,
 * mask, value) and exact duplicates dropped, so that filters written in different orders
 * share trie prefixes. A conjunction does not depend on the order of its atoms, and a segment
 * keeps its base, so this changes nothing a filter accepts. A segment whose atoms contradict
 * each other on some bit (the same field tested for two values, or overlapping fields that
 * disagree) can match nothing: it is refused as malformed.
 */
import {
  frozenArray,
  listPush,
  newList,
  ObjectFreeze,
  SafeMap,
  Uint32ArrayCtor,
} from "../../intrinsics.js";
import { Result } from "../../result.js";
import {
  isIntIn,
  isObject,
  isUint32Array,
  MISSING,
  ownArray,
  ownData,
  typedLength,
} from "../untrusted.js";

/** The language's limits. Only integers inside them ever reach the code generator. */
export const DPF_LIMITS = ObjectFreeze({
  /** Atoms (eq and shift) in one filter. */
  maxAtoms: 32,
  /** Shift atoms in one filter. */
  maxShifts: 4,
  /** Largest offset of an atom (relative to its base): beyond any Ethernet frame (1518). */
  maxOffset: 2047,
  /** Largest scale of a shift (a left shift of the masked field). */
  maxScale: 7,
  /** Largest amount one shift can add to the base: `mask << scale` must not exceed it. */
  maxShiftAdd: 0xffff,
  /** Words per atom in the word form. */
  wordsPerAtom: 5,
} as const);

export const ATOM_EQ = 0;
export const ATOM_SHIFT = 1;

/** An equality atom as untrusted code writes it. */
export interface EqAtom {
  readonly op: "eq";
  readonly offset: number;
  readonly width: 1 | 2 | 4;
  readonly mask: number;
  readonly value: number;
}

/** A shift atom as untrusted code writes it. */
export interface ShiftAtom {
  readonly op: "shift";
  readonly offset: number;
  readonly width: 1 | 2 | 4;
  readonly mask: number;
  readonly scale: number;
}

export type AtomSpec = EqAtom | ShiftAtom;
export type FilterSpec = readonly AtomSpec[];

/** The all-ones mask of a field. */
export function fullMask(width: number): number {
  return width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
}

/** `(field(offset, width) & mask) === value`; the mask defaults to the whole field. */
export function eq(
  offset: number,
  width: 1 | 2 | 4,
  value: number,
  mask = fullMask(width),
): EqAtom {
  return { op: "eq", offset, width, mask, value };
}

/** `base += (field(offset, width) & mask) << scale`. */
export function shift(offset: number, width: 1 | 2 | 4, mask: number, scale: number): ShiftAtom {
  return { op: "shift", offset, width, mask, scale };
}

/** The word form of a filter (5 words per atom), as an environment would store it. */
export function encodeFilter(atoms: FilterSpec): Uint32Array {
  const w = new Uint32ArrayCtor(atoms.length * DPF_LIMITS.wordsPerAtom);
  for (let i = 0; i < atoms.length; i++) {
    const a = atoms[i]!;
    const o = i * DPF_LIMITS.wordsPerAtom;
    w[o] = a.op === "eq" ? ATOM_EQ : ATOM_SHIFT;
    w[o + 1] = a.offset;
    w[o + 2] = a.width;
    w[o + 3] = a.mask;
    w[o + 4] = a.op === "eq" ? a.value : a.scale;
  }
  return w;
}

// ---- the validated internal form ----------------------------------------------------------

/** A validated equality test. `end` = offset + width (the bytes the test needs). */
export interface Test {
  readonly kind: typeof ATOM_EQ;
  readonly offset: number;
  readonly width: 1 | 2 | 4;
  readonly mask: number;
  readonly value: number;
  readonly end: number;
}

/** A validated shift. */
export interface Shift {
  readonly kind: typeof ATOM_SHIFT;
  readonly offset: number;
  readonly width: 1 | 2 | 4;
  readonly mask: number;
  readonly scale: number;
  readonly end: number;
}

export type Step = Test | Shift;

/**
 * The byte constraints of one segment, sorted by byte offset: for each constrained byte,
 * `offsets[i]`, `masks[i]` (the bits tested) and `values[i]` (their required values).
 */
export interface ByteConstraints {
  readonly offsets: readonly number[];
  readonly masks: readonly number[];
  readonly values: readonly number[];
}

/** A filter after validation and canonicalisation. Frozen; never refers to untrusted objects. */
export interface CanonicalFilter {
  /** The atoms as given (validated copies, user order). */
  readonly atoms: readonly Step[];
  /** The trie path: segment 0 sorted, shift 1, segment 1 sorted, … */
  readonly steps: readonly Step[];
  /** The shifts in order (segment k > 0 is relative to the base after shifts[0..k-1]). */
  readonly shifts: readonly Shift[];
  /** Byte constraints of each segment (shifts.length + 1 of them). */
  readonly segments: readonly ByteConstraints[];
  /** Comparisons the canonicalisation's insertion sort made (counted work). */
  readonly sortComparisons: number;
}

/** A parse's outcome; `atomsRead` is the atoms examined (counted work, also on a refusal). */
export type ParseResult =
  | { readonly ok: true; readonly filter: CanonicalFilter; readonly atomsRead: number }
  | {
      readonly ok: false;
      readonly code: Result;
      readonly reason: string;
      readonly atomsRead: number;
    };

function refuse(reason: string, atomsRead = 0): ParseResult {
  return { ok: false, code: Result.Invalid, reason, atomsRead };
}

/** Raw fields of one atom, read once; checked by `checkAtom`. */
interface RawAtom {
  op: unknown;
  offset: unknown;
  width: unknown;
  mask: unknown;
  arg: unknown;
}

/** Validates one atom's fields (already read) into a Step, or a reason string. */
function checkAtom(raw: RawAtom, index: number): Step | string {
  const at = `atom ${index}`;
  const { op } = raw;
  if (op !== ATOM_EQ && op !== ATOM_SHIFT) return `${at}: op must be "eq" or "shift"`;
  if (!isIntIn(raw.offset, 0, DPF_LIMITS.maxOffset)) {
    return `${at}: offset must be an integer in [0, ${DPF_LIMITS.maxOffset}]`;
  }
  const width = raw.width;
  if (width !== 1 && width !== 2 && width !== 4) return `${at}: width must be 1, 2 or 4`;
  const full = fullMask(width);
  if (!isIntIn(raw.mask, 1, full)) return `${at}: mask must be an integer in [1, ${full}]`;
  const offset = raw.offset;
  const mask = raw.mask;
  if (op === ATOM_EQ) {
    if (!isIntIn(raw.arg, 0, full)) return `${at}: value must be an integer in [0, ${full}]`;
    const value = raw.arg;
    if ((value & ~mask) !== 0) return `${at}: value has bits outside the mask`;
    return ObjectFreeze({ kind: ATOM_EQ, offset, width, mask, value, end: offset + width });
  }
  if (!isIntIn(raw.arg, 0, DPF_LIMITS.maxScale)) {
    return `${at}: scale must be an integer in [0, ${DPF_LIMITS.maxScale}]`;
  }
  const scale = raw.arg;
  if (mask * 2 ** scale > DPF_LIMITS.maxShiftAdd) {
    return `${at}: a shift may add at most ${DPF_LIMITS.maxShiftAdd} to the base (mask << scale)`;
  }
  return ObjectFreeze({ kind: ATOM_SHIFT, offset, width, mask, scale, end: offset + width });
}

/** Reads an atom object's fields once each (own data properties only). */
function readAtomObject(x: unknown): RawAtom | null {
  if (!isObject(x)) return null;
  const op = ownData(x, "op");
  const isEq = op === "eq";
  const isShift = op === "shift";
  return {
    op: isEq ? ATOM_EQ : isShift ? ATOM_SHIFT : MISSING,
    offset: ownData(x, "offset"),
    width: ownData(x, "width"),
    mask: ownData(x, "mask"),
    arg: isEq ? ownData(x, "value") : isShift ? ownData(x, "scale") : MISSING,
  };
}

/**
 * Parses an untrusted filter (an array of atom objects). Never throws, never coerces; a
 * throwing Proxy trap gives `Invalid`.
 */
export function parseFilter(input: unknown): ParseResult {
  try {
    const items = ownArray(input, DPF_LIMITS.maxAtoms);
    if (items === MISSING) {
      return refuse(`a filter must be an array of at most ${DPF_LIMITS.maxAtoms} atoms`);
    }
    const steps: Step[] = newList();
    for (let i = 0; i < items.length; i++) {
      const raw = readAtomObject(items[i]);
      if (raw === null) return refuse(`atom ${i}: not an object`, i + 1);
      const s = checkAtom(raw, i);
      if (typeof s === "string") return refuse(s, i + 1);
      listPush(steps, s);
    }
    return canonicalize(steps);
  } catch {
    return refuse("reading the filter threw");
  }
}

/** Parses the word form: `atomCount` atoms of 5 words from a genuine Uint32Array. */
export function parseFilterWords(words: unknown, atomCount: unknown): ParseResult {
  if (!isUint32Array(words)) return refuse("the word form must be a Uint32Array");
  if (!isIntIn(atomCount, 0, DPF_LIMITS.maxAtoms)) {
    return refuse(`the atom count must be an integer in [0, ${DPF_LIMITS.maxAtoms}]`);
  }
  const W = DPF_LIMITS.wordsPerAtom;
  if (typedLength(words) < atomCount * W) return refuse("the word array is shorter than the atoms");
  const steps: Step[] = newList();
  for (let i = 0; i < atomCount; i++) {
    const o = i * W;
    const s = checkAtom(
      {
        op: words[o],
        offset: words[o + 1],
        width: words[o + 2],
        mask: words[o + 3],
        arg: words[o + 4],
      },
      i,
    );
    if (typeof s === "string") return refuse(s, i + 1);
    listPush(steps, s);
  }
  return canonicalize(steps);
}

// ---- canonical form ---------------------------------------------------------------------------

function compareTests(a: Test, b: Test): number {
  return a.offset - b.offset || a.width - b.width || a.mask - b.mask || a.value - b.value;
}

/** Sorts a segment by insertion sort (counting comparisons) and drops exact duplicates. */
function sortSegment(tests: Test[], counter: { n: number }): Test[] {
  const a: Test[] = newList();
  for (let i = 0; i < tests.length; i++) listPush(a, tests[i]!);
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!;
    let j = i - 1;
    while (j >= 0) {
      counter.n++;
      if (compareTests(a[j]!, t) <= 0) break;
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = t;
  }
  const out: Test[] = newList();
  for (let i = 0; i < a.length; i++) {
    if (i === 0 || compareTests(a[i - 1]!, a[i]!) !== 0) listPush(out, a[i]!);
  }
  return out;
}

/** The byte constraints of a sorted segment, or null if two of its atoms contradict. */
function byteConstraints(tests: readonly Test[]): ByteConstraints | null {
  const byOffset: Map<number, [number, number]> = new SafeMap();
  for (let k = 0; k < tests.length; k++) {
    const t = tests[k]!;
    for (let i = 0; i < t.width; i++) {
      const sh = 8 * (t.width - 1 - i);
      const m = (t.mask >>> sh) & 0xff;
      if (m === 0) continue;
      const v = (t.value >>> sh) & 0xff;
      const at = t.offset + i;
      const prev = byOffset.get(at);
      if (prev === undefined) {
        byOffset.set(at, [m, v]);
      } else {
        if (((prev[1] ^ v) & prev[0] & m) !== 0) return null;
        byOffset.set(at, [prev[0] | m, prev[1] | v]);
      }
    }
  }
  // The offsets in ascending order (an insertion sort: no Array.prototype method).
  const offsets: number[] = newList();
  byOffset.forEach((_mv, at) => {
    let j = offsets.length;
    listPush(offsets, at);
    while (j > 0 && offsets[j - 1]! > at) {
      offsets[j] = offsets[j - 1]!;
      j--;
    }
    offsets[j] = at;
  });
  const masks: number[] = newList();
  const values: number[] = newList();
  for (let i = 0; i < offsets.length; i++) {
    const mv = byOffset.get(offsets[i]!)!;
    listPush(masks, mv[0]);
    listPush(values, mv[1]);
  }
  return ObjectFreeze({
    offsets: frozenArray(offsets),
    masks: frozenArray(masks),
    values: frozenArray(values),
  });
}

function canonicalize(atoms: readonly Step[]): ParseResult {
  const n = atoms.length;
  if (n === 0) return refuse("a filter needs at least one atom");
  const counter = { n: 0 };
  const shifts: Shift[] = newList();
  const segments: ByteConstraints[] = newList();
  const steps: Step[] = newList();
  let current: Test[] = newList();
  const close = (): string | null => {
    const sorted = sortSegment(current, counter);
    const bc = byteConstraints(sorted);
    if (bc === null)
      return `segment ${segments.length}: its atoms contradict (it can match nothing)`;
    listPush(segments, bc);
    for (let i = 0; i < sorted.length; i++) listPush(steps, sorted[i]!);
    current = newList();
    return null;
  };
  for (let i = 0; i < n; i++) {
    const a = atoms[i]!;
    if (a.kind === ATOM_EQ) {
      listPush(current, a);
      continue;
    }
    if (shifts.length === DPF_LIMITS.maxShifts) {
      return refuse(`a filter may have at most ${DPF_LIMITS.maxShifts} shifts`, n);
    }
    const err = close();
    if (err !== null) return refuse(err, n);
    listPush(shifts, a);
    listPush(steps, a);
  }
  const err = close();
  if (err !== null) return refuse(err, n);
  return {
    ok: true,
    atomsRead: n,
    filter: ObjectFreeze({
      atoms: frozenArray(atoms),
      steps: frozenArray(steps),
      shifts: frozenArray(shifts),
      segments: frozenArray(segments),
      sortComparisons: counter.n,
    }),
  };
}
