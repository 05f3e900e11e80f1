import { describe, expect, it } from "vitest";
import { type EnvHandle, Reg, Result, type RevokeRequest, Rights, type Thread } from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import { Aegis, envWithSaveArea, type Hosted, SAVE_VA } from "../test-util.js";

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

function diskEnv(aegis: Aegis, name: string, log: Done[]): Hosted {
  const env = envWithSaveArea(aegis, name);
  env.onStartOfSlice(worker(env.handle));
  env.allocSlice();
  env.setInterruptHandler(
    "disk",
    (x) => {
      log.push({ env: x.id, id: x.cpu.reg(Reg.t1), result: x.cpu.reg(Reg.t2) });
    },
    SAVE_VA,
  );
  return env;
}

function pattern(blocks: number, seed: number): Uint8Array {
  const out = new Uint8Array(blocks * 512);
  for (let i = 0; i < out.length; i++) out[i] = ((i * 7 + seed) & 0xff) | 1;
  return out;
}

function frameBytes(aegis: Aegis, env: Hosted, cap: number, bytes: number): Uint8Array {
  const f = env.frameOf(cap);
  return aegis.machine.memory.u8.slice(f * 4096, f * 4096 + bytes);
}

const wait = (aegis: Aegis) => aegis.run({ untilCycle: aegis.machine.cpu.now + DISK_WAIT });

describe("extent grants", () => {
  it("give another env read (or read-write) access through its own frames, never Own", () => {
    const aegis = new Aegis({ policy: { sliceCycles: SLICE } });
    const log: Done[] = [];
    const a = diskEnv(aegis, "a", log);
    const b = diskEnv(aegis, "b", log);
    aegis.machine.disk.preload(500, pattern(2, 5));
    const x = a.allocExtent(500, 4);
    const fb = b.allocFrame();
    // Bad rights (Own, none, past the bits), a bad target, a name a never held: refused.
    expect(a.grantExtent(x, b.id, Rights.Own | Rights.Read)).toBe(Result.Invalid);
    expect(a.grantExtent(x, b.id, 0)).toBe(Result.Invalid);
    expect(a.grantExtent(x, 999, Rights.Read)).toBe(Result.NoEnv);
    expect(a.grantExtent(x, a.id, Rights.Read)).toBe(Result.Invalid);
    expect(a.grantExtent(x + 7, b.id, Rights.Read)).toBe(Result.BadCap);
    const ro = a.grantExtent(x, b.id, Rights.Read);
    expect(ro).toBeGreaterThanOrEqual(0);
    expect(b.extentOf(ro)).toBe(500);
    // Read-only: b reads into its own frame, may not write, may not free a's extent.
    const id = b.diskRead(ro, 0, 2, fb);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(b.diskWrite(ro, 0, 1, fb)).toBe(Result.Rights);
    wait(aegis);
    expect(log).toContainEqual({ env: b.id, id, result: Result.Ok });
    expect(frameBytes(aegis, b, fb, 1024)).toEqual(pattern(2, 5));
    // b cannot pass on more than it holds.
    const c = diskEnv(aegis, "c", log);
    expect(b.grantExtent(ro, c.id, Rights.Read | Rights.Write)).toBe(Result.Rights);
    // Read-write: b's write reaches a's block.
    const rw = a.grantExtent(x, b.id, Rights.Read | Rights.Write);
    const id2 = b.diskWrite(rw, 3, 1, fb);
    expect(id2).toBeGreaterThanOrEqual(0);
    wait(aegis);
    expect(aegis.machine.disk.inspect(503)).toEqual(pattern(1, 5));
    // Dropping a copy leaves the extent a's.
    expect(b.freeExtent(rw)).toBe(Result.Ok);
    expect(b.extentOf(rw)).toBe(Result.Stale);
    expect(a.extentOf(x)).toBe(500);
    // Freeing the extent takes every copy with it.
    expect(a.freeExtent(x)).toBe(Result.Ok);
    expect(b.extentOf(ro)).toBe(Result.Stale);
    expect(b.diskRead(ro, 0, 1, fb)).toBe(Result.Stale);
  });

  it("are bounded by the target's extentGrantQuota; its own allocations are not", () => {
    const aegis = new Aegis({
      policy: { sliceCycles: SLICE, extentQuota: 2, extentGrantQuota: 3 },
    });
    const a = envWithSaveArea(aegis, "a");
    const b = envWithSaveArea(aegis, "b");
    const x = a.allocExtent(0, 1);
    for (let i = 0; i < 3; i++)
      expect(a.grantExtent(x, b.id, Rights.Read)).toBeGreaterThanOrEqual(0);
    expect(a.grantExtent(x, b.id, Rights.Read)).toBe(Result.NoSlot);
    // Freeing the extent reclaims the copies: the quota is free again.
    expect(a.freeExtent(x)).toBe(Result.Ok);
    const x2 = a.allocExtent(0, 1);
    expect(a.grantExtent(x2, b.id, Rights.Read)).toBeGreaterThanOrEqual(0);
    expect(b.allocExtent(10, 1)).toBeGreaterThanOrEqual(0);
    expect(b.allocExtent(20, 1)).toBeGreaterThanOrEqual(0);
    expect(b.allocExtent(30, 1)).toBe(Result.NoMemory);
  });
});

describe("blocks between owners", () => {
  it("read as zeros to the next owner until it writes them (deferred zero-on-first-read)", () => {
    const aegis = new Aegis({ policy: { sliceCycles: SLICE } });
    const log: Done[] = [];
    const a = diskEnv(aegis, "a", log);
    const b = diskEnv(aegis, "b", log);
    const fa = a.allocFrame();
    const fb = b.allocFrame();
    // a writes its secret on block 600, then frees the extent.
    const xa = a.allocExtent(600, 2);
    aegis.machine.memory.u8.set(pattern(2, 11), a.frameOf(fa) * 4096);
    a.diskWrite(xa, 0, 2, fa);
    wait(aegis);
    expect(aegis.machine.disk.inspect(600)).toEqual(pattern(1, 11));
    expect(a.freeExtent(xa)).toBe(Result.Ok);
    // b takes the same blocks: its reads see zeros, though the disk still holds a's bytes.
    const xb = b.allocExtent(600, 2);
    aegis.machine.memory.u8.fill(0xee, b.frameOf(fb) * 4096, b.frameOf(fb) * 4096 + 1024);
    b.diskRead(xb, 0, 2, fb);
    wait(aegis);
    expect(frameBytes(aegis, b, fb, 1024)).toEqual(new Uint8Array(1024));
    // Once b writes block 601, b reads its own bytes there; block 600 still reads as zeros.
    aegis.machine.memory.u8.set(pattern(1, 13), b.frameOf(fb) * 4096);
    b.diskWrite(xb, 1, 1, fb);
    wait(aegis);
    b.diskRead(xb, 0, 2, fb);
    wait(aegis);
    const got = frameBytes(aegis, b, fb, 1024);
    expect(got.slice(0, 512)).toEqual(new Uint8Array(512));
    expect(got.slice(512)).toEqual(pattern(1, 13));
    expect(log.every((d) => d.result === Result.Ok)).toBe(true);
  });
});

describe("extent revocation", () => {
  it("a compliant env is told which extents and frees them: the range is withheld until the deadline", () => {
    const aegis = new Aegis({ policy: { sliceCycles: SLICE } });
    const a = diskEnv(aegis, "a", []);
    const x = a.allocExtent(700, 4);
    const y = a.allocExtent(800, 4);
    const seen: RevokeRequest[] = [];
    a.onRevoke((req) => {
      seen.push(req);
      if (req.kind === "extents") {
        for (const start of req.extents) {
          const cap = [x, y].find((c) => a.extentOf(c) === start)!;
          expect(a.freeExtent(cap)).toBe(Result.Ok);
        }
      }
    });
    const req = aegis.revokeExtents(a.id, 1);
    expect(req.kind === "extents" && req.extents).toEqual([700]);
    expect(seen).toEqual([req]);
    expect(a.extentOf(x)).toBe(Result.Stale);
    // Taking the surrendered blocks straight back is refused until the deadline…
    expect(a.allocExtent(700, 1)).toBe(Result.Refused);
    expect(a.extentOf(a.allocExtent("any", 4))).toBe(0);
    aegis.run({ untilCycle: (req.kind === "extents" ? req.deadlineCycles : 0) + SLICE });
    // …and allowed after it; nothing was repossessed.
    expect(a.allocExtent(700, 1)).toBeGreaterThanOrEqual(0);
    expect(seen.map((r) => r.kind)).toEqual(["extents"]);
    expect(a.extentOf(y)).toBe(800);
    expect(() => aegis.revokeExtents(a.id, 99)).toThrow(/holds 3 extents, fewer than 99/);
  });

  it("a non-compliant env loses the extent at the deadline: names and grants Stale, requests complete Stale, blocks zeroed for the next owner", () => {
    const aegis = new Aegis({ policy: { sliceCycles: SLICE } });
    const log: Done[] = [];
    const a = diskEnv(aegis, "stubborn", log);
    const b = diskEnv(aegis, "grantee", log);
    const c = diskEnv(aegis, "next", log);
    aegis.machine.disk.preload(900, pattern(4, 17));
    const x = a.allocExtent(900, 4);
    const g = a.grantExtent(x, b.id, Rights.Read);
    const seen: RevokeRequest[] = [];
    a.onRevoke((req) => {
      seen.push(req); // ignores it
    });
    const fa = a.allocFrame();
    const req = aegis.revokeExtents(a.id, 1);
    const deadline = req.kind === "extents" ? req.deadlineCycles : 0;
    // Requests queued before the deadline, run after it: the disk is kept busy until then.
    aegis.run({ untilCycle: deadline - 2000 });
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(a.diskRead(x, i, 1, fa));
    expect(ids.every((id) => id >= 0)).toBe(true);
    aegis.run({ untilCycle: deadline + 4 * DISK_WAIT });
    expect(seen.map((r) => r.kind)).toEqual(["extents", "repossessed"]);
    const rep = seen[1]!;
    expect(rep.kind === "repossessed" && rep.extents).toEqual([900]);
    expect(a.extentOf(x)).toBe(Result.Stale);
    expect(b.extentOf(g)).toBe(Result.Stale);
    // Every request of it completed; those after the take complete Stale.
    const mine = log.filter((d) => d.env === a.id);
    expect(mine.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(mine.some((d) => d.result === Result.Stale)).toBe(true);
    // The next owner of the blocks reads zeros.
    const fc = c.allocFrame();
    const xc = c.allocExtent(900, 4);
    expect(xc).toBeGreaterThanOrEqual(0);
    c.diskRead(xc, 0, 4, fc);
    wait(aegis);
    expect(frameBytes(aegis, c, fc, 2048)).toEqual(new Uint8Array(2048));
    expect(a.alive).toBe(true);
  });
});
