/**
 * A seeded hostile fuzz of the exokernel (test code, like the tests: its environments' work
 * is charged under labels of its own, outside the package's costs.ts; excluded from the build
 * and run from the sources, `pnpm --filter @exolab/exokernel fuzz`). Hostile environments make random calls with hostile
 * arguments, from their own code, under every attack class the isolation work closed (issue
 * 10): stack dives, thrown proxies and other hostile values, host callbacks, grant floods,
 * revocation games, label floods, patched intrinsics, ill-typed arguments, forged and stale
 * names, calls through other environments' handles, faults, spins, exits. Honest
 * environments keep secrets in their memory and check them at every step; an honest client
 * and server exchange protected-control-transfer messages and check every one.
 *
 * It counts breaches — a foreign frame read (a hostile load that returned an honest secret)
 * or written (an honest word changed), a PCT message changed, a call through another
 * environment's handle (or from a host callback) that was not refused, a resource taken back
 * under revocation, a patched intrinsic called by the kernel, a kernel invariant broken, an
 * honest environment's death — and host throws out of `Aegis.run`. Same seed, same outcome:
 * the report carries a digest of the final state.
 *
 * Stack dives run in probe worlds (a fresh kernel per dive): where the JS stack runs out
 * depends on the engine's frame sizes, which vary with JIT tiering, so a dive cannot be part
 * of a world whose digest must be the same from run to run. Their counts are reported apart.
 *
 * Only the stable public API is used (`boot`, `run`, `revokeFrames`, `revokeSlice`,
 * `destroy`, `inspect`, `frameOwners`, `stlbEntries`, `deaths`), plus `actAs` when the
 * kernel has it, so the same fuzz runs against an older kernel (where it finds breaches).
 */
import {
  type Cost,
  type CostSpec,
  copyProgram,
  defineCosts,
  type EnvHandle,
  ExcCode,
  encodeAsh,
  encodeFilter,
  ipFilter,
  ipPacket,
  KSEG0,
  type LibOS,
  PAGE_BYTES,
  PROTO_UDP,
  Reg,
  Result,
  Resume,
  RING,
  SeededRandom,
  type Thread,
  udpReplyProgram,
} from "../index.js";
import { Aegis, type Policy } from "../kernel.js";
import { TEST_COSTS } from "../test-costs.js";

export interface FuzzOptions {
  seed: number;
  /** Hostile calls to make (each attack operation is one call). */
  calls: number;
  /** A stack-dive probe world every this many hostile calls (0: none). */
  probeEvery?: number;
  /** Called after each step with the hostile calls made so far. */
  onProgress?: (calls: number) => void;
  /** How many times `onSample` is called (default 10; at least 1). */
  samples?: number;
  /**
   * Called each time another 1/`samples` of the calls is made, the last time at the end with
   * the world still alive (the CLI samples the heap there). Nothing it does reaches the world.
   */
  onSample?: (sample: FuzzSample) => void;
  /**
   * Disk-heavy: two fifths of the hostile calls go to the disk (default: about one in a
   * hundred), so completions and their hostile handlers land all over the kernel's paths.
   */
  diskHeavy?: boolean;
}

/** Where the run is when `onSample` is called. */
export interface FuzzSample {
  /** 1 to `samples`; the last is the end of the run. */
  index: number;
  /** Hostile calls made so far. */
  calls: number;
  /** Hostile environments dead and replaced so far. */
  hostileDeaths: number;
}

export interface FuzzReport {
  seed: number;
  calls: number;
  steps: number;
  cycles: number;
  breaches: number;
  breachKinds: Record<string, number>;
  hostThrows: number;
  hostileDeaths: number;
  honestRoundTrips: number;
  honestChecks: number;
  callbacks: number;
  attacks: Record<string, number>;
  probes: { runs: number; doomed: number; breaches: number; hostThrows: number };
  digest: string;
}

/** The fuzz's policy: small tables, so that every limit is reached often. */
export const FUZZ_POLICY: Partial<Policy> = Object.freeze({
  stlbEntries: 512,
  sliceCycles: 20_000,
  sliceVectorLength: 16,
  revokeDeadlineCycles: 40_000,
  excessSliceLimit: 2,
  maxGuaranteedPerEnv: 8,
  capSlots: 256,
  grantQuota: 64,
  frameQuota: 48,
  sliceQuota: 4,
  labelQuota: 32,
});

const MEMORY_BYTES = 2 * 1024 * 1024;
const SAVE_VA = 0x7ff01000;
const DATA_VA = 0x00100000;
const SHARED_VA = 0x00200000;
const TARGET_VPN = 0x00777;
const HOSTILE_VA = 0x00400000;
const DATA_PAGES = 3;
const WORDS = 8;
const SECRET_TAG = 0xa5000000 | 0;
const MESSAGE_TAG = 0x5a000000 | 0;
const HOSTILE_POOL = 3;
const LABEL_UNIVERSE = 2048;
/** The label flood's records: LABEL_UNIVERSE distinct labels of a hostile libOS's own table. */
const FLOOD_COSTS: readonly Cost[] = (() => {
  const spec: Record<string, CostSpec> = {};
  for (let i = 0; i < LABEL_UNIVERSE; i++) spec[`flood.${i}`] = { instructions: 1, source: "fuzz" };
  return Object.values(defineCosts(spec));
})();
/** A look-alike of a record that no costs table made (the view refuses it). */
const FORGED_COST = Object.freeze({ ...TEST_COSTS["hostile.work"] }) as Cost;
/** The message registers of a PCT: a0..a3, t0..t9, s0..s7. */
const MSG = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 16, 17, 18, 19, 20, 21, 22, 23];

function isSecret(v: number): boolean {
  return (v & 0xff000000) === SECRET_TAG;
}

/** FNV-1a over 32-bit words. */
class Digest {
  h = 0x811c9dc5;
  word(v: number): void {
    let x = v | 0;
    for (let i = 0; i < 4; i++) {
      this.h = Math.imul(this.h ^ (x & 0xff), 0x01000193);
      x >>>= 8;
    }
  }
  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }
  hex(): string {
    return (this.h >>> 0).toString(16).padStart(8, "0");
  }
}

/** Hostile argument values; `traps` counts every trap or getter of them that ran. */
function hostileArgs() {
  const state = { traps: 0 };
  const trap = () => {
    state.traps++;
    return () => 5;
  };
  const proxy = new Proxy({}, {
    get: trap,
    getPrototypeOf: trap,
    has: trap,
    ownKeys: trap,
    apply: trap,
  } as unknown as ProxyHandler<object>);
  const getter = {
    get valueOf() {
      return trap();
    },
    get [Symbol.toPrimitive]() {
      return trap();
    },
  };
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const values: unknown[] = [
    Number.NaN,
    1.5,
    -0.5,
    2 ** 40,
    -(2 ** 40),
    Number.POSITIVE_INFINITY,
    "3",
    true,
    null,
    10n,
    Symbol("x"),
    {},
    [3],
    getter,
    proxy,
    revoked,
    new Number(3),
  ];
  return { values, state };
}

interface World {
  aegis: Aegis;
  rng: SeededRandom;
  breaches: Map<string, number>;
  hostThrows: number;
  calls: number;
  attacks: Map<string, number>;
  secrets: Set<number>;
  honest: EnvHandle[];
  honestIds: Set<number>;
  hostileDeaths: number;
  roundTrips: number;
  checks: number;
  callbacks: { scheduled: number; fired: number };
  args: ReturnType<typeof hostileArgs>;
  /** Frames of honest data (for the forged-mapping attack). */
  honestFrames: number[];
  server: EnvHandle | null;
  revokeHistory: number;
  /** Every environment the world made that may be alive (honest, and the hostile pool). */
  envs: () => EnvHandle[];
  /**
   * Intrinsics are patched (patchAttack): a handler that runs then (a disk completion or an
   * alarm delivered at a kernel call's return) is the attacker's own code, and makes only
   * kernel calls (its bookkeeping would call the patched functions itself).
   */
  patching: boolean;
  /** Hostile disk and alarm handler runs (a check across a call skips when one ran). */
  handlerRuns: number;
  diskHeavy: boolean;
}

function breach(w: World, kind: string): void {
  w.breaches.set(kind, (w.breaches.get(kind) ?? 0) + 1);
}

function count(w: World, kind: string): void {
  w.calls++;
  w.attacks.set(kind, (w.attacks.get(kind) ?? 0) + 1);
}

/** Runs `fn` as host code for `env`: `actAs` on kernels that have it (older ones let it run). */
function hostFor<T>(aegis: Aegis, env: EnvHandle, fn: () => T): T {
  const act = (aegis as unknown as { actAs?: (e: EnvHandle, f: () => T) => T }).actAs;
  return act === undefined ? fn() : act.call(aegis, env, fn);
}

// ---- honest environments ------------------------------------------------------------------------

/**
 * An honest environment with DATA_PAGES guaranteed pages of secrets (WORDS tracked per page).
 * Its thread checks every tracked word and rewrites two at each step. `shareWith`: it grants
 * a page of secrets read/write to that env (the reader maps it read-only and checks it).
 */
function bootMemory(w: World, name: string, seed: number): { env: EnvHandle; shared: number } {
  const rng = new SeededRandom(seed);
  const expected = new Map<number, number>(); // va -> value
  let sharedCap = -1;
  const libos: LibOS<null, null> = {
    name,
    boot(env) {
      const save = env.allocFrame();
      env.guarantee(SAVE_VA, save, 1);
      const write = (va: number) => {
        const v = SECRET_TAG | (rng.nextU32() & 0x00ffffff);
        const old = expected.get(va);
        if (old !== undefined) w.secrets.delete(old);
        env.cpu.store32(va, v);
        expected.set(va, v);
        w.secrets.add(v);
      };
      for (let p = 0; p < DATA_PAGES; p++) {
        const cap = env.allocFrame();
        env.guarantee(DATA_VA + p * PAGE_BYTES, cap, 1);
        w.honestFrames.push(env.frameOf(cap));
        for (let i = 0; i < WORDS; i++) write(DATA_VA + p * PAGE_BYTES + i * 4);
      }
      sharedCap = env.allocFrame();
      env.guarantee(SHARED_VA, sharedCap, 1);
      w.honestFrames.push(env.frameOf(sharedCap));
      for (let i = 0; i < WORDS; i++) write(SHARED_VA + i * 4);
      const vas = [...expected.keys()];
      env.onStartOfSlice(function* (): Thread {
        for (;;) {
          for (const va of vas) {
            if ((env.cpu.load32(va) | 0) !== expected.get(va)) breach(w, "honest-data");
          }
          write(vas[rng.below(vas.length)]!);
          write(vas[rng.below(vas.length)]!);
          env.cpu.exec(TEST_COSTS["honest.work"], 200);
          w.checks++;
          yield* env.safepoint();
        }
      });
      env.allocSlice();
      return null;
    },
  };
  const { env } = w.aegis.boot(libos, null);
  w.honest.push(env);
  w.honestIds.add(env.id);
  // The host's own check of the same words, in physical memory.
  hostChecks.set(env, expected);
  return { env, shared: sharedCap };
}

/** Words each honest memory env expects, for the host's physical-memory check. */
const hostChecks = new WeakMap<EnvHandle, Map<number, number>>();

/** A reader of another env's shared page: maps it read-only and checks it at every step. */
function bootReader(w: World, owner: EnvHandle, ownerShared: number): EnvHandle {
  const expected = hostChecks.get(owner)!;
  const libos: LibOS<null, null> = {
    name: "honest-reader",
    boot(env) {
      const save = env.allocFrame();
      env.guarantee(SAVE_VA, save, 1);
      env.onStartOfSlice(function* (): Thread {
        for (;;) {
          for (let i = 0; i < WORDS; i++) {
            const want = expected.get(SHARED_VA + i * 4);
            if ((env.cpu.load32(SHARED_VA + i * 4) | 0) !== want) breach(w, "honest-data");
          }
          env.cpu.exec(TEST_COSTS["reader.work"], 150);
          w.checks++;
          yield* env.safepoint();
        }
      });
      env.allocSlice();
      return null;
    },
  };
  const { env } = w.aegis.boot(libos, null);
  const cap = hostFor(w.aegis, owner, () => owner.grant(ownerShared, env.id, 1));
  hostFor(w.aegis, env, () => env.guarantee(SHARED_VA, cap, 0));
  w.honest.push(env);
  w.honestIds.add(env.id);
  return env;
}

/** The honest PCT pair: the client sends random messages, the server checks and answers. */
function bootPctPair(w: World, seed: number): void {
  const rng = new SeededRandom(seed);
  let sent: number[] = [];
  let clientId = -1;
  const mix = (x: number, i: number) => (Math.imul(x ^ 0x3c3c3c3c, 17 + i) + i) | 0;
  const server = w.aegis.boot(
    {
      name: "honest-server",
      boot(env) {
        env.setEntry("sync", function* (caller: number): Thread {
          if (caller === clientId) {
            for (let i = 0; i < MSG.length; i++) {
              if (env.cpu.reg(MSG[i]!) !== sent[i]) {
                breach(w, "pct-message");
                break;
              }
            }
            for (let i = 0; i < MSG.length; i++) env.cpu.setReg(MSG[i]!, mix(sent[i]!, i));
          }
          yield* env.pct(caller, "sync");
        });
        return null;
      },
    },
    null,
  ).env;
  const client = w.aegis.boot(
    {
      name: "honest-client",
      boot(env) {
        env.onStartOfSlice(function* (): Thread {
          for (;;) {
            env.cpu.exec(TEST_COSTS["client.work"], 10 + rng.below(400));
            const msg = MSG.map(() => MESSAGE_TAG | (rng.nextU32() & 0x00ffffff));
            sent = msg;
            for (let i = 0; i < MSG.length; i++) env.cpu.setReg(MSG[i]!, msg[i]!);
            const r = yield* env.pct(server.id, "sync");
            if (r === Result.Busy) {
              // The server is serving a hostile caller: try again at a later step.
              yield* env.safepoint();
              continue;
            }
            if (r !== Result.Ok) {
              breach(w, "pct-message");
              continue;
            }
            for (let i = 0; i < MSG.length; i++) {
              if (env.cpu.reg(MSG[i]!) !== mix(msg[i]!, i)) {
                breach(w, "pct-message");
                break;
              }
            }
            w.roundTrips++;
            yield* env.safepoint();
          }
        });
        env.allocSlice();
        return null;
      },
    },
    null,
  ).env;
  clientId = client.id;
  w.server = server;
  for (const e of [server, client]) {
    w.honest.push(e);
    w.honestIds.add(e.id);
  }
}

// ---- hostile environments -------------------------------------------------------------------------

interface Hostile {
  env: EnvHandle;
  caps: number[];
  /** Reservation names it was given (sched/reserve.ts). */
  reservations: number[];
  /** Extent names it was given (disk/disk.ts). */
  extents: number[];
  /** Filter ids it was given (net/calls.ts), and ports it asked for (the host sends there). */
  filters: number[];
  ports: number[];
  frameOfCap: Map<number, number>;
  saveFrame: number;
}

function bootHostile(w: World, index: number): Hostile {
  const h: Hostile = {
    env: null as unknown as EnvHandle,
    caps: [],
    reservations: [],
    extents: [],
    filters: [],
    ports: [],
    frameOfCap: new Map(),
    saveFrame: -1,
  };
  const rng = w.rng;
  const fatalBoot = rng.below(50) === 0;
  const libos: LibOS<null, null> = {
    name: `hostile${index}`,
    boot(env) {
      h.env = env;
      const save = env.allocFrame();
      env.guarantee(SAVE_VA, save, 1);
      h.caps.push(save);
      h.saveFrame = env.frameOf(save);
      // Handlers that answer a sentinel, retry without fixing, or throw.
      const handler = (e: EnvHandle): number => {
        const r = rng.below(10_000);
        if (r === 0) throw w.args.values[rng.below(w.args.values.length)];
        if (r < 3) return Resume.Retry;
        e.cpu.setReg(Reg.v0, rng.nextU32() & 0x00ffffff);
        return Resume.Emulated;
      };
      env.setHandler("refill", handler, SAVE_VA);
      env.setHandler(ExcCode.AdEL, handler, SAVE_VA + 16);
      env.setHandler(ExcCode.Ov, handler, SAVE_VA + 32);
      env.setHandler(ExcCode.Mod, handler, SAVE_VA + 48);
      env.setHandler(ExcCode.AdES, handler, SAVE_VA + 64);
      env.onEndOfSlice(() => {
        if (rng.below(2000) === 0) throw w.args.values[rng.below(w.args.values.length)];
      });
      env.onRevoke((req) => revocationGame(w, h, req));
      if (typeof env.diskRead === "function" && rng.below(2) === 0) {
        env.setInterruptHandler("disk", (x) => diskHandler(w, h, x), SAVE_VA + 112);
      }
      env.setEntry("sync", function* (caller: number): Thread {
        env.cpu.exec(TEST_COSTS["hostile.serve"], 10 + rng.below(100));
        if (rng.below(3) !== 0) yield* env.pct(caller, "sync");
      });
      // biome-ignore lint/correctness/useYield: an entry that runs to its end
      env.setEntry("async", function* (): Thread {
        env.cpu.exec(TEST_COSTS["hostile.async"], 10 + rng.below(100));
      });
      env.onStartOfSlice(function* (): Thread {
        for (;;) {
          const burst = 1 + rng.below(10);
          for (let i = 0; i < burst; i++) yield* attack(w, h);
          env.cpu.exec(TEST_COSTS["hostile.work"], 20 + rng.below(200));
          if (rng.below(5) === 0) yield;
          else yield* env.safepoint();
        }
      });
      env.allocSlice();
      if (fatalBoot) throw w.args.values[rng.below(w.args.values.length)];
      return null;
    },
  };
  try {
    w.aegis.boot(libos, null);
  } catch {
    // A boot that throws: the env is gone, nothing left behind (checked by the invariants).
  }
  return h;
}

/** Frees what is asked and tries to take it straight back: a breach if the kernel lets it. */
function revocationGame(
  w: World,
  h: Hostile,
  req: {
    kind: string;
    frames?: readonly number[];
    extents?: readonly number[];
    position?: number;
    deadlineCycles?: number;
  },
): void {
  const env = h.env;
  const rng = w.rng;
  const choice = rng.below(6);
  if (choice === 0) return; // ignores it (repossession at the deadline)
  if (choice === 1 && rng.below(10) === 0) env.exit(9);
  const deadline = req.deadlineCycles ?? 0;
  if (req.kind === "frames") {
    for (const f of req.frames ?? []) {
      for (const [cap, frame] of [...h.frameOfCap]) {
        if (frame !== f) continue;
        if (env.freeFrame(cap) !== Result.Ok) continue;
        h.frameOfCap.delete(cap);
        const again = rng.below(2) === 0 ? env.allocFrame(f) : env.allocFrame();
        if (again >= 0) {
          const got = env.frameOf(again);
          h.frameOfCap.set(again, got);
          h.caps.push(again);
          if (got === f && env.cpu.now < deadline) breach(w, "revocation");
        }
      }
    }
  } else if (req.kind === "extents") {
    // Surrender them and take the same blocks straight back (refused before the deadline).
    // A name taken back while answering this request is not surrendered again: past the
    // deadline the same blocks come back, and surrendering them again went on for ever
    // (seed 1, FUZZ_DISK=1, at 419,246 calls).
    const retaken = new Set<number>();
    for (const start of req.extents ?? []) {
      for (const cap of h.extents) {
        if (env.extentOf(cap) !== start || retaken.has(cap)) continue;
        if (env.freeExtent(cap) !== Result.Ok) continue;
        const again = env.allocExtent(rng.below(2) === 0 ? start : "any", 1);
        if (again >= 0) {
          retaken.add(again);
          h.extents.push(again);
          if (env.extentOf(again) === start && env.cpu.now < deadline) breach(w, "revocation");
        }
      }
    }
  } else if (req.kind === "slice" && req.position !== undefined) {
    const p = req.position;
    if (env.freeSlice(p) === Result.Ok) {
      const again = rng.below(2) === 0 ? env.allocSlice(p) : env.allocSlice();
      if (again === p && env.cpu.now < deadline) breach(w, "revocation");
    }
  }
}

/** One hostile operation (a generator: some attacks transfer or yield). */
function* attack(w: World, h: Hostile): Generator<unknown, void, unknown> {
  const env = h.env;
  const rng = w.rng;
  const pick = rng.below(100);
  const ownCap = () => (h.caps.length === 0 ? 0 : h.caps[rng.below(h.caps.length)]!);
  // Its save area's capability (the first) is left alone but for the rare attack on it.
  const spareCap = () => {
    if (rng.below(200) === 0) return ownCap();
    return h.caps.length < 2 ? 4095 : h.caps[1 + rng.below(h.caps.length - 1)]!;
  };
  const anyName = () => {
    const k = rng.below(4);
    if (k === 0) return ownCap();
    if (k === 1) return (ownCap() + (1 << 12)) >>> 0; // wrong generation
    if (k === 2) return rng.below(300); // a forged slot
    return rng.nextU32() | 0;
  };
  const anyVa = () => {
    const k = rng.below(6);
    if (k === 0) return (KSEG0 + rng.below(MEMORY_BYTES)) >>> 0;
    if (k === 1) return HOSTILE_VA + rng.below(16) * PAGE_BYTES + 2;
    if (k === 2) return DATA_VA + rng.below(4) * PAGE_BYTES;
    return HOSTILE_VA + rng.below(16) * PAGE_BYTES;
  };
  const anyEnv = () => (rng.below(3) === 0 ? rng.below(70) : 1 + rng.below(20));
  if (w.diskHeavy && pick < 40 && typeof env.diskRead === "function") {
    diskAttack(w, h);
  } else if (pick < 8) {
    count(w, "alloc");
    const r = env.allocFrame(rng.below(4) === 0 ? rng.below(MEMORY_BYTES / PAGE_BYTES + 4) : -1);
    if (r >= 0) {
      h.caps.push(r);
      h.frameOfCap.set(r, env.frameOf(r));
    }
  } else if (pick < 14 && pick >= 11 && typeof env.bindBatch === "function") {
    count(w, "batch");
    batchAttack(w, h, anyName, anyVa, ownCap);
  } else if (pick < 14) {
    count(w, "map");
    const cap = rng.below(4) === 0 ? anyName() : ownCap();
    const va = anyVa();
    if (rng.below(2) === 0) env.tlbWrite(va, cap, rng.below(3));
    else env.guarantee(va, cap, rng.below(2));
  } else if (pick < 26) {
    count(w, "access");
    const va = anyVa();
    try {
      if (rng.below(2) === 0) {
        const v = env.cpu.load32(va);
        if (isSecret(v)) breach(w, "foreign-read");
      } else {
        env.cpu.store32(va, rng.nextU32() & 0x00ffffff);
      }
    } catch {
      // its own death, or an argument refused
    }
  } else if (pick < 32) {
    count(w, "names");
    const k = rng.below(4);
    const name = anyName();
    if (k === 0) env.frameOf(name);
    else if (k === 1) env.freeFrame(name === h.caps[0] && rng.below(50) !== 0 ? spareCap() : name);
    else if (k === 2) env.dropCap(name === h.caps[0] && rng.below(50) !== 0 ? spareCap() : name);
    else env.tlbDelete(anyVa());
  } else if (pick < 38) {
    count(w, "grant");
    // A flood: the same capability to one target, many times.
    const target = rng.below(2) === 0 ? (w.honest[rng.below(w.honest.length)]?.id ?? 1) : anyEnv();
    const cap = ownCap();
    const n = 1 + rng.below(20);
    for (let i = 0; i < n; i++) {
      // Mostly read/write (Own lets the target free the frame: rarely).
      const r = env.grant(cap, target, rng.below(20) === 0 ? 1 + rng.below(7) : 1 + rng.below(3));
      if (r >= 0 && target === env.id) {
        h.caps.push(r);
        h.frameOfCap.set(r, env.frameOf(r));
      }
    }
  } else if (pick < 42 && rng.below(2) === 0 && typeof env.reserveSlices === "function") {
    count(w, "time");
    timeAttack(w, h);
  } else if (pick < 42) {
    count(w, "slices");
    if (rng.below(2) === 0) env.allocSlice(rng.below(3) === 0 ? rng.below(20) - 2 : -1);
    else env.freeSlice(rng.below(18) - 1);
  } else if (pick < 48) {
    count(w, "ill");
    const v = w.args.values[rng.below(w.args.values.length)] as number;
    const k = rng.below(8);
    const r =
      k === 0
        ? env.allocFrame(v)
        : k === 1
          ? env.frameOf(v)
          : k === 2
            ? env.grant(v, 1, 1)
            : k === 3
              ? env.tlbWrite(v, 0, 1)
              : k === 4
                ? env.allocSlice(v)
                : k === 5 && v !== null
                  ? env.setHandler(ExcCode.Ov, v as never, SAVE_VA)
                  : k === 6
                    ? env.exit(v)
                    : env.guarantee(0x10000, ownCap(), v);
    if (r !== Result.Invalid && r !== Result.Dead) breach(w, "ill-typed-accepted");
    if (typeof v !== "number" || !Number.isFinite(v)) {
      // A CPU view takes any finite number (coerced once); anything else is refused.
      try {
        env.cpu.load32(v);
        breach(w, "ill-typed-accepted");
      } catch {
        // ArgumentError (or its death)
      }
    }
  } else if (pick < 52) {
    count(w, "labels");
    try {
      if (rng.below(20) === 0) env.cpu.exec(FORGED_COST);
      else env.cpu.exec(FLOOD_COSTS[rng.below(LABEL_UNIVERSE)]!);
    } catch {
      // the forged record is refused
    }
  } else if (pick < 58) {
    count(w, "cross");
    crossCall(w, env);
  } else if (pick < 62) {
    count(w, "callback");
    hostCallback(w, env);
  } else if (pick < 70) {
    count(w, "pct");
    const k = rng.below(5);
    if (k === 0 && w.server !== null) yield* env.pct(w.server.id, "sync");
    else if (k === 1) yield* env.pct(anyEnv(), rng.below(2) === 0 ? "sync" : "async");
    else if (k === 2) yield* env.yieldTo(w.honest[rng.below(w.honest.length)]?.id ?? anyEnv());
    else if (k === 3) yield* env.yieldSlice();
    else env.pct(anyEnv(), "sync").next(); // a transfer driven by hand, never yielded
  } else if (pick < 75) {
    count(w, "patch");
    patchAttack(w, h);
  } else if (pick < 79) {
    count(w, "faults");
    try {
      const k = rng.below(200);
      if (k < 80) env.cpu.addTrapping(0x7fffffff, 1);
      else if (k < 199) env.cpu.load32(HOSTILE_VA + 0x100000 + rng.below(8) * PAGE_BYTES);
      // A block zero over an unmapped page whose handler emulates: no progress (its death).
      else env.cpu.zero(HOSTILE_VA + 0x100000 + rng.below(4) * PAGE_BYTES, 64);
    } catch {
      // its own death
    }
  } else if (pick < 84) {
    count(w, "registers");
    env.cpu.setReg(1 + rng.below(33), rng.nextU32() & 0x00ffffff);
    env.nullSyscallStack();
  } else if (pick < 86) {
    count(w, "handlers");
    const k = rng.below(100);
    if (k === 0) env.setHandler("refill", null, 0);
    else if (k === 1) env.onEndOfSlice(null);
    else if (k === 2) env.setEntry("sync", null);
    else env.setHandler(ExcCode.Bp, () => Resume.Retry, SAVE_VA + 80);
  } else if (pick < 88) {
    count(w, "fatal");
    // Rare: the env ends (the host creates another).
    const k = rng.below(200);
    if (k === 0) throw w.args.values[rng.below(w.args.values.length)];
    if (k === 1) env.exit(rng.below(100));
    if (k === 2) for (;;) env.cpu.exec(TEST_COSTS["hostile.spin"], 50_000);
    env.nullSyscall();
  } else {
    count(w, "frees");
    const cap = spareCap();
    if (rng.below(2) === 0) env.freeFrame(cap);
    else env.dropCap(cap);
  }
}

/**
 * Hostile use of the real-time calls: reservations over anyone's positions (an honest
 * environment's must stay its own), bad and ill-typed vectors (a refused one changes nothing),
 * forged and stale reservation names, alarms at random, past and ill-typed cycles, with
 * handlers that check they run as their own env and never early, then misbehave (throw,
 * re-arm, try to transfer); and the cycle counter, which must never go back.
 */
function timeAttack(w: World, h: Hostile): void {
  const env = h.env;
  const rng = w.rng;
  const k = rng.below(
    typeof env.insertFilter === "function" ? 16 : typeof env.diskRead === "function" ? 10 : 7,
  );
  if (k >= 12) {
    netAttack(w, h);
  } else if (k >= 7) {
    diskAttack(w, h);
  } else if (k === 0) {
    const n = 1 + rng.below(4);
    const v: unknown[] = [];
    for (let i = 0; i < n; i++) v.push(rng.below(4) === 0 ? rng.below(22) - 3 : rng.below(16));
    if (rng.below(10) === 0) v.push(w.args.values[rng.below(w.args.values.length)]);
    const honestHeld = new Set<number>();
    for (const x of w.honest) for (const p of w.aegis.inspect(x.id).slices) honestHeld.add(p);
    const before = JSON.stringify(w.aegis.inspect(env.id).slices);
    const r = env.reserveSlices(v as number[]);
    if (r < 0 && JSON.stringify(w.aegis.inspect(env.id).slices) !== before) {
      breach(w, "reserve-partial");
    }
    if (r >= 0) {
      h.reservations.push(r);
      for (const p of v) if (honestHeld.has(p as number)) breach(w, "reserve-stole");
    }
  } else if (k === 1) {
    const own = h.reservations.length > 0 && rng.below(2) === 0;
    const name = own ? h.reservations[rng.below(h.reservations.length)]! : rng.nextU32() | 0;
    env.releaseSlices(rng.below(3) === 0 ? (name + (1 << 12)) | 0 : name);
  } else if (k === 2) {
    const va = rng.below(4) === 0 ? HOSTILE_VA + 2 : SAVE_VA + 96;
    env.setInterruptHandler("alarm", (x) => alarmHandler(w, x), va);
  } else if (k === 3) {
    const c = rng.below(3);
    const now = env.readCycles();
    const at =
      c === 0
        ? now + rng.below(60_000)
        : c === 1
          ? rng.below(1000)
          : (w.args.values[rng.below(w.args.values.length)] as number);
    env.setAlarm(at);
  } else if (k === 4) {
    env.cancelAlarm();
  } else {
    const runs = w.handlerRuns;
    const a = env.readCycles();
    const b = env.readCycles();
    // A handler delivered at a call's return runs on the env's registers (Aegis saves only
    // t0-t2): a hostile disk handler's refused transfer leaves its target in v1, where
    // readCycles returns the high word. The env's own business: checked only when none ran
    // (seed 1, disk-heavy, 300,000 calls: one such "breach" before this check).
    if (a >= 0 && b >= 0 && !(b > a) && w.handlerRuns === runs) breach(w, "cycles-went-back");
  }
}

/**
 * Hostile use of the disk: extents by name (overlapping anyone's, out of range, ill-typed)
 * and any; requests through own, forged and stale extent names, offsets and counts past the
 * extent, into frames named by any name (own, granted, forged) and ill-typed values; floods
 * past the queue's bound; hostile disk handlers (`diskHandler`). A request the kernel accepts must
 * name a frame the env owns (else a breach); DMA into an honest frame would change its
 * secrets (the memory check's breach).
 */
function diskAttack(w: World, h: Hostile): void {
  const env = h.env;
  const rng = w.rng;
  const k = h.extents.length === 0 && rng.below(2) === 0 ? 0 : rng.below(6);
  const ext = () =>
    h.extents.length > 0 && rng.below(8) !== 0
      ? h.extents[rng.below(h.extents.length)]!
      : rng.below(3) === 0
        ? (w.args.values[rng.below(w.args.values.length)] as number)
        : rng.nextU32() & 0x3fff;
  const frameName = () =>
    h.caps.length > 0 && rng.below(4) !== 0
      ? h.caps[rng.below(h.caps.length)]!
      : rng.below(4) === 0
        ? (w.args.values[rng.below(w.args.values.length)] as number)
        : rng.nextU32() & 0x3fff;
  if (k === 0) {
    const start = rng.below(2) === 0 ? "any" : rng.below(80) - 2;
    const r = env.allocExtent(start as number, rng.below(12));
    if (r >= 0) h.extents.push(r);
  } else if (k === 1) {
    env.freeExtent(ext());
  } else if (k === 5 && rng.below(2) === 0 && typeof env.grantExtent === "function") {
    // Grants of any name to anyone (honest envs included) with any rights.
    const r = env.grantExtent(
      ext(),
      rng.below(4) === 0 ? rng.below(70) : 1 + rng.below(12),
      rng.below(9) - 1,
    );
    if (r >= 0) count(w, "disk-granted");
  } else if (k === 5) {
    const va = rng.below(4) === 0 ? HOSTILE_VA + 2 : SAVE_VA + 112;
    env.setInterruptHandler("disk", (x) => diskHandler(w, h, x), va);
  } else {
    const n = k === 4 ? 12 : 1;
    for (let i = 0; i < n; i++) {
      const f = frameName();
      const runs = w.handlerRuns;
      const before = env.frameOf(f);
      const ownersBefore = w.aegis.frameOwners();
      const off = rng.below(4) === 0 ? rng.below(20) - 2 : 0;
      const blocks = rng.below(5) === 0 ? rng.below(12) : 1 + rng.below(4);
      const r =
        rng.below(2) === 0
          ? env.diskRead(ext(), off, blocks, f)
          : env.diskWrite(ext(), off, blocks, f);
      if (r >= 0) count(w, "disk-accepted");
      // A handler delivered at a call's return runs on the env's registers (Aegis saves
      // only t0-t2: a libOS's handler saves what it uses) and may free the frame: the
      // result is the env's own business then, and only checked when none ran.
      if (r >= 0 && w.handlerRuns === runs) {
        // A name that still resolves must name a frame of the env's own.
        const frame = env.frameOf(f);
        // (An ill-typed name may read differently each time: only the second check.)
        const ownedBefore =
          typeof f !== "number" || (before >= 0 && ownersBefore[before] === env.id);
        const owners = w.aegis.frameOwners();
        if (w.handlerRuns !== runs) continue; // (one ran at frameOf's return)
        if (!ownedBefore || (frame >= 0 && owners[frame] !== env.id)) {
          breach(w, "disk-foreign-frame");
        }
      }
    }
  }
}

/**
 * A hostile disk handler: checks it runs as its own env, then misbehaves (throws, frees
 * frames and extents, queues more requests, tries to transfer).
 */
function diskHandler(w: World, h: Hostile, x: EnvHandle): void {
  w.handlerRuns++;
  if (w.patching) {
    x.readCycles();
    return;
  }
  w.attacks.set("disk-delivered", (w.attacks.get("disk-delivered") ?? 0) + 1);
  if (x.readCycles() === Result.Refused) breach(w, "disk-foreign");
  const k = w.rng.below(9);
  if (k === 0) throw w.args.values[w.rng.below(w.args.values.length)];
  if (k === 1 && x.pct(1 + w.rng.below(20), "sync").next().value !== Result.Refused) {
    breach(w, "handler-transferred");
  }
  if (k === 2 && h.caps.length > 0) x.freeFrame(h.caps[w.rng.below(h.caps.length)]!);
  if (k === 3) diskAttack(w, h);
  if (k === 4) {
    const r = x.allocFrame();
    if (r >= 0) h.caps.push(r);
  }
  if (k === 5 && x.yieldTo(1 + w.rng.below(20)).next().value !== Result.Refused) {
    breach(w, "handler-transferred");
  }
  if (k === 6 && w.rng.below(20) === 0) x.exit(3);
}

/**
 * Hostile use of the network: filters of random and ill-typed words, claims over the honest
 * listener's port (must be Busy), rings and send frames and ASH grants named by any name
 * (own, granted, forged, ill-typed: an accepted call must name a frame the env owns), random
 * and stock ASH programs, deletes of any id, and a hostile "net" handler (throws, tries to
 * transfer, sends). The host feeds the card frames for every port each step (`netTraffic`);
 * the honest listener checks that its ring holds only its own port's frames.
 */
function netAttack(w: World, h: Hostile): void {
  const env = h.env;
  const rng = w.rng;
  const k = rng.below(7);
  const frameName = () =>
    h.caps.length > 0 && rng.below(3) !== 0
      ? h.caps[rng.below(h.caps.length)]!
      : rng.below(4) === 0
        ? (w.args.values[rng.below(w.args.values.length)] as number)
        : rng.nextU32() & 0x3fff;
  const owned = (cap: number) => {
    const f = env.frameOf(cap);
    return f >= 0 && w.aegis.frameOwners()[f] === env.id;
  };
  count(w, "net");
  if (h.filters.length === 0) {
    // Most of what follows needs a filter of its own: ask for one on a port of its choice,
    // with a fresh frame for its ring.
    const port = rng.below(4) === 0 ? 1 : rng.below(12);
    const f = ipFilter({ proto: PROTO_UDP, dstPort: port });
    const ring = env.allocFrame();
    if (ring >= 0) h.caps.push(ring);
    const r = env.insertFilter(ring, Array.from(encodeFilter(f)));
    if (r >= 0) {
      count(w, "net-filter");
      h.filters.push(r);
      h.ports.push(port);
    }
  }
  if (k === 0 || k === 1) {
    // A UDP filter on a port (1: the honest listener's), or random atoms, or ill-typed words.
    const ring = rng.below(2) === 0 && h.caps.length > 0 ? h.caps[0]! : frameName();
    const c = rng.below(6);
    const words =
      c === 0
        ? [1, rng.below(40), 1 << rng.below(3), 0xffff, rng.below(256)]
        : c === 1
          ? Array.from({ length: 5 * (1 + rng.below(3)) }, () =>
              rng.below(3) === 0 ? rng.nextU32() : rng.below(40),
            )
          : c === 2
            ? [w.args.values[rng.below(w.args.values.length)]]
            : Array.from(
                encodeFilter(
                  ipFilter({ proto: PROTO_UDP, dstPort: rng.below(4) === 0 ? 1 : rng.below(12) }),
                ),
              );
    const r = env.insertFilter(ring as number, words as number[]);
    if (r >= 0) {
      count(w, "net-filter");
      h.filters.push(r);
      if (!owned(ring as number)) breach(w, "net-foreign-ring");
    }
  } else if (k === 2) {
    const id =
      h.filters.length > 0 && rng.below(2) === 0
        ? h.filters[rng.below(h.filters.length)]!
        : rng.below(64);
    env.deleteFilter(id);
  } else if (k === 3) {
    const cap = frameName();
    const r = env.netSend(
      cap as number,
      rng.below(5) === 0 ? rng.below(5000) - 5 : rng.below(64),
      1 + rng.below(rng.below(5) === 0 ? 2000 : 100),
    );
    if (r >= 0 && !owned(cap as number)) breach(w, "net-foreign-send");
  } else if (k === 4 || k === 5) {
    const id =
      h.filters.length > 0 && rng.below(4) !== 0
        ? h.filters[rng.below(h.filters.length)]!
        : rng.below(64);
    const c = rng.below(4);
    const prog =
      c === 0
        ? Array.from(encodeAsh(udpReplyProgram()))
        : c === 1
          ? Array.from(encodeAsh(copyProgram(rng.below(2) === 0 ? 0 : 4096 - 64)))
          : c === 2
            ? Array.from({ length: 5 * (1 + rng.below(8)) }, () =>
                rng.below(4) === 0 ? rng.nextU32() : rng.below(34),
              )
            : [w.args.values[rng.below(w.args.values.length)]];
    const grant =
      rng.below(3) === 0 ? -1 : rng.below(2) === 0 && h.caps.length > 0 ? h.caps[0]! : frameName();
    const r = env.downloadAsh(id, prog as number[], grant as number);
    if (r >= 0) {
      count(w, "net-ash");
      if (grant !== -1 && !owned(grant as number)) breach(w, "net-foreign-grant");
    }
  } else {
    const va = rng.below(4) === 0 ? HOSTILE_VA + 2 : SAVE_VA + 96;
    env.setInterruptHandler("net", (x) => netHandler(w, x), va);
  }
}

/** A hostile network handler: runs as its env, then misbehaves. */
function netHandler(w: World, x: EnvHandle): void {
  w.handlerRuns++;
  if (w.patching) {
    x.readCycles();
    return;
  }
  w.attacks.set("net-delivered", (w.attacks.get("net-delivered") ?? 0) + 1);
  if (x.readCycles() === Result.Refused) breach(w, "net-handler-foreign");
  const k = w.rng.below(6);
  if (k === 0) throw w.args.values[w.rng.below(w.args.values.length)];
  if (k === 1 && x.pct(1 + w.rng.below(20), "sync").next().value !== Result.Refused) {
    breach(w, "handler-transferred");
  }
  if (k === 2) x.netSend(w.rng.below(8), 0, 60);
}

/** Host traffic: a few frames for random ports (port 1 is the honest listener's) and junk. */
function netTraffic(w: World, hostiles: readonly Hostile[]): void {
  const card = w.aegis.machine.net;
  const ns = w.aegis.machine.profile.cycleNs;
  const n = w.rng.below(4);
  const port = () => {
    const h = hostiles[w.rng.below(hostiles.length)]!;
    if (h.ports.length > 0 && w.rng.below(2) === 0) return h.ports[w.rng.below(h.ports.length)]!;
    return w.rng.below(4) === 0 ? 1 : w.rng.below(12);
  };
  for (let i = 0; i < n; i++) {
    const p = ipPacket({
      proto: w.rng.below(5) === 0 ? 6 : PROTO_UDP,
      srcPort: 9,
      dstPort: port(),
      payloadBytes: w.rng.below(80),
    });
    if (w.rng.below(8) === 0) p[12] = 0x86;
    card.scheduleFrame((w.aegis.machine.now + 1000 + w.rng.below(50_000)) * ns, p);
  }
}

/**
 * The honest listener: an env holding the UDP port 1 filter and a ring, and no CPU (the
 * kernel writes its ring whoever runs). The host reads its ring each check: every record must
 * be a UDP frame for port 1 (no frame of another filter, none a hostile ASH changed into
 * something else), then empties it.
 */
function bootListener(w: World): () => void {
  let ringFrame = -1;
  const env = w.aegis.createEnvironment({
    name: "honest-listener",
    setup(e) {
      const ring = e.allocFrame();
      ringFrame = e.frameOf(ring);
      const r = e.insertFilter(
        ring,
        Array.from(encodeFilter(ipFilter({ proto: PROTO_UDP, dstPort: 1 }))),
      );
      if (r < 0) throw new Error(`listener: insertFilter ${r}`);
    },
  });
  w.honest.push(env);
  w.honestIds.add(env.id);
  return () => {
    if (!env.alive || w.aegis.frameOwners()[ringFrame] !== env.id) {
      breach(w, "net-listener-lost");
      return;
    }
    const u8 = w.aegis.machine.memory.u8;
    const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    const base = ringFrame * PAGE_BYTES;
    const D = RING.dataBytes;
    const prod = dv.getUint32(base + RING.producer, true);
    let cons = dv.getUint32(base + RING.consumer, true);
    for (let guard = 0; cons !== prod && guard < 4096; guard++) {
      const p = cons >= D ? cons - D : cons;
      const len = dv.getUint32(base + RING.data + p, true);
      if (len === 0) {
        cons = cons < D ? D : 0;
        continue;
      }
      const at = base + RING.data + p + 4;
      const ihl = (u8[at + 14]! & 0x0f) * 4;
      const port = (u8[at + 14 + ihl + 2]! << 8) | u8[at + 14 + ihl + 3]!;
      if (u8[at + 12] !== 0x08 || u8[at + 13] !== 0 || u8[at + 23] !== PROTO_UDP || port !== 1) {
        breach(w, "net-foreign-frame");
      }
      w.attacks.set("net-listened", (w.attacks.get("net-listened") ?? 0) + 1);
      cons = (cons + 4 + ((len + 3) & ~3)) % (2 * D);
    }
    dv.setUint32(base + RING.consumer, prod, true);
  };
}

/** A hostile alarm handler: checks it is its env's and not early, then misbehaves. */
function alarmHandler(w: World, x: EnvHandle): void {
  w.handlerRuns++;
  if (w.patching) {
    x.readCycles();
    return;
  }
  w.attacks.set("alarm-delivered", (w.attacks.get("alarm-delivered") ?? 0) + 1);
  const t1 = x.cpu.reg(Reg.t1) >>> 0;
  const now = x.readCycles();
  if (now === Result.Refused) breach(w, "alarm-foreign");
  else if (now >= 0 && now % 2 ** 32 < t1 && now < 2 ** 32) breach(w, "alarm-early");
  const k = w.rng.below(10);
  if (k === 0) throw w.args.values[w.rng.below(w.args.values.length)];
  if (k === 1) x.setAlarm(now + 1 + w.rng.below(30_000));
  if (k === 2 && x.pct(1 + w.rng.below(20), "sync").next().value !== Result.Refused) {
    breach(w, "handler-transferred");
  }
}

/**
 * A hostile `bindBatch`: vectors of own, forged, stale and foreign names over its own and
 * odd pages, duplicate and unsorted pages, bad rights, ill-typed elements, a getter, a Proxy
 * that lies the second time it is asked, and vectors over the maximum. A refused vector must
 * change nothing (its mappings are compared), an ill-typed element or an over-long vector
 * must be refused, and no element may be read twice.
 */
function batchAttack(
  w: World,
  h: Hostile,
  anyName: () => number,
  anyVa: () => number,
  ownCap: () => number,
): void {
  const env = h.env;
  const rng = w.rng;
  const n = 1 + rng.below(8);
  const vec: unknown[] = [];
  let va = HOSTILE_VA + rng.below(8) * PAGE_BYTES;
  for (let i = 0; i < n; i++) {
    const k = rng.below(10);
    vec.push(k < 6 ? va : anyVa());
    vec.push(rng.below(4) === 0 ? anyName() : ownCap());
    vec.push([0, 1, 3, 3, 1, 0, 2, 7, -1][rng.below(9)]!);
    if (rng.below(8) !== 0) va += PAGE_BYTES; // else a duplicate page
  }
  const shape = rng.below(20);
  let mustRefuse = false;
  let subject: unknown = vec;
  const reads = new Map<PropertyKey, number>();
  if (shape === 0) {
    vec[rng.below(vec.length)] = w.args.values[rng.below(w.args.values.length)];
    mustRefuse = vec.some((v) => typeof v !== "number" || !Number.isInteger(v));
  } else if (shape === 1) {
    const at = rng.below(vec.length);
    Object.defineProperty(vec, at, {
      get() {
        breach(w, "batch-getter-run");
        return 0;
      },
    });
    mustRefuse = true;
  } else if (shape === 2) {
    subject = new Proxy(vec, {
      getOwnPropertyDescriptor(t, key) {
        const seen = (reads.get(key) ?? 0) + 1;
        reads.set(key, seen);
        const d = Reflect.getOwnPropertyDescriptor(t, key);
        // The second answer would be a forged name on a victim's page: never asked for.
        if (seen > 1 && d !== undefined && key !== "length") return { ...d, value: DATA_VA };
        return d;
      },
    });
  } else if (shape === 3) {
    const long: number[] = [];
    for (let i = 0; i < 342; i++) long.push(HOSTILE_VA + i * PAGE_BYTES, ownCap(), 1);
    subject = long;
    mustRefuse = true;
  }
  // A tick inside the stub may repossess (unbind) frames: compare only when none came.
  const ticks = () => (w.aegis as { stats?: { ticks: number } }).stats?.ticks ?? 0;
  const ticksBefore = ticks();
  const before = JSON.stringify(w.aegis.inspect(env.id).mappings);
  let r: number;
  try {
    r = env.bindBatch(subject as number[]);
  } catch {
    return; // its own death (a thrown abort)
  }
  for (const [, seen] of reads) if (seen > 1) breach(w, "batch-reread");
  if (r === Result.Dead) return;
  if (mustRefuse && r >= 0) breach(w, "ill-typed-accepted");
  if (r < 0 && env.alive && ticks() === ticksBefore) {
    if (JSON.stringify(w.aegis.inspect(env.id).mappings) !== before) breach(w, "batch-partial");
  }
}

/** Calls through an honest environment's real handle: every one must be refused. */
function crossCall(w: World, self: EnvHandle): void {
  const rng = w.rng;
  const other = w.honest[rng.below(w.honest.length)];
  if (other === undefined || other === self) return;
  const k = rng.below(6);
  const r =
    k === 0
      ? other.allocFrame()
      : k === 1
        ? other.freeFrame(rng.below(300))
        : k === 2
          ? other.tlbWrite(HOSTILE_VA, rng.below(300), 1)
          : k === 3
            ? other.grant(rng.below(300), self.id, 7)
            : k === 4
              ? other.exit(0)
              : other.nullSyscall();
  if (r !== Result.Refused) breach(w, "cross-call");
  try {
    const v = other.cpu.load32(DATA_VA);
    if (isSecret(v) || v !== undefined) breach(w, "cross-call");
  } catch {
    // NotRunningError
  }
}

/** A host callback scheduled by hostile code: nothing it tries may work. */
function hostCallback(w: World, env: EnvHandle): void {
  const rng = w.rng;
  const cb = () => {
    w.callbacks.fired++;
    const results = [env.allocFrame(), env.nullSyscall(), env.allocSlice()];
    for (const r of results) if (r !== Result.Refused && r !== Result.Dead) breach(w, "callback");
    try {
      env.cpu.exec(TEST_COSTS["callback.work"], 100_000);
      breach(w, "callback");
    } catch {
      // NotRunningError / DeadEnvironmentError
    }
  };
  w.callbacks.scheduled++;
  const k = rng.below(3);
  if (k === 0) setTimeout(cb, 0);
  else if (k === 1) queueMicrotask(cb);
  else void Promise.resolve().then(cb);
}

// ---- patched intrinsics ---------------------------------------------------------------------------

const apply = Reflect.apply;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
const deleteProperty = Reflect.deleteProperty;
const hasInstance = Function.prototype[Symbol.hasInstance];

interface Patch {
  obj: object;
  key: PropertyKey;
}

/** Every intrinsic the attack may patch (each call while armed is the kernel's or the machine's). */
const PATCHABLE: readonly Patch[] = (() => {
  const typed = getPrototypeOf(Uint8Array.prototype) as object;
  const list: Patch[] = [];
  const add = (obj: object, keys: PropertyKey[]) => {
    for (const key of keys) list.push({ obj, key });
  };
  add(Map.prototype, ["get", "set", "has", "delete", "forEach", "values", "keys", "entries"]);
  add(Set.prototype, ["add", "has", "delete", "forEach", "values"]);
  add(WeakMap.prototype, ["get", "set", "has", "delete"]);
  add(Array.prototype, ["push", "pop", "shift", "indexOf", "includes", "slice", Symbol.iterator]);
  add(typed, ["fill", "copyWithin", "set", "slice", "subarray"]);
  // Accessors: the typed arrays' getters (a kernel that reads `.length` of a typed array runs
  // the planted getter) and `Symbol.hasInstance` planted on the typed-array constructors (an
  // `instanceof Uint8Array` runs it).
  add(typed, ["length", "buffer", "byteOffset", "byteLength"]);
  add(ArrayBuffer.prototype, ["byteLength"]);
  add(Uint8Array, [Symbol.hasInstance]);
  add(Int32Array, [Symbol.hasInstance]);
  add(Uint32Array, [Symbol.hasInstance]);
  add(getPrototypeOf([][Symbol.iterator]()) as object, ["next"]);
  add(getPrototypeOf(new Map().values()) as object, ["next"]);
  add((getPrototypeOf(function* () {}) as { prototype: object }).prototype, ["next"]);
  add(Function.prototype, ["call", "apply", "bind"]);
  add(Number, ["isInteger", "isSafeInteger", "isFinite"]);
  add(Math, ["min", "max", "ceil", "floor", "imul"]);
  add(Reflect, ["apply", "ownKeys"]);
  add(Object, ["freeze", "getOwnPropertyDescriptor"]);
  add(String.prototype, ["startsWith"]);
  return list;
})();

/**
 * Patches a random subset of the intrinsics (Map.prototype.get forging a guaranteed binding
 * of an honest frame at TARGET_VPN), makes kernel calls, restores them. Any call of a patched
 * function in between is a breach: the attacker's own code makes none.
 */
function patchAttack(w: World, h: Hostile): void {
  const env = h.env;
  const rng = w.rng;
  const chosen: Patch[] = [];
  for (const p of PATCHABLE) if (rng.below(3) === 0) chosen.push(p);
  const ops: number[] = [];
  const nOps = 1 + rng.below(4);
  // Op 7 is an ASH download under the patch (issue 15: it found the verifier, the code
  // generator and the runner calling uncaptured intrinsics; since fixed, it is in by default).
  // Ops 8-10 (slices, a reservation, a batch) reach the scheduler's and the batch's reads of
  // typed-array lengths (which went through the patchable getter until fixed).
  for (let i = 0; i < nOps; i++) ops.push(rng.below(11));
  // A filter the attacker asks for while the intrinsics are patched (its ring: its own frame).
  const filterWords = Array.from(
    encodeFilter(ipFilter({ proto: PROTO_UDP, dstPort: rng.below(4) === 0 ? 1 : rng.below(12) })),
  );
  const cap = h.caps.length < 2 ? 0 : h.caps[1 + rng.below(h.caps.length - 1)]!;
  // An ASH the attacker downloads while the intrinsics are patched (issue 15): the reply
  // program or random words, for one of its filters (or a number it does not own); the
  // verifier and the download path must call nothing patched, and refuse what is unsafe.
  const ashWords =
    rng.below(2) === 0
      ? Array.from(encodeAsh(udpReplyProgram()))
      : Array.from({ length: 5 * (1 + rng.below(6)) }, () =>
          rng.below(4) === 0 ? rng.nextU32() : rng.below(34),
        );
  const ashFilter =
    h.filters.length > 0 && rng.below(4) !== 0
      ? h.filters[rng.below(h.filters.length)]!
      : rng.below(64);
  const ashGrant = rng.below(2) === 0 ? -1 : cap;
  // Built before the patch (the harness's own work): a reservation and a batch entry.
  const positions = [rng.below(18) - 1];
  const batch = [HOSTILE_VA, cap, rng.below(2) === 0 ? 1 : 3];
  const freeSlice = rng.below(2) === 0;
  const victimFrame = w.honestFrames[rng.below(w.honestFrames.length)] ?? 20;
  const forged = {
    envId: env.id,
    asid: env.asid,
    vpn: TARGET_VPN,
    frame: victimFrame,
    writable: true,
    slot: 0,
    guaranteed: true,
  };
  const state = { armed: false, calls: 0 };
  const saved: (PropertyDescriptor | undefined)[] = [];
  for (let i = 0; i < chosen.length; i++) {
    const { obj, key } = chosen[i]!;
    const d = getOwnPropertyDescriptor(obj, key);
    saved[i] = d;
    if (d === undefined) {
      // Not an own property (Symbol.hasInstance on a constructor): planted, deleted after.
      defineProperty(obj, key, {
        configurable: true,
        value: function (this: unknown, v: unknown) {
          if (state.armed) state.calls++;
          return apply(hasInstance, this, [v]);
        },
      });
      continue;
    }
    if (d.get !== undefined) {
      const get = d.get;
      defineProperty(obj, key, {
        ...d,
        get: function (this: unknown) {
          if (state.armed) state.calls++;
          return apply(get, this, []);
        },
      });
      continue;
    }
    const orig = d.value as (...a: unknown[]) => unknown;
    const forge = obj === Map.prototype && key === "get";
    defineProperty(obj, key, {
      ...d,
      value: function (this: unknown, ...args: unknown[]) {
        if (state.armed) state.calls++;
        const v = apply(orig, this, args);
        if (forge && state.armed && v === undefined && args[0] === TARGET_VPN) return forged;
        return v;
      },
    });
  }
  state.armed = true;
  w.patching = true;
  let secret = false;
  let downloads = 0;
  let accepted = 0;
  try {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op === 0) {
        const v = env.cpu.load32(TARGET_VPN * PAGE_BYTES);
        if (isSecret(v)) secret = true;
      } else if (op === 1) env.allocFrame();
      else if (op === 2) env.tlbWrite(HOSTILE_VA, cap, 1);
      else if (op === 3) env.freeFrame(cap);
      else if (op === 4) env.grant(cap, env.id, 1);
      else if (op === 6) {
        const r = env.insertFilter(cap, filterWords);
        // (An index store: the harness's own bookkeeping calls nothing patched.)
        if (r >= 0) h.filters[h.filters.length] = r;
      } else if (op === 7) {
        downloads++;
        if (env.downloadAsh(ashFilter, ashWords, ashGrant) >= 0) accepted++;
      } else if (op === 8) {
        const p = env.allocSlice(-1);
        if (p >= 0 && freeSlice) env.freeSlice(p);
      } else if (op === 9) {
        const r = env.reserveSlices(positions);
        if (r >= 0) env.releaseSlices(r);
      } else if (op === 10) env.bindBatch(batch);
      else env.nullSyscallStack();
    }
  } catch {
    // its own death
  } finally {
    state.armed = false;
    w.patching = false;
    for (let i = chosen.length - 1; i >= 0; i--) {
      const { obj, key } = chosen[i]!;
      const d = saved[i];
      if (d === undefined) deleteProperty(obj, key);
      else defineProperty(obj, key, d);
    }
  }
  if (secret) breach(w, "foreign-read");
  if (state.calls > 0) breach(w, "patched-intrinsic");
  for (let i = 0; i < downloads; i++) count(w, "patch-ash");
  // Slice, reservation and batch calls under the patch (tallied without counting as calls).
  for (let i = 0; i < ops.length; i++) {
    const kind = ops[i]! === 10 ? "patch-batch" : ops[i]! >= 8 ? "patch-slices" : "";
    if (kind !== "") w.attacks.set(kind, (w.attacks.get(kind) ?? 0) + 1);
  }
  if (accepted > 0)
    w.attacks.set("patch-ash-accepted", (w.attacks.get("patch-ash-accepted") ?? 0) + accepted);
}

// ---- checks -----------------------------------------------------------------------------------------

/** The host's check of honest memory, in physical memory. */
function checkHonestMemory(w: World): void {
  const mem = w.aegis.machine.memory;
  for (const env of w.honest) {
    const expected = hostChecks.get(env);
    if (expected === undefined) continue;
    const info = w.aegis.inspect(env.id);
    for (const m of info.mappings) {
      for (const [va, v] of expected) {
        if (va >>> 12 !== m.vpn) continue;
        if (mem.read32(m.frame * PAGE_BYTES + (va & 0xfff)) !== v >>> 0) breach(w, "honest-data");
      }
    }
  }
  for (const env of w.honest) if (!env.alive) breach(w, "honest-death");
}

/**
 * Kernel invariants: every valid TLB and software-TLB entry of a live env maps a frame it
 * owns or holds a live capability for (writable only with Write); frame owners are live; no
 * stale capability stays in a list (freeing reclaims every copy); quotas hold; each slice
 * position has one holder; the CPU is in user mode at depth 0 between runs.
 */
function checkInvariants(w: World): void {
  const aegis = w.aegis;
  const p = aegis.policy;
  const owners = aegis.frameOwners();
  const live = new Map<number, ReturnType<Aegis["inspect"]>>();
  const byAsid = new Map<number, ReturnType<Aegis["inspect"]>>();
  for (const env of w.envs()) {
    if (!env.alive) continue;
    const info = aegis.inspect(env);
    live.set(info.id, info);
    byAsid.set(info.asid, info);
  }
  const held = (asid: number, frame: number, writable: boolean): boolean => {
    const info = byAsid.get(asid);
    if (info === undefined) return false;
    if (owners[frame] === info.id) return true;
    return info.caps.some(
      (c) =>
        c.frame === frame &&
        !c.stale &&
        (c.rights & 1) !== 0 &&
        (!writable || (c.rights & 2) !== 0),
    );
  };
  const tlb = aegis.machine.tlb;
  for (let s = 0; s < tlb.size; s++) {
    const lo = tlb.lo[s]!;
    if ((lo & (1 << 9)) === 0) continue;
    const asid = (tlb.hi[s]! >>> 6) & 63;
    if (!held(asid, lo >>> 12, (lo & (1 << 10)) !== 0)) breach(w, "invariant:tlb");
  }
  for (const [, asid, lo] of aegis.stlbEntries()) {
    if (!held(asid, lo >>> 12, (lo & (1 << 10)) !== 0)) breach(w, "invariant:stlb");
  }
  const slices = new Map<number, number>();
  for (const [id, info] of live) {
    if (info.caps.some((c) => c.stale)) breach(w, "invariant:stale-cap");
    if (info.frames.length > p.frameQuota) breach(w, "invariant:frame-quota");
    if (info.frameCount !== undefined && info.frames.length !== info.frameCount) {
      breach(w, "invariant:frame-count");
    }
    if (info.grantedCaps > p.grantQuota) breach(w, "invariant:grant-quota");
    if (info.slices.length > p.sliceQuota) breach(w, "invariant:slice-quota");
    if (info.labels > p.labelQuota) breach(w, "invariant:label-quota");
    for (const s of info.slices) {
      if (slices.has(s)) breach(w, "invariant:slice-twice");
      slices.set(s, id);
    }
  }
  for (let f = 0; f < owners.length; f++) {
    const o = owners[f]!;
    if (o > 0 && !live.has(o)) breach(w, "invariant:frame-owner");
  }
  const cpu = aegis.machine.cpu;
  if (!cpu.userMode || cpu.exceptionDepth !== 0 || aegis.machine.current !== null) {
    breach(w, "invariant:cpu");
  }
  if (w.args.state.traps !== 0) {
    breach(w, "trap-ran");
    w.args.state.traps = 0;
  }
}

// ---- stack-dive probe worlds --------------------------------------------------------------------------

interface ProbeCounts {
  runs: number;
  doomed: number;
  breaches: number;
  hostThrows: number;
}

/** A fresh kernel, a victim with secrets, a diver that exhausts the stack around a random call. */
function diveProbe(seed: number, out: ProbeCounts): void {
  const rng = new SeededRandom(seed);
  const aegis = new Aegis({
    machineConfig: { memoryBytes: MEMORY_BYTES, seed },
    policy: FUZZ_POLICY,
  });
  out.runs++;
  const secrets: number[] = [];
  let victimFrame = -1;
  const victim = aegis.boot(
    {
      name: "victim",
      boot(env) {
        const cap = env.allocFrame();
        env.guarantee(DATA_VA, cap, 1);
        victimFrame = env.frameOf(cap);
        for (let i = 0; i < WORDS; i++) {
          const v = SECRET_TAG | (rng.nextU32() & 0x00ffffff);
          env.cpu.store32(DATA_VA + i * 4, v);
          secrets.push(v);
        }
        env.setEntry("sync", function* (caller: number): Thread {
          yield* env.pct(caller, "sync");
        });
        return null;
      },
    },
    null,
  ).env;
  const kind = rng.below(8);
  let done = false;
  let leaks = 0;
  const cpu = aegis.machine.cpu;
  const diver = aegis.boot(
    {
      name: "diver",
      boot(env) {
        const save = env.allocFrame();
        env.guarantee(SAVE_VA, save, 1);
        env.setHandler("refill", () => Resume.Retry, SAVE_VA);
        const mine = env.allocFrame();
        env.tlbWrite(HOSTILE_VA, mine, 1);
        const owner = aegis.inspect(env.id).owner;
        const call = (): void => {
          switch (kind) {
            case 0:
              env.allocFrame();
              return;
            case 1:
              env.grant(mine, victim.id, 1);
              return;
            case 2:
              env.tlbWrite(HOSTILE_VA + PAGE_BYTES, mine, 1);
              return;
            case 3:
              env.pct(victim.id, "sync").next();
              return;
            case 4:
              env.cpu.load32(HOSTILE_VA + 16 * PAGE_BYTES);
              return;
            case 5:
              env.freeFrame(mine);
              return;
            case 6:
              env.guarantee(HOSTILE_VA + 2 * PAGE_BYTES, mine, 1);
              return;
            default:
              env.yieldTo(victim.id).next();
          }
        };
        const dive = (): void => {
          try {
            dive();
          } catch {}
          try {
            call();
          } catch {}
          if (!cpu.userMode || cpu.owner !== owner || cpu.exceptionDepth !== 0) leaks++;
        };
        env.onStartOfSlice(function* (): Thread {
          dive();
          try {
            const v = env.cpu.load32((KSEG0 + victimFrame * PAGE_BYTES) >>> 0);
            if (isSecret(v)) leaks++;
          } catch {}
          done = true;
          for (;;) yield;
        });
        env.allocSlice();
        return null;
      },
    },
    null,
  ).env;
  const pendingBefore = cpu.hostThrows;
  try {
    aegis.run({ stopWhen: () => done, untilCycle: 5_000_000 });
  } catch {
    out.hostThrows++;
  }
  let bad = leaks;
  const stats = aegis.stats as { hostThrows?: number };
  const crossed = (stats.hostThrows ?? 0) > 0 || cpu.hostThrows > pendingBefore;
  if (crossed) {
    // A host error crossed one of its kernel calls: the diver must be gone.
    out.doomed++;
    if (diver.alive) bad++;
  }
  for (let i = 0; i < WORDS; i++) {
    if (aegis.machine.memory.read32(victimFrame * PAGE_BYTES + i * 4) !== secrets[i]! >>> 0) bad++;
  }
  if (!victim.alive) bad++;
  const probeWorld = {
    aegis,
    breaches: new Map<string, number>(),
    args: { state: { traps: 0 } },
    envs: () => [victim, diver],
  } as unknown as World;
  checkInvariants(probeWorld);
  for (const n of probeWorld.breaches.values()) bad += n;
  if (bad > 0) out.breaches++;
}

// ---- the run --------------------------------------------------------------------------------------------

function drain(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed >>> 0;
  const target = options.calls;
  const probeEvery = options.probeEvery ?? 20_000;
  const aegis = new Aegis({
    machineConfig: { memoryBytes: MEMORY_BYTES, seed },
    policy: FUZZ_POLICY,
  });
  const w: World = {
    aegis,
    rng: new SeededRandom(seed ^ 0x5eed),
    breaches: new Map(),
    hostThrows: 0,
    calls: 0,
    attacks: new Map(),
    secrets: new Set(),
    honest: [],
    honestIds: new Set(),
    hostileDeaths: 0,
    roundTrips: 0,
    checks: 0,
    callbacks: { scheduled: 0, fired: 0 },
    args: hostileArgs(),
    honestFrames: [],
    server: null,
    revokeHistory: 0,
    patching: false,
    handlerRuns: 0,
    diskHeavy: options.diskHeavy === true,
    envs: () => [...w.honest, ...hostiles.map((h) => h.env).filter((e) => e !== null)],
  };
  const hostiles: Hostile[] = [];
  const memA = bootMemory(w, "honest-mem-a", seed + 1);
  bootMemory(w, "honest-mem-b", seed + 2);
  bootReader(w, memA.env, memA.shared);
  bootPctPair(w, seed + 3);
  const listen = bootListener(w);
  for (let i = 0; i < HOSTILE_POOL; i++) hostiles.push(bootHostile(w, i));
  const probes: ProbeCounts = { runs: 0, doomed: 0, breaches: 0, hostThrows: 0 };
  let nextProbe = probeEvery;
  const samples = Math.max(1, Math.floor(options.samples ?? 10));
  const sample = (index: number): void =>
    options.onSample?.({ index, calls: w.calls, hostileDeaths: w.hostileDeaths });
  let sampled = 0;
  let steps = 0;
  const slice = aegis.policy.sliceCycles;
  while (w.calls < target) {
    steps++;
    // Host actions: replace dead hostile envs, revoke their resources, destroy one.
    for (let i = 0; i < hostiles.length; i++) {
      if (hostiles[i]!.env === null || !hostiles[i]!.env.alive) {
        w.hostileDeaths++;
        hostiles[i] = bootHostile(w, i);
      }
    }
    const r = w.rng.below(40);
    const victim = hostiles[w.rng.below(hostiles.length)]!;
    if (victim.env?.alive === true) {
      try {
        if (r === 0) {
          // A few of its frames, not its save area's (whose loss is fatal, and rare enough).
          const frames = aegis.inspect(victim.env.id).frames.filter((f) => f !== victim.saveFrame);
          const want = frames.slice(0, 1 + w.rng.below(3));
          if (want.length > 0) aegis.revokeFrames(victim.env.id, want.length, want);
        } else if (r === 1) {
          const slices = aegis.inspect(victim.env.id).slices;
          if (slices.length > 0) aegis.revokeSlice(victim.env.id, slices[0]!);
        } else if (r === 2 && w.rng.below(10) === 0) {
          aegis.destroy(victim.env.id);
        } else if (r === 3 || (r === 4 && w.diskHeavy)) {
          const held = aegis.inspect(victim.env.id).extents?.length ?? 0;
          if (held > 0 && typeof aegis.revokeExtents === "function") {
            aegis.revokeExtents(victim.env.id, 1 + w.rng.below(held));
          }
        }
      } catch {
        w.hostThrows++;
      }
    }
    netTraffic(w, hostiles);
    try {
      aegis.run({ untilCycle: aegis.machine.now + 3 * slice });
    } catch {
      w.hostThrows++;
    }
    listen();
    if (steps % 20 === 0) {
      checkHonestMemory(w);
      checkInvariants(w);
    }
    if (steps % 50 === 0) await drain();
    if (probeEvery > 0 && w.calls >= nextProbe) {
      nextProbe += probeEvery;
      diveProbe((seed + probes.runs * 7919) >>> 0, probes);
    }
    // One sample per 1/samples of the calls made (the last is taken at the end).
    while (sampled < samples - 1 && w.calls >= ((sampled + 1) * target) / samples) {
      sampled++;
      sample(sampled);
    }
    options.onProgress?.(w.calls);
  }
  // Every host callback has run (each was refused).
  for (let i = 0; i < 100 && w.callbacks.fired < w.callbacks.scheduled; i++) await drain();
  checkHonestMemory(w);
  checkInvariants(w);
  // The last sample, with the world still alive.
  sample(samples);
  if (w.callbacks.fired !== w.callbacks.scheduled) breach(w, "callbacks-lost");
  const d = new Digest();
  d.word(aegis.machine.now);
  d.word(aegis.machine.now / 2 ** 32);
  const stats = aegis.stats as unknown as Record<string, number>;
  for (const k of Object.keys(stats).sort()) {
    d.text(k);
    d.word(stats[k]!);
  }
  for (const death of aegis.deaths) {
    d.word(death.envId);
    d.text(death.reason);
  }
  for (const o of aegis.frameOwners()) d.word(o);
  d.word(w.roundTrips);
  d.word(w.checks);
  d.word(w.calls);
  d.word(w.callbacks.scheduled);
  const breachKinds = Object.fromEntries([...w.breaches].sort());
  d.text(JSON.stringify(breachKinds));
  let breaches = 0;
  for (const n of w.breaches.values()) breaches += n;
  return {
    seed,
    calls: w.calls,
    steps,
    cycles: aegis.machine.now,
    breaches,
    breachKinds,
    hostThrows: w.hostThrows,
    hostileDeaths: w.hostileDeaths,
    honestRoundTrips: w.roundTrips,
    honestChecks: w.checks,
    callbacks: w.callbacks.fired,
    attacks: Object.fromEntries([...w.attacks].sort()),
    probes,
    digest: d.hex(),
  };
}
