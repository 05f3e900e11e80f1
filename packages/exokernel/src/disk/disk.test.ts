import { describe, expect, it } from "vitest";
import { type EnvHandle, Reg, Result, Rights, type Thread } from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import { Aegis, envWithSaveArea, type Hosted, hostileValues, SAVE_VA } from "../test-util.js";

const SLICE = 20_000;
/** Long enough for a few disk commands (an RZ56 command is ~ 10-40 ms: 250k-1M cycles). */
const DISK_WAIT = 6_000_000;

interface Done {
  readonly env: number;
  readonly id: number;
  readonly result: number;
}

function worker(env: EnvHandle): () => Thread {
  return function* () {
    for (;;) {
      env.cpu.exec(TEST_COSTS["test.work"], 500);
      yield* env.safepoint();
    }
  };
}

/** An env that runs, with a save area and a disk handler that logs each completion. */
function diskEnv(aegis: Aegis, name: string, log: Done[]): Hosted {
  const env = envWithSaveArea(aegis, name);
  env.onStartOfSlice(worker(env.handle));
  env.allocSlice();
  const r = env.setInterruptHandler(
    "disk",
    (x) => {
      log.push({ env: x.id, id: x.cpu.reg(Reg.t1), result: x.cpu.reg(Reg.t2) });
    },
    SAVE_VA,
  );
  expect(r).toBe(Result.Ok);
  return env;
}

function pattern(blocks: number, seed: number): Uint8Array {
  const out = new Uint8Array(blocks * 512);
  for (let i = 0; i < out.length; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}

function frameBytes(aegis: Aegis, env: Hosted, cap: number, bytes: number): Uint8Array {
  const f = env.frameOf(cap);
  return aegis.machine.memory.u8.slice(f * 4096, f * 4096 + bytes);
}

function newAegis(): Aegis {
  return new Aegis({ policy: { sliceCycles: SLICE } });
}

describe("disk extents", () => {
  it("are allocated by name or any, and refused overlapping, out of range or past the quota", () => {
    const aegis = new Aegis({ policy: { sliceCycles: SLICE, extentQuota: 3 } });
    const a = envWithSaveArea(aegis, "a");
    const b = envWithSaveArea(aegis, "b");
    const last = aegis.machine.disk.geometry.blocks;
    const x = a.allocExtent(100, 16);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(a.extentOf(x)).toBe(100);
    expect(b.allocExtent(110, 4)).toBe(Result.Busy);
    expect(b.allocExtent(90, 11)).toBe(Result.Busy);
    expect(b.allocExtent(115, 1)).toBe(Result.Busy);
    expect(b.allocExtent(last - 1, 2)).toBe(Result.Invalid);
    expect(b.allocExtent(-2, 2)).toBe(Result.Invalid);
    expect(b.allocExtent(0, 0)).toBe(Result.Invalid);
    const y = b.allocExtent(116, 4);
    expect(b.extentOf(y)).toBe(116);
    const any = b.allocExtent("any", 100);
    expect(b.extentOf(any)).toBe(0);
    const any2 = b.allocExtent("any", 1);
    expect(b.extentOf(any2)).toBe(120);
    // The quota (3 extents each).
    expect(b.allocExtent("any", 1)).toBe(Result.NoMemory);
    // Names are per environment: a name b never held means nothing in b's list.
    expect(b.freeExtent(x + 3)).toBe(Result.BadCap);
    expect(a.extentOf(x)).toBe(100);
    expect(a.freeExtent(x)).toBe(Result.Ok);
    expect(a.freeExtent(x)).toBe(Result.Stale);
    expect(a.extentOf(x)).toBe(Result.Stale);
    // (A slot past the list: it holds extentQuota + extentGrantQuota slots.)
    expect(a.extentOf(4095)).toBe(Result.BadCap);
    expect(b.allocExtent(100, 16)).toBe(Result.NoMemory);
    expect(a.allocExtent(100, 16)).toBeGreaterThanOrEqual(0);
  });

  it("take no hostile argument and read none of its traps", () => {
    const aegis = newAegis();
    const a = envWithSaveArea(aegis, "a");
    const h = hostileValues();
    for (const v of h.values) {
      expect(a.allocExtent(v as number, 1)).toBe(Result.Invalid);
      expect(a.allocExtent(0, v as number)).toBe(Result.Invalid);
      expect(a.freeExtent(v as number)).toBe(Result.Invalid);
      expect(a.diskRead(v as number, 0, 1, 0)).toBe(Result.Invalid);
      expect(a.diskWrite(0, 0, 1, v as number)).toBe(Result.Invalid);
    }
    expect(h.reads()).toBe(0);
    expect(a.setInterruptHandler("usb" as "disk", null, SAVE_VA)).toBe(Result.Invalid);
  });
});

describe("disk requests", () => {
  it("read into and write out of the caller's frame, completing by the disk interrupt", () => {
    const aegis = newAegis();
    const log: Done[] = [];
    const a = diskEnv(aegis, "a", log);
    const disk = aegis.machine.disk;
    disk.preload(200, pattern(2, 3));
    const x = a.allocExtent(200, 8);
    const f = a.allocFrame();
    const id = a.diskRead(x, 0, 2, f);
    expect(id).toBeGreaterThanOrEqual(0);
    // Nothing is there before the completion.
    expect(frameBytes(aegis, a, f, 1024)).toEqual(new Uint8Array(1024));
    aegis.run({ untilCycle: aegis.machine.cpu.now + DISK_WAIT });
    expect(log).toEqual([{ env: a.id, id, result: Result.Ok }]);
    expect(frameBytes(aegis, a, f, 1024)).toEqual(pattern(2, 3));

    const id2 = a.diskWrite(x, 5, 1, f);
    aegis.run({ untilCycle: aegis.machine.cpu.now + DISK_WAIT });
    expect(log[1]).toEqual({ env: a.id, id: id2, result: Result.Ok });
    expect(disk.inspect(205)).toEqual(pattern(1, 3));
  });

  it("are refused for a block outside the extent, a frame not one's own, missing rights; nothing moves", () => {
    const aegis = newAegis();
    const log: Done[] = [];
    const a = diskEnv(aegis, "a", log);
    const b = diskEnv(aegis, "b", log);
    const disk = aegis.machine.disk;
    disk.preload(300, pattern(8, 9));
    const xa = a.allocExtent(300, 8);
    const xb = b.allocExtent(400, 8);
    const fa = a.allocFrame();
    const fb = b.allocFrame();
    // Blocks past the extent's end, a count that does not fit a frame, a negative offset.
    expect(b.diskRead(xb, 7, 2, fb)).toBe(Result.Invalid);
    expect(b.diskRead(xb, 8, 1, fb)).toBe(Result.Invalid);
    expect(b.diskRead(xb, -1, 1, fb)).toBe(Result.Invalid);
    expect(b.diskRead(xb, 0, 9, fb)).toBe(Result.Invalid);
    expect(b.diskRead(xb, 0, 0, fb)).toBe(Result.Invalid);
    // A name b never held (a's extent is named in a's list only).
    expect(b.diskRead(xa + 1, 0, 1, fb)).toBe(Result.BadCap);
    expect(b.diskRead(0xfff, 0, 1, fb)).toBe(Result.BadCap);
    // A frame of a's, granted to b with every right: not b's own (DMA refused).
    const g = a.grant(fa, b.id, Rights.Read | Rights.Write);
    expect(g).toBeGreaterThanOrEqual(0);
    expect(b.diskRead(xb, 0, 1, g)).toBe(Result.NotOwner);
    expect(b.diskWrite(xb, 0, 1, g)).toBe(Result.NotOwner);
    // A frame name forged / stale.
    expect(b.diskRead(xb, 0, 1, 0xabc)).toBe(Result.BadCap);
    const tmp = b.allocFrame();
    b.freeFrame(tmp);
    expect(b.diskRead(xb, 0, 1, tmp)).toBe(Result.Stale);
    // Stale extent.
    const xt = b.allocExtent("any", 1);
    expect(b.freeExtent(xt)).toBe(Result.Ok);
    expect(b.diskWrite(xt, 0, 1, fb)).toBe(Result.Stale);
    aegis.run({ untilCycle: aegis.machine.cpu.now + DISK_WAIT });
    expect(disk.completed).toBe(0);
    expect(log).toEqual([]);
    expect(frameBytes(aegis, a, fa, 4096)).toEqual(new Uint8Array(4096));
    expect(frameBytes(aegis, b, fb, 4096)).toEqual(new Uint8Array(4096));
    expect(disk.inspect(300, 8)).toEqual(pattern(8, 9));
  });

  it("are bounded per environment (diskQueueQuota) and served in order", () => {
    const aegis = new Aegis({ policy: { sliceCycles: SLICE, diskQueueQuota: 3 } });
    const log: Done[] = [];
    const a = diskEnv(aegis, "a", log);
    const x = a.allocExtent(0, 64);
    const f = a.allocFrame();
    const ids = [a.diskRead(x, 0, 1, f), a.diskRead(x, 8, 1, f), a.diskRead(x, 16, 1, f)];
    expect(a.diskRead(x, 24, 1, f)).toBe(Result.NoSlot);
    // Busy while requests are outstanding.
    expect(a.freeExtent(x)).toBe(Result.Busy);
    aegis.run({ untilCycle: aegis.machine.cpu.now + 3 * DISK_WAIT });
    expect(log.map((d) => d.id)).toEqual(ids);
    // Delivered: the quota is free again.
    expect(a.diskRead(x, 24, 1, f)).toBeGreaterThanOrEqual(0);
  });

  it("hold a frame freed during its DMA until the completion; a stale queued one touches nothing", () => {
    const aegis = newAegis();
    const log: Done[] = [];
    const a = diskEnv(aegis, "a", log);
    const b = diskEnv(aegis, "b", log);
    aegis.machine.disk.preload(500, pattern(8, 1));
    const x = a.allocExtent(500, 8);
    const f1 = a.allocFrame();
    const f2 = a.allocFrame();
    const frame1 = a.frameOf(f1);
    const frame2 = a.frameOf(f2);
    const id1 = a.diskRead(x, 0, 8, f1);
    const id2 = a.diskRead(x, 0, 8, f2);
    expect(a.freeFrame(f1)).toBe(Result.Ok);
    expect(a.freeFrame(f2)).toBe(Result.Ok);
    // b may not get frame1 while the disk writes into it; frame2 is simply free.
    expect(b.allocFrame(frame1)).toBe(Result.Busy);
    const g2 = b.allocFrame(frame2);
    expect(g2).toBeGreaterThanOrEqual(0);
    aegis.run({ untilCycle: aegis.machine.cpu.now + 2 * DISK_WAIT });
    expect(log).toEqual([
      { env: a.id, id: id1, result: Result.Ok },
      { env: a.id, id: id2, result: Result.Stale },
    ]);
    expect(frameBytes(aegis, b, g2, 4096)).toEqual(new Uint8Array(4096));
    // After the completion the frame is free again, and reaches b zeroed.
    const g1 = b.allocFrame(frame1);
    expect(g1).toBeGreaterThanOrEqual(0);
    expect(frameBytes(aegis, b, g1, 4096)).toEqual(new Uint8Array(4096));
  });

  it("queued for a frame freed and taken back (a new incarnation) complete Stale, nothing read", () => {
    const aegis = newAegis();
    const log: Done[] = [];
    const a = diskEnv(aegis, "a", log);
    aegis.machine.disk.preload(700, pattern(8, 5));
    const x = a.allocExtent(700, 8);
    const f1 = a.allocFrame();
    const f2 = a.allocFrame();
    const frame2 = a.frameOf(f2);
    const id1 = a.diskRead(x, 0, 1, f1);
    const id2 = a.diskRead(x, 0, 8, f2);
    expect(a.freeFrame(f2)).toBe(Result.Ok);
    const again = a.allocFrame(frame2);
    expect(again).toBeGreaterThanOrEqual(0);
    aegis.run({ untilCycle: aegis.machine.cpu.now + 2 * DISK_WAIT });
    expect(log).toEqual([
      { env: a.id, id: id1, result: Result.Ok },
      { env: a.id, id: id2, result: Result.Stale },
    ]);
    expect(frameBytes(aegis, a, again, 4096)).toEqual(new Uint8Array(4096));
  });

  it("of a destroyed environment: queued ones go, the one on the disk keeps its blocks held", () => {
    const aegis = newAegis();
    const log: Done[] = [];
    const a = diskEnv(aegis, "a", log);
    const b = diskEnv(aegis, "b", log);
    const x = a.allocExtent(600, 8);
    const f = a.allocFrame();
    a.diskRead(x, 0, 1, f);
    a.diskRead(x, 1, 1, f);
    aegis.destroy(a.handle);
    expect(b.allocExtent(600, 8)).toBe(Result.Busy);
    aegis.run({ untilCycle: aegis.machine.cpu.now + 2 * DISK_WAIT });
    expect(aegis.machine.disk.completed).toBe(1);
    expect(log).toEqual([]);
    expect(b.allocExtent(600, 8)).toBeGreaterThanOrEqual(0);
  });
});
