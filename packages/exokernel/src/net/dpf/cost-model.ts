/**
 * The simulated instruction counts of one trie step, for each engine.
 *
 * Compiled: what our generator's code would be as MIPS R3000 code (as DPF generated it with
 * VCODE). Everything the compiler knows is folded in at compile time:
 * - a field whose alignment is known (the receive buffer is word aligned, and a shift with
 *   scale >= 2 keeps a word alignment) is one lbu/lhu/lw; otherwise the ulhu macro (4) or
 *   lwl+lwr (2);
 * - the R3000 of a DECstation is little-endian: a field loaded with lhu/lw/lwl+lwr is in host
 *   order, so the compiler byte-swaps the MASK and VALUE instead of the data (no cost at run
 *   time); the sizes of the swapped constants decide andi vs lui+ori+and and xori vs lui+ori;
 * - a full mask costs nothing; a disjunction (a group with two or more values) costs one hash
 *   probe instead of a compare.
 * A shift needs the field's numeric value, so it composes the field from bytes in network
 * order (1, 4 or 10 instructions) before masking, shifting and adding.
 *
 * Interpreted: what an interpreter walking the same trie does per group (load the group's
 * descriptor, dispatch, read the field byte by byte, compare or probe, push/pop the backtrack
 * stack). It knows nothing at compile time, so every step pays the general path.
 */
import { NET_COSTS as C } from "../../costs.js";
import { MathMin } from "../../intrinsics.js";
import { fullMask } from "./atoms.js";

function swap(width: number, x: number): number {
  if (width === 2) return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
  if (width === 4) {
    return (
      (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff)) >>> 0
    );
  }
  return x;
}

/** Is the field at base+offset naturally aligned, given the base's known alignment? */
export function isAligned(width: number, offset: number, baseAlign: number): boolean {
  return width === 1 || (baseAlign >= width && offset % width === 0);
}

/** The base's alignment after a shift of `scale` (the added amount is a multiple of 2^scale). */
export function alignAfterShift(baseAlign: number, scale: number): number {
  return MathMin(baseAlign, 2 ** MathMin(scale, 2));
}

interface LoadShape {
  readonly instructions: number;
  /** The loaded value is in host (little-endian) byte order. */
  readonly hostOrder: boolean;
}

function compiledLoad(width: number, aligned: boolean): LoadShape {
  if (width === 1)
    return { instructions: C["aegis.dpf.load.aligned"].instructions, hostOrder: false };
  if (aligned) return { instructions: C["aegis.dpf.load.aligned"].instructions, hostOrder: true };
  if (width === 2)
    return { instructions: C["aegis.dpf.load.unalignedHalf"].instructions, hostOrder: false };
  return { instructions: C["aegis.dpf.load.unalignedWord"].instructions, hostOrder: true };
}

function maskCost(width: number, mask: number, hostOrder: boolean): number {
  if (mask === fullMask(width)) return 0;
  const m = hostOrder ? swap(width, mask) : mask;
  return m <= 0xffff ? C["aegis.dpf.mask"].instructions : C["aegis.dpf.mask.wide"].instructions;
}

function compareCost(width: number, value: number, hostOrder: boolean): number {
  const v = hostOrder ? swap(width, value) : value;
  if (v === 0) return C["aegis.dpf.compare.zero"].instructions;
  return v <= 0xffff
    ? C["aegis.dpf.compare"].instructions
    : C["aegis.dpf.compare.wide"].instructions;
}

/** Compiled: the instructions of a test's load and mask (after its bounds check). */
export function compiledTestLoadMask(
  width: number,
  offset: number,
  mask: number,
  baseAlign: number,
): number {
  const load = compiledLoad(width, isAligned(width, offset, baseAlign));
  return load.instructions + maskCost(width, mask, load.hostOrder);
}

/** Compiled: the compare of a single-value test against `value`. */
export function compiledCompare(
  width: number,
  offset: number,
  value: number,
  baseAlign: number,
): number {
  const load = compiledLoad(width, isAligned(width, offset, baseAlign));
  return compareCost(width, value, load.hostOrder);
}

/** Compiled: a shift's load (network order, from bytes), mask, sll and addu. */
export function compiledShift(width: number, mask: number): number {
  const load =
    width === 1
      ? C["aegis.dpf.load.aligned"].instructions
      : width === 2
        ? C["aegis.dpf.load.unalignedHalf"].instructions
        : C["aegis.dpf.load.wordBytes"].instructions;
  return load + maskCost(width, mask, false) + C["aegis.dpf.shift"].instructions;
}

/** Interpreted: reading a field of `width` bytes in network order. */
export function interpLoad(width: number): number {
  return width === 1
    ? C["aegis.dpf.interp.load1"].instructions
    : width === 2
      ? C["aegis.dpf.interp.load2"].instructions
      : C["aegis.dpf.interp.load4"].instructions;
}
