import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ArgumentError,
  Category,
  DeviceBusyError,
  DISK_STATUS_BUSY,
  DISK_STATUS_DONE,
  ExcCode,
  IRQ,
  Machine,
  PhysicalAddressError,
  Resolution,
  rotationalWaitNs,
  SR_KERNEL_IE,
  seekTimeNs,
  type Thread,
  transferTimeNs,
} from "../privileged.js";
import { HITS_ONLY, TEST_COSTS } from "../test-costs.js";

const PA = 0x40000;
const BLOCK = 100 * 54 + 10; // track 100, sector 10 of the RZ56 geometry

/** A machine whose kernel takes disk interrupts, logs the cycle each was raised, and acks. */
function diskKernel() {
  const m = new Machine({ profile: HITS_ONLY, trace: true, memoryBytes: 1 << 20 });
  const taken: number[] = [];
  const seenAtInterrupt: number[] = [];
  m.setExceptionHandler(ExcCode.Int, (cpu) => {
    taken.push(cpu.now - m.profile.exceptionEntryCycles);
    seenAtInterrupt.push(m.memory.read32(PA));
    m.disk.acknowledge();
    cpu.rfe();
    return Resolution.Retry;
  });
  const runThread = (body: () => Thread, untilCycle?: number) => {
    const ctx = m.createContext("k", 0, body(), { status: SR_KERNEL_IE });
    return m.run({ pickNext: () => (ctx.finished ? null : ctx) }, { untilCycle });
  };
  /** Runs straight-line kernel code as one context (it yields once at its end). */
  const runBody = (fn: () => void, untilCycle?: number) =>
    runThread(function* () {
      fn();
      yield;
    }, untilCycle);
  return { m, taken, seenAtInterrupt, runBody, runThread };
}

function pattern(bytes: number, seed: number): Uint8Array {
  const a = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) a[i] = (i * 7 + seed) & 0xff;
  return a;
}

describe("disk timing model", () => {
  it("pins a read's completion cycle: controller + seek + rotation from the platter angle + transfer", () => {
    const { m, taken, runBody } = diskKernel();
    m.disk.preload(BLOCK, pattern(1024, 1));
    let issued = -1;
    runBody(() => {
      m.cpu.exec(TEST_COSTS["test.work"], 1000);
      m.disk.read(BLOCK, 2, PA);
      issued = m.now;
    });
    // Issued after 1000 instructions and 4 uncached register writes of 15 cycles.
    expect(issued).toBe(1060);
    // Hand computation (exact fractions): t0 = 42_400 ns; controller 1 ms; seek 4 ms + 100 tracks
    // x 1 us; head on track at 5_142_400 ns, the platter is at 0.308544 rev and sector 10/54
    // starts 14_610_686.4 ns later (ceil 14_610_687); 1024 B at 1.66 MB/s = 616_868 ns.
    // Completion at 20_369_955 ns: the first cycle at or after it is 509_249.
    expect(taken).toEqual([509_249]);
    expect(m.disk.headTrack).toBe(100);
    expect(m.disk.completed).toBe(1);
  });

  it("estimate() gives the same breakdown as the hand computation", () => {
    const m = new Machine({ profile: HITS_ONLY });
    const e = m.disk.estimate(BLOCK, 2, 42_400);
    expect(e).toEqual({
      issueNs: 42_400,
      controllerNs: 1_000_000,
      seekNs: 4_100_000,
      rotationNs: 14_610_687,
      transferNs: 616_868,
      completionNs: 20_369_955,
      completionCycle: 509_249,
      fromTrack: 0,
      toTrack: 100,
    });
  });

  it("the rotational wait depends only on the time the head arrives (angle = t mod revolution)", () => {
    const g = new Machine({ profile: HITS_ONLY }).profile.disk;
    const revolutionNs = 60e9 / g.rpm; // 16_666_666.67 ns
    expect(rotationalWaitNs(g, 0, 0)).toBe(0);
    // Sector 27 of 54 is half a revolution away: ceil(8_333_333.33).
    expect(rotationalWaitNs(g, 0, 27)).toBe(8_333_334);
    // One full revolution later the platter is back at angle 0.
    expect(rotationalWaitNs(g, 50_000_000, 27)).toBe(8_333_334); // 3 revolutions = 50 ms exactly
    // Just past a sector's start, the wait is almost a full revolution.
    expect(rotationalWaitNs(g, 1, 0)).toBe(Math.ceil(revolutionNs - 1));
    // Far in the future (about 11.6 days) the arithmetic stays exact.
    expect(rotationalWaitNs(g, 1_000_000_000_000_000, 0)).toBe(0);
  });

  it("property: after the wait the sector start is under the head, within 1 ns (exact BigInt check)", () => {
    const g = new Machine({ profile: HITS_ONLY }).profile.disk;
    const perMinute = 60_000_000_000n;
    const rpm = BigInt(g.rpm);
    const sectors = BigInt(g.blocksPerTrack);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 50 }),
        fc.integer({ min: 0, max: g.blocksPerTrack - 1 }),
        (t, sector) => {
          const wait = rotationalWaitNs(g, t, sector);
          // Angle in units of 1/(60e9 * sectors) revolution at time x ns: x * rpm * sectors.
          const unitsPerRev = perMinute * sectors;
          const angle = (x: bigint) => (x * rpm * sectors) % unitsPerRev;
          const start = BigInt(sector) * perMinute;
          const after = (angle(BigInt(t + wait)) - start + unitsPerRev) % unitsPerRev;
          const before = (angle(BigInt(t + wait - 1)) - start + unitsPerRev) % unitsPerRev;
          // At t + wait the sector has just started (less than 1 ns of rotation past it), and
          // 1 ns earlier it had not (unless the wait is 0).
          expect(after < rpm * sectors).toBe(true);
          if (wait > 0) expect(before >= unitsPerRev - rpm * sectors).toBe(true);
          expect(wait).toBeLessThanOrEqual(Math.ceil(60e9 / g.rpm));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("seek: none on the same track, settle + per track, capped at full stroke", () => {
    const g = new Machine({ profile: HITS_ONLY }).profile.disk;
    expect(seekTimeNs(g, 0)).toBe(0);
    expect(seekTimeNs(g, 1)).toBe(4_001_000);
    expect(seekTimeNs(g, g.tracks - 1)).toBe(4_000_000 + 24_058_000);
    expect(seekTimeNs({ ...g, seekPerTrackNs: 2_000 }, 20_000)).toBe(35_000_000);
    expect(transferTimeNs(g, 512)).toBe(308_434);
    // Exact: ceil(33_553_920e9 / 1.66e6).
    expect(transferTimeNs(g, 65_535 * 512)).toBe(20_213_204_820);
  });

  it("a second command on the same track pays no seek, and its rotation follows the platter", () => {
    const { m, taken, runThread } = diskKernel();
    let second: ReturnType<typeof m.disk.estimate> | null = null;
    runThread(function* () {
      m.disk.read(BLOCK, 1, PA);
      while (m.disk.busy) {
        m.cpu.exec(TEST_COSTS["test.poll"], 50);
        yield;
      }
      second = m.disk.estimate(BLOCK + 20, 1, (m.now + 60) * 40);
      m.disk.read(BLOCK + 20, 1, PA + 512);
    });
    expect(taken.length).toBe(2);
    const s = second!;
    expect(s.seekNs).toBe(0);
    expect(s.fromTrack).toBe(100);
    expect(taken[1]).toBe(s.completionCycle);
  });
});

describe("disk DMA and interrupt", () => {
  it("data appears in memory at the completion cycle, not before; IRQ until acknowledged", () => {
    const { m, taken, seenAtInterrupt, runBody } = diskKernel();
    const data = pattern(1024, 9);
    m.disk.preload(BLOCK, data);
    const done = m.disk.estimate(BLOCK, 2, (1000 + 60) * 40).completionCycle;
    const deviceBefore = m.snapshot().table[Category.Device]!;
    runBody(() => {
      m.cpu.exec(TEST_COSTS["test.work"], 1000);
      m.disk.read(BLOCK, 2, PA);
    }, done - 1);
    expect(m.now).toBe(done - 1);
    expect(m.memory.readBytes(PA, 1024)).toEqual(new Uint8Array(1024));
    expect(m.disk.peekStatus).toBe(DISK_STATUS_BUSY);
    expect(taken).toEqual([]);
    expect(m.snapshot().table[Category.Device]! - deviceBefore).toBe(4 * 15);
    m.run({ pickNext: () => null });
    expect(taken).toEqual([done]);
    expect(seenAtInterrupt[0]).toBe(m.memory.read32(PA));
    expect(m.memory.readBytes(PA, 1024)).toEqual(data);
    expect(m.disk.peekStatus).toBe(0); // acknowledged
    expect(m.cpu.cause & (1 << (8 + IRQ.Disk))).toBe(0);
    // The acknowledge was a charged register access.
    expect(m.snapshot().table[Category.Device]! - deviceBefore).toBe(5 * 15);
  });

  it("the status register shows DONE and the line stays asserted until the kernel acknowledges", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    m.cpu.status = 0; // kernel mode, interrupts off
    const done = m.disk.estimate(0, 1, 60 * 40);
    m.disk.read(0, 1, PA);
    expect(done.seekNs).toBe(0);
    // Run the clock with interrupts masked: the line is asserted, nothing is taken.
    m.cpu.charge(done.completionCycle - m.now, Category.Kernel);
    expect(m.disk.readStatus()).toBe(DISK_STATUS_DONE);
    expect(m.cpu.cause & (1 << (8 + IRQ.Disk))).not.toBe(0);
    m.disk.acknowledge();
    expect(m.cpu.cause & (1 << (8 + IRQ.Disk))).toBe(0);
    expect(m.disk.readStatus()).toBe(0);
  });

  it("a write takes the memory contents of its completion cycle into the sparse store", () => {
    const { m, taken, runBody } = diskKernel();
    const first = pattern(512, 3);
    const later = pattern(512, 200);
    m.memory.writeBytes(PA, first);
    const block = 1_299_173; // the last block
    const done = m.disk.estimate(block, 1, 60 * 40).completionCycle;
    runBody(() => {
      m.disk.write(block, 1, PA);
    }, done - 1);
    expect(m.disk.inspect(block)).toEqual(new Uint8Array(512));
    expect(m.disk.storedBlocks).toBe(0);
    m.memory.writeBytes(PA, later); // the buffer changes before the DMA
    m.run({ pickNext: () => null });
    expect(taken).toEqual([done]);
    expect(m.disk.inspect(block)).toEqual(later);
    expect(m.disk.storedBlocks).toBe(1);
    expect(m.disk.headTrack).toBe(Math.floor(block / 54));
  });
});

describe("disk misuse gets typed errors before anything changes", () => {
  const state = (m: Machine) => ({
    now: m.now,
    events: m.events.size,
    status: m.disk.peekStatus,
    busy: m.disk.busy,
    device: m.snapshot().table[Category.Device],
  });

  it("refuses bad block numbers, counts and ranges past the end", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    const before = state(m);
    for (const b of [-1, 1.5, Number.NaN, 1_299_174, "3" as unknown as number]) {
      expect(() => m.disk.read(b, 1, PA)).toThrow(ArgumentError);
    }
    for (const c of [0, -1, 2.5, 65_536])
      expect(() => m.disk.read(0, c, PA)).toThrow(ArgumentError);
    expect(() => m.disk.write(1_299_173, 2, PA)).toThrow(/runs past the last block/);
    expect(state(m)).toEqual(before);
  });

  it("refuses a DMA range outside memory, with nothing changed", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    m.memory.writeBytes((1 << 20) - 512, pattern(512, 5));
    const before = state(m);
    expect(() => m.disk.read(0, 2, (1 << 20) - 512)).toThrow(PhysicalAddressError);
    expect(() => m.disk.read(0, 1, -512)).toThrow(PhysicalAddressError);
    expect(() => m.disk.write(0, 1, 1 << 20)).toThrow(PhysicalAddressError);
    expect(state(m)).toEqual(before);
    expect(m.memory.readBytes((1 << 20) - 512, 512)).toEqual(pattern(512, 5));
  });

  it("refuses a command while busy, with nothing changed", () => {
    const m = new Machine({ profile: HITS_ONLY, memoryBytes: 1 << 20 });
    m.cpu.status = 0;
    m.disk.read(10, 1, PA);
    const before = state(m);
    expect(() => m.disk.read(20, 1, PA)).toThrow(DeviceBusyError);
    expect(() => m.disk.write(20, 1, PA)).toThrow(/busy with a read of 1 block/);
    expect(state(m)).toEqual(before);
  });

  it("host helpers check their arguments", () => {
    const m = new Machine({ profile: HITS_ONLY });
    expect(() => m.disk.preload(0, new Uint8Array(100))).toThrow(ArgumentError);
    expect(() => m.disk.preload(1_299_173, new Uint8Array(1024))).toThrow(ArgumentError);
    expect(() => m.disk.inspect(-1)).toThrow(ArgumentError);
    expect(() => m.disk.estimate(0, 1, -5)).toThrow(ArgumentError);
    expect(m.disk.storedBlocks).toBe(0);
  });
});
