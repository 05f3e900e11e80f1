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
 *   completes (delivered to its handler, result Ok — or Stale for an extent taken from it
 *   by a revocation it could not answer in time) — it is never starved;
 * - the host revokes extents of any env (the visible protocol): the request names only
 *   extents the env holds; a compliant env frees them in its handler (or as soon as their
 *   requests are over), and the range is withheld from it until the deadline (`Refused`,
 *   while others may take it); a non-compliant env keeps them until the deadline, never
 *   loses one before it, loses each after it (names and granted copies Stale) and is told
 *   in a "repossessed" upcall; no extent ever goes that was not asked for;
 * - the must-zero map: every read lands in a fresh frame, and each block it returns holds
 *   what the model allows a read of that block to see when it was accepted — zeros after
 *   the blocks changed owner (freed, surrendered, taken), until the new owner writes — never
 *   the bytes a previous owner left on the disk (which the disk itself still holds).
 *
 * Budget: FC_NUM_RUNS (default 20, seeded) sequences of 30 to 60 commands; each kind of
 * refusal the commands aim at (overlap, cover, foreign frame, withheld range, stale name) must
 * occur, surrenders, repossessions and reads of another owner's left-over bytes must occur, and
 * requests must be accepted (a kernel refusing everything fails).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EnvHandle, Reg, Result, type RevokeRequest, Rights, type Thread } from "../index.js";
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
  | { k: "revoke"; env: number; comply: boolean }
  | { k: "handover"; from: number; to: number; comply: boolean }
  | { k: "run" };
type CapRef =
  | { k: "own"; i: number }
  | { k: "old"; i: number }
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
  fc.record({
    k: fc.constant("req" as const),
    env: envIx,
    write: fc.boolean(),
    cap: fc.record({ k: fc.constant("old" as const), i: fc.nat(3) }),
    off: fc.constant(0),
    n: fc.constant(1),
    frame: fc.constant<FrameRef>("own"),
  }),
  fc.record({ k: fc.constant("revoke" as const), env: envIx, comply: fc.boolean() }),
  // Plain requests on an env's first extent (blocks change hands under them: reads must
  // see zeros where a previous owner wrote), and more time passing.
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("req" as const),
      env: envIx,
      write: fc.boolean(),
      cap: fc.constant({ k: "own" as const, i: 0 }),
      off: fc.constant(0),
      n: fc.constant(1),
      frame: fc.constant<FrameRef>("own"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("alloc" as const),
      env: envIx,
      start: fc.constantFrom(0, 4, 8),
      len: fc.constant(4),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ k: "run" as const }) },
  // Blocks change hands: an env writes its first extent, gives it up under a revocation
  // (surrendered, or taken at the deadline), another takes the range and reads it.
  fc.record({
    k: fc.constant("handover" as const),
    from: envIx,
    to: envIx,
    comply: fc.boolean(),
  }),
);

/** A poison byte no stamp or zero equals: a read frame's bytes before its DMA. */
const POISON = 0xee;
/** A command on the disk completes within ~40 ms (1 M cycles): a taken extent's blocks are
 * held (dying) until its command there is over. */
const DYING_CYCLES = 2_000_000;
/** Cycles a host call may charge before its check reads the clock (a deadline that close is
 * either side). */
const CALL_SLACK = 2_000;

interface Extent {
  start: number;
  len: number;
  name: number;
  /** The revocation deadline if the kernel asked for it back, else null. */
  wanted: number | null;
  /** Asked back and not freed yet because a request of it was outstanding. */
  retry: boolean;
  /** Taken by force (repossessed). */
  taken: boolean;
}

/** A read the kernel accepted: its frame, and the values each block may show. */
interface Read {
  env: number;
  id: number;
  frame: number;
  may: Set<number>[];
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
  it("no env reads or writes another's blocks; revocation keeps its protocol; freed blocks read as zeros; the honest env's requests all complete", () => {
    const runs = Number(process.env.FC_NUM_RUNS ?? 20);
    const seen = {
      busy: 0,
      accepted: 0,
      cover: 0,
      foreign: 0,
      granted: 0,
      viaGrant: 0,
      deadCopy: 0,
      revoked: 0,
      surrendered: 0,
      withheld: 0,
      repossessed: 0,
      staleName: 0,
      hidden: 0,
    };
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 30, maxLength: 60 }), (cmds) => {
        const aegis = new Aegis({
          policy: { sliceCycles: SLICE, diskQueueQuota: 4, extentQuota: 4 },
        });
        allowDeaths(aegis);
        const disk = aegis.machine.disk;
        const cpu = aegis.machine.cpu;
        const mem = aegis.machine.memory.u8;
        /** Checks that fail inside an env's handler (a throw there would be its death). */
        const problems: string[] = [];
        const done = new Map<number, number>();
        const honestLog: { id: number; result: number }[] = [];
        const envs: Hosted[] = [];
        const frames: number[] = [];
        const model: Extent[][] = [[], [], []];
        const upcalls: RevokeRequest[][] = [[], [], []];
        const complies = [true, true, true];
        const withheld: { start: number; len: number; until: number }[][] = [[], [], []];
        /** Names of extents that went (freed or taken), per env: requests with them fail. */
        const oldNames: number[][] = [[], [], []];
        /** Extents taken by force, and when: their blocks may be held until their command ends. */
        const zombies: { e: number; x: Extent; at: number }[] = [];
        /** For each block, the stamps a write accepted for it may have left on the disk. */
        const allowed: Set<number>[] = [];
        /** For each block, what a read accepted now may return (the must-zero map's view). */
        const readable: Set<number>[] = [];
        for (let b = 0; b < REGION; b++) {
          allowed.push(new Set([0]));
          readable.push(new Set([0]));
        }
        const honest: { id: number; x: Extent }[] = [];
        const reads: Read[] = [];
        const grants: Grant[] = [];

        /** Extent x of env e went (freed, surrendered or taken). */
        const gone = (e: number, x: Extent) => {
          model[e]!.splice(model[e]!.indexOf(x), 1);
          oldNames[e]!.push(x.name);
          // Every copy goes with it (kept in the model: a request through one is refused).
          for (const g of grants) if (g.x === x) g.live = false;
          // No one reads what was on them: zeros until the next owner writes.
          for (let b = x.start; b < x.start + x.len; b++) readable[b] = new Set([0]);
        };
        /** Env e frees x (its own free, or its answer to a revocation); r is the kernel's. */
        const freed = (e: number, x: Extent, r: number, now: number) => {
          if (r === Result.Busy) {
            if (x.wanted !== null) x.retry = true;
            return;
          }
          if (r !== Result.Ok) problems.push(`free of ${x.start} by env ${e}: ${r}`);
          if (x.wanted !== null) {
            seen.surrendered++;
            if (now < x.wanted) withheld[e]!.push({ start: x.start, len: x.len, until: x.wanted });
          }
          gone(e, x);
        };
        /** The model against the kernel's extents: only what was asked for goes, after its deadline. */
        const sync = () => {
          const now = cpu.now;
          for (let e = 0; e < 3; e++) {
            const live = aegis.inspect(envs[e]!.id).extents;
            for (const x of [...model[e]!]) {
              if (live.includes(x.start)) {
                // A compliant env frees what it was asked for once its requests are over.
                if (x.retry && x.wanted !== null && now + CALL_SLACK < x.wanted) {
                  const r = envs[e]!.freeExtent(x.name);
                  freed(e, x, r, cpu.now);
                }
                continue;
              }
              if (x.wanted === null || now < x.wanted) {
                problems.push(
                  `extent ${x.start} of env ${e} went before its deadline (${x.wanted})`,
                );
              }
              seen.repossessed++;
              x.taken = true;
              zombies.push({ e, x, at: now });
              gone(e, x);
            }
            // (Read again: a retried free above changed it.)
            for (const start of aegis.inspect(envs[e]!.id).extents) {
              if (!model[e]!.some((m) => m.start === start)) {
                problems.push(
                  `env ${e} holds an extent at ${start} the model does not (${JSON.stringify(upcalls[e])})`,
                );
              }
            }
          }
        };

        for (let e = 0; e < 3; e++) {
          const env = envWithSaveArea(aegis, e === 0 ? "honest" : `hostile${e}`);
          env.onStartOfSlice(worker(env.handle));
          env.allocSlice();
          const log = e === 0 ? honestLog : null;
          env.setInterruptHandler(
            "disk",
            (x) => {
              const id = x.cpu.reg(Reg.t1);
              const result = x.cpu.reg(Reg.t2);
              done.set(id, result);
              log?.push({ id, result });
            },
            SAVE_VA,
          );
          const handle = env.handle;
          env.onRevoke((req) => {
            upcalls[e]!.push(req);
            if (req.kind !== "extents") return;
            for (const start of req.extents) {
              const x = model[e]!.find((m) => m.start === start);
              if (x === undefined) {
                problems.push(`env ${e} asked for ${start}, which it does not hold`);
                continue;
              }
              x.wanted = req.deadlineCycles;
              if (complies[e]) freed(e, x, handle.freeExtent(x.name), handle.cpu.now);
            }
          });
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
        const work = [...cmds];
        while (work.length > 0) {
          const c = work.shift()!;
          sync();
          if (c.k === "alloc") {
            const ok = c.len >= 1 && c.start >= 0 && c.start + c.len <= REGION;
            // The disk is larger than REGION; keep extents inside it.
            if (!ok) continue;
            const over = (s: number, l: number) => s < c.start + c.len && c.start < s + l;
            const overlap = model.some((xs) => xs.some((x) => over(x.start, x.len)));
            const full = model[c.env]!.length >= 4;
            const now = cpu.now;
            const held = withheld[c.env]!.filter((w) => over(w.start, w.len) && now < w.until);
            const nearDeadline = held.some((w) => w.until - now < CALL_SLACK);
            const dying = zombies.some(
              (z) => over(z.x.start, z.x.len) && now - z.at < DYING_CYCLES,
            );
            const r = envs[c.env]!.allocExtent(c.start, c.len);
            // The kernel checks the quota, then for an overlap, then its withheld ranges.
            if (full) expect(r).toBe(Result.NoMemory);
            else if (overlap) {
              seen.busy++;
              expect(r).toBe(Result.Busy);
            } else if (dying && r === Result.Busy) {
              // A taken extent's blocks, held until its command on the disk is over.
            } else if (held.length > 0 && !(nearDeadline && r >= 0)) {
              seen.withheld++;
              expect(r).toBe(Result.Refused);
            } else {
              expect(r).toBeGreaterThanOrEqual(0);
              model[c.env]!.push({
                start: c.start,
                len: c.len,
                name: r,
                wanted: null,
                retry: false,
                taken: false,
              });
            }
          } else if (c.k === "free") {
            const x = model[c.env]![c.i];
            if (x === undefined || c.env === 0) continue;
            const r = envs[c.env]!.freeExtent(x.name);
            if (r !== Result.Ok) expect(r).toBe(Result.Busy);
            freed(c.env, x, r, cpu.now);
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
          } else if (c.k === "handover") {
            const x = model[c.from]![0];
            if (x === undefined || c.from === c.to) continue;
            const own = { k: "own" as const, i: 0 };
            const last = { k: "own" as const, i: -1 };
            const run: Cmd = { k: "run" };
            work.unshift(
              { k: "req", env: c.from, write: true, cap: own, off: 0, n: x.len, frame: "own" },
              run,
              run,
              run,
              { k: "revoke", env: c.from, comply: c.comply },
              run,
              run,
              run,
              run,
              { k: "alloc", env: c.to, start: x.start, len: x.len },
              { k: "req", env: c.to, write: false, cap: last, off: 0, n: x.len, frame: "own" },
            );
          } else if (c.k === "revoke") {
            if (model[c.env]!.length === 0) continue;
            complies[c.env] = c.env === 0 || c.comply;
            const req = aegis.revokeExtents(envs[c.env]!.id, 1);
            expect(req.kind).toBe("extents");
            seen.revoked++;
          } else if (c.k === "req") {
            const env = envs[c.env]!;
            // (The honest env uses only its own extents: its frame must hold only its bytes.)
            const mine = c.env === 0 ? [] : grants.filter((g) => g.holder === c.env);
            const capName =
              c.cap.k === "own"
                ? model[c.env]!.at(c.cap.i)?.name
                : c.cap.k === "other"
                  ? model[c.cap.env]![c.cap.i]?.name
                  : c.cap.k === "grant"
                    ? mine[c.cap.i]?.name
                    : c.cap.k === "old"
                      ? oldNames[c.env]![c.cap.i]
                      : c.cap.v;
            if (capName === undefined) continue;
            if (c.cap.k === "grant" && !mine[c.cap.i]!.live) seen.deadCopy++;
            // A read goes into a fresh frame full of poison: its bytes are checked at the end.
            const readFrame = !c.write && c.frame === "own" ? env.allocFrame() : -1;
            if (readFrame >= 0) {
              const f = env.frameOf(readFrame);
              mem.fill(POISON, f * 4096, f * 4096 + 4096);
            }
            const frameName =
              c.frame === "own"
                ? c.write
                  ? frames[c.env]!
                  : readFrame
                : c.frame === "granted"
                  ? granted[c.env]!
                  : 0x777;
            if (c.write) stampFrame(c.env);
            const r = c.write
              ? env.diskWrite(capName, c.off, c.n, frameName)
              : env.diskRead(capName, c.off, c.n, frameName);
            if (c.cap.k === "old") {
              // The name of an extent that went (freed, surrendered, taken): refused.
              expect(r).toBe(Result.Stale);
              seen.staleName++;
              continue;
            }
            if (r < 0) {
              const okArgs = c.n >= 1 && c.n <= 8 && c.off >= 0 && c.frame === "own";
              if (r === Result.Invalid && okArgs) seen.cover++;
              if (r === Result.NotOwner) seen.foreign++;
              continue;
            }
            seen.accepted++;
            // Accepted: the caller's own frame, and an extent of its own, or a live copy
            // granted to it with the right for the direction, covering the blocks.
            expect(c.frame).toBe("own");
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
            const first = x!.start + c.off;
            if (c.write) {
              for (let b = 0; b < c.n; b++) {
                allowed[first + b]!.add(stamp(c.env));
                readable[first + b]!.add(stamp(c.env));
              }
            } else {
              const may: Set<number>[] = [];
              for (let b = 0; b < c.n; b++) {
                may.push(new Set(readable[first + b]!));
                // The disk holds another owner's bytes the read must not see.
                if (readable[first + b]!.size === 1 && disk.inspect(first + b)[0] !== 0) {
                  seen.hidden++;
                }
              }
              reads.push({ env: c.env, id: r, frame: env.frameOf(readFrame), may });
            }
            if (c.env === 0) honest.push({ id: r, x: x! });
          } else {
            aegis.run({ untilCycle: cpu.now + SLICE * 4 });
          }
          expect(problems).toEqual([]);
        }
        // Flood: each hostile env fills its quota; the honest env asks once more.
        sync();
        for (let e = 1; e < 3; e++) {
          const x = model[e]![0];
          if (x === undefined) continue;
          for (let i = 0; i < 6; i++) envs[e]!.diskRead(x.name, 0, 1, frames[e]!);
        }
        const hx = model[0]![0];
        if (hx !== undefined) {
          const r = envs[0]!.diskRead(hx.name, 0, 1, frames[0]!);
          if (r >= 0) honest.push({ id: r, x: hx });
        }
        for (let i = 0; i < DRAIN_CYCLES / (4 * SLICE); i++) {
          aegis.run({ untilCycle: cpu.now + 4 * SLICE });
          sync();
        }
        expect(problems).toEqual([]);
        // Every request of the honest env completed: Ok, or Stale once its extent was taken.
        expect(honestLog.map((d) => d.id)).toEqual(honest.map((h) => h.id));
        for (let i = 0; i < honest.length; i++) {
          if (honest[i]!.x.taken) expect([Result.Ok, Result.Stale]).toContain(honestLog[i]!.result);
          else expect(honestLog[i]!.result).toBe(Result.Ok);
        }
        // Revocation: nothing asked for is still held past its deadline, and every env that
        // lost an extent was told which.
        for (let e = 0; e < 3; e++) {
          for (const x of model[e]!) expect(x.wanted === null || cpu.now < x.wanted).toBe(true);
          const told = upcalls[e]!.flatMap((u) => (u.kind === "repossessed" ? u.extents : []));
          const lost = zombies.filter((z) => z.e === e);
          for (const z of lost) expect(told).toContain(z.x.start);
        }
        // Every read shows what it was allowed to: never a previous owner's bytes.
        for (const rd of reads) {
          const result = done.get(rd.id);
          for (let b = 0; b < rd.may.length; b++) {
            for (let i = 0; i < 512; i += 128) {
              const v = mem[rd.frame * 4096 + b * 512 + i]!;
              if (result === Result.Ok) expect(rd.may[b]!.has(v), `read ${rd.id}`).toBe(true);
              else expect(v === POISON || rd.may[b]!.has(v), `read ${rd.id}`).toBe(true);
            }
          }
        }
        const blocks = disk.inspect(0, REGION);
        for (let b = 0; b < REGION; b++) {
          for (let i = 0; i < 512; i += 128)
            expect(allowed[b]!.has(blocks[b * 512 + i]!)).toBe(true);
        }
        const hf = envs[0]!.frameOf(frames[0]!);
        for (let i = 0; i < 4096; i += 64) expect([0, stamp(0)]).toContain(mem[hf * 4096 + i]);
      }),
      {
        numRuns: runs,
        seed: Number(process.env.FC_SEED ?? 14),
        // FC_QUICK=1: report the first failure unshrunk (breaking the kernel on purpose).
        endOnFailure: process.env.FC_QUICK === "1",
        ...(process.env.FC_PATH ? { path: process.env.FC_PATH, endOnFailure: true } : {}),
      },
    );
    const why = JSON.stringify(seen);
    expect(seen.busy, why).toBeGreaterThan(0);
    expect(seen.accepted, why).toBeGreaterThan(5);
    expect(seen.cover, why).toBeGreaterThan(0);
    expect(seen.foreign, why).toBeGreaterThan(0);
    expect(seen.granted, why).toBeGreaterThan(0);
    expect(seen.viaGrant, why).toBeGreaterThan(0);
    expect(seen.deadCopy, why).toBeGreaterThan(0);
    expect(seen.revoked, why).toBeGreaterThan(0);
    expect(seen.surrendered, why).toBeGreaterThan(0);
    expect(seen.withheld, why).toBeGreaterThan(0);
    expect(seen.repossessed, why).toBeGreaterThan(0);
    expect(seen.staleName, why).toBeGreaterThan(0);
    expect(seen.hidden, why).toBeGreaterThan(0);
  });
});
