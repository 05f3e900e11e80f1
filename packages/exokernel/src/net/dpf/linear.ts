/**
 * The linear interpreter: every filter tried in turn, atom after atom, as BPF- and MPF-style
 * engines do (no merging). Kept beside the trie engines as a second reference and as the
 * classic interpreted classifier the benchmark compares against. The owner it finds is the
 * same as the trie's (filters of different owners are disjoint); the filter id may differ
 * when one owner's filters overlap (this engine takes the lowest id).
 */
import { NET_COSTS as C } from "../../costs.js";
import { ATOM_EQ, type CanonicalFilter } from "./atoms.js";
import { interpLoad } from "./cost-model.js";

// Module constants: the hot loop reads no imported binding (see interpret.ts).
const ENTRY = C["aegis.dpf.interp.entry"].instructions;
const RETURN = C["aegis.dpf.interp.return"].instructions;
const FILTER = C["aegis.dpf.linear.filter"].instructions;
const ATOM = C["aegis.dpf.interp.group"].instructions + C["aegis.dpf.bounds"].instructions;
const MASK = C["aegis.dpf.interp.mask"].instructions;
const COMPARE = C["aegis.dpf.interp.compare"].instructions;
const SHIFT = C["aegis.dpf.interp.shift"].instructions;
const LOAD1 = interpLoad(1);
const LOAD2 = interpLoad(2);
const LOAD4 = interpLoad(4);
const EQ = ATOM_EQ;

function field(p: Uint8Array, i: number, width: number): number {
  if (width === 1) return p[i]!;
  if (width === 2) return (p[i]! << 8) | p[i + 1]!;
  return ((p[i]! << 24) | (p[i + 1]! << 16) | (p[i + 2]! << 8) | p[i + 3]!) >>> 0;
}

export class LinearInterpreter {
  instructions = 0;
  /** Atoms (eq and shift) evaluated in the last run. */
  atoms = 0;

  /** The index in `filters` of the first filter accepting p[s..e), or -1. */
  run(filters: readonly CanonicalFilter[], p: Uint8Array, s: number, e: number): number {
    let c = ENTRY;
    let atoms = 0;
    let found = -1;
    for (let f = 0; f < filters.length && found < 0; f++) {
      c += FILTER;
      const steps = filters[f]!.steps;
      let b = s;
      let ok = true;
      for (let i = 0; i < steps.length; i++) {
        const a = steps[i]!;
        atoms++;
        c += ATOM;
        if (b + a.end > e) {
          ok = false;
          break;
        }
        const v = (field(p, b + a.offset, a.width) & a.mask) >>> 0;
        c += (a.width === 1 ? LOAD1 : a.width === 2 ? LOAD2 : LOAD4) + MASK;
        if (a.kind === EQ) {
          c += COMPARE;
          if (v !== a.value) {
            ok = false;
            break;
          }
        } else {
          c += SHIFT;
          b += v << a.scale;
        }
      }
      if (ok) found = f;
    }
    this.instructions = c + RETURN;
    this.atoms = atoms;
    return found;
  }
}
