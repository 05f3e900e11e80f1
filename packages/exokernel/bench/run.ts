/**
 * Host-speed benchmark of the exokernel's network engines (not a test: it times the host).
 *
 * DPF, 64 filters (ethertype IP, protocol TCP or UDP, destination address, IHL shift,
 * destination port 1000..1063), over a stream of 1024 Ethernet frames in one buffer: 80% for
 * one of the filters (in a scrambled order, 1 in 8 with IP options), 20% for nobody (another
 * port, ARP, another address). One benchmark op is one pass over the stream through:
 * - a raw loop that reads the same header bytes (ethertype, protocol, IHL, destination
 *   address, destination port) and sums them: the yardstick;
 * - the compiled demultiplexer (`engine.demuxAt`, what the kernel calls);
 * - the interpreter over the same trie, and the linear interpreter (every filter in turn).
 * Insertion: building the 64-filter engine from nothing (each insert merges and recompiles).
 * dpf-classify: ten TCP/IP filters (ethertype, protocol, destination address, shift, source
 * and destination ports), each packet for one of them: compiled against interpreted, in
 * simulated instructions (from the engines' counted work and NET_COSTS; cycles and µs on the
 * dec5000_125 profile) and in host time. ASH: the UDP reply program, compiled and interpreted.
 *
 * Speed figures are ratios against the raw loop (or between engines) in the same process;
 * the parent runs BENCH_PROCESSES child processes (default 3) and reports medians.
 * Env: BENCH_MAX_TIME (seconds per case per process, default 1), BENCH_PROCESSES,
 * BENCH_MIN_SAMPLES (benchmark.js samples per case at least, default 10; the smoke test uses 2),
 * BENCH_JSON (a file for the figures: dpfCompiledVsInterpreted, dpfNsPerPacket64,
 * dpfVsRawRead, dpfInsertMicros, and the others printed).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PROFILES } from "@exolab/machine/privileged";
import Benchmark from "benchmark";
import {
  AshRunner,
  ETHERTYPE_ARP,
  ipFilter,
  ipPacket,
  PacketFilterEngine,
  PROTO_TCP,
  PROTO_UDP,
  udpReplyProgram,
  verifyAsh,
} from "../src/kernel.js";

type Figures = Record<string, number>;

const STREAM = 1024;
const SLOT_BYTES = 128;
const HOST_IP = 0x0a000002;
const PEER_IP = 0x0a000001;

// ---- workloads -----------------------------------------------------------------------------

interface Stream {
  readonly buf: Uint8Array;
  readonly offs: Int32Array;
  readonly lens: Int32Array;
}

function stream(packets: readonly Uint8Array[]): Stream {
  const buf = new Uint8Array(packets.length * SLOT_BYTES);
  const offs = new Int32Array(packets.length);
  const lens = new Int32Array(packets.length);
  packets.forEach((p, i) => {
    buf.set(p, i * SLOT_BYTES);
    offs[i] = i * SLOT_BYTES;
    lens[i] = p.length;
  });
  return { buf, offs, lens };
}

function engine64(): PacketFilterEngine {
  const e = new PacketFilterEngine();
  for (let i = 0; i < 64; i++) insert64(e, i);
  return e;
}

function insert64(e: PacketFilterEngine, i: number): void {
  const proto = i % 2 === 1 ? PROTO_TCP : PROTO_UDP;
  const r = e.insert(i, ipFilter({ proto, dstPort: 1000 + i, dstIp: HOST_IP }));
  if (r < 0) throw new Error(`insert ${i}: ${e.lastRefusal}`);
}

/** 1024 frames: k = (37 j) mod 80; k < 64 hits filter k; the rest miss three ways. */
function stream64(): Stream {
  const packets: Uint8Array[] = [];
  for (let j = 0; j < STREAM; j++) {
    const k = (j * 37) % 80;
    const ihl = j % 8 === 0 ? 6 : 5;
    const proto = k % 2 === 1 ? PROTO_TCP : PROTO_UDP;
    if (k < 72) {
      packets.push(ipPacket({ proto, srcPort: 7, dstPort: 1000 + k, dstIp: HOST_IP, ihl }));
    } else if (k < 76) {
      packets.push(ipPacket({ proto, srcPort: 7, dstPort: 1000, ethertype: ETHERTYPE_ARP }));
    } else {
      packets.push(ipPacket({ proto, srcPort: 7, dstPort: 1001, dstIp: HOST_IP + 1, ihl }));
    }
  }
  return stream(packets);
}

function tcpFilter10(i: number) {
  return ipFilter({
    proto: PROTO_TCP,
    dstIp: HOST_IP,
    srcPort: 4000 + i,
    dstPort: 80,
  });
}

function engine10(): PacketFilterEngine {
  const e = new PacketFilterEngine();
  for (let i = 0; i < 10; i++) {
    if (e.insert(i, tcpFilter10(i)) < 0) throw new Error(e.lastRefusal);
  }
  return e;
}

function stream10(): Stream {
  const packets: Uint8Array[] = [];
  for (let j = 0; j < STREAM; j++) {
    const i = (j * 7) % 10;
    packets.push(
      ipPacket({
        proto: PROTO_TCP,
        srcPort: 4000 + i,
        dstPort: 80,
        dstIp: HOST_IP,
        srcIp: PEER_IP,
      }),
    );
  }
  return stream(packets);
}

// ---- the timed loops (module-level functions, monomorphic call sites) ---------------------------

const blackhole = { sink: 0 };

function rawPass(s: Stream): number {
  const { buf, offs, lens } = s;
  let sum = 0;
  for (let i = 0; i < offs.length; i++) {
    const o = offs[i]!;
    if (lens[i]! < 38) continue;
    const b = o + ((buf[o + 14]! & 15) << 2);
    sum =
      (sum +
        ((buf[o + 12]! << 8) | buf[o + 13]!) +
        buf[o + 23]! +
        ((buf[o + 30]! << 24) | (buf[o + 31]! << 16) | (buf[o + 32]! << 8) | buf[o + 33]!) +
        ((buf[b + 16]! << 8) | buf[b + 17]!)) |
      0;
  }
  return sum;
}

function compiledPass(e: PacketFilterEngine, s: Stream): number {
  const { buf, offs, lens } = s;
  let sum = 0;
  for (let i = 0; i < offs.length; i++) sum = (sum + e.demuxAt(buf, offs[i]!, lens[i]!)) | 0;
  return sum;
}

function triePass(e: PacketFilterEngine, s: Stream): number {
  const { buf, offs, lens } = s;
  let sum = 0;
  for (let i = 0; i < offs.length; i++) sum = (sum + e.interpretAt(buf, offs[i]!, lens[i]!)) | 0;
  return sum;
}

function linearPass(e: PacketFilterEngine, s: Stream): number {
  const { buf, offs, lens } = s;
  let sum = 0;
  for (let i = 0; i < offs.length; i++) sum = (sum + e.linearAt(buf, offs[i]!, lens[i]!)) | 0;
  return sum;
}

function insertPass(): number {
  const e = new PacketFilterEngine();
  for (let i = 0; i < 64; i++) insert64(e, i);
  return e.size;
}

const ASH_RUNS = 256;

function ashPass(r: AshRunner, frame: Uint8Array, compiled: boolean): number {
  let sum = 0;
  for (let i = 0; i < ASH_RUNS; i++) {
    sum =
      (sum + (compiled ? r.run(frame, 0, frame.length) : r.interpret(frame, 0, frame.length))) | 0;
  }
  return sum + r.steps;
}

// ---- simulated figures (deterministic; no host time) -----------------------------------------------

/** Mean simulated instructions per packet of each engine over a stream. */
function simulated(e: PacketFilterEngine, s: Stream): Figures {
  let compiled = 0;
  let trie = 0;
  let linear = 0;
  for (let i = 0; i < s.offs.length; i++) {
    const owner = e.demuxAt(s.buf, s.offs[i]!, s.lens[i]!);
    compiled += e.work.instructions;
    if (e.interpretAt(s.buf, s.offs[i]!, s.lens[i]!) !== owner) throw new Error("engines disagree");
    trie += e.work.instructions;
    if (e.linearAt(s.buf, s.offs[i]!, s.lens[i]!) !== owner) throw new Error("engines disagree");
    linear += e.work.instructions;
  }
  const n = s.offs.length;
  return { compiled: compiled / n, trie: trie / n, linear: linear / n };
}

// ---- one process ------------------------------------------------------------------------------------

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 === 1 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function speedChild(maxTime: number): Figures {
  const e64 = engine64();
  const s64 = stream64();
  const e10 = engine10();
  const s10 = stream10();
  const reply = verifyAsh(udpReplyProgram());
  if (!reply.ok) throw new Error(reply.reason);
  const runner = new AshRunner(reply.ash);
  const frame = ipPacket({ proto: PROTO_UDP, srcPort: 1, dstPort: 2, payloadBytes: 18 });
  // The engines agree, and every stream does what it says.
  const expect64 = compiledPass(e64, s64);
  if (triePass(e64, s64) !== expect64 || linearPass(e64, s64) !== expect64) {
    throw new Error("the engines disagree on the 64-filter stream");
  }

  const suite = new Benchmark.Suite();
  const minSamples = Math.max(1, Math.floor(Number(process.env.BENCH_MIN_SAMPLES ?? 10)));
  const opts = { maxTime, minSamples };
  suite.add(
    "raw read (64)",
    () => {
      blackhole.sink ^= rawPass(s64);
    },
    opts,
  );
  suite.add(
    "compiled (64)",
    () => {
      blackhole.sink ^= compiledPass(e64, s64);
    },
    opts,
  );
  suite.add(
    "trie interpreter (64)",
    () => {
      blackhole.sink ^= triePass(e64, s64);
    },
    opts,
  );
  suite.add(
    "linear interpreter (64)",
    () => {
      blackhole.sink ^= linearPass(e64, s64);
    },
    opts,
  );
  suite.add(
    "insert 64 filters",
    () => {
      blackhole.sink ^= insertPass();
    },
    opts,
  );
  suite.add(
    "compiled (10 TCP)",
    () => {
      blackhole.sink ^= compiledPass(e10, s10);
    },
    opts,
  );
  suite.add(
    "trie interpreter (10 TCP)",
    () => {
      blackhole.sink ^= triePass(e10, s10);
    },
    opts,
  );
  suite.add(
    "linear interpreter (10 TCP)",
    () => {
      blackhole.sink ^= linearPass(e10, s10);
    },
    opts,
  );
  suite.add(
    "ASH reply compiled",
    () => {
      blackhole.sink ^= ashPass(runner, frame.slice(), true);
    },
    opts,
  );
  suite.add(
    "ASH reply interpreted",
    () => {
      blackhole.sink ^= ashPass(runner, frame.slice(), false);
    },
    opts,
  );
  suite.run({ async: false });
  const results = suite.map((b: Benchmark) => ({
    name: b.name ?? "",
    median: median(b.stats.sample),
    rme: b.stats.rme,
  })) as { name: string; median: number; rme: number }[];
  const sec = (name: string) => {
    const r = results.find((x) => x.name === name);
    if (r === undefined) throw new Error(`no result for ${name}`);
    return r.median;
  };
  const ns = 1e9;
  const perPacket = (name: string) => (sec(name) * ns) / STREAM;
  return {
    dpfCompiledVsInterpreted: sec("linear interpreter (64)") / sec("compiled (64)"),
    dpfCompiledVsTrieInterpreted: sec("trie interpreter (64)") / sec("compiled (64)"),
    dpfNsPerPacket64: perPacket("compiled (64)"),
    dpfVsRawRead: sec("compiled (64)") / sec("raw read (64)"),
    dpfInsertMicros: (sec("insert 64 filters") * 1e6) / 64,
    rawReadNsPerPacket: perPacket("raw read (64)"),
    trieNsPerPacket64: perPacket("trie interpreter (64)"),
    linearNsPerPacket64: perPacket("linear interpreter (64)"),
    classify10CompiledNs: perPacket("compiled (10 TCP)"),
    classify10TrieNs: perPacket("trie interpreter (10 TCP)"),
    classify10LinearNs: perPacket("linear interpreter (10 TCP)"),
    classify10CompiledVsTrie: sec("trie interpreter (10 TCP)") / sec("compiled (10 TCP)"),
    classify10CompiledVsLinear: sec("linear interpreter (10 TCP)") / sec("compiled (10 TCP)"),
    ashReplyCompiledNs: (sec("ASH reply compiled") * ns) / ASH_RUNS,
    ashReplyInterpretedNs: (sec("ASH reply interpreted") * ns) / ASH_RUNS,
    maxRmePercent: Math.max(...results.map((r) => r.rme)),
  };
}

/** The simulated figures (the same in every process). */
function simulatedFigures(): Figures {
  const e10 = new PacketFilterEngine();
  let insert10th = 0;
  for (let i = 0; i < 10; i++) {
    e10.insert(i, tcpFilter10(i));
    insert10th = e10.insertWork.instructions;
  }
  const e64 = new PacketFilterEngine();
  let insert64th = 0;
  for (let i = 0; i < 64; i++) {
    insert64(e64, i);
    insert64th = e64.insertWork.instructions;
  }
  const c10 = simulated(e10, stream10());
  const c64 = simulated(e64, stream64());
  const reply = verifyAsh(udpReplyProgram());
  if (!reply.ok) throw new Error(reply.reason);
  const runner = new AshRunner(reply.ash);
  const frame = ipPacket({ proto: PROTO_UDP, srcPort: 1, dstPort: 2, payloadBytes: 18 });
  runner.run(frame, 0, frame.length);
  return {
    sim10Compiled: c10.compiled!,
    sim10Trie: c10.trie!,
    sim10Linear: c10.linear!,
    sim64Compiled: c64.compiled!,
    sim64Trie: c64.trie!,
    sim64Linear: c64.linear!,
    simInsert10th: insert10th,
    simInsert64th: insert64th,
    simAshReply: runner.instructions,
    simAshVerify: reply.verifyInstructions,
  };
}

// ---- the parent -------------------------------------------------------------------------------------

function runChild(maxTime: number): Figures {
  const script = fileURLToPath(import.meta.url);
  const res = spawnSync(process.execPath, [...process.execArgv, script, "--speed-child"], {
    env: { ...process.env, BENCH_CHILD_MAX_TIME: String(maxTime) },
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`benchmark child failed:\n${res.stderr}\n${res.stdout}`);
  return JSON.parse(res.stdout.trim().split("\n").pop() ?? "") as Figures;
}

function fmt(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

function parent(): void {
  const maxTime = Number(process.env.BENCH_MAX_TIME ?? 1);
  if (!(maxTime > 0)) {
    console.error("BENCH_MAX_TIME must be a positive number of seconds");
    process.exit(2);
  }
  const processes = Math.max(1, Math.floor(Number(process.env.BENCH_PROCESSES ?? 3)));
  const p = PROFILES.dec5000_125;
  const us = (instructions: number) => (instructions * p.cyclesPerInstruction * p.cycleNs) / 1000;
  console.log(
    `@exolab/exokernel network benchmark: ${processes} processes x 10 cases, BENCH_MAX_TIME=${maxTime}s, ` +
      `${STREAM} frames per pass, Node ${process.version}`,
  );
  const runs: Figures[] = [];
  for (let i = 0; i < processes; i++) {
    runs.push(runChild(maxTime));
    console.log(
      `  process ${i + 1}/${processes}: compiled ${fmt(runs[i]!.dpfNsPerPacket64!)} ns/packet, ` +
        `${fmt(runs[i]!.dpfCompiledVsInterpreted!, 1)}x linear, ${fmt(runs[i]!.dpfCompiledVsTrieInterpreted!, 1)}x trie`,
    );
  }
  const m: Figures = {};
  for (const k of Object.keys(runs[0]!)) m[k] = median(runs.map((r) => r[k]!));
  const sim = simulatedFigures();

  const rows: [string, string, string][] = [
    [
      "DPF, 64 filters: compiled demux",
      `${fmt(m.dpfNsPerPacket64!)} ns/packet`,
      `${fmt(m.dpfVsRawRead!)}x the raw header read (${fmt(m.rawReadNsPerPacket!)} ns)`,
    ],
    [
      "  vs the linear interpreter",
      `${fmt(m.dpfCompiledVsInterpreted!, 1)}x faster`,
      `${fmt(m.linearNsPerPacket64!, 0)} ns/packet (goal >= 20x)`,
    ],
    [
      "  vs the same trie interpreted",
      `${fmt(m.dpfCompiledVsTrieInterpreted!, 1)}x faster`,
      `${fmt(m.trieNsPerPacket64!, 1)} ns/packet`,
    ],
    [
      "  insertion (64 into an empty engine)",
      `${fmt(m.dpfInsertMicros!, 1)} us/insert (host)`,
      `merge + recompile of the whole trie each time`,
    ],
    [
      "  simulated, per packet",
      `${fmt(sim.sim64Compiled!, 1)} instr compiled`,
      `trie ${fmt(sim.sim64Trie!, 1)}, linear ${fmt(sim.sim64Linear!, 1)}`,
    ],
    [
      "  simulated, the 64th insert",
      `${sim.simInsert64th} instr`,
      `${fmt(us(sim.simInsert64th!), 1)} us on dec5000_125`,
    ],
    [
      "dpf-classify, 10 TCP/IP filters",
      `${fmt(sim.sim10Compiled!, 1)} instr = ${fmt(us(sim.sim10Compiled!))} us`,
      `compiled, simulated (paper DPF: 1.5 us warm, DEC5000/200)`,
    ],
    [
      "  trie interpreted",
      `${fmt(sim.sim10Trie!, 1)} instr = ${fmt(us(sim.sim10Trie!))} us`,
      `simulated (PATHFINDER 19 us)`,
    ],
    [
      "  linear interpreted",
      `${fmt(sim.sim10Linear!, 1)} instr = ${fmt(us(sim.sim10Linear!))} us`,
      `simulated (MPF 35 us)`,
    ],
    [
      "  host time",
      `${fmt(m.classify10CompiledNs!)} ns compiled`,
      `trie ${fmt(m.classify10TrieNs!)} ns (${fmt(m.classify10CompiledVsTrie!, 1)}x), linear ${fmt(m.classify10LinearNs!)} ns (${fmt(m.classify10CompiledVsLinear!, 1)}x)`,
    ],
    [
      "  simulated, the 10th insert",
      `${sim.simInsert10th} instr`,
      `${fmt(us(sim.simInsert10th!), 1)} us (paper: worst case 220 us)`,
    ],
    [
      "ASH UDP reply",
      `${sim.simAshReply} instr = ${fmt(us(sim.simAshReply!))} us`,
      `simulated; host ${fmt(m.ashReplyCompiledNs!, 0)} ns compiled, ${fmt(m.ashReplyInterpretedNs!, 0)} ns interpreted`,
    ],
  ];
  const w = [0, 1].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log("");
  for (const r of rows) console.log(`  ${r[0].padEnd(w[0]!)}  ${r[1].padEnd(w[1]!)}  ${r[2]}`);
  console.log(
    `\n  medians over ${processes} processes; worst benchmark.js rme ${fmt(m.maxRmePercent!, 1)}%`,
  );
  console.log(
    m.dpfCompiledVsInterpreted! >= 20
      ? "  goal met: compiled >= 20x the linear interpreter over the same 64 filters"
      : "  BELOW GOAL: compiled < 20x the linear interpreter over the same 64 filters",
  );

  const json = process.env.BENCH_JSON;
  if (json !== undefined && json !== "") {
    const out: Figures = {};
    for (const [k, v] of Object.entries(m)) out[k] = Number(v.toPrecision(4));
    for (const [k, v] of Object.entries(sim)) out[k] = Number(v.toPrecision(6));
    writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`  figures written to ${json}`);
  }
}

if (process.argv[2] === "--speed-child") {
  console.log(JSON.stringify(speedChild(Number(process.env.BENCH_CHILD_MAX_TIME ?? 1))));
} else {
  parent();
}
