/**
 * Model-based disk isolation property. Random command sequences from one honest and two
 * hostile environments run against the kernel and a model of extent ownership (a list of
 * (env, start, length, name) per env):
 *
 * - every allocExtent result is the model's (Busy for an overlap with any held extent,
 *   Invalid past the disk region's end or for a bad length, a name otherwise);
 * - a request the kernel accepts is covered, in the model, by an extent of the caller, and
 *   names a frame of the caller's own (hostile envs try forged names, other envs' names, a
 *   frame granted by the honest env, offsets past their extents);
 * - every frame is stamped with its env's id byte before a write: at the end every block
 *   holds zeros or the stamp of an env that owned it when the write was accepted, and the
 *   honest env's frames hold only zeros or its own stamp (no one else's blocks read);
 * - hostile envs grant their extents (read-only or read-write) to anyone and use the copies
 *   granted to them: a request through a copy is accepted only while the extent lives (a
 *   copy of a freed extent is refused) and
 *   with the right for its direction (a write through a read-only copy is refused); a write
 *   through a copy may leave the writer's stamp on the granter's blocks (shared on purpose);
 * - hostile envs flood the queue (to their quota): every request the honest env made
 *   completes (delivered to its handler, result Ok) — it is never starved.
 *
 * Budget: FC_NUM_RUNS (default 20, seeded) sequences of 30 to 60 commands; each kind of
 * refusal the commands aim at (overlap, cover, foreign frame) must occur, and requests must
 * be accepted (a kernel refusing everything fails).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EnvHandle, Reg, Result, Rights, type Thread } from "../index.js";
import { TEST_COSTS } from "../test-costs.js";
import { Aegis, allowDeaths, envWithSaveArea, type Hosted, SAVE_VA } from "../test-util.js";

const REGION = 24;
const SLICE = 100_000;
/** Enough for every env's whole quota (3 × 4 commands of ≤ 40 ms) to complete. */
const DRAIN_CYCLES = 12 * 1_100_000;

type Cmd =
  | { k: "alloc"; env: number; start: number; len: number }
  | { k: "free"; env: number; i: number }
  | { k: "grant"; env: number; i: number; to: number; rw: boolean }
  | { k: "req"; env: number; write: boolean; cap: CapRef; off: number; n: number; frame: FrameRef }
  | { k: "run" };
type CapRef =
  | { k: "own"; i: number }
  | { k: "other"; env: number; i: number }
  | { k: "forged"; v: number }
  | { k: "grant"; i: number };
type FrameRef = "own" | "granted" | "forged";

const envIx = fc.integer({ min: 0, max: 2 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    k: fc.constant("alloc" as const),
    env: envIx,
    start: fc.integer({ min: 0, max: REGION - 4 }),
    len: fc.integer({ min: 1, max: 4 }),
  }),
  // Extents on a grid of four blocks: fewer overlaps, so envs hold some to grant and use.
  fc.record({
    k: fc.constant("alloc" as const),
    env: envIx,
    start: fc.constantFrom(0, 4, 8, 12, 16, 20),
    len: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    k: fc.constant("grant" as const),
    env: fc.integer({ min: 1, max: 2 }),
    i: fc.constant(0),
    to: fc.integer({ min: 0, max: 2 }),
    rw: fc.boolean(),
  }),
  fc.record({
    k: fc.constant("alloc" as const),
    env: envIx,
    start: fc.integer({ min: -2, max: REGION }),
    len: fc.integer({ min: 0, max: 12 }),
  }),
  fc.record({ k: fc.constant("free" as const), env: envIx, i: fc.nat(3) }),
  fc.record({
    k: fc.constant("free" as const),
    env: fc.integer({ min: 1, max: 2 }),
    i: fc.constant(0),
  }),
  fc.record({
    k: fc.constant("req" as const),
    env: fc.integer({ min: 1, max: 2 }),
    write: fc.constant(true),
    cap: fc.record({ k: fc.constant("grant" as const), i: fc.nat(2) }),
    off: fc.constant(0),
    n: fc.constant(1),
    frame: fc.constant<FrameRef>("own"),
  }),
  fc.record({
    k: fc.constant("req" as const),
    env: fc.integer({ min: 1, max: 2 }),
    write: fc.boolean(),
    cap: fc.record({ k: fc.constant("grant" as const), i: fc.constant(0) }),
    off: fc.integer({ min: 0, max: 3 }),
    n: fc.integer({ min: 1, max: 3 }),
    frame: fc.constant<FrameRef>("own"),
  }),
  fc.record({
    k: fc.constant("req" as const),
    env: envIx,
    write: fc.boolean(),
    cap: fc.oneof(
      fc.record({ k: fc.constant("own" as const), i: fc.nat(3) }),
      fc.record({ k: fc.constant("other" as const), env: envIx, i: fc.nat(3) }),
      fc.record({ k: fc.constant("forged" as const), v: fc.integer({ min: -5, max: 0x5fff }) }),
    ),
    off: fc.integer({ min: -1, max: 6 }),
    n: fc.integer({ min: 0, max: 9 }),
    frame: fc.constantFrom<FrameRef>("own", "own", "granted", "forged"),
  }),
  fc.record({
    k: fc.constant("req" as const),
    env: envIx,
    write: fc.boolean(),
    cap: fc.record({ k: fc.constant("own" as const), i: fc.nat(1) }),
    off: fc.integer({ min: 0, max: 3 }),
    n: fc.integer({ min: 1, max: 3 }),
    frame: fc.constantFrom<FrameRef>("own", "own", "granted"),
  }),
  fc.constant({ k: "run" as const }),
);

interface Extent {
  start: number;
  len: number;
  name: number;
}

/** A copy granted to `holder` (its name there) of an extent `x` of another env. */
interface Grant {
  holder: number;
  name: number;
  x: Extent;
  rw: boolean;
  live: boolean;
}

function worker(env: EnvHandle): () => Thread {
  return function* () {
    for (;;) {
      env.cpu.exec(TEST_COSTS["test.work"], 20_000);
      yield* env.safepoint();
    }
  };
}

describe("disk isolation (model-based)", () => {
  it("no env reads or writes another's blocks; the honest env's requests all complete", () => {
    const runs = Number(process.env.FC_NUM_RUNS ?? 20);
    const seen = {
      busy: 0,
      accepted: 0,
      cover: 0,
      foreign: 0,
      granted: 0,
      viaGrant: 0,
      deadCopy: 0,
    };
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 30, maxLength: 60 }), (cmds) => {
        const aegis = new Aegis({
          policy: { sliceCycles: SLICE, diskQueueQuota: 4, extentQuota: 4 },
        });
        allowDeaths(aegis);
        const disk = aegis.machine.disk;
        const mem = aegis.machine.memory.u8;
        const honestLog: { id: number; result: number }[] = [];
        const envs: Hosted[] = [];
        const frames: number[] = [];
        for (let e = 0; e < 3; e++) {
          const env = envWithSaveArea(aegis, e === 0 ? "honest" : `hostile${e}`);
          env.onStartOfSlice(worker(env.handle));
          env.allocSlice();
          const log = e === 0 ? honestLog : null;
          env.setInterruptHandler(
            "disk",
            (x) => {
              log?.push({ id: x.cpu.reg(Reg.t1), result: x.cpu.reg(Reg.t2) });
            },
            SAVE_VA,
          );
          envs.push(env);
          frames.push(env.allocFrame());
        }
        const stamp = (e: number) => 0x10 + envs[e]!.id;
        const stampFrame = (e: number) => {
          const f = envs[e]!.frameOf(frames[e]!);
          mem.fill(stamp(e), f * 4096, f * 4096 + 4096);
        };
        for (let e = 0; e < 3; e++) stampFrame(e);
        // The honest env grants its frame to both hostile envs (DMA into it must be refused).
        const granted = [-1, 1, 2].map((e) =>
          e < 0 ? -1 : envs[0]!.grant(frames[0]!, envs[e]!.id, Rights.Read | Rights.Write),
        );
        const model: Extent[][] = [[], [], []];
        /** For each block, the stamps a write accepted for it may have left. */
        const allowed: Set<number>[] = [];
        for (let b = 0; b < REGION; b++) allowed.push(new Set([0]));
        const honestIds: number[] = [];
        const grants: Grant[] = [];
        for (const c of cmds) {
          if (c.k === "alloc") {
            const ok = c.len >= 1 && c.start >= 0 && c.start + c.len <= REGION;
            // The disk is larger than REGION; keep extents inside it.
            if (!ok) continue;
            const overlap = model.some((xs) =>
              xs.some((x) => x.start < c.start + c.len && c.start < x.start + x.len),
            );
            const full = model[c.env]!.length >= 4;
            const r = envs[c.env]!.allocExtent(c.start, c.len);
            // The kernel checks the quota before it scans for an overlap.
            if (full) expect(r).toBe(Result.NoMemory);
            else if (overlap) {
              seen.busy++;
              expect(r).toBe(Result.Busy);
            } else {
              expect(r).toBeGreaterThanOrEqual(0);
              model[c.env]!.push({ start: c.start, len: c.len, name: r });
            }
          } else if (c.k === "free") {
            const x = model[c.env]![c.i];
            if (x === undefined || c.env === 0) continue;
            const r = envs[c.env]!.freeExtent(x.name);
            if (r === Result.Ok) {
              model[c.env]!.splice(c.i, 1);
              // Every copy goes with it (kept in the model: a request through one is refused).
              for (const g of grants) if (g.x === x) g.live = false;
            } else expect(r).toBe(Result.Busy);
          } else if (c.k === "grant") {
            // Hostile envs grant their extents to anyone (the honest env never grants).
            const x = model[c.env]![c.i];
            if (x === undefined) continue;
            const rights = c.rw ? Rights.Read | Rights.Write : Rights.Read;
            const r = envs[c.env]!.grantExtent(x.name, envs[c.to]!.id, rights);
            if (c.to === c.env) expect(r).toBe(Result.Invalid);
            else {
              expect(r).toBeGreaterThanOrEqual(0);
              seen.granted++;
              grants.push({ holder: c.to, name: r, x, rw: c.rw, live: true });
            }
          } else if (c.k === "req") {
            const env = envs[c.env]!;
            // (The honest env uses only its own extents: its frame must hold only its bytes.)
            const mine = c.env === 0 ? [] : grants.filter((g) => g.holder === c.env);
            const capName =
              c.cap.k === "own"
                ? model[c.env]![c.cap.i]?.name
                : c.cap.k === "other"
                  ? model[c.cap.env]![c.cap.i]?.name
                  : c.cap.k === "grant"
                    ? mine[c.cap.i]?.name
                    : c.cap.v;
            if (capName === undefined) continue;
            if (c.cap.k === "grant" && !mine[c.cap.i]!.live) seen.deadCopy++;
            const frameName =
              c.frame === "own" ? frames[c.env]! : c.frame === "granted" ? granted[c.env]! : 0x777;
            if (c.write) stampFrame(c.env);
            const r = c.write
              ? env.diskWrite(capName, c.off, c.n, frameName)
              : env.diskRead(capName, c.off, c.n, frameName);
            if (r < 0) {
              const okArgs = c.n >= 1 && c.n <= 8 && c.off >= 0 && c.frame === "own";
              if (r === Result.Invalid && okArgs) seen.cover++;
              if (r === Result.NotOwner) seen.foreign++;
              continue;
            }
            seen.accepted++;
            // Accepted: the caller's own frame, and an extent of its own, or a live copy
            // granted to it with the right for the direction, covering the blocks.
            expect(frameName).toBe(frames[c.env]);
            const g = c.cap.k === "grant" ? mine.find((m) => m.name === capName) : undefined;
            if (c.cap.k === "grant") {
              expect(g).toBeDefined();
              expect(g!.live).toBe(true);
              if (c.write) expect(g!.rw).toBe(true);
              seen.viaGrant++;
            }
            const x = g !== undefined ? g.x : model[c.env]!.find((m) => m.name === capName);
            expect(x).toBeDefined();
            expect(c.off >= 0 && c.off + c.n <= x!.len).toBe(true);
            if (c.write) {
              for (let b = 0; b < c.n; b++) allowed[x!.start + c.off + b]!.add(stamp(c.env));
            }
            if (c.env === 0) honestIds.push(r);
          } else {
            aegis.run({ untilCycle: aegis.machine.cpu.now + SLICE * 4 });
          }
          // Honest requests never refused for the queue: it keeps within its own quota.
        }
        // Flood: each hostile env fills its quota; the honest env asks once more.
        for (let e = 1; e < 3; e++) {
          const x = model[e]![0];
          if (x === undefined) continue;
          for (let i = 0; i < 6; i++) envs[e]!.diskRead(x.name, 0, 1, frames[e]!);
        }
        const hx = model[0]![0];
        if (hx !== undefined) {
          const r = envs[0]!.diskRead(hx.name, 0, 1, frames[0]!);
          if (r >= 0) honestIds.push(r);
        }
        aegis.run({ untilCycle: aegis.machine.cpu.now + DRAIN_CYCLES });
        expect(honestLog.map((d) => d.id)).toEqual(honestIds);
        for (const d of honestLog) expect(d.result).toBe(Result.Ok);
        const blocks = disk.inspect(0, REGION);
        for (let b = 0; b < REGION; b++) {
          for (let i = 0; i < 512; i += 128)
            expect(allowed[b]!.has(blocks[b * 512 + i]!)).toBe(true);
        }
        const hf = envs[0]!.frameOf(frames[0]!);
        for (let i = 0; i < 4096; i += 64) expect([0, stamp(0)]).toContain(mem[hf * 4096 + i]);
      }),
      { numRuns: runs, seed: Number(process.env.FC_SEED ?? 14) },
    );
    expect(seen, JSON.stringify(seen)).toBeDefined();
    expect(seen.busy).toBeGreaterThan(0);
    expect(seen.accepted).toBeGreaterThan(5);
    expect(seen.cover).toBeGreaterThan(0);
    expect(seen.foreign).toBeGreaterThan(0);
    expect(seen.granted).toBeGreaterThan(0);
    expect(seen.viaGrant).toBeGreaterThan(0);
    expect(seen.deadCopy).toBeGreaterThan(0);
  });
});
