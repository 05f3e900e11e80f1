/**
 * The packet filter engine: the table of live filters, the trie they are merged into, the
 * compiled demultiplexer and the two interpreters. It is the self-contained piece the kernel's
 * network binding calls (see README, "Network: DPF and ASHs"):
 *
 *   insert(owner, filter)        -> filter id >= 0, or Invalid / NoSlot / Busy
 *   insertWords(owner, w, n)     -> the same, from the word form in an environment's memory
 *   delete(owner, id)            -> Ok, or Invalid / Stale / NotOwner
 *   deleteOwner(owner)           -> how many filters were removed (destroying an environment)
 *   demux(packet, length)        -> owner, or NO_OWNER (-1)          (compiled)
 *   demuxAt(bytes, start, length)   the same over bytes[start, start + length)
 *   interpret…(…) / linear…(…)      the same through the trie interpreter / linear interpreter
 *
 * Every call validates everything before it changes anything (validate, then invoke). The
 * owner is the kernel's own name for an environment (a host argument: a bad one is a host
 * bug and throws ArgumentError); the filter is untrusted (a bad one gets a Result code, its
 * reason in `lastRefusal`, and nothing changes). After each call, `work` (classification) or
 * `insertWork` (insert/delete) holds the counted work and its simulated MIPS instructions,
 * for the kernel to charge with `exec`; a demux allocates nothing.
 */

import { ArgumentError } from "@exolab/machine/privileged";
import { NET_COSTS as C } from "../../costs.js";
import {
  frozenArray,
  Int32ArrayCtor,
  listPush,
  mapValuesList,
  newList,
  ObjectFreeze,
  SafeMap,
  TypedArrayLength,
  TypedArrayPrototypeFill,
} from "../../intrinsics.js";
import { Result } from "../../result.js";
import { isIntIn, isUint8Array, typedLength } from "../untrusted.js";
import {
  type CanonicalFilter,
  type ParseResult,
  parseFilter,
  parseFilterWords,
  type Step,
} from "./atoms.js";
import { type CompiledTrie, compileTrie, type DemuxFn } from "./compile.js";
import { type DisjointWork, provablyDisjoint } from "./disjoint.js";
import { TrieInterpreter } from "./interpret.js";
import { LinearInterpreter } from "./linear.js";
import { insertPath, removePath, TrieNode, type TrieWork } from "./trie.js";

/** demux's answer when no filter accepts the packet. */
export const NO_OWNER = -1;

/** Largest owner name (the kernel's environment ids are small non-negative integers). */
export const MAX_OWNER = 0x7fffffff;

export interface EngineOptions {
  /** Live filters the engine holds at most (default 1024); more gets NoSlot. */
  readonly maxFilters?: number;
}

/** The work of the last classification (read-only view, updated in place). */
export interface DemuxWork {
  /** Simulated MIPS instructions of the engine that ran. */
  readonly instructions: number;
  /** Test groups visited (the linear engine: atoms evaluated). */
  readonly tests: number;
  /** Disjunctions dispatched (a compare chain or a hash probe: a test with 2+ values). */
  readonly disjunctions: number;
  /** Shifts executed. */
  readonly shifts: number;
}

/** The work of the last insert or delete, and its simulated instructions. */
export interface InsertWork {
  instructions: number;
  atoms: number;
  sortComparisons: number;
  /** Live filters of other owners checked for disjointness. */
  pairs: number;
  /** Steps of the byte-constraint merges. */
  bytes: number;
  /** Groups compared while walking the trie. */
  trieSteps: number;
  /** Nodes and groups created. */
  created: number;
  /** Simulated size of the generated code (each emitted instruction costs dpfCodegen). */
  codeInstructions: number;
}

/** A live filter as `filters()` reports it. */
export interface FilterInfo {
  readonly id: number;
  readonly owner: number;
  readonly atoms: readonly Step[];
}

interface Entry {
  readonly id: number;
  readonly owner: number;
  readonly filter: CanonicalFilter;
}

const W_INSTRUCTIONS = 0;
const W_TESTS = 1;
const W_DISJUNCTIONS = 2;
const W_SHIFTS = 3;

/** An Int32Array of `length` elements, each `value` (captured intrinsics only). */
function filled(length: number, value: number): Int32Array {
  const a = new Int32ArrayCtor(length);
  TypedArrayPrototypeFill(a, value);
  return a;
}

/**
 * A host argument in an error message without running its code: a number as itself, any
 * other value by its type (`String(x)` would call an object's `toString` or
 * `Symbol.toPrimitive`, and look them up on prototypes a libOS may have patched).
 */
function describeValue(x: unknown): string {
  return typeof x === "number" ? `${x}` : `a ${typeof x}`;
}

function checkOwner(owner: unknown): number {
  if (!isIntIn(owner, 0, MAX_OWNER)) {
    throw new ArgumentError(
      `a filter owner must be an integer in [0, ${MAX_OWNER}], got ${describeValue(owner)}`,
    );
  }
  return owner;
}

export class PacketFilterEngine {
  readonly maxFilters: number;
  /** Why the last insert or delete was refused ("" after a success). */
  lastRefusal = "";
  /** Filter id of the last match (NO_OWNER if none). */
  lastFilter = NO_OWNER;
  readonly insertWork: InsertWork = {
    instructions: 0,
    atoms: 0,
    sortComparisons: 0,
    pairs: 0,
    bytes: 0,
    trieSteps: 0,
    created: 0,
    codeInstructions: 0,
  };
  readonly work: DemuxWork;

  readonly #root = new TrieNode();
  /** Live filters, in id (insertion) order. */
  readonly #entries: Map<number, Entry> = new SafeMap();
  #nextId = 0;
  #compiled!: CompiledTrie;
  #fn!: DemuxFn;
  #slotOwner: Int32Array = new Int32ArrayCtor(0);
  #slotFilter: Int32Array = new Int32ArrayCtor(0);
  #linearFilters: CanonicalFilter[] = newList();
  #linearIds: Int32Array = new Int32ArrayCtor(0);
  #linearOwners: Int32Array = new Int32ArrayCtor(0);
  readonly #w = new Int32ArrayCtor(4);
  readonly #interp = new TrieInterpreter();
  readonly #linear = new LinearInterpreter();

  constructor(options: EngineOptions = {}) {
    const max = options.maxFilters ?? 1024;
    if (!isIntIn(max, 1, 1 << 16))
      throw new ArgumentError("maxFilters must be an integer in [1, 65536]");
    this.maxFilters = max;
    const w = this.#w;
    this.work = ObjectFreeze({
      get instructions() {
        return w[W_INSTRUCTIONS]!;
      },
      get tests() {
        return w[W_TESTS]!;
      },
      get disjunctions() {
        return w[W_DISJUNCTIONS]!;
      },
      get shifts() {
        return w[W_SHIFTS]!;
      },
    });
    this.#rebuild();
  }

  // ---- insertion and deletion ------------------------------------------------------------

  /** Inserts an untrusted filter (an array of atom objects) for `owner`. */
  insert(owner: number, filter: unknown): number {
    checkOwner(owner);
    return this.#insertParsed(owner, parseFilter(filter));
  }

  /** Inserts the word form: `atomCount` atoms of 5 words in a Uint32Array. */
  insertWords(owner: number, words: unknown, atomCount: unknown): number {
    checkOwner(owner);
    return this.#insertParsed(owner, parseFilterWords(words, atomCount));
  }

  /** Deletes filter `id`, which `owner` must hold. */
  delete(owner: number, id: unknown): number {
    checkOwner(owner);
    const work = this.#resetInsertWork();
    work.instructions = C["aegis.dpf.delete"].instructions;
    if (!isIntIn(id, 0, MAX_OWNER))
      return this.#refuse(Result.Invalid, "a filter id is a non-negative integer");
    const e = this.#entries.get(id);
    if (e === undefined) {
      return id < this.#nextId
        ? this.#refuse(Result.Stale, `filter ${id} was deleted`)
        : this.#refuse(Result.Invalid, `no filter ${id} was ever inserted`);
    }
    if (e.owner !== owner)
      return this.#refuse(Result.NotOwner, `filter ${id} is not owner ${owner}'s`);
    const tw: TrieWork = { steps: 0, created: 0 };
    removePath(this.#root, e.filter.steps, id, tw);
    this.#entries.delete(id);
    this.#rebuild();
    work.trieSteps = tw.steps;
    work.codeInstructions = this.#compiled.codeInstructions;
    work.instructions +=
      tw.steps * C["aegis.dpf.insert.trieStep"].instructions +
      work.codeInstructions * C["aegis.dpf.codegen"].instructions;
    this.lastRefusal = "";
    return Result.Ok;
  }

  /** Deletes every filter of `owner` (one recompilation). Returns how many were removed. */
  deleteOwner(owner: number): number {
    checkOwner(owner);
    const work = this.#resetInsertWork();
    const tw: TrieWork = { steps: 0, created: 0 };
    let removed = 0;
    const all = mapValuesList(this.#entries);
    for (let i = 0; i < all.length; i++) {
      const e = all[i]!;
      if (e.owner !== owner) continue;
      removePath(this.#root, e.filter.steps, e.id, tw);
      this.#entries.delete(e.id);
      removed++;
    }
    if (removed > 0) this.#rebuild();
    work.trieSteps = tw.steps;
    work.codeInstructions = removed > 0 ? this.#compiled.codeInstructions : 0;
    work.instructions =
      removed * C["aegis.dpf.delete"].instructions +
      tw.steps * C["aegis.dpf.insert.trieStep"].instructions +
      work.codeInstructions * C["aegis.dpf.codegen"].instructions;
    this.lastRefusal = "";
    return removed;
  }

  #insertParsed(owner: number, parsed: ParseResult): number {
    const work = this.#resetInsertWork();
    work.atoms = parsed.atomsRead;
    work.instructions =
      C["aegis.dpf.insert"].instructions +
      parsed.atomsRead * C["aegis.dpf.insert.validate"].instructions;
    if (!parsed.ok) return this.#refuse(parsed.code, parsed.reason);
    const f = parsed.filter;
    work.sortComparisons = f.sortComparisons;
    work.instructions += f.sortComparisons * C["aegis.dpf.insert.sort"].instructions;
    if (this.#entries.size >= this.maxFilters) {
      return this.#refuse(Result.NoSlot, `the engine holds ${this.maxFilters} filters already`);
    }
    // The claim check: refuse unless disjoint from every other owner's live filter.
    const dw: DisjointWork = { bytes: 0 };
    let clash: Entry | null = null;
    const live = mapValuesList(this.#entries);
    for (let i = 0; i < live.length; i++) {
      const e = live[i]!;
      if (e.owner === owner) continue;
      work.pairs++;
      if (!provablyDisjoint(f, e.filter, dw)) {
        clash = e;
        break;
      }
    }
    work.bytes = dw.bytes;
    work.instructions +=
      work.pairs * C["aegis.dpf.insert.pair"].instructions +
      dw.bytes * C["aegis.dpf.insert.byte"].instructions;
    if (clash !== null) {
      return this.#refuse(
        Result.Busy,
        `the filter may take packets filter ${clash.id} of owner ${clash.owner} claims (not provably disjoint)`,
      );
    }
    // Invoke: merge, record, recompile.
    const id = this.#nextId;
    const tw: TrieWork = { steps: 0, created: 0 };
    insertPath(this.#root, f.steps, id, tw);
    this.#entries.set(id, { id, owner, filter: f });
    try {
      this.#rebuild();
    } catch (err) {
      // Only validated integers reach the generator, so this is a kernel bug: undo, rethrow.
      removePath(this.#root, f.steps, id, { steps: 0, created: 0 });
      this.#entries.delete(id);
      this.#rebuild();
      throw err;
    }
    this.#nextId = id + 1;
    work.trieSteps = tw.steps;
    work.created = tw.created;
    work.codeInstructions = this.#compiled.codeInstructions;
    work.instructions +=
      tw.steps * C["aegis.dpf.insert.trieStep"].instructions +
      tw.created * C["aegis.dpf.insert.node"].instructions +
      work.codeInstructions * C["aegis.dpf.codegen"].instructions;
    this.lastRefusal = "";
    return id;
  }

  #resetInsertWork(): InsertWork {
    const w = this.insertWork;
    w.instructions = 0;
    w.atoms = 0;
    w.sortComparisons = 0;
    w.pairs = 0;
    w.bytes = 0;
    w.trieSteps = 0;
    w.created = 0;
    w.codeInstructions = 0;
    return w;
  }

  #refuse(code: number, reason: string): number {
    this.lastRefusal = reason;
    return code;
  }

  /**
   * Recompiles the trie and refreshes the answer tables. Each table has a NO_OWNER sentinel
   * in front, so that the answer for a result index i (-1 for no match) is table[i + 1],
   * without a branch.
   */
  #rebuild(): void {
    const compiled = compileTrie(this.#root);
    const n = TypedArrayLength(compiled.slotFilter);
    const ids = filled(n + 1, NO_OWNER);
    const owners = filled(n + 1, NO_OWNER);
    for (let i = 0; i < n; i++) {
      const id = compiled.slotFilter[i]!;
      ids[i + 1] = id;
      owners[i + 1] = this.#entries.get(id)!.owner;
    }
    const entries = mapValuesList(this.#entries);
    const linearIds = filled(entries.length + 1, NO_OWNER);
    const linearOwners = filled(entries.length + 1, NO_OWNER);
    const linearFilters: CanonicalFilter[] = newList();
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      linearIds[i + 1] = e.id;
      linearOwners[i + 1] = e.owner;
      listPush(linearFilters, e.filter);
    }
    this.#compiled = compiled;
    this.#fn = compiled.fn;
    this.#slotFilter = ids;
    this.#slotOwner = owners;
    this.#linearFilters = linearFilters;
    this.#linearIds = linearIds;
    this.#linearOwners = linearOwners;
  }

  // ---- classification ------------------------------------------------------------------------

  /** The owner of a packet (bytes 0..length-1 of `packet`), or NO_OWNER. Compiled engine. */
  demux(packet: Uint8Array, length: number): number {
    return this.demuxAt(packet, 0, length);
  }

  /** The owner of the packet bytes[start, start + length), or NO_OWNER. Compiled engine. */
  demuxAt(bytes: Uint8Array, start: number, length: number): number {
    checkSpan(bytes, start, length);
    const slot = this.#fn(bytes, start, start + length, this.#w);
    return this.#answer(slot, this.#slotFilter, this.#slotOwner);
  }

  /** As demux, through the trie interpreter (the reference engine). */
  interpret(packet: Uint8Array, length: number): number {
    return this.interpretAt(packet, 0, length);
  }

  interpretAt(bytes: Uint8Array, start: number, length: number): number {
    checkSpan(bytes, start, length);
    const it = this.#interp;
    const slot = it.run(this.#root, bytes, start, start + length);
    const w = this.#w;
    w[W_INSTRUCTIONS] = it.instructions;
    w[W_TESTS] = it.tests;
    w[W_DISJUNCTIONS] = it.disjunctions;
    w[W_SHIFTS] = it.shifts;
    return this.#answer(slot, this.#slotFilter, this.#slotOwner);
  }

  /** As demux, through the linear interpreter (every filter in id order). */
  linear(packet: Uint8Array, length: number): number {
    return this.linearAt(packet, 0, length);
  }

  linearAt(bytes: Uint8Array, start: number, length: number): number {
    checkSpan(bytes, start, length);
    const lin = this.#linear;
    const index = lin.run(this.#linearFilters, bytes, start, start + length);
    const w = this.#w;
    w[W_INSTRUCTIONS] = lin.instructions;
    w[W_TESTS] = lin.atoms;
    w[W_DISJUNCTIONS] = 0;
    w[W_SHIFTS] = 0;
    return this.#answer(index, this.#linearIds, this.#linearOwners);
  }

  /** The owner for result index `index` (-1: none); records the filter id. */
  #answer(index: number, ids: Int32Array, owners: Int32Array): number {
    this.lastFilter = ids[index + 1]!;
    return owners[index + 1]!;
  }

  // ---- inspection -------------------------------------------------------------------------------

  /** Live filters. */
  get size(): number {
    return this.#entries.size;
  }

  /** The live filters, in id order (frozen copies). */
  filters(): readonly FilterInfo[] {
    const live = mapValuesList(this.#entries);
    const out = newList<FilterInfo>();
    for (let i = 0; i < live.length; i++) {
      const e = live[i]!;
      listPush(out, ObjectFreeze({ id: e.id, owner: e.owner, atoms: e.filter.atoms }));
    }
    return frozenArray(out);
  }

  /** The generated demultiplexer's source (for documentation and tests). */
  get source(): string {
    return this.#compiled.source;
  }

  /** The next id an insert would return (ids are never reused). */
  get nextId(): number {
    return this.#nextId;
  }
}

/**
 * Host-contract check of a packet span (a kernel bug if it fails). No allocation. The
 * receive interrupt runs it while a libOS may have patched the intrinsics: a Uint8Array is
 * recognised by its brand and measured through the intrinsic getter (untrusted.ts), not by
 * `instanceof` (a planted `Uint8Array[Symbol.hasInstance]`) nor `.length` (a getter on
 * %TypedArray%.prototype).
 */
function checkSpan(bytes: Uint8Array, start: number, length: number): void {
  if (
    !isUint8Array(bytes) ||
    start >>> 0 !== start ||
    length >>> 0 !== length ||
    start + length > typedLength(bytes)
  ) {
    throw new ArgumentError("demux needs a Uint8Array and an integer span inside it");
  }
}
