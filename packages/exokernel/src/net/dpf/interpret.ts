/**
 * The reference engine: an interpreter walking the same trie the compiler compiles, in the
 * same order (groups in order, depth first, a node's own filters after its groups), counting
 * the same structural work (tests, disjunctions, shifts) and its own simulated instructions (see
 * cost-model.ts: it pays for reading each group's descriptor, dispatching, reading fields byte
 * by byte and keeping a backtrack stack, which the generated code does not need).
 */
import { NET_COSTS as C } from "../../costs.js";
import { interpLoad } from "./cost-model.js";
import { GROUP_TEST, type Group, type TrieNode } from "./trie.js";

// Costs and kinds copied into module constants: the hot loop reads no imported binding (a
// transpiled import can be a getter call per read).
const ENTRY = C["aegis.dpf.interp.entry"].instructions;
const RETURN = C["aegis.dpf.interp.return"].instructions;
const NEXT = C["aegis.dpf.interp.next"].instructions;
const ACCEPT = C["aegis.dpf.interp.accept"].instructions;
const GROUP = C["aegis.dpf.interp.group"].instructions + C["aegis.dpf.bounds"].instructions;
const MASK = C["aegis.dpf.interp.mask"].instructions;
const COMPARE = C["aegis.dpf.interp.compare"].instructions;
const PROBE = C["aegis.dpf.probe"].instructions;
const SHIFT = C["aegis.dpf.interp.shift"].instructions;
const DESCEND = C["aegis.dpf.interp.descend"].instructions;
const BACKTRACK = C["aegis.dpf.interp.backtrack"].instructions;
const LOAD1 = interpLoad(1);
const LOAD2 = interpLoad(2);
const LOAD4 = interpLoad(4);
const TEST = GROUP_TEST;

/** Reads a `width`-byte field at index `i` in network order (unsigned). */
function field(p: Uint8Array, i: number, width: number): number {
  if (width === 1) return p[i]!;
  if (width === 2) return (p[i]! << 8) | p[i + 1]!;
  return ((p[i]! << 24) | (p[i + 1]! << 16) | (p[i + 2]! << 8) | p[i + 3]!) >>> 0;
}

export class TrieInterpreter {
  /** Simulated instructions, test groups, disjunctions, shifts of the last run. */
  instructions = 0;
  tests = 0;
  disjunctions = 0;
  shifts = 0;

  /** Classifies p[s..e): the matching node's acceptSlot, or -1. */
  run(root: TrieNode, p: Uint8Array, s: number, e: number): number {
    this.instructions = ENTRY;
    this.tests = 0;
    this.disjunctions = 0;
    this.shifts = 0;
    const r = this.node(root, p, s, e);
    this.instructions += RETURN;
    return r;
  }

  private node(n: TrieNode, p: Uint8Array, b: number, e: number): number {
    const groups = n.groups;
    for (let i = 0; i < groups.length; i++) {
      const r = this.group(groups[i]!, p, b, e);
      if (r >= 0) return r;
      this.instructions += NEXT;
    }
    this.instructions += ACCEPT;
    return n.acceptSlot;
  }

  private group(g: Group, p: Uint8Array, b: number, e: number): number {
    this.instructions += GROUP;
    let child: TrieNode | null | undefined;
    let base = b;
    if (g.kind === TEST) {
      this.tests++;
      if (b + g.end > e) return -1;
      const v = (field(p, b + g.offset, g.width) & g.mask) >>> 0;
      this.instructions += (g.width === 1 ? LOAD1 : g.width === 2 ? LOAD2 : LOAD4) + MASK;
      if (g.soleChild !== null) {
        this.instructions += COMPARE;
        child = v === g.soleValue ? g.soleChild : null;
      } else {
        this.disjunctions++;
        this.instructions += PROBE;
        child = g.children.get(v);
      }
    } else {
      this.shifts++;
      if (b + g.end > e) return -1;
      const v = field(p, b + g.offset, g.width) & g.mask;
      this.instructions += (g.width === 1 ? LOAD1 : g.width === 2 ? LOAD2 : LOAD4) + MASK + SHIFT;
      base = b + (v << g.scale);
      child = g.child;
    }
    if (child === null || child === undefined) return -1;
    this.instructions += DESCEND;
    const r = this.node(child, p, base, e);
    if (r < 0) this.instructions += BACKTRACK;
    return r;
  }
}
