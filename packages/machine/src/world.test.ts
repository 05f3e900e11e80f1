import { describe, expect, it } from "vitest";
import {
  ArgumentError,
  ConfigError,
  type Dispatcher,
  ExcCode,
  type ExecutionContext,
  KSEG0,
  type Machine,
  NET_STATUS_RX,
  OwnerKind,
  Resolution,
  SR_KERNEL_IE,
  type Thread,
  World,
  WorldError,
} from "./privileged.js";
import { HITS_ONLY, TEST_COSTS } from "./test-costs.js";

const RX_BASE = 0x10000;
const RX_STRIDE = 2048;
const TX = 0x40000;
const PROPAGATION_NS = 1_000;

interface Station {
  m: Machine;
  log: string[];
  dispatcher: Dispatcher;
}

/**
 * A tiny kernel for one machine of a ping-pong. Its interrupt handler reads the card's status,
 * drains the receive ring (re-giving each slot), logs each frame, and, while the counter in
 * the frame's first word is below `rounds`, replies with the counter plus one (copying the
 * frame through kseg0 with charged accesses). A user context does `work` chunks of `chunk`
 * instructions, yielding between them; `start` (if set) sends the first frame first.
 */
function station(
  m: Machine,
  opts: {
    rounds: number;
    work: number;
    chunk: number;
    start?: boolean;
    kickInstructions?: number;
    frameBytes?: number;
  },
): Station {
  const log: string[] = [];
  const slots = m.profile.network.receiveRingSlots;
  for (let s = 0; s < slots; s++) m.net.giveReceiveBuffer(s, RX_BASE + s * RX_STRIDE);
  let tail = 0;
  m.setExceptionHandler(ExcCode.Int, (cpu) => {
    const status = m.net.readStatus();
    log.push(`${cpu.now} status ${status}`);
    // Acknowledge first, then drain: a frame landing during the drain interrupts again.
    m.net.acknowledge(status);
    if (status & NET_STATUS_RX) {
      for (;;) {
        const len = m.net.receivedLength(tail);
        if (len === 0) break;
        const rx = RX_BASE + tail * RX_STRIDE;
        const n = cpu.load32(KSEG0 + rx);
        log.push(`${cpu.now} rx slot ${tail} len ${len} n ${n}`);
        if (n < opts.rounds && m.net.transmitsInFlight < slots) {
          cpu.copy(KSEG0 + TX, KSEG0 + rx, len);
          cpu.store32(KSEG0 + TX, n + 1);
          m.net.transmit(TX, len);
          log.push(`${cpu.now} tx n ${n + 1}`);
        }
        m.net.giveReceiveBuffer(tail, rx);
        tail = (tail + 1) % slots;
      }
    }
    cpu.rfe();
    return Resolution.Retry;
  });
  const app = m.registerOwner(OwnerKind.Application, 1, "app");
  const ctxs: ExecutionContext[] = [];
  if (opts.start) {
    function* kick(): Thread {
      m.cpu.exec(TEST_COSTS["test.kick"], opts.kickInstructions ?? 1000);
      yield;
      m.memory.write32(TX, 0);
      m.net.transmit(TX, opts.frameBytes ?? 100);
      log.push(`${m.now} tx n 0`);
      yield;
    }
    ctxs.push(m.createContext("kick", 0, kick(), { status: SR_KERNEL_IE }));
  }
  function* work(): Thread {
    for (let i = 0; i < opts.work; i++) {
      m.cpu.exec(TEST_COSTS["test.work"], opts.chunk);
      yield;
    }
  }
  ctxs.push(m.createContext("work", app, work()));
  const dispatcher: Dispatcher = {
    pickNext: () => ctxs.find((c) => !c.finished) ?? null,
  };
  return { m, log, dispatcher };
}

function pingPong(quantumNs: number, reverse: boolean, rounds = 12, traffic = false) {
  const world = new World();
  const a = world.createMachine({
    profile: HITS_ONLY,
    trace: true,
    seed: 11,
    memoryBytes: 1 << 20,
  });
  const b = world.createMachine({
    profile: HITS_ONLY,
    trace: true,
    seed: 22,
    memoryBytes: 1 << 20,
  });
  world.link([a, b], { propagationNs: PROPAGATION_NS });
  const sa = station(a, { rounds, work: 300, chunk: 100, start: true });
  const sb = station(b, { rounds, work: 400, chunk: 70 });
  // Seeded extra load on B: frames whose first word is below `rounds` start more exchanges.
  if (traffic)
    b.net.generateTraffic({
      startNs: 100_000,
      frames: 30,
      minGapNs: 0,
      maxGapNs: 100_000,
      maxBytes: 200,
    });
  const res = world.run([sa.dispatcher, sb.dispatcher], {
    untilNs: 4_000_000,
    quantumNs,
    order: reverse ? [b, a] : [a, b],
  });
  const summary = (s: Station) => ({
    hash: s.m.tracer!.hash(),
    now: s.m.now,
    log: s.log,
    sent: s.m.net.framesSent,
    received: s.m.net.framesReceived,
    dropped: s.m.net.framesDropped,
  });
  return { res, a: summary(sa), b: summary(sb), minLatency: world.minLinkLatencyNs };
}

describe("world: two linked machines", () => {
  it("B's receive interrupt fires at exactly send + latency + wire + propagation + latency", () => {
    const world = new World();
    const a = world.createMachine({ profile: HITS_ONLY, trace: true, memoryBytes: 1 << 20 });
    const b = world.createMachine({ profile: HITS_ONLY, trace: true, memoryBytes: 1 << 20 });
    expect([a.id, b.id]).toEqual([1, 2]);
    const link = world.link([a, b], { propagationNs: PROPAGATION_NS });
    // 2_000 + (8 + 64) * 800 + 1_000 + 2_000.
    expect(link.minLatencyNs).toBe(62_600);
    const sa = station(a, { rounds: 0, work: 0, chunk: 1, start: true });
    const sb = station(b, { rounds: 0, work: 0, chunk: 1 });
    world.run([sa.dispatcher, sb.dispatcher], { untilNs: 400_000, quantumNs: 20_000 });
    // A gave 16 buffers (16 x 15 cycles), ran 1000 instructions, wrote 2 transmit registers.
    const sendNs = (16 * 15 + 1000 + 2 * 15) * 40;
    expect(sa.log[0]).toBe(`${sendNs / 40} tx n 0`);
    const landNs = sendNs + 2_000 + (8 + 100) * 800 + PROPAGATION_NS + 2_000;
    expect(landNs).toBe(142_200);
    const rxEvent = b.tracer!.instants.find((e) => e.name === "event:net.rx");
    expect(rxEvent?.at).toBe(landNs / 40);
    // The handler ran right after the 3-cycle exception entry, then one status read.
    expect(sb.log[0]).toBe(`${landNs / 40 + 3 + 15} status ${NET_STATUS_RX}`);
    expect(sb.log[1]).toMatch(/^\d+ rx slot 0 len 100 n 0$/);
    expect(b.net.framesReceived).toBe(1);
    expect(link.framesCarried).toBe(1);
    expect(a.nowNs).toBe(400_000);
    expect(b.nowNs).toBe(400_000);
    expect(world.nowNs).toBe(400_000);
  });

  it("a ping-pong is identical for every quantum within the bound and both stepping orders", () => {
    const reference = pingPong(4_000, false);
    expect(reference.a.log.filter((l) => l.includes(" rx ")).length).toBe(6);
    expect(reference.b.log.filter((l) => l.includes(" rx ")).length).toBe(7);
    expect(reference.a.sent + reference.b.sent).toBe(13);
    expect(reference.a.dropped + reference.b.dropped).toBe(0);
    for (const quantumNs of [4_000, 20_000, 40_000, 62_600]) {
      for (const reverse of [false, true]) {
        const r = pingPong(quantumNs, reverse);
        expect({ a: r.a, b: r.b }, `quantum ${quantumNs} reverse ${reverse}`).toEqual({
          a: reference.a,
          b: reference.b,
        });
        expect(r.res.nowNs).toBe(4_000_000);
      }
    }
  });

  it("with seeded extra traffic starting more exchanges, results are still identical for every quantum and order", () => {
    const reference = pingPong(4_000, false, 12, true);
    const rx = reference.a.received + reference.b.received;
    expect(rx).toBeGreaterThan(60);
    expect(reference.a.sent + reference.b.sent).toBeGreaterThan(50);
    for (const quantumNs of [8_000, 36_000, 62_600]) {
      for (const reverse of [false, true]) {
        const r = pingPong(quantumNs, reverse, 12, true);
        expect({ a: r.a, b: r.b }, `quantum ${quantumNs} reverse ${reverse}`).toEqual({
          a: reference.a,
          b: reference.b,
        });
      }
    }
  });

  it("quantum = the bound: a minimum frame sent right at a quantum start lands just after it", () => {
    for (const reverse of [false, true]) {
      const world = new World();
      const a = world.createMachine({ profile: HITS_ONLY, trace: true, memoryBytes: 1 << 20 });
      const b = world.createMachine({ profile: HITS_ONLY, trace: true, memoryBytes: 1 << 20 });
      world.link([a, b], { propagationNs: PROPAGATION_NS });
      // A's buffer set-up takes 240 cycles; 1325 more reach the first quantum end (1565 cycles
      // = 62_600 ns) exactly, where A yields; its send takes effect 30 cycles into quantum #1.
      const sa = station(a, {
        rounds: 0,
        work: 0,
        chunk: 1,
        start: true,
        kickInstructions: 1325,
        frameBytes: 64,
      });
      const sb = station(b, { rounds: 0, work: 0, chunk: 1 });
      world.run([sa.dispatcher, sb.dispatcher], {
        untilNs: 4 * 62_600,
        quantumNs: 62_600,
        order: reverse ? [b, a] : [a, b],
      });
      expect(sa.log[0]).toBe("1595 tx n 0");
      // 1595 * 40 + 62_600 = 126_400 ns = cycle 3160, 30 cycles after B's quantum end (3130).
      expect(b.tracer!.instants.find((e) => e.name === "event:net.rx")?.at).toBe(3160);
      expect(b.net.framesReceived).toBe(1);
    }
  });

  it("same-cycle arrivals are ordered by (origin, sequence), whatever the stepping order", () => {
    for (const reverse of [false, true]) {
      const world = new World();
      const a = world.createMachine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
      const b = world.createMachine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
      world.link([a, b], { propagationNs: PROPAGATION_NS });
      const sa = station(a, { rounds: 0, work: 0, chunk: 1, start: true });
      const sb = station(b, { rounds: 0, work: 0, chunk: 1 });
      // A scripted frame (origin 2, B's own, queued first) landing in the very cycle of A's
      // frame (origin 1): A's frame takes slot 0 because origin 1 < 2, not by insertion order.
      b.net.scheduleFrame(142_200 - 2_000, Uint8Array.from([7, 0, 0, 0, 9]));
      world.run([sa.dispatcher, sb.dispatcher], {
        untilNs: 400_000,
        quantumNs: 40_000,
        order: reverse ? [b, a] : [a, b],
      });
      expect(sb.log.filter((l) => l.includes(" rx "))).toEqual([
        "3604 rx slot 0 len 100 n 0",
        "3635 rx slot 1 len 5 n 7",
      ]);
    }
  });

  it("throws a WorldError naming the quantum and the overshoot when a frame would land in the past", () => {
    const world = new World();
    const a = world.createMachine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const b = world.createMachine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    world.link([a, b], { propagationNs: PROPAGATION_NS });
    const sa = station(a, { rounds: 0, work: 0, chunk: 1, start: true });
    const sb = station(b, { rounds: 0, work: 1, chunk: 100_000 });
    let message = "";
    try {
      world.run([sa.dispatcher, sb.dispatcher], {
        untilNs: 1_000_000,
        quantumNs: 20_000,
        order: [b, a],
      });
    } catch (e) {
      expect(e).toBeInstanceOf(WorldError);
      message = (e as Error).message;
    }
    // B ran first: from cycle 240 (its buffer set-up) 100_000 cycles without a yield, to
    // 4_009_600 ns. A sends at cycle 1270 (50_800 ns), in quantum #2.
    expect(message).toMatch(/in quantum #2 \[40000, 60000\) ns \(quantum 20000 ns\)/);
    expect(message).toMatch(/already at 4009600 ns/);
    expect(message).toMatch(/overshot its quantum end 60000 ns by 3949600 ns/);
    expect(message).toMatch(/minimum link latency 62600 ns/);
    expect(b.net.framesReceived).toBe(0);
  });
});

describe("world: configuration is checked", () => {
  const twoLinked = () => {
    const world = new World();
    const a = world.createMachine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const b = world.createMachine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    world.link([a, b], { propagationNs: PROPAGATION_NS });
    const idle: Dispatcher = { pickNext: () => null };
    return { world, a, b, drivers: [idle, idle] };
  };

  it("refuses a quantum longer than the minimum link latency, or off the cycle grid", () => {
    const { world, a, b, drivers } = twoLinked();
    expect(() => world.run(drivers, { untilNs: 1_000_000, quantumNs: 62_640 })).toThrow(
      /longer than the minimum link latency 62600 ns/,
    );
    expect(() => world.run(drivers, { untilNs: 1_000_000, quantumNs: 1_010 })).toThrow(ConfigError);
    expect(() => world.run(drivers, { untilNs: 1_000_010, quantumNs: 1_000 })).toThrow(ConfigError);
    expect(() => world.run(drivers, { untilNs: 1_000, quantumNs: 0 })).toThrow(ArgumentError);
    expect(world.nowNs).toBe(0);
    // Exactly the bound is allowed (62_600 ns = 1565 cycles).
    expect(world.run(drivers, { untilNs: 125_200, quantumNs: 62_600 }).quanta).toBe(2);
    // Machines with nothing to do are idled to the quantum end.
    expect([a.nowNs, b.nowNs, world.nowNs]).toEqual([125_200, 125_200, 125_200]);
  });

  it("refuses bad drivers, orders, duplicate ids and bad links", () => {
    const { world, a, b, drivers } = twoLinked();
    expect(() => world.run([drivers[0]!], { untilNs: 1_000, quantumNs: 1_000 })).toThrow(
      ConfigError,
    );
    expect(() => world.run(drivers, { untilNs: 1_000, quantumNs: 1_000, order: [a, a] })).toThrow(
      ConfigError,
    );
    expect(() => world.run(drivers, { untilNs: 1_000, quantumNs: 1_000, order: [a] })).toThrow(
      ConfigError,
    );
    expect(() => world.createMachine({ profile: HITS_ONLY, id: a.id })).toThrow(/already used/);
    expect(() => world.add(a)).toThrow(ConfigError);
    expect(() => world.link([a, b], { propagationNs: 0 })).toThrow(/already attached/);
    const c = world.createMachine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    expect(c.id).toBe(3);
    expect(() => world.link([c], { propagationNs: 0 })).toThrow(ConfigError);
    expect(() => world.link([c, c], { propagationNs: 0 })).toThrow(ConfigError);
    expect(() => world.link([a, c], { propagationNs: -1 })).toThrow(ArgumentError);
    world.run([...drivers, drivers[0]!], { untilNs: 8_000, quantumNs: 4_000 });
    expect(() => world.createMachine({ profile: HITS_ONLY, memoryBytes: 1 << 20 })).toThrow(
      /world is at 8000 ns/,
    );
  });

  it("a driver that leaves a machine behind with events pending is an error; idle machines advance", () => {
    const { world, a, b } = twoLinked();
    a.net.scheduleFrame(10_000, new Uint8Array(64)); // lands at cycle 300
    const lazy = (m: Machine) => {
      if (m === b) m.run({ pickNext: () => null }, { untilCycle: 10 });
    };
    expect(() => world.run(lazy, { untilNs: 40_000, quantumNs: 40_000 })).toThrow(
      /left machine 1 at cycle 0, .*event pending at cycle 300/,
    );
  });
});
