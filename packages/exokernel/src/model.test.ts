/**
 * Model-based isolation property (DESIGN.md §7). Random command sequences from two honest
 * and two hostile environments run against the kernel and against an independent model of
 * ownership (plain maps: frame -> owner, frame -> generation, env -> capability names,
 * env -> mappings, slice position -> env), compared after every step:
 *
 * - every result equals the model's prediction (or, for forged names the model cannot
 *   tell apart, lies in the allowed set);
 * - frame owners, capability lists, mappings, slices and repossession vectors agree;
 * - every valid TLB and software-TLB entry belongs to a live env and matches a mapping the
 *   model allows (right frame; writable only if the env holds Write): no env can read or
 *   write a frame it has no right to; every load returns the model's value;
 * - the kernel's state stays sane (exception depth 0), the honest envs' work completes,
 *   and at least 30% of the calls succeed (a kernel that refuses everything fails).
 *
 * The machine runs between commands ("tick": one slice): the honest envs have a slice
 * each and a worker thread that yields at safepoints; a hostile env may install a thread
 * that never yields ("spin"), which the kernel must destroy for excess time (the only
 * death the model accepts during a tick, and never of an honest env). An honest worker
 * also runs queued "cross" probes: calls through another env's handle and CPU view while
 * it runs, which must be refused and charge nothing. Ill-typed arguments include objects
 * with getters and proxies, whose traps must never run. Every refusal the commands aim at
 * (BadCap, Stale, Rights, NoEnv, Busy, NotOwner, NoSlot, Invalid…) must actually occur.
 *
 * Budget: FC_NUM_RUNS (default 20, seeded: FC_SEED default 5) sequences of 20 to 120
 * commands, each refusal class covered; FC_LONG=1 runs 1000 unseeded ones.
 * FC_SEED replays a seed; fast-check prints the seed and path of any failure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  batchEntryResult,
  DeadEnvironmentError,
  ExcCode,
  NotRunningError,
  Reg,
  Result,
  Resume,
  type RevokeRequest,
  resultName,
  type Thread,
} from "./index.js";

import { TEST_COSTS } from "./test-costs.js";
import { Aegis, expectDeath, type Hosted, hostedEnv, hostileValues } from "./test-util.js";

const FRAMES = 64;
const RESERVED = 16;
const VPNS = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17];
const SAVE_VA = 0x7ff01000;
const SENTINEL = 0xdeadbeef | 0;
const HONEST = [0, 1];
const SLICES = 8;
const MAX_GUARANTEED = 4;
const SLICE_CYCLES = 2000;
/** Worker iterations each honest env must complete by the end of a sequence. */
const HONEST_WORK = 20;

type CapRef =
  | { k: "own"; i: number }
  | { k: "other"; env: number; i: number }
  | { k: "forged"; v: number }
  | { k: "wrongGen"; i: number }
  /** A live name of its own that lacks some right (a copy granted with fewer rights). */
  | { k: "weak"; i: number };

/** A bindBatch entry; `ill` puts a hostile value (HOSTILE.values[ill]) in entry 0. */
type BatchEntry = { va: number; cap: CapRef; rights: number };

type Cmd =
  | { op: "alloc"; a: number; frame: number }
  | { op: "frameOf" | "free" | "drop"; a: number; cap: CapRef }
  | { op: "grant"; a: number; cap: CapRef; target: number; rights: number }
  | { op: "map" | "guarantee"; a: number; va: number; cap: CapRef; w: number }
  | { op: "unmap"; a: number; va: number }
  | { op: "batch"; a: number; entries: BatchEntry[]; ill: number | null }
  | { op: "load"; a: number; vpn: number }
  | { op: "store"; a: number; vpn: number; value: number }
  | { op: "slice" | "unslice"; a: number; pos: number }
  /** reserveSlices; `ill` puts a hostile value (HOSTILE.values[ill]) last. */
  | { op: "reserve"; a: number; positions: number[]; ill: number | null }
  /** releaseSlices of its i-th reservation name, a wrong generation of it, or a forged word. */
  | { op: "release"; a: number; k: "own" | "wrongGen" | "forged"; i: number; v: number }
  | { op: "ill"; a: number; call: number; value: number }
  | { op: "revoke"; a: number; count: number }
  | { op: "tick" }
  | { op: "destroy"; a: number }
  | { op: "spin"; a: number }
  | { op: "cross"; a: number; t: number }
  | { op: "null"; a: number };

// ---- generators --------------------------------------------------------------------------

const actor = fc.integer({ min: 0, max: 3 });
const hostileActor = fc.integer({ min: 2, max: 3 });
const capRef: fc.Arbitrary<CapRef> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant("own" as const), i: fc.nat(20) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("other" as const), env: actor, i: fc.nat(20) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("forged" as const),
      v: fc.oneof(
        fc.integer({ min: -5, max: 70 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("wrongGen" as const), i: fc.nat(20) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("weak" as const), i: fc.nat(20) }) },
);
const va = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...VPNS.map((v) => v << 12)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0x10004, 0x80000000, 0xfffff000, -4096, 0x7fffffff, SAVE_VA),
  },
);
const vpnIdx = fc.nat(VPNS.length - 1);

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("alloc" as const),
      a: actor,
      frame: fc.oneof(
        { weight: 4, arbitrary: fc.constant(-1) },
        { weight: 1, arbitrary: fc.integer({ min: -3, max: FRAMES + 3 }) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("frameOf" as const), a: actor, cap: capRef }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("free" as const), a: actor, cap: capRef }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("drop" as const), a: actor, cap: capRef }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("grant" as const),
      a: actor,
      cap: capRef,
      target: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(0, 5, 99, -1)),
      rights: fc.integer({ min: 0, max: 8 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom("map" as const, "guarantee" as const),
      a: actor,
      va,
      cap: capRef,
      w: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 0, max: 1 }) },
        { weight: 1, arbitrary: fc.constant(2) },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("unmap" as const), a: actor, va }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("batch" as const),
      a: actor,
      entries: fc.array(
        fc.record({
          va,
          cap: capRef,
          rights: fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom(0, 1, 3) },
            { weight: 1, arbitrary: fc.constantFrom(2, 4, 7, -1) },
          ),
        }),
        { maxLength: 5 },
      ),
      ill: fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.nat(17) },
      ),
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("load" as const), a: actor, vpn: vpnIdx }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("store" as const),
      a: actor,
      vpn: vpnIdx,
      value: fc.integer({ min: 1, max: 1_000_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom("slice" as const, "unslice" as const),
      a: actor,
      pos: fc.integer({ min: -2, max: SLICES }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("reserve" as const),
      a: actor,
      positions: fc.array(
        fc.oneof(
          { weight: 8, arbitrary: fc.integer({ min: 2, max: SLICES - 1 }) },
          { weight: 1, arbitrary: fc.constantFrom(-1, 0, SLICES) },
        ),
        { minLength: 0, maxLength: 3 },
      ),
      ill: fc.oneof(
        { weight: 7, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.nat(19) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("release" as const),
      a: actor,
      k: fc.constantFrom("own" as const, "own" as const, "wrongGen" as const, "forged" as const),
      i: fc.nat(5),
      v: fc.integer({ min: -2, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("ill" as const),
      a: actor,
      call: fc.nat(9),
      value: fc.nat(18),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("revoke" as const),
      a: hostileActor,
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("tick" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("null" as const), a: actor }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("destroy" as const), a: hostileActor }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("spin" as const), a: hostileActor }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("cross" as const),
      a: fc.constantFrom(...HONEST),
      t: actor,
    }),
  },
);

// ---- the model ---------------------------------------------------------------------------

interface MCap {
  frame: number;
  gen: number;
  rights: number;
}
interface MMap {
  frame: number;
  w: boolean;
  name: number;
  g: boolean;
}
interface MEnv {
  alive: boolean;
  caps: Map<number, MCap>;
  issued: number[];
  maps: Map<number, MMap>;
  slices: Set<number>;
  /** Its live reservations: name -> positions; and every name it was given. */
  reservations: Map<number, Set<number>>;
  reservationNames: number[];
  wanted: Set<number>;
  repossessed: number[];
  /** It installed a start-of-slice thread that never yields. */
  spins: boolean;
}

class Model {
  readonly owner = new Map<number, number>();
  readonly gen = new Map<number, number>();
  readonly mem = new Map<number, number>();
  /**
   * Frames whose first word the kernel may have written as a save area (t0 on a dispatch):
   * every frame that was a live save area at some step, until the model next stores there.
   */
  readonly saveWritten = new Set<number>();
  readonly envs: MEnv[] = [];
  readonly vector: number[] = new Array(SLICES).fill(-1);

  g(frame: number): number {
    return this.gen.get(frame) ?? 0;
  }

  /** Resolves a register word as a capability name of env e. */
  resolve(e: MEnv, word: number): { r: number[]; cap?: MCap; name: number } {
    const name = word | 0;
    if (name < 0) return { r: [Result.Invalid], name };
    const c = e.caps.get(name);
    if (c !== undefined) {
      if (this.g(c.frame) !== c.gen) return { r: [Result.Stale], name };
      return { r: [], cap: c, name };
    }
    if (e.issued.includes(name)) return { r: [Result.Stale], name };
    return { r: [Result.BadCap, Result.Stale], name };
  }

  freeFrame(frame: number): void {
    const ownerIdx = this.owner.get(frame);
    if (ownerIdx !== undefined) this.envs[ownerIdx]!.wanted.delete(frame);
    this.owner.delete(frame);
    this.gen.set(frame, this.g(frame) + 1);
    this.mem.delete(frame);
    this.saveWritten.delete(frame);
    for (const e of this.envs) {
      for (const [vpn, m] of e.maps) if (m.frame === frame) e.maps.delete(vpn);
      // Every copy of the frame's capability, in every list, is released with it.
      for (const [name, c] of e.caps) if (c.frame === frame) e.caps.delete(name);
    }
  }

  destroy(i: number): void {
    const e = this.envs[i]!;
    for (const [f, o] of [...this.owner]) if (o === i) this.freeFrame(f);
    e.maps.clear();
    e.caps.clear();
    for (const p of e.slices) this.vector[p] = -1;
    e.slices.clear();
    e.reservations.clear();
    e.wanted.clear();
    e.alive = false;
  }

  /** The save area is usable while SAVE_VA holds a writable guaranteed mapping. */
  saveLive(e: MEnv): boolean {
    const mm = e.maps.get(SAVE_VA >>> 12);
    return mm?.g === true && mm.w;
  }

  /** The frames the kernel may write t0..t2 into (live save areas). */
  saveFrames(): Set<number> {
    const out = new Set<number>();
    for (const e of this.envs) {
      if (e.alive && this.saveLive(e)) out.add(e.maps.get(SAVE_VA >>> 12)!.frame);
    }
    return out;
  }

  gcount(e: MEnv): number {
    let n = 0;
    for (const m of e.maps.values()) if (m.g) n++;
    return n;
  }
}

// ---- the system under test -------------------------------------------------------------------

interface World {
  aegis: Aegis;
  envs: Hosted[];
  model: Model;
  calls: number;
  successes: number;
  /** Worker iterations done by each honest env. */
  work: number[];
  /** Probes each honest worker runs at its next iteration. */
  probes: (() => void)[][];
  probesRun: number;
  /** Deaths by excess time of spinning envs. */
  spinDeaths: number;
  violations: string[];
  /** How often each `op:result` occurred. */
  seen: Map<string, number>;
}

function setup(): World {
  const aegis = new Aegis({
    machineConfig: { memoryBytes: FRAMES * 4096, seed: 11 },
    policy: {
      stlbEntries: 512,
      sliceVectorLength: SLICES,
      revokeDeadlineCycles: 1,
      maxGuaranteedPerEnv: MAX_GUARANTEED,
      sliceCycles: SLICE_CYCLES,
    },
  });
  // The hostile envs may die (the model checks how); an honest env's death fails the test.
  expectDeath(aegis, "hostile2", "hostile3");
  const model = new Model();
  const envs: Hosted[] = [];
  const w: World = {
    aegis,
    envs,
    model,
    calls: 0,
    successes: 0,
    work: [0, 0],
    probes: [[], []],
    probesRun: 0,
    spinDeaths: 0,
    violations: [],
    seen: new Map(),
  };
  for (let i = 0; i < 4; i++) {
    const env = hostedEnv(aegis, i < 2 ? `honest${i}` : `hostile${i}`);
    const save = env.allocFrame();
    const frame = env.frameOf(save);
    expect(env.guarantee(SAVE_VA, save, 1)).toBe(Result.Ok);
    const me: MEnv = {
      alive: true,
      caps: new Map([[save, { frame, gen: 0, rights: 7 }]]),
      issued: [save],
      maps: new Map([[SAVE_VA >>> 12, { frame, w: true, name: save, g: true }]]),
      slices: new Set(),
      reservations: new Map(),
      reservationNames: [],
      wanted: new Set(),
      repossessed: [],
      spins: false,
    };
    model.owner.set(frame, i);
    model.envs.push(me);
    // The libOS's page table is the model's record of what it mapped: on a miss the refill
    // handler re-installs a mapping it made, and emulates the sentinel for anything else.
    env.setHandler(
      "refill",
      (h) => {
        const vpn = h.cpu.reg(Reg.t1) >>> 12;
        const m = me.maps.get(vpn);
        if (m !== undefined && h.tlbWrite(vpn << 12, m.name, m.w ? 1 : 0) === Result.Ok) {
          return Resume.Retry;
        }
        h.cpu.setReg(Reg.v0, SENTINEL);
        return Resume.Emulated;
      },
      SAVE_VA,
    );
    env.setHandler(
      ExcCode.Mod,
      (h) => {
        h.cpu.setReg(Reg.v0, 0);
        return Resume.Emulated;
      },
      SAVE_VA + 16,
    );
    env.onRevoke((_req: RevokeRequest) => {}); // never gives anything back
    envs.push(env);
    if (HONEST.includes(i)) {
      // Its home slice and a worker that yields at every safepoint.
      expect(env.allocSlice(i)).toBe(i);
      model.vector[i] = i;
      me.slices.add(i);
      env.onStartOfSlice(function* (): Thread {
        for (;;) {
          env.cpu.exec(TEST_COSTS["model.work"], 300);
          w.work[i]!++;
          for (const probe of w.probes[i]!.splice(0)) probe();
          yield* env.safepoint();
        }
      });
    }
  }
  return w;
}

/**
 * A call through env t's handle and CPU view made by honest worker `a` while it runs:
 * refused (Dead if t is dead), a NotRunningError (DeadEnvironmentError) from the view, and
 * not one cycle charged.
 */
function crossProbe(w: World, a: number, t: number): () => void {
  return () => {
    // The real handle of t, as code that got hold of it would use it.
    const other = w.envs[t]!.handle;
    const me = w.envs[a]!;
    const dead = !other.alive;
    const before = me.cpu.now;
    const want = t === a ? null : dead ? Result.Dead : Result.Refused;
    const results = [other.allocFrame(), other.nullSyscall(), other.tlbDelete(0x10000)];
    let thrown: unknown = null;
    try {
      other.cpu.store32(VPNS[0]! << 12, 1);
    } catch (e) {
      thrown = e;
    }
    const charged = me.cpu.now - before;
    w.probesRun++;
    if (t === a) return; // its own handle: allowed (the results are not modelled)
    const okThrow = dead
      ? thrown instanceof DeadEnvironmentError
      : thrown instanceof NotRunningError;
    if (results.some((r) => r !== want) || !okThrow || charged !== 0) {
      w.violations.push(
        `cross ${a}->${t}: ${JSON.stringify(results)} thrown=${String(thrown)} charged=${charged}`,
      );
    }
  };
}

function pickName(w: World, a: number, ref: CapRef): number {
  const word = pickWord(w, a, ref);
  // Honest envs never name their save area's capability.
  return HONEST.includes(a) && word === w.model.envs[a]!.issued[0] ? 4095 : word;
}

function pickWord(w: World, a: number, ref: CapRef): number {
  const e = w.model.envs[a]!;
  const honest = HONEST.includes(a);
  switch (ref.k) {
    case "own": {
      // Honest envs never name their save area's capability (index 0).
      const list = honest ? e.issued.slice(1) : e.issued;
      return list.length === 0 ? 4095 : list[ref.i % list.length]!;
    }
    case "other": {
      const list = w.model.envs[ref.env]!.issued;
      return list[ref.i % list.length]!;
    }
    case "forged":
      return ref.v;
    case "weak": {
      const m = w.model;
      const list = [...e.caps]
        .filter(([, c]) => c.rights !== 7 && m.g(c.frame) === c.gen)
        .map(([n]) => n);
      return list.length === 0 ? 4095 : list[ref.i % list.length]!;
    }
    case "wrongGen": {
      const list = honest ? e.issued.slice(1) : e.issued;
      const n = list.length === 0 ? 4095 : list[ref.i % list.length]!;
      return (n + (1 << 12)) >>> 0;
    }
  }
}

/** Hostile values (getters, proxies…); `undefined` would select allocFrame's default. */
const HOSTILE = (() => {
  const h = hostileValues();
  return { values: h.values.filter((v) => v !== undefined && v !== null), reads: h.reads };
})();

/**
 * After the machine ran: a spinning env may have been destroyed for excess time (nothing
 * else may die, and never an honest env); every frame past its revocation deadline that
 * its env still held was repossessed.
 */
function afterRun(w: World): void {
  const m = w.model;
  for (let i = 0; i < m.envs.length; i++) {
    const e = m.envs[i]!;
    if (!e.alive || w.envs[i]!.alive) continue;
    const death = w.aegis.deaths.find((d) => d.envId === w.envs[i]!.id);
    expect(HONEST.includes(i), `honest env ${i} died: ${death?.reason}`).toBe(false);
    expect(e.spins, `env ${i} died without spinning: ${death?.reason}`).toBe(true);
    expect(death?.reason).toMatch(/excess time/);
    w.spinDeaths++;
    m.destroy(i);
  }
  for (let i = 0; i < m.envs.length; i++) {
    const e = m.envs[i]!;
    if (!e.alive) continue;
    for (const f of [...e.wanted]) {
      if (m.owner.get(f) === i) {
        m.freeFrame(f);
        e.repossessed.push(f);
      }
    }
    e.wanted.clear();
  }
  expect(w.violations).toEqual([]);
}

/** Runs one command on the kernel and the model; checks the result. */
function step(w: World, c: Cmd): void {
  const m = w.model;
  if (c.op === "tick") {
    w.aegis.run({ untilCycle: w.aegis.machine.now + SLICE_CYCLES });
    afterRun(w);
    return;
  }
  if (c.op === "cross") {
    if (c.t !== c.a) w.probes[c.a]!.push(crossProbe(w, c.a, c.t));
    return;
  }
  const a = c.a;
  const env = w.envs[a]!;
  const e = m.envs[a]!;
  const honest = HONEST.includes(a);
  // Honest envs never touch the mapping of their own save area.
  if (honest && "va" in c && c.va === SAVE_VA) return;

  if (c.op === "load" || c.op === "store") {
    const vpn = VPNS[c.vpn]!;
    const vaddr = vpn << 12;
    if (!e.alive) {
      expect(() => env.cpu.load32(vaddr)).toThrow(DeadEnvironmentError);
      return;
    }
    const mp = e.maps.get(vpn);
    const cached =
      w.aegis.machine.tlb.probe(vpn, env.asid) >= 0 || w.aegis.peekStlb(vpn, env.asid) !== -1;
    const needsHandler = mp === undefined || (!cached && !mp.g) || (c.op === "store" && !mp.w);
    if (needsHandler && !m.saveLive(e)) {
      expect(() =>
        c.op === "load" ? env.cpu.load32(vaddr) : env.cpu.store32(vaddr, c.value),
      ).toThrow(DeadEnvironmentError);
      m.destroy(a);
      return;
    }
    if (c.op === "load") {
      const got = env.cpu.load32(vaddr) | 0;
      // A save area's words are written by the kernel on every dispatch: not modelled.
      const saveArea = mp !== undefined && m.saveWritten.has(mp.frame);
      const expected = mp === undefined ? SENTINEL : (m.mem.get(mp.frame) ?? 0);
      if (!saveArea) expect(got).toBe(expected | 0);
    } else {
      env.cpu.store32(vaddr, c.value);
      if (mp?.w === true) {
        m.mem.set(mp.frame, c.value);
        if (!m.saveFrames().has(mp.frame)) m.saveWritten.delete(mp.frame);
      }
    }
    return;
  }

  let got: number;
  let want: number[] = [];
  let onOk: (r: number) => void = () => {};
  switch (c.op) {
    case "alloc": {
      got = env.allocFrame(c.frame);
      const f = c.frame;
      const free = [...Array(FRAMES).keys()].filter((x) => x >= RESERVED && !m.owner.has(x));
      if (f === -1) want = free.length === 0 ? [Result.NoMemory] : [];
      else if (f < 0 || f >= FRAMES) want = [Result.Invalid];
      else if (f < RESERVED) want = [Result.NotOwner];
      else if (m.owner.has(f)) want = [Result.Busy];
      onOk = (name) => {
        const frame = env.frameOf(name);
        if (f !== -1) expect(frame).toBe(f);
        expect(m.owner.has(frame)).toBe(false);
        expect(frame).toBeGreaterThanOrEqual(RESERVED);
        m.owner.set(frame, a);
        e.caps.set(name, { frame, gen: m.g(frame), rights: 7 });
        expect(e.issued.includes(name)).toBe(false);
        e.issued.push(name);
      };
      break;
    }
    case "frameOf": {
      const word = pickName(w, a, c.cap);
      got = env.frameOf(word);
      const res = m.resolve(e, word);
      want = res.r;
      onOk = (frame) => expect(frame).toBe(res.cap!.frame);
      break;
    }
    case "free": {
      const word = pickName(w, a, c.cap);
      got = env.freeFrame(word);
      const res = m.resolve(e, word);
      want = res.r;
      if (want.length === 0 && (res.cap!.rights & 4) === 0) want = [Result.Rights];
      onOk = () => {
        m.freeFrame(res.cap!.frame);
        e.caps.delete(res.name);
      };
      break;
    }
    case "drop": {
      const word = pickName(w, a, c.cap);
      got = env.dropCap(word);
      const name = word | 0;
      if (name < 0) want = [Result.Invalid];
      else if (e.caps.has(name)) want = [];
      else if (e.issued.includes(name)) want = [Result.Stale];
      else want = [Result.BadCap, Result.Stale];
      onOk = () => {
        e.caps.delete(name);
        for (const [vpn, mm] of e.maps) if (mm.name === name) e.maps.delete(vpn);
      };
      break;
    }
    case "grant": {
      const word = pickName(w, a, c.cap);
      // Honest envs grant only Read or Read|Write (never Own of what they rely on).
      const rights = honest ? 1 + (c.rights % 2) * 2 : c.rights;
      got = env.grant(word, c.target, rights);
      const res = m.resolve(e, word);
      const t = c.target - 1;
      if (rights < 1 || rights > 7) want = [Result.Invalid];
      else if (res.r.length > 0) want = res.r;
      else if ((rights & ~res.cap!.rights) !== 0) want = [Result.Rights];
      else if (t < 0 || t >= 4 || !m.envs[t]!.alive) want = [Result.NoEnv];
      onOk = (name) => {
        const te = m.envs[t]!;
        expect(te.issued.includes(name)).toBe(false);
        te.caps.set(name, { frame: res.cap!.frame, gen: res.cap!.gen, rights });
        te.issued.push(name);
      };
      break;
    }
    case "map":
    case "guarantee": {
      const word = pickName(w, a, c.cap);
      got = c.op === "map" ? env.tlbWrite(c.va, word, c.w) : env.guarantee(c.va, word, c.w);
      const reg = c.va | 0;
      const vpn = reg >>> 12;
      const res = m.resolve(e, word);
      const old = e.maps.get(vpn);
      if (reg < 0 || (reg & 0xfff) !== 0 || c.w > 1) want = [Result.Invalid];
      else if (res.r.length > 0) want = res.r;
      else if ((res.cap!.rights & 1) === 0 || (c.w === 1 && (res.cap!.rights & 2) === 0))
        want = [Result.Rights];
      else if (c.op === "map" && old?.g === true) want = [Result.Busy];
      else if (c.op === "guarantee" && old?.g !== true && m.gcount(e) >= MAX_GUARANTEED)
        want = [Result.NoSlot];
      onOk = () =>
        e.maps.set(vpn, {
          frame: res.cap!.frame,
          w: c.w === 1,
          name: res.name,
          g: c.op === "guarantee",
        });
      break;
    }
    case "batch": {
      // The model: entries checked in order, the first bad one named; all or nothing.
      const words = c.entries.map((x) => [x.va, pickName(w, a, x.cap), x.rights]);
      const vec: unknown[] = words.flat();
      if (c.ill !== null && vec.length > 0) {
        vec[c.ill % 3] = HOSTILE.values[c.ill % HOSTILE.values.length];
        got = env.bindBatch(vec as number[]);
        want = [batchEntryResult(0, Result.Invalid)];
        break;
      }
      got = env.bindBatch(vec as number[]);
      const plan: { vpn: number; cap?: MCap; name: number; rights: number }[] = [];
      let prev = -1;
      for (let i = 0; i < words.length && want.length === 0; i++) {
        const [v, word, rights] = words[i] as [number, number, number];
        const reg = v | 0;
        const vpn = reg >>> 12;
        const res = rights === 0 ? undefined : m.resolve(e, word);
        const bad = (codes: number[]) => {
          want = codes.map((code) => batchEntryResult(i, code));
        };
        if (reg < 0 || (reg & 0xfff) !== 0) bad([Result.Invalid]);
        else if (rights !== 0 && rights !== 1 && rights !== 3) bad([Result.Invalid]);
        else if (vpn <= prev) bad([Result.Invalid]);
        else if (res !== undefined && res.r.length > 0) bad(res.r);
        else if (
          res !== undefined &&
          ((res.cap!.rights & 1) === 0 || (rights === 3 && (res.cap!.rights & 2) === 0))
        )
          bad([Result.Rights]);
        else if (e.maps.get(vpn)?.g === true) bad([Result.Busy]);
        prev = vpn;
        plan.push({ vpn, cap: res?.cap, name: res?.name ?? 0, rights });
      }
      onOk = () => {
        for (const p of plan) {
          if (p.rights === 0) e.maps.delete(p.vpn);
          else
            e.maps.set(p.vpn, { frame: p.cap!.frame, w: p.rights === 3, name: p.name, g: false });
        }
      };
      break;
    }
    case "unmap": {
      got = env.tlbDelete(c.va);
      const reg = c.va | 0;
      want = reg < 0 || (reg & 0xfff) !== 0 ? [Result.Invalid] : [];
      onOk = () => e.maps.delete(reg >>> 12);
      break;
    }
    case "slice": {
      got = env.allocSlice(c.pos);
      if (c.pos === -1) want = m.vector.includes(-1) ? [] : [Result.NoSlot];
      else if (c.pos < 0 || c.pos >= SLICES) want = [Result.Invalid];
      else if (m.vector[c.pos] !== -1) want = [Result.Busy];
      onOk = (p) => {
        if (c.pos === -1) expect(p).toBe(m.vector.indexOf(-1));
        m.vector[p] = a;
        e.slices.add(p);
      };
      break;
    }
    case "unslice": {
      // Honest envs keep their home slice (their worker must finish its work).
      if (honest && c.pos === a) return;
      got = env.freeSlice(c.pos);
      if (c.pos < 0 || c.pos >= SLICES) want = [Result.Invalid];
      else if (m.vector[c.pos] !== a) want = [Result.NotOwner];
      onOk = () => {
        m.vector[c.pos] = -1;
        e.slices.delete(c.pos);
        // A reserved position leaves its reservation; the last one releases it.
        for (const [name, set] of e.reservations) {
          if (set.delete(c.pos) && set.size === 0) e.reservations.delete(name);
        }
      };
      break;
    }
    case "reserve": {
      const v: unknown[] = [...c.positions];
      if (c.ill !== null) v.push(HOSTILE.values[c.ill % HOSTILE.values.length]);
      const reads = HOSTILE.reads();
      got = env.reserveSlices(v as number[]);
      expect(HOSTILE.reads()).toBe(reads);
      if (v.length === 0) want = [Result.Invalid];
      else {
        const seenPos = new Set<number>();
        for (let i = 0; i < v.length && want.length === 0; i++) {
          const p = v[i];
          if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= SLICES) {
            // Ill-typed elements are refused by the stub before the kernel sees any entry.
            want = [batchEntryResult(i, Result.Invalid)];
          } else if (seenPos.has(p)) want = [batchEntryResult(i, Result.Invalid)];
          else if (m.vector[p] !== -1) want = [batchEntryResult(i, Result.Busy)];
          seenPos.add(p as number);
        }
        // The stub reads every element before the kernel checks any.
        const illAt = v.findIndex(
          (x) => typeof x !== "number" || !Number.isInteger(x) || Math.abs(x) >= 2 ** 31,
        );
        if (illAt >= 0) want = [batchEntryResult(illAt, Result.Invalid)];
        if (want.length === 0 && e.slices.size + v.length > 32) want = [Result.NoSlot];
      }
      onOk = (name) => {
        const set = new Set(c.positions);
        for (const p of set) {
          m.vector[p] = a;
          e.slices.add(p);
        }
        e.reservations.set(name, set);
        e.reservationNames.push(name);
      };
      break;
    }
    case "release": {
      const names = e.reservationNames;
      const own = names.length > 0 ? names[c.i % names.length]! : 0;
      const word = c.k === "own" ? own : c.k === "wrongGen" ? (own + (1 << 12)) | 0 : c.v;
      got = env.releaseSlices(word);
      const live = e.reservations.get(word);
      if (live === undefined) {
        want =
          word < 0
            ? [Result.Invalid]
            : names.includes(word)
              ? [Result.Stale]
              : [Result.BadCap, Result.Stale];
      }
      onOk = () => {
        for (const p of live!) {
          m.vector[p] = -1;
          e.slices.delete(p);
        }
        e.reservations.delete(word);
      };
      break;
    }
    case "ill": {
      const v = HOSTILE.values[c.value % HOSTILE.values.length] as number;
      const calls = [
        () => env.allocFrame(v),
        () => env.frameOf(v),
        () => env.freeFrame(v),
        () => env.grant(v, 1, 1),
        () => env.tlbWrite(0x10000, v, 1),
        () => env.tlbWrite(v, 0, 1),
        () => env.allocSlice(v),
        () => env.grant(0, 1, v),
        () => env.exit(v),
        () => env.setHandler(ExcCode.Ov, v as never, SAVE_VA + 32),
      ];
      // A function proxy is a function: a valid (if odd) handler.
      if (c.call % calls.length === 9 && typeof v === "function") return;
      got = calls[c.call % calls.length]!();
      want = [Result.Invalid];
      break;
    }
    case "revoke": {
      if (!e.alive) return;
      const mine = [...m.owner].filter(([, o]) => o === a).map(([f]) => f);
      mine.sort((x, y) => y - x);
      const req = w.aegis.revokeFrames(env.id, c.count);
      const asked = mine.slice(0, c.count);
      expect(req.kind === "frames" ? [...req.frames] : null).toEqual(asked);
      for (const f of asked) e.wanted.add(f);
      return;
    }
    case "destroy": {
      if (!e.alive) return;
      w.aegis.destroy(env.id);
      m.destroy(a);
      return;
    }
    case "spin": {
      // A start-of-slice thread that never reaches a safepoint.
      got = env.onStartOfSlice(function* (): Thread {
        for (;;) env.cpu.exec(TEST_COSTS["model.spin"], 500);
      });
      onOk = () => {
        e.spins = true;
        // And a slice to spin in (any free position).
        const p = env.allocSlice();
        const free = m.vector.indexOf(-1);
        expect(p).toBe(free < 0 ? Result.NoSlot : free);
        if (p >= 0) {
          m.vector[p] = a;
          e.slices.add(p);
        }
      };
      break;
    }
    case "null":
      got = env.nullSyscall();
      break;
  }
  if (!e.alive) want = [Result.Dead];
  // The share of successes counts the calls of live envs (a dead env's calls must fail).
  if (e.alive) w.calls++;
  const key = `${c.op}:${resultName(got)}`;
  w.seen.set(key, (w.seen.get(key) ?? 0) + 1);
  if (want.length === 0) {
    expect(got, `${JSON.stringify(c)} should succeed`).toBeGreaterThanOrEqual(0);
    if (e.alive) w.successes++;
    onOk(got);
  } else {
    expect(want, `${JSON.stringify(c)} returned ${got}`).toContain(got);
  }
}

/** Compares the kernel with the model, and checks the isolation invariants. */
function check(w: World): void {
  const { aegis, model: m } = w;
  for (const f of m.saveFrames()) m.saveWritten.add(f);
  const owners = aegis.frameOwners();
  for (let f = 0; f < FRAMES; f++) {
    const o = m.owner.get(f);
    const want = f < RESERVED ? -1 : o === undefined ? 0 : w.envs[o]!.id;
    expect(owners[f], `owner of frame ${f}`).toBe(want);
  }
  const byAsid = new Map<number, number>();
  for (let i = 0; i < w.envs.length; i++) {
    const env = w.envs[i]!;
    const e = m.envs[i]!;
    const info = aegis.inspect(env.id);
    expect(info.alive).toBe(e.alive);
    if (!e.alive) continue;
    byAsid.set(env.asid, i);
    const caps = new Map(info.caps.map((c) => [c.name, c]));
    expect([...caps.keys()].sort()).toEqual([...e.caps.keys()].sort());
    for (const [name, c] of e.caps) {
      const k = caps.get(name)!;
      expect(k.frame).toBe(c.frame);
      expect(k.rights).toBe(c.rights);
      expect(k.stale).toBe(m.g(c.frame) !== c.gen);
    }
    const maps = info.mappings
      .map((x) => `${x.vpn}:${x.frame}:${x.writable}:${x.guaranteed}`)
      .sort();
    const wantMaps = [...e.maps].map(([vpn, x]) => `${vpn}:${x.frame}:${x.w}:${x.g}`).sort();
    expect(maps).toEqual(wantMaps);
    expect(info.slices).toEqual([...e.slices].sort((x, y) => x - y));
    const reserved = [...e.reservations.values()].flatMap((x) => [...x]);
    expect(info.reservedSlices).toEqual(reserved.sort((x, y) => x - y));
    expect([...info.repossessed].sort()).toEqual([...e.repossessed].sort());
    // Every model mapping is backed by a live capability with the needed rights.
    for (const mm of e.maps.values()) {
      const ok = [...e.caps.values()].some(
        (c) =>
          c.frame === mm.frame &&
          m.g(c.frame) === c.gen &&
          (c.rights & 1) !== 0 &&
          (!mm.w || (c.rights & 2) !== 0),
      );
      expect(ok, `mapping of frame ${mm.frame} without a right`).toBe(true);
    }
  }
  // No translation reaches a frame its env may not reach.
  const allowed = (asid: number, vpn: number, frame: number, writable: boolean): boolean => {
    const i = byAsid.get(asid);
    if (i === undefined) return false;
    const mm = m.envs[i]!.maps.get(vpn);
    return mm !== undefined && mm.frame === frame && (!writable || mm.w);
  };
  const tlb = aegis.machine.tlb;
  for (let s = 0; s < tlb.size; s++) {
    const lo = tlb.lo[s]!;
    if ((lo & (1 << 9)) === 0) continue;
    const hi = tlb.hi[s]!;
    expect(
      allowed((hi >>> 6) & 63, hi >>> 12, lo >>> 12, (lo & (1 << 10)) !== 0),
      `TLB slot ${s}`,
    ).toBe(true);
  }
  for (const [vpn, asid, lo] of aegis.stlbEntries()) {
    expect(allowed(asid, vpn, lo >>> 12, (lo & (1 << 10)) !== 0), `STLB ${vpn}/${asid}`).toBe(true);
  }
  expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  expect(aegis.machine.cpu.userMode).toBe(true);
  expect(aegis.machine.current).toBe(null);
}

/**
 * The honest envs finish their work: the machine runs until each worker has done
 * HONEST_WORK more iterations (spinners, which never yield, must be destroyed on the way),
 * and their writable pages hold the data they write.
 */
function honestWork(w: World): void {
  const target = w.work.map((n) => n + HONEST_WORK);
  const spinners = w.model.envs
    .map((e, i) => (e.alive && e.spins && e.slices.size > 0 ? i : -1))
    .filter((i) => i >= 0);
  const finished = () =>
    HONEST.every((i) => w.work[i]! >= target[i]!) && spinners.every((i) => !w.envs[i]!.alive);
  w.aegis.run({ stopWhen: finished, untilCycle: w.aegis.machine.now + 200 * SLICE_CYCLES });
  afterRun(w);
  check(w);
  expect(finished(), `honest work ${JSON.stringify(w.work)} of ${JSON.stringify(target)}`).toBe(
    true,
  );
  for (const i of HONEST) {
    const env = w.envs[i]!;
    const e = w.model.envs[i]!;
    expect(env.alive).toBe(true);
    let v = 1000 + i;
    for (const [vpn, mm] of e.maps) {
      if (!mm.w || vpn === SAVE_VA >>> 12) continue;
      env.cpu.store32(vpn << 12, v);
      expect(env.cpu.load32(vpn << 12)).toBe(v);
      w.model.mem.set(mm.frame, v);
      v++;
    }
  }
  check(w);
}

const long = process.env.FC_LONG === "1";
const numRuns = Number(process.env.FC_NUM_RUNS ?? (long ? 1000 : 20));
// The default run is seeded (the same 20 sequences every time, each refusal class covered —
// seed 5 since the batch commands joined the model; seed 2 then left free:Stale unseen);
// FC_LONG=1 explores 1000 unseeded ones, FC_SEED replays one.
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : long ? undefined : 5;

describe("isolation: random hostile command sequences against an ownership model", () => {
  it(
    `agrees with the model after every step (${numRuns} runs)`,
    () => {
      let calls = 0;
      let successes = 0;
      let probes = 0;
      let spinDeaths = 0;
      const seen = new Map<string, number>();
      fc.assert(
        fc.property(fc.array(cmd, { minLength: 20, maxLength: 120, size: "max" }), (cmds) => {
          const w = setup();
          check(w);
          for (const c of cmds) {
            step(w, c);
            check(w);
          }
          honestWork(w);
          calls += w.calls;
          successes += w.successes;
          probes += w.probesRun;
          spinDeaths += w.spinDeaths;
          for (const [k, n] of w.seen) seen.set(k, (seen.get(k) ?? 0) + n);
        }),
        { numRuns, seed },
      );
      console.log(
        `model property: ${calls} calls, ${((100 * successes) / calls).toFixed(1)}% succeeded; ` +
          `${spinDeaths} spinners destroyed; ${probes} cross-env probes; results ` +
          JSON.stringify(Object.fromEntries([...seen].sort())),
      );
      expect(successes / calls).toBeGreaterThanOrEqual(0.3);
      expect(HOSTILE.reads(), "a hostile getter or proxy trap ran").toBe(0);
      // Not vacuous: each refusal the commands aim at occurred, spinners were destroyed,
      // cross-env probes ran.
      const results = new Set([...seen.keys()].map((k) => k.split(":")[1]));
      for (const r of ["BadCap", "Stale", "Rights", "NoEnv", "Busy", "NotOwner", "Invalid"]) {
        expect(results.has(r), `no call returned ${r}`).toBe(true);
      }
      for (const k of [
        "free:Stale",
        "ill:Invalid",
        "grant:Rights",
        "batch:Ok",
        "reserve:Ok",
        "release:Ok",
        "release:Stale",
      ]) {
        expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
      }
      // A mapping through a name that lacks the right (wrong-right) was refused.
      expect((seen.get("map:Rights") ?? 0) + (seen.get("guarantee:Rights") ?? 0)).toBeGreaterThan(
        0,
      );
      expect(spinDeaths).toBeGreaterThan(0);
      expect(probes).toBeGreaterThan(0);
    },
    // Budget: the vitest limit is a hang guard only; long mode scales it with the runs.
    Math.max(300_000, numRuns * 1000),
  );

  it("replays bit for bit from the same commands", () => {
    const cmds = fc.sample(fc.array(cmd, { minLength: 60, maxLength: 60 }), {
      numRuns: 1,
      seed: 42,
    })[0]!;
    const run = () => {
      const w = setup();
      for (const c of cmds) step(w, c);
      return { now: w.aegis.machine.now, owners: Array.from(w.aegis.frameOwners()) };
    };
    expect(run()).toEqual(run());
  });
});
