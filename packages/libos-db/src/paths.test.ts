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
      r.labels.filter((l) => l.label.startsWith("db.")).map((l) => [l.label, l.instructions]),
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
  it("a first touch: refill upcall, demand-zero frame, tlbWrite, retried store", () => {
    // biome-ignore lint/correctness/useYield: a thread that never blocks
    const [p] = measure(function* (os, _server, span) {
      os.vm.map(layout.APP_BASE, 1);
      const s0 = span.start();
      os.env.cpu.store32(layout.APP_BASE, 1);
      span.stop(s0);
    });
    expect(p).toEqual({
      cycles: 1257,
      byOwner: { kernel: 1210, libos: 47 },
      byCategory: {
        user: 33,
        kernel: 138,
        trapEntry: 12,
        trapExit: 4,
        regSave: 11,
        regRestore: 8,
        memory: 1043,
        tlb: 8,
      },
      labels: {
        "db.refill.entry": 12,
        "db.refill.zero": 6,
        "db.refill.install": 5,
        "db.refill.return": 2,
      },
    });
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
    // Each way: pick 7 and two context addresses 3 + 3 (user), 33 register stores and the
    // running-thread word, 33 register loads and the running-thread word (memory).
    const oneWay: Path = {
      cycles: 81,
      byOwner: { libos: 81 },
      byCategory: { user: 13, memory: 68 },
      labels: { "db.sched.pick": 7, "db.sched.switch": 6 },
    };
    expect(paths).toEqual([oneWay, oneWay]);
  });

  it("map and unmap of 4 pages, two of them touched", () => {
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
    });
    expect(paths).toEqual([
      {
        cycles: 53,
        byOwner: { libos: 53 },
        byCategory: { user: 45, memory: 8 },
        labels: {
          "db.vm.range": 17,
          "db.vm.scan.step": 16,
          "db.vm.fill.step": 12,
        },
      },
      {
        cycles: 211,
        byOwner: { kernel: 150, libos: 61 },
        byCategory: {
          user: 53,
          kernel: 112,
          trapEntry: 6,
          trapExit: 2,
          regSave: 8,
          regRestore: 8,
          memory: 12,
          tlb: 10,
        },
        labels: {
          "db.vm.range": 17,
          "db.vm.unmap.step": 24,
          "db.vm.unmap.free": 6,
        },
      },
    ]);
  });
});
