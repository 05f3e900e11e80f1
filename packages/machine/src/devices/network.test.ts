import { describe, expect, it } from "vitest";
import {
  ArgumentError,
  Category,
  DeviceBusyError,
  ExcCode,
  IRQ,
  Machine,
  NET_STATUS_MISS,
  NET_STATUS_RX,
  NET_STATUS_TX,
  type NetworkCard,
  PhysicalAddressError,
  Resolution,
  SR_KERNEL_IE,
  type Thread,
} from "../privileged.js";
import { HITS_ONLY, TEST_COSTS } from "../test-costs.js";

const RX_BASE = 0x10000;
const RX_STRIDE = 2048;
const TX = 0x40000;

interface Received {
  cycle: number;
  slot: number;
  bytes: number[];
}

/**
 * A tiny kernel: on a network interrupt it reads the status, drains the ring from its own tail
 * (re-giving each slot when `regive`), logs what it saw, acknowledges, and returns.
 */
function netKernel(opts: { slots?: number; regive?: boolean; seed?: number } = {}) {
  const m = new Machine({
    profile: HITS_ONLY,
    trace: true,
    memoryBytes: 1 << 20,
    seed: opts.seed ?? 1,
  });
  const n = m.profile.network.receiveRingSlots;
  const given = opts.slots ?? n;
  for (let s = 0; s < given; s++) m.net.giveReceiveBuffer(s, RX_BASE + s * RX_STRIDE);
  let tail = 0;
  const received: Received[] = [];
  const statuses: { cycle: number; status: number }[] = [];
  m.setExceptionHandler(ExcCode.Int, (cpu) => {
    const at = cpu.now - m.profile.exceptionEntryCycles;
    const status = m.net.readStatus();
    statuses.push({ cycle: at, status });
    // Acknowledge first, then drain: a frame landing during the drain interrupts again.
    m.net.acknowledge(status);
    if (status & NET_STATUS_RX) {
      for (;;) {
        const len = m.net.receivedLength(tail);
        if (len === 0) break;
        const pa = RX_BASE + tail * RX_STRIDE;
        received.push({ cycle: at, slot: tail, bytes: [...m.memory.readBytes(pa, len)] });
        if (opts.regive !== false) m.net.giveReceiveBuffer(tail, pa);
        tail = (tail + 1) % n;
      }
    }
    cpu.rfe();
    return Resolution.Retry;
  });
  /** Runs straight-line kernel code as one context (it yields once at its end). */
  const runBody = (fn: () => void) => {
    function* body(): Thread {
      fn();
      yield;
    }
    const ctx = m.createContext("k", 0, body(), { status: SR_KERNEL_IE });
    return m.run({ pickNext: () => (ctx.finished ? null : ctx) });
  };
  return { m, received, statuses, runBody };
}

const frame = (len: number, tag: number) =>
  Uint8Array.from({ length: len }, (_, i) => (i + tag) & 0xff);

describe("network receive ring", () => {
  it("DMAs scripted frames into successive slots at arrival + receive latency, and interrupts", () => {
    const { m, received, statuses } = netKernel();
    m.net.scheduleFrame(100_000, frame(60, 1));
    m.net.scheduleFrame(300_000, frame(1518, 2));
    m.net.scheduleFrame(500_000, frame(1, 3));
    m.run({ pickNext: () => null });
    // (100_000 + 2_000) / 40 = 2550, (302_000) / 40 = 7550, 502_000 / 40 = 12550.
    expect(received.map((r) => [r.cycle, r.slot, r.bytes.length])).toEqual([
      [2550, 0, 60],
      [7550, 1, 1518],
      [12550, 2, 1],
    ]);
    expect(received[1]!.bytes).toEqual([...frame(1518, 2)]);
    expect(statuses.every((s) => s.status === NET_STATUS_RX)).toBe(true);
    expect(m.net.framesReceived).toBe(3);
    expect(m.net.bytesReceived).toBe(1579);
    expect(m.net.receiveHead).toBe(3);
    expect(m.net.peekStatus).toBe(0);
    expect(m.cpu.cause & (1 << (8 + IRQ.Network))).toBe(0);
  });

  it("a full ring drops the frame, counts it, and reports MISS", () => {
    const { m, received, statuses } = netKernel({ slots: 2, regive: false });
    for (let i = 0; i < 4; i++) m.net.scheduleFrame(100_000 * (i + 1), frame(64, i));
    m.run({ pickNext: () => null });
    expect(received.map((r) => r.slot)).toEqual([0, 1]);
    expect(m.net.framesReceived).toBe(2);
    expect(m.net.framesDropped).toBe(2);
    expect(statuses.map((s) => s.status)).toEqual([
      NET_STATUS_RX,
      NET_STATUS_RX,
      NET_STATUS_MISS,
      NET_STATUS_MISS,
    ]);
    // The card fills strictly in ring order: slot 2 was never given, so even a free slot 0
    // does not help.
    m.net.giveReceiveBuffer(0, RX_BASE);
    m.net.scheduleFrame(m.nowNs + 10_000, frame(64, 9));
    m.run({ pickNext: () => null });
    expect(m.net.framesDropped).toBe(3);
    expect(m.net.slotState(0)).toEqual({ pa: RX_BASE, length: 0, cardOwned: true });
  });

  it("seeded generated traffic is deterministic and never faster than the wire", () => {
    const go = (seed: number) => {
      const k = netKernel({ seed });
      k.m.net.generateTraffic({ startNs: 50_000, frames: 200, minGapNs: 0, maxGapNs: 400_000 });
      expect(k.m.net.generatedPending).toBe(199);
      k.m.run({ pickNext: () => null });
      return k;
    };
    const a = go(5);
    const b = go(5);
    const c = go(6);
    expect(a.m.net.framesReceived).toBe(200);
    expect(a.m.net.generatedPending).toBe(0);
    expect(a.m.tracer!.hash()).toBe(b.m.tracer!.hash());
    expect(a.received).toEqual(b.received);
    expect(c.m.tracer!.hash()).not.toBe(a.m.tracer!.hash());
    // Frame i carries i in its first word; arrivals are spaced by at least wire time + gap.
    a.received.forEach((r, i) => {
      expect(r.bytes[0]! | (r.bytes[1]! << 8)).toBe(i);
      if (i > 0) {
        const minNs = (8 + Math.max(r.bytes.length, 64) + 12) * 800;
        expect((r.cycle - a.received[i - 1]!.cycle) * 40).toBeGreaterThanOrEqual(minNs - 40);
      }
    });
  });
});

describe("network transmit", () => {
  it("a frame leaves after the transmit latency and holds the wire for preamble + padded length", () => {
    const { m, statuses, runBody } = netKernel();
    const sent: { frame: number[]; lastBitOutNs: number; seq: number; from: NetworkCard }[] = [];
    m.net.attach({
      carry: (from, f, lastBitOutNs, seq) => sent.push({ frame: [...f], lastBitOutNs, seq, from }),
    });
    m.memory.writeBytes(TX, frame(100, 7));
    const device0 = m.snapshot().table[Category.Device]!;
    let t0 = -1;
    let t1 = -1;
    runBody(() => {
      m.cpu.exec(TEST_COSTS["test.work"], 1000);
      m.net.transmit(TX, 100);
      t0 = m.nowNs;
      m.memory.writeBytes(TX, frame(30, 8)); // the card copied the first frame already
      m.net.transmit(TX, 30);
      t1 = m.nowNs;
    });
    const start = 16 * 15; // the kernel gave 16 receive buffers: one register write each
    expect(t0).toBe((start + 1000 + 2 * 15) * 40);
    expect(t1).toBe(t0 + 2 * 15 * 40);
    // First: t0 + 2_000 latency + (8 + 100) * 800. Second: after the first plus the 12-byte
    // inter-frame gap, then (8 + max(30, 64)) * 800.
    const first = t0 + 2_000 + 108 * 800;
    const second = Math.max(t1 + 2_000, first + 12 * 800) + 72 * 800;
    expect(first).toBe(139_200);
    expect(second).toBe(206_400);
    expect(sent.map((s) => [s.lastBitOutNs, s.seq, s.frame.length])).toEqual([
      [first, 0, 100],
      [second, 1, 30],
    ]);
    expect(sent[0]!.frame).toEqual([...frame(100, 7)]);
    expect(sent[0]!.from).toBe(m.net);
    expect(statuses).toEqual([
      { cycle: first / 40, status: NET_STATUS_TX },
      { cycle: second / 40, status: NET_STATUS_TX },
    ]);
    expect(m.net.framesSent).toBe(2);
    expect(m.net.bytesSent).toBe(130);
    // 2 transmits x 2 register writes, 2 x (status read + acknowledge), 15 cycles each.
    expect(m.snapshot().table[Category.Device]! - device0).toBe(8 * 15);
  });

  it("an unattached card still sends (into the void) and counts", () => {
    const { m, runBody } = netKernel();
    runBody(() => {
      m.net.transmit(TX, 64);
    });
    expect(m.net.framesSent).toBe(1);
  });
});

describe("network misuse gets typed errors before anything changes", () => {
  const state = (m: Machine) => ({
    now: m.now,
    events: m.events.size,
    inFlight: m.net.transmitsInFlight,
    device: m.snapshot().table[Category.Device],
  });

  it("transmit: bad length, memory range, full transmit ring", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    m.cpu.status = 0;
    const before = state(m);
    for (const len of [0, -1, 1519, 2.5])
      expect(() => m.net.transmit(TX, len)).toThrow(ArgumentError);
    expect(() => m.net.transmit((1 << 20) - 10, 64)).toThrow(PhysicalAddressError);
    expect(() => m.net.transmit(-4, 64)).toThrow(PhysicalAddressError);
    expect(state(m)).toEqual(before);
    for (let i = 0; i < 16; i++) m.net.transmit(TX, 64);
    const full = state(m);
    expect(() => m.net.transmit(TX, 64)).toThrow(DeviceBusyError);
    expect(state(m)).toEqual(full);
  });

  it("receive ring and scripted traffic: bad slot, buffer outside memory, double give, past arrival", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const before = state(m);
    expect(() => m.net.giveReceiveBuffer(16, RX_BASE)).toThrow(ArgumentError);
    expect(() => m.net.giveReceiveBuffer(0, (1 << 20) - 1000)).toThrow(PhysicalAddressError);
    expect(() => m.net.receivedLength(-1)).toThrow(ArgumentError);
    expect(() => m.net.scheduleFrame(-1, frame(64, 0))).toThrow(ArgumentError);
    expect(() => m.net.scheduleFrame(0, new Uint8Array(1519))).toThrow(ArgumentError);
    expect(() => m.net.scheduleFrame(0, [1, 2] as unknown as Uint8Array)).toThrow(ArgumentError);
    expect(() => m.net.acceptFrame(0, 1, 0, frame(64, 0))).toThrow(/after the current cycle/);
    expect(() => m.net.acknowledge(8)).toThrow(ArgumentError);
    expect(() => m.net.attach({} as never)).toThrow(ArgumentError);
    expect(() =>
      m.net.generateTraffic({ startNs: 0, frames: 0, minGapNs: 0, maxGapNs: 0 }),
    ).toThrow(ArgumentError);
    expect(() =>
      m.net.generateTraffic({ startNs: 0, frames: 1, minGapNs: 10, maxGapNs: 5 }),
    ).toThrow(ArgumentError);
    expect(state(m)).toEqual(before);
    m.net.giveReceiveBuffer(0, RX_BASE);
    const given = state(m);
    expect(() => m.net.giveReceiveBuffer(0, RX_BASE)).toThrow(DeviceBusyError);
    expect(state(m)).toEqual(given);
    // Time has moved: an arrival at or before the current cycle is refused.
    m.cpu.status = 0;
    m.cpu.charge(1000, Category.Kernel);
    expect(() => m.net.scheduleFrame(m.nowNs - 2_000, frame(64, 0))).toThrow(ArgumentError);
  });
});
