import { describe, expect, it } from "vitest";
import { runWorkload } from "../bench/workload.js";
import { defineCosts } from "./cost.js";
import {
  Category,
  entryHi,
  entryLo,
  getProfile,
  KSEG0,
  KSEG1,
  Machine,
  PROFILE_NAMES,
  PROFILES,
  type ProfileName,
  TLB_D,
  TLB_V,
  validateProfile,
  withMemorySystem,
} from "./privileged.js";

/**
 * The memory system (cpu/memory-system.ts) on the real profiles: the write buffer's stalls,
 * the data cache's misses, uncached references draining the buffer, the instruction cache
 * for counted code, and the fast path agreeing with the slow one.
 */

const T = defineCosts({
  "mem.test.work": { instructions: 1, source: "test: one instruction" },
  "mem.test.path": { instructions: 100, source: "test: a 100-instruction path" },
  "mem.test.huge": { instructions: 20000, source: "test: code larger than the I-cache" },
  "mem.test.saves": {
    instructions: 10,
    stores: 8,
    source: "test: 10 instructions of which 8 are stores (a register save)",
  },
  "mem.test.sparse": {
    instructions: 200,
    stores: 4,
    source: "test: 200 instructions with 4 stores",
  },
});

/**
 * An independent model of the FIFO write buffer: stores issued at the given nominal cycles
 * (each delayed by the stalls before it), one cycle each. Returns the total stall.
 */
function referenceStall(nominal: number[], depth: number, retire: number): number {
  const retireAt: number[] = []; // retirement cycle of each word still in the buffer
  let stall = 0;
  let lastRetire = Number.NEGATIVE_INFINITY;
  for (const n of nominal) {
    let t = n + stall;
    // Words retired by t leave the buffer.
    while (retireAt.length > 0 && retireAt[0]! <= t) retireAt.shift();
    if (retireAt.length >= depth) {
      const free = retireAt.shift()!;
      stall += free - t;
      t = free;
    }
    lastRetire = Math.max(t, lastRetire) + retire;
    retireAt.push(lastRetire);
  }
  return stall;
}

/** A machine in user mode with `pages` pages mapped at VPN 0x100 (frames 16..), TLB slots 8.. */
function userMachine(profile: ProfileName, pages: number, trace = false) {
  const m = new Machine({ profile: withMemorySystem(profile), memoryBytes: 4 << 20, trace });
  for (let i = 0; i < pages; i++)
    m.cpu.tlbWriteIndexed(8 + i, entryHi(0x100 + i, 0), entryLo(16 + i, TLB_V | TLB_D));
  return m;
}
const BASE = 0x100 << 12;

describe("the write buffer", () => {
  for (const name of PROFILE_NAMES) {
    const p = PROFILES[name];
    it(`${name}: a burst of N back-to-back stores costs N cycles plus the buffer model's stalls (fast and slow paths, kseg0)`, () => {
      for (let n = 1; n <= 12; n++) {
        const expected =
          n + referenceStall([...Array(n).keys()], p.writeBufferDepth, p.writeRetireCycles);
        if (n <= p.writeBufferDepth) expect(expected).toBe(n); // the buffer absorbs them
        for (const trace of [false, true]) {
          const m = userMachine(name, 1, trace);
          const t0 = m.now;
          for (let i = 0; i < n; i++) m.cpu.store32(BASE + 4 * i, i);
          expect(m.now - t0, `${n} stores, trace ${trace}`).toBe(expected);
          const stall = m.accounting.table[Category.WriteStall]!;
          expect(stall).toBe(expected - n);
          expect(m.accounting.table[Category.Memory]).toBe(n);
        }
        const k = new Machine({ profile: withMemorySystem(name), memoryBytes: 1 << 20 });
        k.cpu.status = 0;
        const t0 = k.now;
        for (let i = 0; i < n; i++) k.cpu.store32(KSEG0 + 0x1000 + 4 * i, i);
        expect(k.now - t0).toBe(expected);
      }
    });
  }

  it("pinned: eight back-to-back stores on dec5000_125 (4 stages, 15 cycles a word) take 61 cycles", () => {
    // Stores 1-4 issue at cycles 0-3 and retire at 15, 30, 45, 60; store 5 waits for the
    // first stage (cycle 15), 6 for 30, 7 for 45, 8 for 60, and completes at 61.
    const m = userMachine("dec5000_125", 1);
    const t0 = m.now;
    for (let i = 0; i < 8; i++) m.cpu.store32(BASE + 4 * i, i);
    expect(m.now - t0).toBe(61);
  });

  it("stores spaced a retire time apart never stall", () => {
    const m = userMachine("dec5000_125", 1);
    m.cpu.exec(T["mem.test.work"]); // warm its code
    m.cpu.drainWriteBuffer();
    const t0 = m.now;
    for (let i = 0; i < 20; i++) {
      m.cpu.store32(BASE + 4 * i, i);
      m.cpu.exec(T["mem.test.work"], 14);
    }
    expect(m.now - t0).toBe(20 * 15);
    expect(m.accounting.table[Category.WriteStall]).toBe(0);
  });

  it("an uncached (kseg1) reference and an explicit flush drain the buffer first", () => {
    for (const kind of ["kseg1 load", "kseg1 store", "flush"] as const) {
      const m = new Machine({ profile: withMemorySystem("dec5000_125"), memoryBytes: 1 << 20 });
      m.cpu.status = 0;
      for (let i = 0; i < 4; i++) m.cpu.store32(KSEG0 + 0x1000 + 4 * i, i); // cycles 0-3
      expect(m.now).toBe(4);
      // The last word retires at 4 × 15 = 60.
      if (kind === "kseg1 load") m.cpu.load32(KSEG1 + 0x2000);
      else if (kind === "kseg1 store") m.cpu.store32(KSEG1 + 0x2000, 1);
      else m.cpu.drainWriteBuffer();
      expect(m.accounting.table[Category.WriteStall], kind).toBe(56);
      expect(m.now, kind).toBe(kind === "flush" ? 60 : 60 + 15);
      // Drained: the next flush waits for nothing.
      const t = m.now;
      m.cpu.drainWriteBuffer();
      expect(m.now).toBe(t);
    }
  });

  it("a device register access (uncached) drains the buffer too", () => {
    const m = new Machine({ profile: withMemorySystem("dec5000_125"), memoryBytes: 1 << 20 });
    m.cpu.status = 0;
    for (let i = 0; i < 4; i++) m.cpu.store32(KSEG0 + 0x1000 + 4 * i, i);
    m.timer.acknowledge();
    expect(m.accounting.table[Category.WriteStall]).toBe(56);
    expect(m.accounting.table[Category.Device]).toBe(15);
  });

  it("stores a cost record declares go through the buffer: dense ones stall, as the reference computes", () => {
    const p = PROFILES.dec5000_125;
    const m = userMachine("dec5000_125", 1);
    m.cpu.exec(T["mem.test.saves"]); // warm its code
    m.cpu.drainWriteBuffer();
    const t0 = m.now;
    m.cpu.exec(T["mem.test.saves"]);
    // 8 stores in 10 instructions: one every floor(10/8) = 1 cycle, the first at cycle 0.
    const stall = referenceStall([0, 1, 2, 3, 4, 5, 6, 7], p.writeBufferDepth, p.writeRetireCycles);
    expect(stall).toBeGreaterThan(0);
    expect(m.now - t0).toBe(10 + stall);
    // Both runs (the warming one started with an empty buffer too) stalled the same.
    expect(m.accounting.labels.get("mem.test.saves")!.stallCycles).toBe(2 * stall);
    // And a store hidden in the count does not escape the buffer: an uncached load drains it.
    const t1 = m.now;
    m.cpu.status = 0;
    m.cpu.load32(KSEG1 + 0x3000);
    expect(m.now - t1).toBeGreaterThan(p.uncachedAccessCycles);
  });

  it("the closed form for declared stores equals the store-by-store reference, for any spacing and backlog", () => {
    const p = PROFILES.dec5000_125;
    for (const [instructions, stores, times, backlog] of [
      [10, 8, 1, 0],
      [10, 8, 5, 3],
      [200, 4, 1, 4],
      [200, 4, 30, 0],
      [37, 5, 7, 2],
      [60, 4, 1, 4],
      [16, 16, 3, 1],
    ] as const) {
      const cost = defineCosts({
        [`mem.test.cf${instructions}x${stores}`]: {
          instructions,
          stores,
          source: "test",
        },
      })[`mem.test.cf${instructions}x${stores}`]!;
      const m = userMachine("dec5000_125", 1);
      m.cpu.exec(cost); // warm
      m.cpu.drainWriteBuffer();
      for (let i = 0; i < backlog; i++) m.cpu.store32(BASE + 4 * i, i);
      const t0 = m.now;
      // The reference: the backlog's stores at -backlog..-1, then one store every d cycles.
      const s = stores * times;
      const d = Math.max(1, Math.floor((instructions * times) / s));
      const nominal = [...Array(backlog).keys()].map((i) => i - backlog);
      for (let k = 1; k <= s; k++) nominal.push(k * d - 1);
      const expected = referenceStall(nominal, p.writeBufferDepth, p.writeRetireCycles);
      m.cpu.exec(cost, times);
      expect(m.now - t0, `${instructions}/${stores}×${times}, backlog ${backlog}`).toBe(
        instructions * times + expected,
      );
    }
  });
});

describe("the data cache", () => {
  const WORDS_90K = (90 * 1024) / 4;

  function sweep(m: Machine, words: number): number {
    const before = m.accounting.table[Category.CacheMiss]!;
    for (let i = 0; i < words; i++) m.cpu.load32(BASE + 4 * i);
    return (m.accounting.table[Category.CacheMiss]! - before) / m.profile.cacheMissCycles;
  }

  it("a 90 KB working set misses on every pass; a 1 KB loop misses only on its first", () => {
    for (const trace of [false, true]) {
      const m = userMachine("dec5000_125", 23, trace);
      expect(sweep(m, WORDS_90K)).toBe(WORDS_90K); // cold
      // Direct-mapped, 64 KiB: the last 64 KiB of the sweep evicted its first 26 KiB, and
      // the second pass evicts its last 26 KiB again.
      const conflict = (WORDS_90K - 65536 / 4) * 2;
      expect(sweep(m, WORDS_90K)).toBe(conflict);
      expect(sweep(m, WORDS_90K)).toBe(conflict);
      const small = userMachine("dec5000_125", 1, trace);
      expect(sweep(small, 256)).toBe(256);
      for (let i = 0; i < 10; i++) expect(sweep(small, 256)).toBe(0);
    }
  });

  it("a miss costs the profile's memory read; a hit one cycle", () => {
    for (const name of PROFILE_NAMES) {
      const m = userMachine(name, 1);
      const t0 = m.now;
      m.cpu.load32(BASE);
      expect(m.now - t0).toBe(1 + PROFILES[name].cacheMissCycles);
      const t1 = m.now;
      m.cpu.load32(BASE);
      expect(m.now - t1).toBe(1);
    }
  });

  it("a word store fills its line (a load after it hits); invalidateCaches makes it cold", () => {
    const m = userMachine("dec5000_125", 1);
    m.cpu.store32(BASE + 64, 7);
    m.cpu.drainWriteBuffer();
    const t0 = m.now;
    expect(m.cpu.load32(BASE + 64)).toBe(7);
    expect(m.now - t0).toBe(1);
    m.cpu.invalidateCaches();
    const t1 = m.now;
    m.cpu.load32(BASE + 64);
    expect(m.now - t1).toBe(1 + m.profile.cacheMissCycles);
  });

  it("a block copy loads through the cache and stores through the buffer", () => {
    const m = userMachine("dec5000_125", 4);
    const t0 = m.now;
    m.cpu.copy(BASE + 4096, BASE, 64); // 16 words, cold source
    const p = m.profile;
    const nominal = [...Array(16).keys()].map(
      (i) => i * (2 + p.cacheMissCycles) + 1 + p.cacheMissCycles,
    );
    const stall = referenceStall(nominal, p.writeBufferDepth, p.writeRetireCycles);
    expect(m.accounting.table[Category.CacheMiss]).toBe(16 * p.cacheMissCycles);
    expect(m.accounting.table[Category.WriteStall]).toBe(stall);
    expect(m.now - t0).toBe(32 + 16 * p.cacheMissCycles + stall);
  });
});

describe("the instruction cache for counted code", () => {
  it("a path's code misses once per line cold, then hits warm; invalidation makes it cold again", () => {
    for (const name of PROFILE_NAMES) {
      const m = new Machine({ profile: withMemorySystem(name), memoryBytes: 1 << 20 });
      const miss = PROFILES[name].cacheMissCycles;
      const run = () => {
        const t = m.now;
        m.cpu.exec(T["mem.test.path"]);
        return m.now - t;
      };
      expect(run()).toBe(100 + 100 * miss);
      expect(run()).toBe(100);
      expect(run()).toBe(100);
      m.cpu.invalidateCaches();
      expect(run()).toBe(100 + 100 * miss);
      expect(m.accounting.labels.get("mem.test.path")!.missCycles).toBe(200 * miss);
    }
  });

  it("code larger than the cache evicts itself: every fetch misses, every time", () => {
    const m = new Machine({ profile: withMemorySystem("dec5000_125"), memoryBytes: 1 << 20 });
    const miss = m.profile.cacheMissCycles;
    for (let i = 0; i < 2; i++) {
      const t = m.now;
      m.cpu.exec(T["mem.test.huge"], 2);
      expect(m.now - t).toBe(40000 * (1 + miss));
    }
  });

  it("a large working set of code evicts a path; a path repeated alone stays warm", () => {
    const m = new Machine({ profile: withMemorySystem("dec5000_125"), memoryBytes: 1 << 20 });
    m.cpu.exec(T["mem.test.path"]);
    m.cpu.exec(T["mem.test.huge"]); // 20000 words through a 16384-line cache: evicts everything
    const t = m.now;
    m.cpu.exec(T["mem.test.path"]);
    expect(m.now - t).toBe(100 + 100 * m.profile.cacheMissCycles);
  });
});

describe("determinism and the fast path", () => {
  it("the same seed gives the same trace; traced (slow path) and untraced (fast path) runs agree", () => {
    const run = (trace: boolean) => {
      const r = runWorkload({
        seed: 7,
        trace,
        accesses: 400,
        profile: withMemorySystem("dec5000_125"),
      });
      return {
        now: r.machine.now,
        table: Array.from(r.machine.snapshot().table),
        hash: trace ? r.machine.tracer!.hash() : "",
      };
    };
    const a = run(true);
    expect(run(true)).toEqual(a);
    const fast = run(false);
    expect(fast.now).toBe(a.now);
    expect(fast.table).toEqual(a.table);
    const cats = new Array<number>(12).fill(0);
    a.table.forEach((v, i) => {
      cats[i % 12]! += v;
    });
    expect(cats[Category.CacheMiss]).toBeGreaterThan(0);
    expect(cats[Category.WriteStall]).toBeGreaterThan(0);
  });

  it("with memorySystem off nothing misses or stalls", () => {
    const m = new Machine({
      profile: { ...PROFILES.dec5000_125, memorySystem: false },
      memoryBytes: 4 << 20,
    });
    m.cpu.tlbWriteIndexed(8, entryHi(0x100, 0), entryLo(16, TLB_V | TLB_D));
    const t0 = m.now;
    for (let i = 0; i < 50; i++) m.cpu.store32(BASE + 4 * i, i);
    m.cpu.exec(T["mem.test.path"]);
    expect(m.now - t0).toBe(150);
  });
});

describe("the memory system's profile fields", () => {
  it("validateProfile refuses bad cache sizes, miss and retire times, depths and a multi-cycle hit", () => {
    const base = PROFILES.dec5000_125;
    const bad: [Partial<typeof base>, RegExp][] = [
      [{ dataCacheBytes: 3000 }, /dataCacheBytes must be a power of two/],
      [{ instructionCacheBytes: 1 << 17 }, /instructionCacheBytes must be a power of two/],
      [{ cacheMissCycles: -1 }, /cacheMissCycles/],
      [{ writeBufferDepth: 0 }, /writeBufferDepth/],
      [{ writeRetireCycles: 0 }, /writeRetireCycles must be a positive integer/],
      [{ cachedAccessCycles: 2 }, /a cached access \(a cache hit\) is one cycle/],
      [{ memorySystem: 1 as unknown as boolean }, /memorySystem must be true or false/],
    ];
    for (const [over, re] of bad) expect(() => validateProfile({ ...base, ...over })).toThrow(re);
    expect(withMemorySystem("dec3100").memorySystem).toBe(true);
    expect(withMemorySystem("dec3100", false).memorySystem).toBe(false);
    // The named profiles have it on; NAME+counted names the machine with it off, and
    // NAME+memory (a name from before the default changed) the machine itself.
    for (const name of PROFILE_NAMES) {
      expect(PROFILES[name].memorySystem).toBe(true);
      expect(getProfile(`${name}+counted`).memorySystem).toBe(false);
      expect(getProfile(`${name}+counted`)).toBe(getProfile(`${name}+counted`));
      expect(getProfile(`${name}+memory`)).toBe(PROFILES[name]);
    }
    expect(() => getProfile("dec3100+cached")).toThrow(
      /unknown profile "dec3100\+cached".*NAME\+counted/,
    );
  });
});
