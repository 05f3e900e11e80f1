/**
 * The untrusted-input readers under a patched realm: an indexed accessor planted on
 * Array.prototype is reached by a write to a hole of an ordinary array (and by a read of
 * one), so a copy made as `new Array(n)` then `out[i] = v` hands every element to the
 * planted setter and reads back whatever its getter says. `ownArray` copies into a
 * null-prototype list instead.
 */
import { describe, expect, it } from "vitest";
import { verifyAsh } from "./ash/verify.js";
import { eq } from "./dpf/atoms.js";
import { PacketFilterEngine } from "./dpf/engine.js";
import { ownArray } from "./untrusted.js";

const PLANTED = 8;

/** Plants getters and setters at indices 0..7 of Array.prototype; returns the undo. */
function plantIndexedAccessors(ran: { count: number }, forged: unknown): () => void {
  for (let i = 0; i < PLANTED; i++) {
    Object.defineProperty(Array.prototype, i, {
      configurable: true,
      get() {
        ran.count++;
        return forged;
      },
      set() {
        ran.count++; // swallows the value
      },
    });
  }
  return () => {
    for (let i = 0; i < PLANTED; i++)
      delete (Array.prototype as unknown as Record<number, unknown>)[i];
  };
}

describe("ownArray under planted indexed accessors", () => {
  it("copies the elements without running an accessor, so the parsers see what was given", () => {
    const atoms = [eq(12, 2, 0x0800), eq(23, 1, 17)];
    const program = [
      ["li", 1, 2],
      ["ret", 1],
    ];
    const clean = new PacketFilterEngine();
    clean.insert(1, atoms);
    const cleanAsh = verifyAsh(program);
    const ran = { count: 0 };
    // A forged atom and a forged instruction: what a planted getter would answer.
    const forged = { op: "eq", offset: 0, width: 1, mask: 0xff, value: 0x42 };
    const e = new PacketFilterEngine();
    let copy: readonly unknown[] | symbol = [];
    let inserted = -1;
    let verified: ReturnType<typeof verifyAsh> | undefined;
    const undo = plantIndexedAccessors(ran, forged);
    try {
      copy = ownArray(atoms, 4);
      inserted = e.insert(1, atoms);
      verified = verifyAsh(program);
    } finally {
      undo();
    }
    expect(ran.count).toBe(0);
    expect(typeof copy).toBe("object");
    const list = copy as readonly unknown[];
    expect([list.length, list[0], list[1]]).toEqual([2, atoms[0], atoms[1]]);
    expect(inserted).toBe(0);
    expect(e.filters()).toEqual(clean.filters());
    expect(e.source).toBe(clean.source);
    expect(verified?.ok).toBe(true);
    expect(cleanAsh.ok).toBe(true);
    if (verified?.ok === true && cleanAsh.ok) {
      expect(Array.from(verified.ash.code)).toEqual(Array.from(cleanAsh.ash.code));
    }
  });
});
