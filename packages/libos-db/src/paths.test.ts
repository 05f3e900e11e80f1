/**
 * The library's paths, pinned to the cycle on the dec5000_125 profile with the default
 * policies (COSTS.md counts each one step by step). A change of any count, or of the code
 * on a path, shows here: update COSTS.md with the new count and its reason, never the
 * other way round.
 */
import { PAGE_BYTES } from "@exolab/exokernel";
import { type AttributionReport, attributionBetween } from "@exolab/machine/privileged";
import { describe, expect, it } from "vitest";
import { type LibOsApi, layout } from "./index.js";
import { world } from "./test/world.js";

interface Path {
  cycles: number;
  byOwner: Record<string, number>;
  byCategory: Record<string, number>;
  /** The library's own labels: instructions charged under each. */
  labels: Record<string, number>;
}

function path(r: AttributionReport): Path {
  const nonZero = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0));
  return {
    cycles: r.totalCycles,
    byOwner: nonZero(r.byOwnerKind),
    byCategory: nonZero(r.byCategory),
    labels: Object.fromEntries(
      r.labels
        .filter((l) => l.label.startsWith("db.") || l.label === "load-delay.nop")
        .map((l) => [l.label, l.instructions]),
    ),
  };
}

/** Measures what `body` does inside a thread of a fresh process (a passive server beside it). */
function measure(body: (os: LibOsApi, server: number, span: Span) => Generator): Path[] {
  const w = world({ machineConfig: { seed: 1 } });
  const os = w.spawn();
  const server = w.spawn({ passive: true });
  server.calls.serve((x) => x + 1);
  const paths: Path[] = [];
  const span: Span = {
    start: () => w.aegis.snapshot(),
    stop: (s0) => {
      paths.push(path(attributionBetween(w.aegis.machine.accounting, s0, w.aegis.snapshot())));
    },
  };
  let done = false;
  os.sched.spawn(function* () {
    yield* body(os, server.env.id, span);
    done = true;
  });
  w.runUntil(() => done);
  expect(w.aegis.deaths).toEqual([]);
  return paths;
}

interface Span {
  start(): ReturnType<ReturnType<typeof world>["aegis"]["snapshot"]>;
  stop(s0: ReturnType<Span["start"]>): void;
}

describe("pinned paths (dec5000_125)", () => {
  it("a first load, then a first store, of a mapped page: refill through the inverted table, then TLB modify", () => {
    // biome-ignore lint/correctness/useYield: a thread that never blocks
    const paths = measure(function* (os, _server, span) {
      os.vm.map(layout.APP_BASE, 1);
      let s0 = span.start();
      os.env.cpu.load32(layout.APP_BASE);
      span.stop(s0);
      s0 = span.start();
      os.env.cpu.store32(layout.APP_BASE, 1);
      span.stop(s0);
    });
    expect(paths).toEqual(PINNED_FAULTS);
  });

  // #region call-path
  it("a call round trip to another environment", () => {
    const [p] = measure(function* (os, server, span) {
      const s0 = span.start();
      yield* os.calls.call(server, 1);
      span.stop(s0);
    });
    expect(p).toEqual({
      cycles: 106,
      byOwner: { kernel: 66, libos: 40 },
      byCategory: { user: 16, kernel: 58, trapEntry: 6, trapExit: 2, memory: 24 },
      labels: { "db.call.client": 4, "db.call.server": 6 },
    });
  });
  // #endregion call-path

  it("a thread switch (yieldThread) and back", () => {
    const paths = measure(function* (os, _server, span) {
      let s0 = span.start();
      os.sched.spawn(function* () {
        span.stop(s0);
        s0 = span.start();
        yield* os.sched.yieldThread();
      });
      s0 = span.start();
      yield* os.sched.yieldThread();
      span.stop(s0);
    });
    // Each way: pick 7 and two context addresses 3 + 3 (user), the picked thread's state
    // word loaded (runnable: 1), 33 register stores and the running-thread word, 33 register
    // loads and the running-thread word (memory). 82: one more than before the threads could
    // block (the state word's load, issue 14's disk wait by interrupt).
    const oneWay: Path = {
      cycles: 82,
      byOwner: { libos: 82 },
      byCategory: { user: 13, memory: 69 },
      labels: { "db.sched.pick": 7, "db.sched.switch": 6 },
    };
    expect(paths).toEqual([oneWay, oneWay]);
  });

  it("map and unmap of 4 pages, two of them touched; protect and unprotect of 100 pages", () => {
    // biome-ignore lint/correctness/useYield: a thread that never blocks
    const paths = measure(function* (os, _server, span) {
      let s0 = span.start();
      os.vm.map(layout.APP_BASE, 4);
      span.stop(s0);
      os.env.cpu.store32(layout.APP_BASE, 1);
      os.env.cpu.store32(layout.APP_BASE + PAGE_BYTES, 1);
      s0 = span.start();
      os.vm.unmap(layout.APP_BASE, 4);
      span.stop(s0);
      os.vm.map(layout.APP_BASE, 100);
      s0 = span.start();
      os.vm.protectRange(layout.APP_BASE, 100);
      span.stop(s0);
      s0 = span.start();
      os.vm.unprotectRange(layout.APP_BASE, 100);
      span.stop(s0);
    });
    expect(paths).toEqual(PINNED_MAP);
  });
});

/**
 * [0] a first load of a mapped page: the kernel's software-TLB miss upcalls the refill
 * handler, which hashes the vpn, walks one chain entry, finds READ and installs the page
 * read-only (not dirty yet). [1] the first store to it: a TLB-modify fault through the same
 * handler, which sets DIRTY (a charged store) and installs it writable. Each has one
 * load-delay nop: the bucket's head load, whose link the walk decrements at once.
 */
describe("pinned engine paths (dec5000_125)", () => {
  it("a lookup of a key whose pages are all in the pool (meta, root leaf): three pool hits, one binary search", () => {
    const paths = measure(function* (os, _server, span) {
      const db = os.createDb({ poolFrames: 16 });
      if (typeof db === "number") throw new Error("createDb");
      expect(yield* db.open()).toBe(0);
      for (let k = 0; k < 100; k++) expect(yield* db.insert(k, k + 1)).toBe(0);
      expect(yield* db.get(50)).toBe(51); // every page in the pool, every TLB entry in place
      const s0 = span.start();
      expect(yield* db.get(50)).toBe(51);
      span.stop(s0);
    });
    expect(paths).toEqual(PINNED_ENGINE);
  });
});

const PINNED_FAULTS: Path[] = [
  {
    cycles: 166,
    byOwner: {
      kernel: 103,
      libos: 63,
    },
    byCategory: {
      user: 47,
      kernel: 76,
      trapEntry: 6,
      trapExit: 2,
      regSave: 7,
      regRestore: 4,
      memory: 19,
      tlb: 5,
    },
    labels: {
      "db.ipt.hash": 8,
      "db.ipt.walk": 7,
      "db.refill.check": 6,
      "db.refill.entry": 10,
      "db.refill.install": 8,
      "db.refill.return": 2,
      "load-delay.nop": 1,
    },
  },
  {
    cycles: 162,
    byOwner: {
      kernel: 98,
      libos: 64,
    },
    byCategory: {
      user: 47,
      kernel: 65,
      trapEntry: 6,
      trapExit: 2,
      regSave: 7,
      regRestore: 4,
      memory: 21,
      tlb: 10,
    },
    labels: {
      "db.ipt.hash": 8,
      "db.ipt.walk": 7,
      "db.refill.check": 6,
      "db.refill.entry": 10,
      "db.refill.install": 8,
      "db.refill.return": 2,
      "load-delay.nop": 1,
    },
  },
];
/**
 * [0] map of 4 pages: per page a find (hash, empty chain) then allocFrame (the kernel
 * zeroes the frame: most of the memory cycles) and an insert. [1] unmap of the 4: a find
 * per page to check, then per page a find, remove (walk), tlbDelete and freeFrame.
 * [2] protectRange of 100 pages: 100 finds, 100 flag updates and one bindBatch of 100
 * removals. [3] unprotectRange of 100: the same, with 100 bindings in the vector.
 * Load-delay nops: one per bucket-head load (a find or a remove), two per insert (the free
 * list's next link and the bucket head, each stored at once), one per remove (the free
 * list's head, stored at once): 16, 16, 100, 100.
 */
const PINNED_MAP: Path[] = [
  {
    cycles: 4577,
    byOwner: {
      kernel: 4344,
      libos: 233,
    },
    byCategory: {
      user: 189,
      kernel: 200,
      trapEntry: 12,
      trapExit: 4,
      regSave: 16,
      regRestore: 16,
      memory: 4140,
    },
    labels: {
      "db.ipt.hash": 64,
      "db.ipt.insert": 40,
      "db.vm.map.step": 40,
      "db.vm.range": 17,
      "load-delay.nop": 16,
    },
  },
  {
    cycles: 763,
    byOwner: {
      kernel: 446,
      libos: 317,
    },
    byCategory: {
      user: 265,
      kernel: 336,
      trapEntry: 24,
      trapExit: 8,
      regSave: 32,
      regRestore: 32,
      memory: 56,
      tlb: 10,
    },
    labels: {
      "db.ipt.hash": 96,
      "db.ipt.walk": 84,
      "db.vm.range": 17,
      "db.vm.unmap.step": 28,
      "load-delay.nop": 16,
    },
  },
  {
    cycles: 6683,
    byOwner: {
      kernel: 3153,
      libos: 3530,
    },
    byCategory: {
      user: 3130,
      kernel: 3141,
      trapEntry: 3,
      trapExit: 1,
      regSave: 4,
      regRestore: 4,
      memory: 400,
    },
    labels: {
      "db.ipt.hash": 800,
      "db.ipt.walk": 700,
      "db.vm.batch.call": 3,
      "db.vm.batch.entry": 600,
      "db.vm.protect.setup": 6,
      "db.vm.protect.step": 900,
      "db.vm.range": 17,
      "load-delay.nop": 100,
    },
  },
  {
    cycles: 8983,
    byOwner: {
      kernel: 5353,
      libos: 3630,
    },
    byCategory: {
      user: 3130,
      kernel: 4641,
      trapEntry: 3,
      trapExit: 1,
      regSave: 4,
      regRestore: 4,
      memory: 700,
      tlb: 500,
    },
    labels: {
      "db.ipt.hash": 800,
      "db.ipt.walk": 700,
      "db.vm.batch.call": 3,
      "db.vm.batch.entry": 600,
      "db.vm.protect.setup": 6,
      "db.vm.protect.step": 900,
      "db.vm.range": 17,
      "load-delay.nop": 100,
    },
  },
];

/**
 * A get on a one-leaf tree, every page resident: the meta page's fetch (hash, one chain
 * entry, hit, LRU touch: not at the queue's head, so a remove and a push) and unpin, the
 * root leaf's fetch (the same), a binary search of 100 keys (6 steps), the value's load,
 * the unpin. No kernel work: the pool's pages and metadata are
 * in the TLB. 17 load-delay nops: per fetch the bucket head and the pin count, per unpin the
 * pin count, per list operation the queue length (2 × 5), the key count and the 6 keys.
 */
const PINNED_ENGINE: Path[] = [
  {
    cycles: 188,
    byOwner: {
      libos: 188,
    },
    byCategory: {
      user: 137,
      memory: 51,
    },
    labels: {
      "db.bt.search.step": 42,
      "db.pool.hash": 14,
      "db.pool.hit": 8,
      "db.pool.list": 32,
      "db.pool.lru.touch": 6,
      "db.pool.unpin": 6,
      "db.pool.walk": 12,
      "load-delay.nop": 17,
    },
  },
];
