import { attributionBetween } from "@exolab/machine/privileged";
import { describe, expect, it } from "vitest";
import {
  BATCH_ENTRY_STRIDE,
  batchCodeOf,
  batchEntryOf,
  batchEntryResult,
  describeResult,
  Result,
  Rights,
  resultName,
} from "../index.js";
import { Aegis } from "../kernel.js";
import {
  counted,
  envWithSaveArea,
  type Hosted,
  hostedEnv,
  hostileValues,
  SAVE_VA,
} from "../test-util.js";

const VA = 0x10000;
const PAGE = 4096;
const RW = Rights.Read | Rights.Write;

/** Machine state a refused call must leave unchanged (frame table, STLB, TLB, env records). */
function state(aegis: Aegis, ...envs: { id: number }[]) {
  return JSON.stringify({
    owners: Array.from(aegis.frameOwners()),
    stlb: aegis.stlbEntries(),
    envs: envs.map((e) => aegis.inspect(e.id)),
    tlb: Array.from(aegis.machine.tlb.lo),
    hi: Array.from(aegis.machine.tlb.hi),
  });
}

function world(policy = {}) {
  const aegis = new Aegis(counted({ policy }));
  const env = envWithSaveArea(aegis, "a");
  const other = hostedEnv(aegis, "b");
  const caps = Array.from({ length: 6 }, () => env.allocFrame());
  return { aegis, env, other, caps };
}

/** A flat vector binding pages VA, VA+1 page, … to `caps` with `rights`. */
function vector(caps: number[], rights: number, from = 0): number[] {
  return caps.flatMap((c, i) => [VA + (from + i) * PAGE, c, rights]);
}

function cycles(aegis: Aegis, fn: () => unknown): number {
  const before = aegis.snapshot();
  fn();
  return attributionBetween(aegis.machine.accounting, before, aegis.snapshot()).totalCycles;
}

describe("bindBatch binds, rebinds and unbinds many pages in one crossing", () => {
  it("writable, read-only and removed bindings take effect, in the TLB and the STLB", () => {
    const { aegis, env, caps } = world();
    const syscalls = aegis.stats.syscalls;
    expect(env.bindBatch(vector(caps.slice(0, 4), RW))).toBe(Result.Ok);
    expect(aegis.stats.syscalls).toBe(syscalls + 1);
    for (let i = 0; i < 4; i++) env.cpu.store32(VA + i * PAGE, 100 + i);
    // Page 1 read-only, page 2 removed, page 3 untouched (not in the vector).
    expect(
      env.bindBatch([VA, caps[0]!, RW, VA + PAGE, caps[1]!, Rights.Read, VA + 2 * PAGE, 0, 0]),
    ).toBe(Result.Ok);
    const maps = aegis.inspect(env.id).mappings.map((m) => [m.vpn, m.writable]);
    expect(maps.sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
      [0x10, true],
      [0x11, false],
      [0x13, true],
      [SAVE_VA >>> 12, true],
    ]);
    expect(aegis.machine.tlb.probe(0x12, env.asid)).toBe(-1);
    expect(aegis.peekStlb(0x12, env.asid)).toBe(-1);
    expect(aegis.peekStlb(0x11, env.asid)).not.toBe(-1);
    expect(env.cpu.load32(VA + PAGE)).toBe(101);
    expect(env.cpu.load32(VA + 3 * PAGE)).toBe(103);
  });

  it("an empty vector is Ok and changes nothing", () => {
    const { aegis, env } = world();
    const before = state(aegis, env);
    expect(env.bindBatch([])).toBe(Result.Ok);
    expect(state(aegis, env)).toBe(before);
  });

  it("up to policy.maxBatchEntries entries; one more is Invalid and nothing changes", () => {
    const { aegis, env, caps } = world({ maxBatchEntries: 4 });
    const before = state(aegis, env);
    expect(env.bindBatch(vector(caps.slice(0, 5), RW))).toBe(Result.Invalid);
    expect(state(aegis, env)).toBe(before);
    expect(env.bindBatch(vector(caps.slice(0, 4), RW))).toBe(Result.Ok);
  });

  it("the default maximum is a page of 12-byte entries (341), and the policy is checked", () => {
    expect(new Aegis(counted()).policy.maxBatchEntries).toBe(341);
    expect(() => new Aegis(counted({ policy: { maxBatchEntries: 0 } }))).toThrow(/maxBatchEntries/);
    expect(() => new Aegis(counted({ policy: { maxBatchEntries: 5000 } }))).toThrow(
      /maxBatchEntries/,
    );
  });
});

describe("validate, then invoke: a bad entry anywhere changes nothing and is named", () => {
  type Bad = [string, (w: ReturnType<typeof world>) => number[], number];
  // Each bad entry comes LAST, after good binds and a good unbind of a bound page: a kernel
  // that wrote entries as it checked them would have changed the state.
  const bads: Bad[] = [
    ["forged slot", () => [VA + 4 * PAGE, 200, RW], Result.BadCap],
    ["wrong generation", (w) => [VA + 4 * PAGE, (w.caps[4]! + (1 << 12)) >>> 0, RW], Result.Stale],
    [
      "stale (frame freed)",
      (w) => {
        const c = w.env.allocFrame();
        w.env.freeFrame(c);
        return [VA + 4 * PAGE, c, RW];
      },
      Result.Stale,
    ],
    [
      "foreign frame (another env's name means nothing here)",
      (w) => {
        let name = 0;
        for (let i = 0; i < 12; i++) name = w.other.allocFrame(); // a slot this env never used
        return [VA + 4 * PAGE, name, RW];
      },
      Result.BadCap,
    ],
    [
      "read-only grant bound writable",
      (w) => {
        const c = w.other.allocFrame();
        const mine = w.other.grant(c, w.env.id, Rights.Read);
        return [VA + 4 * PAGE, mine, RW];
      },
      Result.Rights,
    ],
    ["duplicate page", () => [VA + 2 * PAGE, 0, 0], Result.Invalid],
    ["pages out of order", () => [VA, 0, 0], Result.Invalid],
    ["unaligned va", (w) => [VA + 4 * PAGE + 8, w.caps[4]!, RW], Result.Invalid],
    ["kernel-segment va", (w) => [0x80010000, w.caps[4]!, RW], Result.Invalid],
    ["rights Write alone", (w) => [VA + 4 * PAGE, w.caps[4]!, Rights.Write], Result.Invalid],
    ["rights with Own", (w) => [VA + 4 * PAGE, w.caps[4]!, 7], Result.Invalid],
    ["negative rights", (w) => [VA + 4 * PAGE, w.caps[4]!, -1], Result.Invalid],
    ["a guaranteed page", (w) => [SAVE_VA, w.caps[4]!, RW], Result.Busy],
    ["a guaranteed page, unbound", () => [SAVE_VA, 0, 0], Result.Busy],
  ];
  for (const [name, make, code] of bads) {
    it(name, () => {
      const w = world();
      const { aegis, env, caps } = w;
      expect(env.tlbWrite(VA + 3 * PAGE, caps[3]!, 1)).toBe(Result.Ok);
      const bad = make(w);
      const vec = [...vector(caps.slice(0, 3), RW), VA + 3 * PAGE, 0, 0, ...bad];
      const before = state(aegis, env, w.other);
      const r = env.bindBatch(vec);
      expect(r).toBe(batchEntryResult(4, code));
      expect(batchEntryOf(r)).toBe(4);
      expect(batchCodeOf(r)).toBe(code);
      expect(state(aegis, env, w.other)).toBe(before);
    });
  }

  it("the first bad entry is the one named", () => {
    const { env, caps } = world();
    expect(env.bindBatch([VA, 999, RW, VA + PAGE, caps[0]!, 2])).toBe(
      batchEntryResult(0, Result.BadCap),
    );
    expect(env.bindBatch([VA, caps[0]!, RW, VA + PAGE, caps[1]!, 2])).toBe(
      batchEntryResult(1, Result.Invalid),
    );
  });
});

describe("the vector is read once, without coercion, before anything happens", () => {
  it("ill-typed elements are refused without trapping, naming the entry; no getter runs", () => {
    const { aegis, env, caps } = world();
    const { values, reads } = hostileValues();
    const before = state(aegis, env);
    const now = aegis.machine.now;
    for (const v of values) {
      for (let k = 0; k < 3; k++) {
        const vec = [...vector(caps.slice(0, 2), RW), VA + 2 * PAGE, caps[2]!, RW];
        vec[6 + k] = v as number;
        expect(env.bindBatch(vec), `${typeof v} at ${k}`).toBe(batchEntryResult(2, Result.Invalid));
      }
    }
    expect(reads()).toBe(0);
    expect(state(aegis, env)).toBe(before);
    expect(aegis.machine.now).toBe(now);
  });

  it("not an array, a length not a multiple of 3, holes, getters: Invalid, nothing run", () => {
    const { aegis, env, caps } = world();
    const { values, reads } = hostileValues();
    let getterRuns = 0;
    const withGetter = vector(caps.slice(0, 2), RW);
    Object.defineProperty(withGetter, 4, {
      get() {
        getterRuns++;
        return caps[1];
      },
    });
    const holey = vector(caps.slice(0, 2), RW);
    delete holey[1];
    const inherited = vector(caps.slice(0, 2), RW);
    delete inherited[4];
    Object.setPrototypeOf(inherited, Object.assign(Object.create(Array.prototype), { 4: caps[1] }));
    const before = state(aegis, env);
    const now = aegis.machine.now;
    for (const v of values) {
      if (Array.isArray(v)) continue;
      expect(env.bindBatch(v as never)).toBe(Result.Invalid);
    }
    expect(env.bindBatch([VA, caps[0]!] as never)).toBe(Result.Invalid);
    expect(env.bindBatch(new Int32Array([VA, caps[0]!, RW]) as never)).toBe(Result.Invalid);
    expect(env.bindBatch(withGetter)).toBe(batchEntryResult(1, Result.Invalid));
    expect(env.bindBatch(holey)).toBe(batchEntryResult(0, Result.Invalid));
    expect(env.bindBatch(inherited)).toBe(batchEntryResult(1, Result.Invalid));
    expect(getterRuns).toBe(0);
    expect(reads()).toBe(0);
    expect(state(aegis, env)).toBe(before);
    expect(aegis.machine.now).toBe(now);
  });

  it("a Proxy's trap runs once per element, and what it answered is what the kernel checks", () => {
    const { aegis, env, caps } = world();
    const target = vector(caps.slice(0, 3), RW);
    const asked = new Map<PropertyKey, number>();
    let turn = 0;
    const proxy = new Proxy(target, {
      getOwnPropertyDescriptor(t, key) {
        asked.set(key, (asked.get(key) ?? 0) + 1);
        const d = Reflect.getOwnPropertyDescriptor(t, key);
        // A lie the second time round: a forged capability. Read once, it never comes.
        if (key === "4" && turn++ > 0) return { ...d, value: 77 };
        return d;
      },
      get(t, key) {
        asked.set(`get:${String(key)}`, 1);
        return Reflect.get(t, key);
      },
    });
    expect(env.bindBatch(proxy)).toBe(Result.Ok);
    expect([...asked.entries()].filter(([k]) => String(k).startsWith("get:"))).toEqual([]);
    expect([...asked.values()].every((n) => n === 1)).toBe(true);
    expect(asked.size).toBe(10); // length + 9 elements
    expect(aegis.inspect(env.id).mappings.length).toBe(4);
  });

  it("a huge or lying length is refused before any element is read", () => {
    const { aegis, env } = world();
    let elements = 0;
    const lying = (length: unknown) =>
      new Proxy([], {
        getOwnPropertyDescriptor(t, key) {
          if (key === "length")
            return { value: length, writable: true, enumerable: false, configurable: false };
          elements++;
          return Reflect.getOwnPropertyDescriptor(t, key);
        },
      });
    const before = state(aegis, env);
    // 2^31 is a multiple of no 3 … so take multiples of 3: a count over the maximum traps
    // with the count alone (charged, refused by the kernel), never copying anything.
    for (const n of [3 * 342, 3 * 2 ** 29, 3 * 2 ** 40, 2 ** 53 + 1, -3, 1.5, Number.NaN, "3"]) {
      expect(env.bindBatch(lying(n) as never), String(n)).toBe(Result.Invalid);
    }
    expect(elements).toBe(0);
    expect(state(aegis, env)).toBe(before);
  });

  it("a trap that throws throws out of the caller's own call; nothing changed", () => {
    const { aegis, env, caps } = world();
    const before = state(aegis, env);
    const proxy = new Proxy(vector(caps.slice(0, 2), RW), {
      getOwnPropertyDescriptor(t, key) {
        if (key === "3") throw new Error("hostile");
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
    });
    expect(() => env.bindBatch(proxy)).toThrow("hostile");
    expect(state(aegis, env)).toBe(before);
    expect(env.alive).toBe(true);
  });

  it("refused from another environment's code (its vector not even read) and after death", () => {
    const { aegis, env, other, caps } = world();
    const before = state(aegis, env);
    expect(aegis.actAs(other.handle, () => env.handle.bindBatch(vector(caps, RW)))).toBe(
      Result.Refused,
    );
    let reads = 0;
    const watched = new Proxy(vector(caps, RW), {
      getOwnPropertyDescriptor(t, key) {
        reads++;
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
    });
    expect(aegis.actAs(other.handle, () => env.handle.bindBatch(watched))).toBe(Result.Refused);
    expect(reads).toBe(0);
    expect(env.handle.bindBatch(vector(caps, RW))).toBe(Result.Refused); // no window
    expect(state(aegis, env)).toBe(before);
    aegis.destroy(env.handle);
    expect(env.bindBatch(vector(caps, RW))).toBe(Result.Dead);
  });
});

describe("bindBatch's cost (dec5000_125): a fixed part plus a part per entry", () => {
  // Fixed: stub 2 + 2 argument registers + exception entry 3 + crossing 17 + stack path 8 +
  // 4 sw + 4 lw + aegis.sys.bindBatch 16 + rfe 1 = 57.
  // Per entry that binds a fresh page: check 21 + rights 3 + cap lookup 8 + bind 14 + tlbp 2
  // + tlbwr 3 + 2 STLB sw = 53. Per entry that unbinds a bound page: check 21 + unbind 10 +
  // aegis.mem.unbind 6 + tlbp 2 + tlbwi 3 + STLB lw + sw = 44 (41 when random replacement
  // already took its TLB entry: no tlbwi); an unbound one: 21 + 10 = 31.
  it("binding n fresh pages costs 57 + 53 n; unbinding them 57 + 44 n; nothing bound 57 + 31 n", () => {
    for (const n of [1, 2, 6]) {
      const { aegis, env, caps } = world();
      expect(cycles(aegis, () => env.bindBatch(vector(caps.slice(0, n), RW)))).toBe(57 + 53 * n);
      let inTlb = 0;
      for (let i = 0; i < n; i++) if (aegis.machine.tlb.probe(0x10 + i, env.asid) >= 0) inTlb++;
      expect(cycles(aegis, () => env.bindBatch(vector(caps.slice(0, n), 0)))).toBe(
        57 + 41 * n + 3 * inTlb,
      );
      expect(cycles(aegis, () => env.bindBatch(vector(caps.slice(0, n), 0)))).toBe(57 + 31 * n);
    }
  });

  it("a refusal over the maximum costs the crossing and the fixed part only", () => {
    const { aegis, env, caps } = world({ maxBatchEntries: 2 });
    expect(cycles(aegis, () => env.bindBatch(vector(caps.slice(0, 3), RW)))).toBe(57);
  });
});

describe("batch results are readable", () => {
  it("encode the entry and the code; plain codes stay plain", () => {
    expect(BATCH_ENTRY_STRIDE).toBe(16);
    expect(batchEntryResult(0, Result.Stale)).toBe(-19);
    expect(batchEntryResult(2, Result.Rights)).toBe(-52);
    expect(batchEntryOf(-52)).toBe(2);
    expect(batchCodeOf(-52)).toBe(Result.Rights);
    expect(batchEntryOf(Result.Invalid)).toBe(-1);
    expect(batchCodeOf(Result.Invalid)).toBe(Result.Invalid);
    expect(batchEntryOf(0)).toBe(-1);
    expect(batchEntryOf(-16)).toBe(-1); // no code 0 inside an entry result
    expect(resultName(batchEntryResult(340, Result.Busy))).toBe("Busy@340");
    expect(describeResult(-52)).toBe(
      "entry 2 of the batch: the capability lacks the right this call needs",
    );
  });
});

export type { Hosted };
