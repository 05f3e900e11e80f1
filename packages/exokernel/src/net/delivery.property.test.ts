/**
 * Property (fast-check): through the whole kernel — filters inserted by several environments,
 * frames arriving at the card, the interrupt, the demultiplexer and the rings — no frame ever
 * lands in the ring of an environment whose filter does not accept it, and every frame that
 * an accepted filter takes lands in its owner's ring, in arrival order.
 *
 * The model is independent of the engine: the filters as the test wrote them, evaluated atom
 * by atom on the frame's bytes (BigInt masks, fields composed by multiplication). Filters are
 * drawn from a small space (protocol, ports, an address) so that claims collide; a refused
 * insert (Busy) must be one whose filter overlaps another env's, which the model checks on
 * the frames it draws (a witness frame per filter is among them).
 * FC_NUM_RUNS (default 25), FC_SEED to replay.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AtomSpec,
  encodeFilter,
  type FilterSpec,
  ipFilter,
  ipPacket,
  PROTO_UDP,
  Result,
  RING,
} from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import { Aegis, counted, envWithSaveArea, type Hosted } from "../test-util.js";

const numRuns = Number(process.env.FC_NUM_RUNS ?? 25);
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const PROTO_TCP = 6;

function readField(p: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + p[at + i]!;
  return v;
}

function accepts(spec: readonly AtomSpec[], p: Uint8Array): boolean {
  let base = 0;
  for (const a of spec) {
    const at = base + a.offset;
    if (at + a.width > p.length) return false;
    const v = Number(BigInt(readField(p, at, a.width)) & BigInt(a.mask));
    if (a.op === "eq") {
      if (v !== a.value) return false;
    } else base += v * 2 ** a.scale;
  }
  return true;
}

const filterArb = fc.record({
  proto: fc.constantFrom(PROTO_UDP, PROTO_TCP),
  dstPort: fc.integer({ min: 1, max: 4 }),
  srcPort: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  dstIp: fc.option(fc.constantFrom(0x0a000002, 0x0a000003), { nil: undefined }),
});

const frameArb = fc.record({
  proto: fc.constantFrom(PROTO_UDP, PROTO_TCP, 1),
  dstPort: fc.integer({ min: 0, max: 5 }),
  srcPort: fc.integer({ min: 1, max: 3 }),
  dstIp: fc.constantFrom(0x0a000002, 0x0a000003),
  ihl: fc.constantFrom(5, 5, 6),
  payloadBytes: fc.integer({ min: 0, max: 64 }),
  junk: fc.boolean(),
});

function ringRecords(aegis: Aegis, env: Hosted, ringCap: number): Uint8Array[] {
  const u8 = aegis.machine.memory.u8;
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const base = env.frameOf(ringCap) * 4096;
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
    out.push(u8.slice(at, at + len));
    cons = (cons + 4 + ((len + 3) & ~3)) % (2 * D);
  }
  return out;
}

describe("delivery through the kernel", () => {
  it("no frame reaches an env whose filter does not accept it; every accepted frame reaches its owner", () => {
    let inserted = 0;
    let attempted = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), filterArb), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(frameArb, { minLength: 1, maxLength: 24 }),
        (inserts, frames) => {
          const aegis = new Aegis(counted({ policy: { sliceCycles: 20_000 } }));
          const envs: { env: Hosted; ring: number; filters: FilterSpec[] }[] = [];
          for (let i = 0; i < 3; i++) {
            const env = envWithSaveArea(aegis, `e${i}`);
            const h = env.handle;
            env.onStartOfSlice(function* () {
              for (;;) {
                h.cpu.exec(TEST_COSTS["test.work"], 100);
                yield* h.safepoint();
              }
            });
            env.allocSlice();
            envs.push({ env, ring: env.allocFrame(), filters: [] });
          }
          const packets = frames.map((f) => {
            const p = ipPacket({ ...f, srcIp: 0x0a000001 });
            if (f.junk) p[12] = 0x86;
            return p;
          });
          for (const [who, o] of inserts) {
            const spec = ipFilter(o);
            const e = envs[who]!;
            attempted++;
            const r = e.env.insertFilter(e.ring, Array.from(encodeFilter(spec)));
            if (r >= 0) {
              inserted++;
              e.filters.push(spec);
              // A witness frame for it joins the traffic.
              packets.push(
                ipPacket({
                  proto: o.proto,
                  dstPort: o.dstPort,
                  srcPort: o.srcPort ?? 2,
                  dstIp: o.dstIp ?? 0x0a000002,
                }),
              );
            } else {
              expect([Result.Busy, Result.Invalid]).toContain(r);
            }
          }
          packets.forEach((p, i) => {
            aegis.machine.net.scheduleFrame(
              (60_000 + i * 20_000) * aegis.machine.profile.cycleNs,
              p,
            );
          });
          aegis.run({ untilCycle: 60_000 + packets.length * 20_000 + 100_000 });
          // Never two owners for one frame (the refusals' guarantee), and the rings exact.
          for (const p of packets) {
            const owners = envs.filter((e) => e.filters.some((f) => accepts(f, p)));
            expect(owners.length).toBeLessThanOrEqual(1);
          }
          for (const e of envs) {
            const expected = packets.filter((p) => e.filters.some((f) => accepts(f, p)));
            expect(ringRecords(aegis, e.env, e.ring)).toEqual(expected);
          }
          const s = aegis.netStats();
          expect(s.received).toBe(packets.length);
        },
      ),
      { numRuns, seed },
    );
    // A kernel that refused everything would pass the rest: it must not.
    expect(inserted / attempted).toBeGreaterThan(0.3);
  });
});
