/**
 * DPF properties (fast-check), against an independent, obviously correct model:
 * - a list of the filters the engine accepted (owner and the atoms as the test wrote them),
 *   and an evaluator that reads each atom in the order written, composing fields by
 *   multiplication and masking with BigInt (nothing shared with the engine's code);
 * - after every insert or delete, random packets and WITNESS packets (built to satisfy a
 *   given filter) are classified by the compiled demultiplexer, the trie interpreter and the
 *   linear interpreter: all three agree, the two trie engines also on the filter and the
 *   structural work; no packet is ever matched by filters of two owners; a packet goes to the
 *   owner whose filter accepts it and to nobody when none does;
 * - an insert whose filter accepts a packet another owner's live filter accepts is refused
 *   (Busy), and a refused insert changes nothing;
 * - the share of successful inserts stays above a floor, so an engine that refuses
 *   everything fails.
 * FC_NUM_RUNS (default 60 sequences), FC_SEED to replay; fast-check prints seed and path.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Result } from "../../result.js";
import { type AtomSpec, DPF_LIMITS, fullMask } from "./atoms.js";
import { NO_OWNER, PacketFilterEngine } from "./engine.js";

const numRuns = Number(process.env.FC_NUM_RUNS ?? (process.env.FC_LONG === "1" ? 1000 : 60));
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const BUFFER_BYTES = 320;

// ---- the independent model -------------------------------------------------------------

/** Field value in network order, composed by multiplication (no shifts, no int32). */
function readField(p: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + p[at + i]!;
  return v;
}

function and(a: number, b: number): number {
  return Number(BigInt(a) & BigInt(b));
}

/** Does `spec` (atoms in the order written) accept the first `length` bytes of p? */
function accepts(spec: readonly AtomSpec[], p: Uint8Array, length: number): boolean {
  let base = 0;
  for (const a of spec) {
    const at = base + a.offset;
    if (at + a.width > length) return false;
    const v = and(readField(p, at, a.width), a.mask);
    if (a.op === "eq") {
      if (v !== a.value) return false;
    } else {
      base += v * 2 ** a.scale;
    }
  }
  return true;
}

/** Builds a packet meant to satisfy `spec` from `fill` (later atoms may undo earlier ones). */
function witness(
  spec: readonly AtomSpec[],
  fill: Uint8Array,
): { p: Uint8Array; length: number } | null {
  const p = fill.slice();
  let base = 0;
  let end = 0;
  for (const a of spec) {
    const at = base + a.offset;
    if (at + a.width > BUFFER_BYTES) return null;
    end = Math.max(end, at + a.width);
    if (a.op === "eq") {
      for (let i = 0; i < a.width; i++) {
        const sh = 8 * (a.width - 1 - i);
        const m = Number((BigInt(a.mask) >> BigInt(sh)) & 0xffn);
        const v = Number((BigInt(a.value) >> BigInt(sh)) & 0xffn);
        p[at + i] = (p[at + i]! & ~m) | v;
      }
    } else {
      base += and(readField(p, at, a.width), a.mask) * 2 ** a.scale;
    }
  }
  return { p, length: Math.min(BUFFER_BYTES, end + (fill[0]! % 4)) };
}

/** Is the spec malformed by the language's rules (checked independently of the parser)? */
function malformed(spec: readonly AtomSpec[]): boolean {
  const shifts = spec.filter((a) => a.op === "shift").length;
  if (shifts > DPF_LIMITS.maxShifts) return true;
  // Two eq atoms of one segment that disagree on a bit of one byte.
  let segment = 0;
  const bytes = new Map<string, [number, number]>();
  for (const a of spec) {
    if (a.op === "shift") {
      segment++;
      continue;
    }
    for (let i = 0; i < a.width; i++) {
      const sh = 8 * (a.width - 1 - i);
      const m = Number((BigInt(a.mask) >> BigInt(sh)) & 0xffn);
      const v = Number((BigInt(a.value) >> BigInt(sh)) & 0xffn);
      const key = `${segment}:${a.offset + i}`;
      const prev = bytes.get(key);
      if (prev !== undefined && ((prev[1] ^ v) & prev[0] & m) !== 0) return true;
      bytes.set(key, prev === undefined ? [m, v] : [prev[0] | m, prev[1] | v]);
    }
  }
  return false;
}

interface ModelFilter {
  readonly id: number;
  readonly owner: number;
  readonly spec: readonly AtomSpec[];
}

// ---- generators ---------------------------------------------------------------------------

const widthArb = fc.constantFrom(1 as const, 2 as const, 4 as const);

/** Masks that overlap in interesting ways, and random ones. */
function maskArb(width: 1 | 2 | 4): fc.Arbitrary<number> {
  const full = fullMask(width);
  const shaped =
    width === 1 ? [0x0f, 0xf0] : width === 2 ? [0x00ff, 0xff00, 0x0ff0] : [0xffff0000, 0x000000ff];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(full) },
    { weight: 2, arbitrary: fc.constantFrom(...shaped) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: full }) },
  );
}

/** Few values, so that different owners often want the same or overlapping packets. */
const rawValueArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, 1, 2, 0x45, 0x0800, 0xffffffff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
);

const eqArb: fc.Arbitrary<AtomSpec> = widthArb.chain((width) =>
  fc
    .record({ offset: fc.integer({ min: 0, max: 24 }), mask: maskArb(width), raw: rawValueArb })
    .map(({ offset, mask, raw }) => ({
      op: "eq" as const,
      offset,
      width,
      mask,
      value: and(raw, and(mask, fullMask(width))),
    })),
);

const shiftArb: fc.Arbitrary<AtomSpec> = fc.record({
  op: fc.constant("shift" as const),
  offset: fc.integer({ min: 0, max: 16 }),
  width: fc.constantFrom(1 as const, 2 as const),
  mask: fc.constantFrom(0x03, 0x07, 0x0f),
  scale: fc.integer({ min: 0, max: 2 }),
});

const specArb = fc.array(
  fc.oneof({ weight: 5, arbitrary: eqArb }, { weight: 1, arbitrary: shiftArb }),
  { minLength: 1, maxLength: 6 },
);

const byteArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 0x08, 0x45, 0xff) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const fillArb = fc.uint8Array({ minLength: BUFFER_BYTES, maxLength: BUFFER_BYTES }).chain((u) =>
  fc.array(byteArb, { minLength: 48, maxLength: 48 }).map((head) => {
    u.set(head);
    return u;
  }),
);

type Command =
  | { kind: "insert"; owner: number; spec: readonly AtomSpec[]; fill: Uint8Array }
  | { kind: "delete"; owner: number; pick: number }
  | { kind: "deleteOwner"; owner: number };

const ownerArb = fc.integer({ min: 0, max: 3 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("insert" as const),
      owner: ownerArb,
      spec: specArb,
      fill: fillArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      owner: ownerArb,
      pick: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("deleteOwner" as const), owner: ownerArb }),
  },
);

// ---- the checks -----------------------------------------------------------------------------

const stats = { inserts: 0, accepted: 0, busy: 0, invalid: 0, matched: 0, packets: 0 };

function checkPacket(
  e: PacketFilterEngine,
  model: readonly ModelFilter[],
  p: Uint8Array,
  length: number,
): void {
  stats.packets++;
  const owners = new Set(model.filter((f) => accepts(f.spec, p, length)).map((f) => f.owner));
  expect(owners.size, "two owners match one packet").toBeLessThanOrEqual(1);
  const expected = owners.size === 0 ? NO_OWNER : [...owners][0]!;
  const owner = e.demux(p, length);
  const id = e.lastFilter;
  const cw = { ...e.work };
  expect(owner).toBe(expected);
  expect(e.interpret(p, length)).toBe(owner);
  expect(e.lastFilter).toBe(id);
  const iw = { ...e.work };
  expect([iw.tests, iw.disjunctions, iw.shifts]).toEqual([cw.tests, cw.disjunctions, cw.shifts]);
  expect(cw.instructions).toBeLessThan(iw.instructions);
  expect(e.linear(p, length)).toBe(owner);
  if (owner !== NO_OWNER) {
    stats.matched++;
    const f = model.find((m) => m.id === id);
    expect(f?.owner).toBe(owner);
    expect(accepts(f!.spec, p, length)).toBe(true);
  }
}

function snapshot(e: PacketFilterEngine) {
  return { source: e.source, filters: e.filters(), next: e.nextId };
}

function runSequence(commands: readonly Command[], packets: readonly Uint8Array[]): void {
  const e = new PacketFilterEngine();
  let model: ModelFilter[] = [];
  for (const c of commands) {
    const before = snapshot(e);
    if (c.kind === "insert") {
      stats.inserts++;
      const w = witness(c.spec, c.fill);
      const claimed =
        w !== null &&
        accepts(c.spec, w.p, w.length) &&
        model.some((f) => f.owner !== c.owner && accepts(f.spec, w.p, w.length));
      const r = e.insert(c.owner, c.spec);
      if (r >= 0) {
        stats.accepted++;
        expect(claimed, "an insert took packets another owner claims").toBe(false);
        expect(malformed(c.spec)).toBe(false);
        model.push({ id: r, owner: c.owner, spec: c.spec });
      } else {
        expect([Result.Busy, Result.Invalid]).toContain(r);
        if (r === Result.Busy) stats.busy++;
        else {
          stats.invalid++;
          expect(malformed(c.spec), e.lastRefusal).toBe(true);
        }
        expect(snapshot(e)).toEqual(before);
      }
      if (w !== null) checkPacket(e, model, w.p, w.length);
    } else if (c.kind === "delete") {
      const mine = model.filter((f) => f.owner === c.owner);
      const target = mine.length > 0 ? mine[c.pick % mine.length]! : null;
      if (target === null) {
        const other = model[c.pick % Math.max(1, model.length)];
        if (other !== undefined) {
          expect(e.delete(c.owner, other.id)).toBe(Result.NotOwner);
          expect(snapshot(e)).toEqual(before);
        }
      } else {
        expect(e.delete(c.owner, target.id)).toBe(Result.Ok);
        model = model.filter((f) => f !== target);
        expect(e.delete(c.owner, target.id)).toBe(Result.Stale);
      }
    } else {
      const n = model.filter((f) => f.owner === c.owner).length;
      expect(e.deleteOwner(c.owner)).toBe(n);
      model = model.filter((f) => f.owner !== c.owner);
    }
    expect(e.filters().map((f) => [f.id, f.owner])).toEqual(model.map((f) => [f.id, f.owner]));
    // Random packets, and a witness of every live filter.
    for (const p of packets) checkPacket(e, model, p, p[0]! % (BUFFER_BYTES + 1));
    for (const f of model) {
      const w = witness(f.spec, packets[f.id % packets.length]!);
      if (w !== null) checkPacket(e, model, w.p, w.length);
    }
  }
}

describe("DPF properties", () => {
  it("compiled, trie-interpreted and linear engines agree with the model; no packet reaches two owners", () => {
    fc.assert(
      fc.property(
        fc.array(commandArb, { minLength: 1, maxLength: 30 }),
        fc.array(fillArb, { minLength: 4, maxLength: 4 }),
        (commands, packets) => runSequence(commands, packets),
      ),
      { numRuns, seed },
    );
    console.log("dpf property:", JSON.stringify(stats));
    // An engine that refused everything (or accepted everything) would not pass.
    expect(stats.accepted / stats.inserts).toBeGreaterThan(0.3);
    expect(stats.busy).toBeGreaterThan(0);
    expect(stats.invalid).toBeGreaterThan(0);
    expect(stats.matched / stats.packets).toBeGreaterThan(0.1);
  });

  it("any value at all as a filter: refused with nothing changed, or a valid filter", () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withTypedArray: true, withSparseArray: true }),
        (junk) => {
          const e = new PacketFilterEngine();
          e.insert(1, [{ op: "eq", offset: 12, width: 2, mask: 0xffff, value: 0x0800 }]);
          const before = snapshot(e);
          const r = e.insert(2, junk);
          if (r < 0) expect(snapshot(e)).toEqual(before);
          else expect(e.size).toBe(2);
        },
      ),
      { numRuns: numRuns * 5, seed },
    );
  });
});
