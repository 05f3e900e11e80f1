/**
 * The library's paths, pinned to the cycle on the dec5000_125 profile with the default
 * policies (COSTS.md counts each one step by step). A change of any count, or of the code
 * on a path, shows here: update COSTS.md with the new count and its reason, never the
 * other way round.
 */
import { PAGE_BYTES } from "@exolab/exokernel";
import { type AttributionReport, attributionBetween } from "@exolab/machine/privileged";
import { describe, expect, it } from "vitest";
import { type Channel, type LibOsApi, layout } from "./index.js";
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
        .filter((l) => l.label.startsWith("realtime.") || l.label === "load-delay.nop")
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
  it("a first touch: refill upcall, demand-zero frame, tlbWrite, retried store", () => {
    // biome-ignore lint/correctness/useYield: a thread that never blocks
    const [p] = measure(function* (os, _server, span) {
      os.vm.map(layout.APP_BASE, 1);
      const s0 = span.start();
      os.env.cpu.store32(layout.APP_BASE, 1);
      span.stop(s0);
    });
    expect(p).toEqual({
      // 21 cycles fewer than the template's 1257: the page-table page is still in the TLB
      // (this library's boot guarantees one more page, so the seeded random replacement chose
      // other victims): no software-TLB refill for the entry's load (see COSTS.md).
      cycles: 1236,
      byOwner: { kernel: 1189, libos: 47 },
      byCategory: {
        user: 33,
        kernel: 126,
        trapEntry: 9,
        trapExit: 3,
        regSave: 11,
        regRestore: 8,
        memory: 1041,
        tlb: 5,
      },
      labels: {
        "realtime.refill.entry": 12,
        "realtime.refill.zero": 6,
        "realtime.refill.install": 5,
        "realtime.refill.return": 2,
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
      labels: { "realtime.call.client": 4, "realtime.call.server": 6 },
    });
  });
  // #endregion call-path

  it("a channel call round trip to another environment (one message, a service that charges nothing)", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const os = w.spawn();
    const server = w.spawn({ passive: true });
    // biome-ignore lint/correctness/useYield: a service that never blocks
    server.channels.serve(function* (msg) {
      return msg + 1;
    });
    const ch = os.channels.connect(server.env.id, 8) as Channel;
    expect(server.channels.accept(os.env.id, ch.serverCap, 8, 0)).toBe(0);
    const paths: Path[] = [];
    let reply = 0;
    os.sched.spawn(function* () {
      const s0 = w.aegis.snapshot();
      reply = yield* ch.call(1);
      paths.push(path(attributionBetween(w.aegis.machine.accounting, s0, w.aegis.snapshot())));
    });
    w.runUntil(() => paths.length === 1);
    expect(reply).toBe(2);
    // The library's 74 user cycles: send 10, one handoff (call 5, result 12), the server's
    // entry 6, lookup 5, two scans for waiting clients 2 × 6, drain 4, one message 9, reply 3,
    // and 2 load-delay nops (the tail loads of send and of drain, used at once);
    // memory 38: the 12 callee-saved registers each way, the ring's and header's words; the
    // kernel's 87: the call and the reply (as in the call round trip above) and a miss on the
    // server's view of the shared page, served from its guaranteed mappings (tlb 3).
    expect(paths[0]).toEqual({
      cycles: 197,
      byOwner: { kernel: 87, libos: 110 },
      byCategory: { user: 74, kernel: 70, trapEntry: 9, trapExit: 3, memory: 38, tlb: 3 },
      labels: {
        "realtime.chan.send": 10,
        "realtime.chan.call": 5,
        "realtime.chan.result": 12,
        "realtime.chan.entry": 6,
        "realtime.chan.lookup.step": 5,
        "realtime.chan.waiting.step": 12,
        "realtime.chan.drain": 4,
        "realtime.chan.serve.step": 9,
        "realtime.chan.reply": 3,
        "load-delay.nop": 2,
      },
    });
  });

  it("a channel call with a client ranked before the caller, not waiting: its waiting word's load-delay nop", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const os = w.spawn();
    const other = w.spawn();
    const server = w.spawn({ passive: true });
    // biome-ignore lint/correctness/useYield: a service that never blocks
    server.channels.serve(function* (msg) {
      return msg + 1;
    });
    const ch = os.channels.connect(server.env.id, 8) as Channel;
    const och = other.channels.connect(server.env.id, 8) as Channel;
    expect(server.channels.accept(other.env.id, och.serverCap, 8, 0)).toBe(0);
    expect(server.channels.accept(os.env.id, ch.serverCap, 8, 1)).toBe(0);
    const paths: Path[] = [];
    let reply = 0;
    os.sched.spawn(function* () {
      const s0 = w.aegis.snapshot();
      reply = yield* ch.call(1);
      paths.push(path(attributionBetween(w.aegis.machine.accounting, s0, w.aegis.snapshot())));
    });
    w.runUntil(() => paths.length === 1);
    expect(reply).toBe(2);
    // Against the one-client round trip: two lookup steps, and each of the two scans for
    // waiting clients looks at the other client first (ranked before the caller): a waiting
    // step and its waiting word's load, whose beqz follows at once (the step's addiu already
    // fills lw rank's slot), so a load-delay nop each: 4 nops (send's and drain's tail, the
    // other client's waiting word twice).
    expect(paths[0]!.labels).toEqual({
      "realtime.chan.send": 10,
      "realtime.chan.call": 5,
      "realtime.chan.result": 12,
      "realtime.chan.entry": 6,
      "realtime.chan.lookup.step": 10,
      "realtime.chan.waiting.step": 24,
      "realtime.chan.drain": 4,
      "realtime.chan.serve.step": 9,
      "realtime.chan.reply": 3,
      "load-delay.nop": 4,
    });
  });

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
      labels: { "realtime.sched.pick": 7, "realtime.sched.switch": 6 },
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
          "realtime.vm.range": 17,
          "realtime.vm.scan.step": 16,
          "realtime.vm.fill.step": 12,
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
          "realtime.vm.range": 17,
          "realtime.vm.unmap.step": 24,
          "realtime.vm.unmap.free": 6,
        },
      },
    ]);
  });
});
