/**
 * Hostile filters: every malformed shape is refused with Invalid (or the documented code),
 * no getter, valueOf or toString is ever run, a Proxy's traps run at most once per field, and
 * nothing in the engine changes.
 */
import { describe, expect, it } from "vitest";
import { Result } from "../../result.js";
import { DPF_LIMITS, encodeFilter, eq, shift } from "./atoms.js";
import { PacketFilterEngine } from "./engine.js";
import { ipFilter, PROTO_TCP } from "./examples.js";

function engineWithOne(): PacketFilterEngine {
  const e = new PacketFilterEngine();
  e.insert(1, ipFilter({ proto: PROTO_TCP, dstPort: 80 }));
  return e;
}

function state(e: PacketFilterEngine) {
  return { source: e.source, filters: e.filters(), next: e.nextId, size: e.size };
}

/** Objects whose every coercion or getter records that it ran. */
function traps() {
  const ran: string[] = [];
  const hostileNumber = {
    valueOf() {
      ran.push("valueOf");
      return 12;
    },
    toString() {
      ran.push("toString");
      return "12";
    },
    [Symbol.toPrimitive]() {
      ran.push("toPrimitive");
      return 12;
    },
  };
  const withGetter = (field: string) => {
    const a: Record<string, unknown> = { op: "eq", offset: 12, width: 2, mask: 0xffff, value: 1 };
    Object.defineProperty(a, field, {
      get() {
        ran.push(`get ${field}`);
        return field === "op" ? "eq" : 1;
      },
      enumerable: true,
    });
    return a;
  };
  return { ran, hostileNumber, withGetter };
}

const good = { op: "eq", offset: 12, width: 2, mask: 0xffff, value: 0x0800 } as const;

describe("DPF: hostile filters are refused and change nothing", () => {
  it("refuses ill-typed and out-of-range fields without coercing", () => {
    const e = engineWithOne();
    const before = state(e);
    const { ran, hostileNumber, withGetter } = traps();
    const bad: unknown[] = [
      undefined,
      null,
      42,
      "eq 12 2 0x800",
      {},
      { length: 1, 0: good }, // array-like, not an array
      [],
      [undefined],
      [null],
      ["eq"],
      [{ ...good, op: "EQ" }],
      [{ ...good, op: 0 }],
      [{ ...good, offset: "12" }],
      [{ ...good, offset: hostileNumber }],
      [{ ...good, offset: Number.NaN }],
      [{ ...good, offset: 2 ** 53 }],
      [{ ...good, offset: -1 }],
      [{ ...good, offset: 1.5 }],
      [{ ...good, offset: DPF_LIMITS.maxOffset + 1 }],
      [{ ...good, offset: Number.POSITIVE_INFINITY }],
      [{ ...good, offset: 12n }],
      [{ ...good, offset: Symbol("x") }],
      [{ ...good, width: 3 }],
      [{ ...good, width: "2" }],
      [{ ...good, width: hostileNumber }],
      [{ ...good, mask: 0 }],
      [{ ...good, mask: 0x10000 }],
      [{ ...good, mask: hostileNumber }],
      [{ ...good, value: 0x10000 }],
      [{ ...good, value: -1 }],
      [{ ...good, value: hostileNumber }],
      [{ ...good, value: 0x0801, mask: 0xff00 }], // a bit outside the mask
      [{ op: "eq", offset: 12, width: 2, mask: 0xffff }], // no value
      [{ op: "shift", offset: 14, width: 1, mask: 0x0f }], // no scale
      [{ op: "shift", offset: 14, width: 1, mask: 0x0f, scale: 8 }],
      [{ op: "shift", offset: 14, width: 2, mask: 0xffff, scale: 1 }], // adds up to 2^17
      [{ op: "shift", offset: 14, width: 1, mask: 0x0f, scale: hostileNumber }],
      [eq(12, 2, 0x0800), eq(12, 2, 0x0806)], // contradiction
      [eq(12, 2, 0x0800), eq(13, 1, 0x01)], // overlapping fields that disagree
      [withGetter("offset")],
      [withGetter("value")],
      [withGetter("op")],
      Array.from({ length: DPF_LIMITS.maxAtoms + 1 }, (_, i) => eq(i, 1, 0)),
      Array.from({ length: DPF_LIMITS.maxShifts + 1 }, () => shift(0, 1, 1, 0)),
    ];
    // An atom whose fields are inherited (a prototype with the fields), and an array with a
    // getter at an index.
    bad.push([Object.create(good)]);
    const getterArray: unknown[] = [];
    Object.defineProperty(getterArray, 0, {
      get() {
        ran.push("get [0]");
        return good;
      },
      enumerable: true,
    });
    bad.push(getterArray);
    for (const [i, f] of bad.entries()) {
      expect(e.insert(2, f), `case ${i}`).toBe(Result.Invalid);
      expect(e.lastRefusal.length).toBeGreaterThan(5);
    }
    expect(ran).toEqual([]);
    expect(state(e)).toEqual(before);
  });

  it("reads each field of a Proxy atom at most once; throwing or revoked proxies give Invalid", () => {
    const e = engineWithOne();
    const before = state(e);
    const reads = new Map<PropertyKey, number>();
    let flip = 0;
    const handler: ProxyHandler<Record<string, unknown>> = {
      getOwnPropertyDescriptor(target, key) {
        reads.set(key, (reads.get(key) ?? 0) + 1);
        // A hostile trap answers differently each time: the engine must not ask twice.
        if (key === "value") {
          flip++;
          return {
            value: flip === 1 ? 0x0806 : 0x0800,
            writable: true,
            enumerable: true,
            configurable: true,
          };
        }
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      get() {
        throw new Error("the engine must not use [[Get]] on an atom");
      },
    };
    const atom = new Proxy({ ...good, value: 0 }, handler);
    const id = e.insert(2, [atom]);
    expect(id).toBeGreaterThanOrEqual(0);
    for (const n of reads.values()) expect(n).toBe(1);
    // The value read once (0x0806, ARP) is the one installed.
    expect(e.filters().at(-1)!.atoms[0]).toMatchObject({ offset: 12, value: 0x0806 });
    e.delete(2, id);
    expect(state(e)).toEqual({ ...before, next: before.next + 1 });

    const after = state(e);
    const throwing = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error("boom");
        },
      },
    );
    expect(e.insert(2, [throwing])).toBe(Result.Invalid);
    expect(e.insert(2, throwing)).toBe(Result.Invalid);
    const { proxy, revoke } = Proxy.revocable([good], {});
    revoke();
    expect(e.insert(2, proxy)).toBe(Result.Invalid);
    expect(e.lastRefusal).toMatch(/threw/);
    expect(state(e)).toEqual(after);
  });

  it("the word form: only a genuine Uint32Array, its intrinsic length, the same checks", () => {
    const e = engineWithOne();
    const before = state(e);
    const words = encodeFilter([eq(12, 2, 0x0806)]);
    const ran: string[] = [];
    Object.defineProperty(words, "length", {
      get() {
        ran.push("length");
        return 1000;
      },
    });
    const proxy = new Proxy(encodeFilter([eq(12, 2, 0x0806)]), {});
    const bad: [unknown, unknown][] = [
      [Int32Array.from(words), 1],
      [Array.from(words), 1],
      [proxy, 1],
      [{ length: 5 }, 1],
      [words, 2], // longer than the array
      [words, -1],
      [words, 1.5],
      [words, "1"],
      [words, DPF_LIMITS.maxAtoms + 1],
      [words, 0],
      [Uint32Array.of(2, 12, 2, 0xffff, 1), 1], // op 2
      [Uint32Array.of(0, 12, 3, 0xff, 1), 1], // width 3
      [Uint32Array.of(0, 4096, 1, 0xff, 1), 1], // offset
      [Uint32Array.of(0, 12, 1, 0xff, 0x100), 1], // value
      [Uint32Array.of(1, 14, 1, 0x0f, 9), 1], // scale
    ];
    for (const [w, n] of bad) expect(e.insertWords(2, w, n)).toBe(Result.Invalid);
    expect(ran).toEqual([]);
    expect(state(e)).toEqual(before);
    // The genuine article works, and reads through the intrinsic length.
    expect(e.insertWords(2, words, 1)).toBeGreaterThanOrEqual(0);
    expect(ran).toEqual([]);
  });

  it("a word-form filter and its object form install the same filter", () => {
    const spec = ipFilter({ proto: PROTO_TCP, dstPort: 443, dstIp: 0xc0a80001 });
    const a = new PacketFilterEngine();
    const b = new PacketFilterEngine();
    a.insert(1, spec);
    b.insertWords(1, encodeFilter(spec), spec.length);
    expect(b.source).toBe(a.source);
    expect(b.filters()).toEqual(a.filters());
  });
});
