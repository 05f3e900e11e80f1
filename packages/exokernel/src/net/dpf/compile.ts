/**
 * The code generator: the whole trie becomes ONE JavaScript function, built with
 * `new Function`, whose offsets, masks, values and slots are constants in its source.
 *
 *   (p: Uint8Array, s: start index, e: end index (s + length), w: Int32Array(4)) => slot | -1
 *
 * Shape of the code (one block per node, one `if` per group, nested along the trie), here for
 * five TCP/IP filters that differ in the destination port:
 *
 *   let c = 4, t = 0, h = 0, x = 0, r = -1;
 *   out: {
 *     c += 3; t++;                                       // bounds of the ethertype
 *     if (s + 14 <= e) { c += 3;                         // lhu + compare
 *       if ((p[s + 12] << 8 | p[s + 13]) === 2048) {
 *         c += 3; t++;
 *         if (s + 24 <= e) { c += 3;
 *           if (p[s + 23] === 6) {
 *             c += 3; x++;                               // the IHL shift
 *             if (s + 15 <= e) { c += 4;
 *               const b1 = s + ((p[s + 14] & 15) << 2);
 *               c += 3; t++;                             // a disjunction of 5 ports: a probe
 *               if (b1 + 18 <= e) { c += 12; h++;
 *                 switch ((p[b1 + 16] << 8 | p[b1 + 17])) {
 *                   case 80: { c += 2; r = 0; break out; }
 *                   case 53: { c += 2; r = 1; break out; }
 *                   …
 *                 } } } } } } }
 *     c += 1;                                            // nothing matched
 *   }
 *   w[0] = c; w[1] = t; w[2] = h; w[3] = x; return r;
 *
 * `c` counts the simulated MIPS instructions of the path taken (constants from cost-model.ts
 * folded per block), `t` the test groups visited, `h` the disjunctions dispatched (a compare
 * chain up to CHAIN_MAX values, a hash probe beyond), `x` the shifts: the same structural
 * counts the interpreter produces. Only integers that `lit` accepts (safe integers, which the
 * validator already guaranteed) are ever written into the source.
 */

import { NET_COSTS as C } from "../../costs.js";
import {
  FunctionCtor,
  Int32ArrayCtor,
  listPush,
  NumberIsSafeInteger,
  newList,
} from "../../intrinsics.js";
import { fullMask } from "./atoms.js";
import {
  alignAfterShift,
  compiledCompare,
  compiledShift,
  compiledTestLoadMask,
} from "./cost-model.js";
import { GROUP_TEST, type Group, type TrieNode } from "./trie.js";

/** The generated demultiplexer. Returns the matching slot or -1; fills w[0..3]. */
export type DemuxFn = (p: Uint8Array, s: number, e: number, w: Int32Array) => number;

export interface CompiledTrie {
  readonly fn: DemuxFn;
  readonly source: string;
  /** Filter id of each slot. */
  readonly slotFilter: Int32Array;
  /** Simulated size of the code in MIPS instructions (+2 words per hash-table entry). */
  readonly codeInstructions: number;
}

/**
 * Disjunctions of up to this many values compile to a chain of compares (1-3 instructions
 * each); longer ones to one hash probe (11): past 4 values the expected chain is longer.
 */
export const CHAIN_MAX = 4;

/** The only way a number enters the generated source. */
function lit(n: number): string {
  if (!NumberIsSafeInteger(n)) throw new Error(`dpf codegen: ${n} is not a safe integer`);
  return `${n}`;
}

/** The expression reading a `width`-byte field at `base + offset` in network order (int32). */
function fieldExpr(base: string, offset: number, width: number): string {
  const at = (i: number) => `p[${base} + ${lit(offset + i)}]`;
  if (width === 1) return at(0);
  if (width === 2) return `(${at(0)} << 8 | ${at(1)})`;
  return `(${at(0)} << 24 | ${at(1)} << 16 | ${at(2)} << 8 | ${at(3)})`;
}

/** `(field & mask)`, the mask as an int32 literal; no `&` for a full mask. */
function maskedExpr(base: string, g: Group): string {
  const f = fieldExpr(base, g.offset, g.width);
  return g.mask === fullMask(g.width) ? f : `(${f} & ${lit(g.mask | 0)})`;
}

class Generator {
  readonly lines: string[] = newList();
  readonly slots: number[] = newList();
  code = C["aegis.dpf.entry"].instructions + C["aegis.dpf.reject"].instructions;

  emit(depth: number, s: string): void {
    let indent = "";
    for (let i = 0; i < depth; i++) indent += "  ";
    listPush(this.lines, indent + s);
  }

  node(n: TrieNode, base: string, shiftDepth: number, align: number, depth: number): void {
    for (let i = 0; i < n.groups.length; i++)
      this.group(n.groups[i]!, base, shiftDepth, align, depth);
    if (n.accepts.length > 0) {
      n.acceptSlot = this.slots.length;
      listPush(this.slots, n.accepts[0]!);
      this.code += C["aegis.dpf.accept"].instructions;
      this.emit(
        depth,
        `c += ${lit(C["aegis.dpf.accept"].instructions)}; r = ${lit(n.acceptSlot)}; break out;`,
      );
    } else {
      n.acceptSlot = -1;
    }
  }

  /** A switch case: the child's code, then `break` unless the child always leaves (a match). */
  caseBody(child: TrieNode, base: string, shiftDepth: number, align: number, depth: number): void {
    this.node(child, base, shiftDepth, align, depth);
    if (child.accepts.length === 0) this.emit(depth, "break;");
  }

  group(g: Group, base: string, shiftDepth: number, align: number, depth: number): void {
    const bounds = C["aegis.dpf.bounds"].instructions;
    const guard = `if (${base} + ${lit(g.end)} <= e) {`;
    if (g.kind !== GROUP_TEST) {
      const cost = compiledShift(g.width, g.mask);
      const next = `b${shiftDepth + 1}`;
      this.code += bounds + cost;
      this.emit(depth, `c += ${lit(bounds)}; x++;`);
      this.emit(depth, guard);
      this.emit(depth + 1, `c += ${lit(cost)};`);
      this.emit(
        depth + 1,
        `const ${next} = ${base} + (${maskedExpr(base, g)} << ${lit(g.scale)});`,
      );
      this.node(g.child!, next, shiftDepth + 1, alignAfterShift(align, g.scale), depth + 1);
      this.emit(depth, "}");
      return;
    }
    const loadMask = compiledTestLoadMask(g.width, g.offset, g.mask, align);
    this.code += bounds + loadMask;
    this.emit(depth, `c += ${lit(bounds)}; t++;`);
    this.emit(depth, guard);
    const key = (v: number) => lit(g.width === 4 ? v | 0 : v);
    if (g.children.size === 1) {
      let value = 0;
      let child: TrieNode | undefined;
      g.children.forEach((c, v) => {
        value = v;
        child = c;
      });
      const cmp = compiledCompare(g.width, g.offset, value, align);
      this.code += cmp;
      this.emit(depth + 1, `c += ${lit(loadMask + cmp)};`);
      this.emit(depth + 1, `if (${maskedExpr(base, g)} === ${key(value)}) {`);
      this.node(child!, base, shiftDepth, align, depth + 2);
      this.emit(depth + 1, "}");
    } else if (g.children.size <= CHAIN_MAX) {
      // A short disjunction: a chain of compares (case i costs the compares up to i).
      const values: number[] = newList();
      g.children.forEach((_c, v) => {
        listPush(values, v);
      });
      const costs: number[] = newList();
      let total = 0;
      for (let i = 0; i < values.length; i++) {
        const cost = compiledCompare(g.width, g.offset, values[i]!, align);
        listPush(costs, cost);
        total += cost;
      }
      this.code += total;
      this.emit(depth + 1, `c += ${lit(loadMask)}; h++;`);
      this.emit(depth + 1, `switch (${maskedExpr(base, g)}) {`);
      let upTo = 0;
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        upTo += costs[i]!;
        this.emit(depth + 2, `case ${key(value)}: {`);
        this.emit(depth + 3, `c += ${lit(upTo)};`);
        this.caseBody(g.children.get(value)!, base, shiftDepth, align, depth + 3);
        this.emit(depth + 2, "}");
      }
      this.emit(depth + 2, `default: c += ${lit(upTo)};`);
      this.emit(depth + 1, "}");
    } else {
      // A long disjunction: one hash probe (+2 words per table entry in the code's size).
      this.code += C["aegis.dpf.probe"].instructions + 2 * g.children.size;
      this.emit(depth + 1, `c += ${lit(loadMask + C["aegis.dpf.probe"].instructions)}; h++;`);
      this.emit(depth + 1, `switch (${maskedExpr(base, g)}) {`);
      g.children.forEach((child, value) => {
        this.emit(depth + 2, `case ${key(value)}: {`);
        this.caseBody(child, base, shiftDepth, align, depth + 3);
        this.emit(depth + 2, "}");
      });
      this.emit(depth + 1, "}");
    }
    this.emit(depth, "}");
  }
}

/** Compiles the trie (and sets every node's acceptSlot). */
export function compileTrie(root: TrieNode): CompiledTrie {
  const g = new Generator();
  g.emit(0, '"use strict";');
  g.emit(0, `let c = ${lit(C["aegis.dpf.entry"].instructions)}, t = 0, h = 0, x = 0, r = -1;`);
  g.emit(0, "out: {");
  g.node(root, "s", 0, 4, 1);
  g.emit(1, `c += ${lit(C["aegis.dpf.reject"].instructions)};`);
  g.emit(0, "}");
  g.emit(0, "w[0] = c; w[1] = t; w[2] = h; w[3] = x;");
  g.emit(0, "return r;");
  let source = "";
  for (let i = 0; i < g.lines.length; i++) source += i === 0 ? g.lines[i]! : `\n${g.lines[i]!}`;
  const fn = new FunctionCtor("p", "s", "e", "w", source) as DemuxFn;
  const slotFilter = new Int32ArrayCtor(g.slots.length);
  for (let i = 0; i < g.slots.length; i++) slotFilter[i] = g.slots[i]!;
  return {
    fn,
    source,
    slotFilter,
    codeInstructions: g.code,
  };
}
