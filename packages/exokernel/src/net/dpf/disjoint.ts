/**
 * When does a filter claim packets another owner's filter already claims?
 *
 * Two filters CONFLICT unless they are PROVABLY DISJOINT by this rule: for some k, both
 * filters have a segment k, their first k shifts are identical (same offset, width, mask and
 * scale, in the same order), and the two segments constrain some byte at the same offset to
 * different values on a bit both test: `((valueA ^ valueB) & maskA & maskB) !== 0`.
 *
 * Soundness (no packet can match two disjoint filters): identical shifts read the same bytes
 * of the same packet and produce the same base, so byte `o` of segment k is the same packet
 * byte in both filters; a packet matching both would have to hold two different values in
 * one bit. The rule is deliberately incomplete: filters it cannot prove disjoint are treated as
 * overlapping, and the second owner is refused (Busy), even when some reasoning about lengths
 * or different header layouts would show that they never meet. Refusing too much is safe;
 * delivering one packet to two owners is not.
 *
 * Filters of the SAME owner may overlap freely (the demultiplexer then names the most specific
 * match in trie order; the owner is the same either way).
 */
import { MathMin } from "../../intrinsics.js";
import type { ByteConstraints, CanonicalFilter, Shift } from "./atoms.js";

/** Counted work of a disjointness check (see NET_COSTS["aegis.dpf.insert.byte"]). */
export interface DisjointWork {
  /** Steps of the merge of two sorted byte-constraint lists. */
  bytes: number;
}

function sameShift(a: Shift, b: Shift): boolean {
  return a.offset === b.offset && a.width === b.width && a.mask === b.mask && a.scale === b.scale;
}

/** True if two segments constrain one byte to different values (a merge of sorted lists). */
function segmentsConflict(a: ByteConstraints, b: ByteConstraints, work: DisjointWork): boolean {
  let i = 0;
  let j = 0;
  while (i < a.offsets.length && j < b.offsets.length) {
    work.bytes++;
    const oa = a.offsets[i]!;
    const ob = b.offsets[j]!;
    if (oa < ob) i++;
    else if (ob < oa) j++;
    else {
      if (((a.values[i]! ^ b.values[j]!) & a.masks[i]! & b.masks[j]!) !== 0) return true;
      i++;
      j++;
    }
  }
  return false;
}

/** True if no packet can match both filters (by the rule above). */
export function provablyDisjoint(
  a: CanonicalFilter,
  b: CanonicalFilter,
  work: DisjointWork,
): boolean {
  const k = MathMin(a.segments.length, b.segments.length);
  for (let s = 0; s < k; s++) {
    // Segment s is comparable only if shifts 0..s-1 are identical.
    if (s > 0 && !sameShift(a.shifts[s - 1]!, b.shifts[s - 1]!)) return false;
    if (segmentsConflict(a.segments[s]!, b.segments[s]!, work)) return true;
  }
  return false;
}
