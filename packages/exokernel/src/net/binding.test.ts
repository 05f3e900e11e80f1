/**
 * The network binding: filters with their rings, the receive path, send, ASHs, the refusals,
 * and what an environment's death takes with it.
 */
import type { NetworkPort } from "@exolab/machine/privileged";
import { describe, expect, it } from "vitest";
import {
  encodeAsh,
  encodeFilter,
  eq,
  ipFilter,
  ipPacket,
  PROTO_UDP,
  Reg,
  Result,
  RING,
  Rights,
  UDP_FRAME,
  udpReplyProgram,
} from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import {
  Aegis,
  counted,
  envWithSaveArea,
  type Hosted,
  hostileValues,
  SAVE_VA,
} from "../test-util.js";

const SLICE = 20_000;

const words = (f: Parameters<typeof encodeFilter>[0]) => Array.from(encodeFilter(f));
const udp = (port: number) => words(ipFilter({ proto: PROTO_UDP, dstPort: port }));

/** Frames the card transmitted (a sink instead of a link). */
function sink(aegis: Aegis): Uint8Array[] {
  const out: Uint8Array[] = [];
  const port: NetworkPort = { carry: (_s, frame) => void out.push(frame.slice()) };
  aegis.machine.net.attach(port);
  return out;
}

/** An env that runs (a worker on its slice), with a ring frame and a save area. */
function netEnv(aegis: Aegis, name: string, log?: number[]): { env: Hosted; ring: number } {
  const env = envWithSaveArea(aegis, name);
  const h = env.handle;
  env.onStartOfSlice(function* () {
    for (;;) {
      h.cpu.exec(TEST_COSTS["test.work"], 200);
      yield* h.safepoint();
    }
  });
  env.allocSlice();
  const ring = env.allocFrame();
  if (log !== undefined) {
    const r = env.setInterruptHandler("net", (x) => void log.push(x.cpu.reg(Reg.t1)), SAVE_VA);
    expect(r).toBe(Result.Ok);
  }
  return { env, ring };
}

/** The records in a ring frame (host-side read of physical memory: the test's view). */
function ringRecords(aegis: Aegis, env: Hosted, ringCap: number): Uint8Array[] {
  const base = env.frameOf(ringCap) * 4096;
  const dv = memView(aegis);
  const D = RING.dataBytes;
  const prod = dv.getUint32(base + RING.producer, true);
  let cons = dv.getUint32(base + RING.consumer, true);
  const out: Uint8Array[] = [];
  while (cons !== prod) {
    const p = cons >= D ? cons - D : cons;
    const len = dv.getUint32(base + RING.data + p, true);
    if (len === 0) {
      cons = cons < D ? D : 0;
      continue;
    }
    const at = base + RING.data + p + 4;
    out.push(aegis.machine.memory.u8.slice(at, at + len));
    cons = (cons + 4 + ((len + 3) & ~3)) % (2 * D);
  }
  return out;
}

function memView(aegis: Aegis): DataView {
  const u8 = aegis.machine.memory.u8;
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

function arrive(aegis: Aegis, frame: Uint8Array, atCycle: number): void {
  aegis.machine.net.scheduleFrame(atCycle * aegis.machine.profile.cycleNs, frame);
}

const packet = (port: number, payloadBytes = 18) =>
  ipPacket({ proto: PROTO_UDP, srcPort: 9, dstPort: port, payloadBytes });

// Packets arrive at absolute cycles chosen after boot: these tests run on the counted profile
// (memory system off), where boot's cycles are the counted ones (test-util, COUNTED_PROFILE).

describe("filters", () => {
  it("are refused when malformed, claimed by another env, past the quota, or without the ring's rights", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE, filterQuota: 2 } }));
    const { env: a, ring: ra } = netEnv(aegis, "a");
    const { env: b, ring: rb } = netEnv(aegis, "b");
    const f7 = a.insertFilter(ra, udp(7));
    expect(f7).toBeGreaterThanOrEqual(0);
    // b may not take a's packets, nor a superset of them.
    expect(b.insertFilter(rb, udp(7))).toBe(Result.Busy);
    expect(b.insertFilter(rb, words([eq(12, 2, 0x0800)]))).toBe(Result.Busy);
    // Malformed: contradictory atoms, a bad width, not a multiple of 5 words, empty.
    expect(b.insertFilter(rb, words([eq(12, 2, 1), eq(12, 2, 2)]))).toBe(Result.Invalid);
    expect(b.insertFilter(rb, [1, 12, 3, 0xffff, 0x800])).toBe(Result.Invalid);
    expect(b.insertFilter(rb, [1, 12, 2])).toBe(Result.Invalid);
    expect(b.insertFilter(rb, [])).toBe(Result.Invalid);
    // The ring: a's frame named in b's list is nothing; read-only is not enough.
    expect(b.insertFilter(ra + 50, udp(8))).toBe(Result.BadCap);
    const ro = a.grant(ra, b.id, Rights.Read);
    expect(b.insertFilter(ro, udp(8))).toBe(Result.Rights);
    const rw = a.grant(ra, b.id, Rights.Read | Rights.Write);
    expect(b.insertFilter(rw, udp(8))).toBe(Result.NotOwner);
    // Hostile vectors and arguments: Invalid, nothing run.
    const { values, reads } = hostileValues();
    for (const v of values) {
      expect(b.insertFilter(rb, v as never)).toBeLessThan(0);
      expect(b.insertFilter(v as never, udp(8))).toBe(Result.Invalid);
    }
    expect(reads()).toBe(0);
    // The quota.
    expect(b.insertFilter(rb, udp(8))).toBeGreaterThanOrEqual(0);
    expect(b.insertFilter(rb, udp(9))).toBeGreaterThanOrEqual(0);
    expect(b.insertFilter(rb, udp(10))).toBe(Result.NoMemory);
    // Delete: only the owner; then Stale; never issued: Invalid.
    expect(b.deleteFilter(f7)).toBe(Result.NotOwner);
    expect(a.deleteFilter(f7)).toBe(Result.Ok);
    expect(a.deleteFilter(f7)).toBe(Result.Stale);
    expect(a.deleteFilter(999)).toBe(Result.Invalid);
    expect(a.deleteFilter(-5)).toBe(Result.Invalid);
    // Now free: b may have port 7 (one deleted, one slot free again).
    expect(b.deleteFilter(b.insertFilter(rb, udp(11)))).toBeLessThan(0); // still at quota
  });
});

describe("the receive path", () => {
  it("writes each packet into its filter owner's ring only, and announces it to the handler", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const logA: number[] = [];
    const logB: number[] = [];
    const { env: a, ring: ra } = netEnv(aegis, "a", logA);
    const { env: b, ring: rb } = netEnv(aegis, "b", logB);
    expect(a.insertFilter(ra, udp(7))).toBeGreaterThanOrEqual(0);
    expect(b.insertFilter(rb, udp(8))).toBeGreaterThanOrEqual(0);
    const p1 = packet(7, 20);
    const p2 = packet(8, 31);
    const p3 = packet(9);
    arrive(aegis, p1, 50_000);
    arrive(aegis, p2, 60_000);
    arrive(aegis, p3, 70_000);
    arrive(aegis, packet(7, 1), 80_000);
    aegis.run({ untilCycle: 200_000 });
    const inA = ringRecords(aegis, a, ra);
    const inB = ringRecords(aegis, b, rb);
    expect(inA.map((x) => x.length)).toEqual([p1.length, p1.length - 19]);
    expect(inA[0]).toEqual(p1);
    expect(inB).toEqual([p2]);
    const s = aegis.netStats();
    expect(s.received).toBe(4);
    expect(s.unclaimed).toBe(1);
    expect(s.delivered).toBe(3);
    // One upcall per batch announced (t1 = packets since the last).
    expect(logA.reduce((x, y) => x + y, 0)).toBe(2);
    expect(logB).toEqual([1]);
  });

  it("drops a packet when the ring is full (counted in the ring) and when its frame is gone", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const { env: a, ring: ra } = netEnv(aegis, "a");
    expect(a.insertFilter(ra, udp(7))).toBeGreaterThanOrEqual(0);
    // 1000-byte payloads: 3 fit in 4080 bytes of ring, then the ring is full.
    for (let i = 0; i < 5; i++) arrive(aegis, packet(7, 1000), 50_000 + i * 30_000);
    aegis.run({ untilCycle: 250_000 });
    expect(ringRecords(aegis, a, ra).length).toBe(3);
    const base = a.frameOf(ra) * 4096;
    const dv = memView(aegis);
    expect(dv.getUint32(base + RING.dropped, true)).toBe(2);
    expect(aegis.netStats().ringFull).toBe(2);
    // A consumer that is not a ring position: the kernel drops (it never trusts the words).
    dv.setUint32(base + RING.consumer, 3, true);
    arrive(aegis, packet(7), 300_000);
    aegis.run({ untilCycle: 350_000 });
    expect(aegis.netStats().ringFull).toBe(3);
    // The ring's frame freed: nothing is written there any more.
    const f = a.frameOf(ra);
    expect(a.freeFrame(ra)).toBe(Result.Ok);
    const before = aegis.machine.memory.u8.slice(f * 4096, f * 4096 + 4096);
    arrive(aegis, packet(7), 400_000);
    aegis.run({ untilCycle: 450_000 });
    expect(aegis.netStats().ringGone).toBe(1);
    expect(aegis.machine.memory.u8.slice(f * 4096, f * 4096 + 4096)).toEqual(before);
  });

  it("a destroyed env's filters go with it (another may then claim its packets)", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const { env: a, ring: ra } = netEnv(aegis, "a");
    const { env: b, ring: rb } = netEnv(aegis, "b");
    expect(a.insertFilter(ra, udp(7))).toBeGreaterThanOrEqual(0);
    expect(b.insertFilter(rb, udp(7))).toBe(Result.Busy);
    aegis.destroy(a.handle);
    expect(b.insertFilter(rb, udp(7))).toBeGreaterThanOrEqual(0);
    arrive(aegis, packet(7), 50_000);
    aegis.run({ untilCycle: 100_000 });
    expect(ringRecords(aegis, b, rb).length).toBe(1);
  });
});

describe("send", () => {
  it("sends from the caller's own frame, checked", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const out = sink(aegis);
    const { env: a, ring: ra } = netEnv(aegis, "a");
    const { env: b } = netEnv(aegis, "b");
    const f = a.frameOf(ra);
    const p = packet(7);
    aegis.machine.memory.u8.set(p, f * 4096 + 100);
    expect(a.netSend(ra, 100, p.length)).toBe(Result.Ok);
    expect(out).toEqual([p]);
    expect(a.netSend(ra, 4096 - 10, 11)).toBe(Result.Invalid);
    expect(a.netSend(ra, -1, 10)).toBe(Result.Invalid);
    expect(a.netSend(ra, 0, 0)).toBe(Result.Invalid);
    expect(a.netSend(ra, 0, 1519)).toBe(Result.Invalid);
    expect(b.netSend(ra + 50, 0, 60)).toBe(Result.BadCap);
    const g = a.grant(ra, b.id, Rights.Read);
    expect(b.netSend(g, 0, 60)).toBe(Result.NotOwner);
    expect(out.length).toBe(1);
  });
});

describe("ASHs", () => {
  it("reply at once from the kernel, consuming the packet, charged to the owner", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const out = sink(aegis);
    const { env: a, ring: ra } = netEnv(aegis, "a");
    const id = a.insertFilter(ra, udp(7));
    expect(a.downloadAsh(id, Array.from(encodeAsh(udpReplyProgram())))).toBe(Result.Ok);
    const p = packet(7, 18);
    new DataView(p.buffer).setUint32(UDP_FRAME.payload, 41, true);
    arrive(aegis, p, 50_000);
    aegis.run({ untilCycle: 100_000 });
    expect(out.length).toBe(1);
    const r = new DataView(out[0]!.buffer);
    expect(r.getUint32(UDP_FRAME.payload, true)).toBe(42);
    expect(r.getUint16(UDP_FRAME.udpDstPort)).toBe(9);
    expect(r.getUint16(UDP_FRAME.udpSrcPort)).toBe(7);
    expect(ringRecords(aegis, a, ra)).toEqual([]);
    const s = aegis.netStats();
    expect([s.ashRuns, s.ashConsumed, s.ashSent, s.delivered]).toEqual([1, 1, 1, 0]);
    const labels = aegis.inspect(a.handle);
    expect(labels.name).toBe("a");
  });

  it("are refused with the verifier's reason, for another env's filter, or past the quota", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE, ashQuota: 1 } }));
    const { env: a, ring: ra } = netEnv(aegis, "a");
    const { env: b, ring: rb } = netEnv(aegis, "b");
    const id = a.insertFilter(ra, udp(7));
    const id2 = a.insertFilter(ra, udp(8));
    // A backward jump (unbounded): Invalid, with the reason.
    const loop = Array.from(
      encodeAsh([
        ["li", 1, 0],
        ["jmp", 0],
      ]),
    );
    expect(a.downloadAsh(id, loop)).toBe(Result.Invalid);
    expect(aegis.lastAshRefusal).toMatch(/instruction 1/);
    // A store into a grant it does not have.
    const esc = Array.from(encodeAsh([["st4", 0, 1, 0, 0]]));
    expect(a.downloadAsh(id, esc)).toBe(Result.Invalid);
    // A store into a read-only grant.
    const ro = a.grant(ra, a.id, Rights.Read);
    expect(a.downloadAsh(id, esc, ro)).toBe(Result.Invalid);
    expect(a.downloadAsh(id, esc, ra)).toBe(Result.Ok);
    expect(b.downloadAsh(id, esc, rb)).toBe(Result.NotOwner);
    expect(a.downloadAsh(id2, esc, ra)).toBe(Result.NoMemory);
    // Replacing its one ASH is not a second.
    expect(a.downloadAsh(id, esc, ra)).toBe(Result.Ok);
    expect(a.downloadAsh(999, esc)).toBe(Result.Invalid);
    expect(b.downloadAsh(id, esc, ra)).toBe(Result.NotOwner);
    void rb;
  });

  it("a faulting ASH sends nothing and the packet goes on into the ring", () => {
    const aegis = new Aegis(counted({ policy: { sliceCycles: SLICE } }));
    const out = sink(aegis);
    const { env: a, ring: ra } = netEnv(aegis, "a");
    const id = a.insertFilter(ra, udp(7));
    // Sends the message, then reads past its end (a run-time bound check): a fault.
    const prog = Array.from(
      encodeAsh([
        ["len", 3, 0],
        ["send", 0, 0, 3],
        ["ld4", 1, 0, 3, 0],
        ["ret", 0],
      ]),
    );
    expect(a.downloadAsh(id, prog)).toBe(Result.Ok);
    arrive(aegis, packet(7), 50_000);
    aegis.run({ untilCycle: 100_000 });
    expect(out).toEqual([]);
    expect(aegis.netStats().ashFaults).toBe(1);
    expect(ringRecords(aegis, a, ra).length).toBe(1);
  });
});

describe("refusals", () => {
  it("change nothing: filters, ASHs, frame owners, the rings and the counters stay as they were", () => {
    const aegis = new Aegis(
      counted({ policy: { sliceCycles: SLICE, filterQuota: 2, ashQuota: 1 } }),
    );
    const { env: a, ring: ra } = netEnv(aegis, "a");
    const { env: b, ring: rb } = netEnv(aegis, "b");
    const f7 = a.insertFilter(ra, udp(7));
    expect(a.insertFilter(ra, udp(8))).toBeGreaterThanOrEqual(0);
    expect(a.downloadAsh(f7, Array.from(encodeAsh(udpReplyProgram())))).toBe(Result.Ok);
    const ro = a.grant(ra, b.id, Rights.Read);
    const esc = Array.from(encodeAsh([["st4", 0, 1, 0, 0]]));
    const state = () =>
      JSON.stringify({
        filters: aegis.netFilters(),
        owners: Array.from(aegis.frameOwners()),
        stats: aegis.netStats(),
        rings: [ra, rb].map((c, i) => {
          const f = (i === 0 ? a : b).frameOf(c) * 4096;
          return Array.from(aegis.machine.memory.u8.slice(f, f + 64));
        }),
      });
    const refusals: [string, () => number][] = [
      ["claimed", () => b.insertFilter(rb, udp(7))],
      ["malformed", () => b.insertFilter(rb, [1, 12, 3, 0xffff, 0x800])],
      ["contradiction", () => b.insertFilter(rb, words([eq(12, 2, 1), eq(12, 2, 2)]))],
      ["foreign ring", () => b.insertFilter(ro, udp(9))],
      ["forged ring", () => b.insertFilter(rb + 77, udp(9))],
      ["filter quota", () => a.insertFilter(ra, udp(9))],
      ["foreign delete", () => b.deleteFilter(f7)],
      ["unknown delete", () => b.deleteFilter(4000)],
      ["bad send", () => b.netSend(rb, 4000, 200)],
      ["foreign send", () => b.netSend(ro, 0, 60)],
      ["foreign ash", () => b.downloadAsh(f7, esc, rb)],
      ["unsafe ash", () => a.downloadAsh(f7 + 1, esc)],
      ["ash quota", () => a.downloadAsh(f7 + 1, esc, ra)],
      ["ash grant foreign", () => b.downloadAsh(f7, esc, ro)],
    ];
    for (const [what, call] of refusals) {
      const before = state();
      const r = call();
      expect(r, what).toBeLessThan(0);
      expect(state(), what).toBe(before);
    }
  });
});
