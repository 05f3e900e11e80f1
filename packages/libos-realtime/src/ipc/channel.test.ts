import { Reg, Result, type Thread } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import type { JobBody, LibOsApi } from "../index.js";
import { periodic, runFor } from "../test/rt-world.js";
import { TEST_COSTS, world } from "../test/world.js";
import type { Channel } from "./channel.js";

const SLICE = 20_000;

/** Work in steps of 500 cycles, with the kernel's safepoint (a thread's or a service's). */
function* work(os: LibOsApi, cycles: number): Generator<unknown, void, unknown> {
  for (let left = cycles; left > 0; left -= 500) {
    os.env.cpu.exec(TEST_COSTS["test.work"], Math.min(500, left));
    yield* os.env.safepoint();
  }
}

/** The server's service: `msg` cycles of work (at most `maxCycles`: messages are data), reply msg + 1. */
function serverOf(w: ReturnType<typeof world>, maxCycles = 20_000) {
  const server = w.spawn({ passive: true });
  expect(
    server.channels.serve(function* (msg) {
      yield* work(server, Math.min(msg >>> 0, maxCycles));
      return msg + 1;
    }),
  ).toBe(Result.Ok);
  return server;
}

/** `client` connects to `server`, which accepts it at `rank`. */
function connect(
  server: LibOsApi,
  client: LibOsApi,
  rank: number,
  capacity = 8,
  inheritance = true,
): Channel {
  const ch = client.channels.connect(server.env.id, capacity, inheritance);
  expect(typeof ch).toBe("object");
  const c = ch as Channel;
  expect(server.channels.accept(client.env.id, c.serverCap, capacity, rank)).toBe(Result.Ok);
  return c;
}

/** An environment that spins in `positions` (best-effort work between the others' slices). */
function spinner(w: ReturnType<typeof world>, positions: number[]): LibOsApi {
  const m = w.spawn({ policy: { slices: 0 } });
  for (const p of positions) expect(m.env.allocSlice(p)).toBe(p);
  m.sched.spawn(function* () {
    for (;;) {
      m.env.cpu.exec(TEST_COSTS["test.work"], 200);
      yield* m.sched.safepoint();
    }
  });
  return m;
}

describe("channels between environments: the handoff by protected control transfer", () => {
  it("a real-time job's call runs the service in the server on the job's time and returns its reply", () => {
    const w = world({
      machineConfig: { seed: 5 },
      policy: { sliceCycles: SLICE, sliceVectorLength: 4 },
    });
    const server = serverOf(w);
    const rt = w.spawn({ policy: { slices: 0 } });
    spinner(w, [1, 3]);
    const ch = connect(server, rt, 0, 4);
    const replies: number[] = [];
    const bodies: JobBody[] = [
      function* (): Thread {
        replies.push(yield* ch.call(6_000));
      },
    ];
    const r = rt.rt.admit({
      policy: "edf",
      tasks: [periodic("client", 80_000, 12_000)],
      bodies,
      positions: [0, 2],
    });
    expect(r.ok, r.ok ? "" : r.reason).toBe(true);
    rt.rt.start();
    runFor(w, 320_000);
    expect(w.aegis.deaths).toEqual([]);
    const rec = rt.rt.records[0]!;
    expect(replies.length).toBe(rec.completed);
    expect(replies.every((x) => x === 6_001)).toBe(true);
    expect(rec.completed).toBeGreaterThanOrEqual(3);
    expect(rec.misses).toBe(0);
    // The service's 6 000 cycles are in the job's response: it ran on the job's time.
    expect(rec.worstResponseCycles).toBeGreaterThan(6_000);
    expect(server.channels.stats.served).toBe(rec.completed);
  });

  it("a handoff serves every message pending in the ring, each reply in its slot; a full ring refuses", () => {
    const w = world({ policy: { sliceCycles: SLICE, sliceVectorLength: 4 } });
    const server = serverOf(w);
    const client = w.spawn({ policy: { slices: 0 } });
    expect(client.env.allocSlice(0)).toBe(0);
    const ch = connect(server, client, 0, 4);
    expect(w.aegis.actAs(client.env.id, () => [100, 200].map((m) => ch.send(m)))).toEqual([
      Result.Ok,
      Result.Ok,
    ]);
    let reply = 0;
    client.sched.spawn(function* () {
      reply = yield* ch.call(300);
    });
    runFor(w, 100_000);
    expect(reply).toBe(301);
    expect(ch.lastError).toBe(Result.Ok);
    expect(server.channels.stats.served).toBe(3);
    expect([0, 1, 2].map((i) => client.env.cpu.load32(ch.va + 16 + i * 8 + 4))).toEqual([
      101, 201, 301,
    ]);
    // Bounded: a full ring refuses, and never waits.
    expect(w.aegis.actAs(client.env.id, () => [1, 2, 3, 4, 5].map((m) => ch.send(m)))).toEqual([
      Result.Ok,
      Result.Ok,
      Result.Ok,
      Result.Ok,
      Result.Busy,
    ]);
    expect(ch.stats.full).toBe(1);
  });

  it("bad arguments are refused with nothing kept", () => {
    const w = world({ policy: { sliceCycles: SLICE, sliceVectorLength: 4 } });
    const server = serverOf(w);
    const client = w.spawn({ policy: { slices: 0 } });
    const frames = w.aegis.inspect(client.env.id).frames;
    const bad: unknown[][] = [
      [server.env.id, 0],
      [server.env.id, 100_000],
      [server.env.id, 1.5],
      [server.env.id, "8"],
      [client.env.id, 8],
      [Number.NaN, 8],
      [server.env.id, 8, "yes"],
    ];
    for (const args of bad)
      expect(Reflect.apply(client.channels.connect, client.channels, args)).toBe(Result.Invalid);
    expect(client.channels.connect(9_999, 8)).toBe(Result.NoEnv);
    expect(w.aegis.inspect(client.env.id).frames).toEqual(frames);
    const ch = connect(server, client, 0);
    expect(server.channels.accept(client.env.id, ch.serverCap, 8, 0)).toBe(Result.Busy);
    expect(server.channels.accept(77, ch.serverCap, 8, -1)).toBe(Result.Invalid);
    expect(server.channels.accept(77, ch.serverCap, 0, 1)).toBe(Result.Invalid);
    expect(server.channels.serve(null as never)).toBe(Result.Invalid);
  });
});

/**
 * The inversion across environments, on a vector of `length` slices of 20 000 cycles: the
 * real-time environment holds positions 0 and 4, the low client 1, a best-effort spinner
 * (the middle work) every other position. The low client enters a 12 000-cycle section
 * 14 000 cycles into its slice of the third round (6 000 of it left when its slice ends); H
 * (high) is released 5 000 cycles into the real-time slice at position 4 of that round, and
 * calls the server for 2 000 cycles.
 */
function inversion(inheritance: boolean, length: number) {
  const w = world({
    machineConfig: { seed: 5 },
    policy: { sliceCycles: SLICE, sliceVectorLength: length },
  });
  const server = serverOf(w);
  const rt = w.spawn({ policy: { slices: 0 } });
  const low = w.spawn({ policy: { slices: 0 } });
  expect(low.env.allocSlice(1)).toBe(1);
  const middle: number[] = [];
  for (let p = 2; p < length; p++) if (p !== 4) middle.push(p);
  spinner(w, middle);
  const round = length * SLICE;
  const hch = connect(server, rt, 0, 8, inheritance);
  const lch = connect(server, low, 5, 8, inheritance);
  let lowReply = 0;
  low.sched.spawn(function* () {
    while (low.env.cpu.now < 2 * round + SLICE + 14_000) yield* work(low, 500);
    lowReply = yield* lch.call(12_000);
  });
  let highReply = 0;
  let response = -1;
  const r = rt.rt.admit({
    policy: "rm",
    tasks: [
      {
        ...periodic("H", 40 * SLICE, 30_000),
        offsetCycles: 2 * round + 4 * SLICE + 5_000 - w.aegis.machine.now,
      },
    ],
    bodies: [
      function* (job): Thread {
        highReply = yield* hch.call(2_000);
        if (job.index === 0) response = rt.env.cpu.now - job.releaseCycle;
      },
    ],
    positions: [0, 4],
  });
  expect(r.ok, r.ok ? "" : r.reason).toBe(true);
  rt.rt.start();
  runFor(w, 4 * round);
  expect(w.aegis.deaths).toEqual([]);
  expect([lowReply, highReply]).toEqual([12_001, 2_001]);
  return { H: rt.rt.records[0]!, hch, response };
}

describe("channels between environments: priority inheritance on the handoff", () => {
  it("with inheritance H waits for at most the low client's section; without, for the middle environments' slices", () => {
    const a8 = inversion(true, 8);
    const a16 = inversion(true, 16);
    const b8 = inversion(false, 8);
    const b16 = inversion(false, 16);
    for (const x of [a8, a16, b8, b16]) {
      expect(x.H.completed).toBeGreaterThanOrEqual(1);
      expect(x.hch.stats.busy).toBeGreaterThanOrEqual(1); // H found the server in L's section
    }
    expect(a8.hch.stats.donated).toBe(1);
    // With inheritance: the rest of L's section (6 000), H's own 2 000, the transfers.
    expect(a8.response).toBeLessThan(12_000);
    // The same with twice the middle work (up to the kernel's walks of a longer vector).
    expect(Math.abs(a16.response - a8.response)).toBeLessThan(500);
    // Without: L's section resumes only in L's next slice, after every middle slice.
    expect(b8.response).toBeGreaterThan(3 * SLICE);
    expect(b16.response).toBeGreaterThan(b8.response + 7 * SLICE);
  });
});

describe("channels between environments: a hostile client", () => {
  it("floods transfers, sends bogus messages, scribbles its ring and marks itself waiting: refusals, and no deadline of the real-time set", () => {
    const w = world({
      machineConfig: { seed: 7 },
      policy: { sliceCycles: SLICE, sliceVectorLength: 4 },
    });
    const server = serverOf(w, 3_000);
    const rt = w.spawn({ policy: { slices: 0 } });
    const hostile = w.spawn({ policy: { slices: 0 } });
    expect(hostile.env.allocSlice(1)).toBe(1);
    const stranger = w.spawn({ policy: { slices: 0 } });
    expect(stranger.env.allocSlice(3)).toBe(3);
    const ch = connect(server, rt, 0, 4);
    const hch = connect(server, hostile, 9, 4);
    const codes = new Map<string, number>();
    const count = (k: string) => codes.set(k, (codes.get(k) ?? 0) + 1);
    // The hostile client: its page's header and ring written by hand, raw transfers.
    // The flood stops for the run's last part: while it lasts, the stranger may find the
    // server inside a hostile section at every one of its slices (Busy), a matter of phase.
    let flooding = true;
    hostile.sched.spawn(function* () {
      const cpu = hostile.env.cpu;
      for (let i = 0; flooding; i++) {
        const head = cpu.load32(hch.va);
        cpu.store32(hch.va + 8, 1); // "waiting", always
        if (i % 3 === 0) cpu.store32(hch.va + 4, head + 1000); // scribbled: past the capacity
        if (i % 3 === 1) {
          for (let k = 0; k < 4; k++) cpu.store32(hch.va + 16 + ((head + k) % 4) * 8, -1);
          cpu.store32(hch.va + 4, head + 4); // four bogus messages
        }
        yield* hostile.calls.call(server.env.id, 0);
        count(`hostile ${hostile.calls.lastError}/${cpu.reg(Reg.a1) | 0}`);
        yield* hostile.sched.safepoint();
      }
    });
    // A stranger the server never accepted floods it with transfers.
    stranger.sched.spawn(function* () {
      for (;;) {
        yield* stranger.calls.call(server.env.id, 0);
        count(`stranger ${stranger.calls.lastError}/${stranger.env.cpu.reg(Reg.a1) | 0}`);
        yield* stranger.sched.safepoint();
      }
    });
    const replies: number[] = [];
    const body = (msg: number): JobBody =>
      function* (): Thread {
        replies.push(yield* ch.call(msg));
      };
    const r = rt.rt.admit({
      policy: "edf",
      tasks: [periodic("a", 160_000, 24_000), periodic("b", 320_000, 24_000)],
      bodies: [body(2_000), body(3_000)],
      positions: [0, 2],
    });
    expect(r.ok, r.ok ? "" : r.reason).toBe(true);
    rt.rt.start();
    runFor(w, 3_200_000);
    flooding = false;
    runFor(w, 320_000);
    expect(w.aegis.deaths).toEqual([]);
    const s = rt.rt.summary();
    expect(s.jobs).toBeGreaterThanOrEqual(28);
    expect(s.misses).toBe(0);
    // Every job released has been served (none starved behind the hostile), each in time.
    for (const rec of rt.rt.records) expect(rec.completed).toBeGreaterThanOrEqual(rec.released - 1);
    expect(rt.rt.dispatcher.pendingMisses(w.aegis.machine.now)).toBe(0);
    expect(s.worstResponseCycles).toBeGreaterThan(0);
    expect(s.worstResponseCycles).toBeLessThan(160_000);
    expect(ch.stats.donated).toBeGreaterThan(0); // it did find the server in the hostile's section
    expect(replies.length).toBe(rt.rt.records[0]!.completed + rt.rt.records[1]!.completed);
    expect(replies.every((x) => x === 2_001 || x === 3_001)).toBe(true);
    // The hostile got Invalid for its scribbled header, its bogus messages were served on
    // its own time; the stranger was refused.
    const st = server.channels.stats;
    expect(st.scribbled).toBeGreaterThan(0);
    expect(st.unknown).toBeGreaterThan(0);
    expect(codes.get(`hostile ${Result.Ok}/${Result.Invalid}`)).toBeGreaterThan(0);
    expect(codes.get(`stranger ${Result.Ok}/${Result.Refused}`)).toBeGreaterThan(0);
  });
});
