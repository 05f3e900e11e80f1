import { SeededRandom } from "@exolab/machine";
import {
  IPC_RMID,
  MonolithicKernel,
  type ProcessDeath,
  type ProcessHandle,
  SIG,
  type UserMain,
} from "../../src/index.js";
import { FRAME_SHM, PAGE, SH, SHM_BYTES, SSLEEP, SZOMB } from "../../src/layout.js";
import { type HonestEnv, memoryChecker, pipePair, shmPair } from "./honest.js";
import { type HostileEnv, hostileChild, hostileMain } from "./hostile.js";
import { frameProblems, shmFrameCount } from "./invariants.js";
import { newTally, type Tally } from "./values.js";

/**
 * The seeded hostile fuzz of the monolithic kernel. Hostile processes make random system
 * calls and CPU-view calls with hostile arguments, drawn from every attack class the kernel
 * was found open to (test/fuzz/hostile.ts); honest processes check their memory, registers
 * and pipe and shm messages at every step (test/fuzz/honest.ts). Between runs of the kernel
 * the harness checks the kernel's invariants (every frame accounted for), lets host
 * callbacks fire (they must all be refused), replaces the dead and ends the long sleepers.
 * At the end everything exits and every frame must be back.
 *
 * Same seed, same outcome: every choice comes from seeded generators, and the report's digest
 * hashes the simulated time at every boundary, every death and the final counts.
 */
export interface FuzzOptions {
  /** Operations to make, hostile and honest together. */
  calls: number;
  seed: number;
  /** Physical memory (a small one makes exhaustion reachable). Default 4 MiB. */
  memoryBytes?: number;
  /** Measure the heap after a forced GC at a tenth of the calls and at the end (needs --expose-gc). */
  heap?: boolean;
  /** Progress lines (one per tenth). */
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  calls: number;
  chunks: number;
  simulatedCycles: number;
  /** Each must be 0. */
  breaches: Record<string, number>;
  totalBreaches: number;
  /** The first few invariant problems and host throws, for a reader. */
  problems: string[];
  deaths: Record<string, number>;
  tally: Tally;
  honestGroups: number;
  honestSetupFailed: number;
  honestOutOfMemory: number;
  reaped: number;
  /** Spawns the harness tried while memory was exhausted (retried after the next run). */
  spawnsRefused: number;
  digest: string;
  heap?: { tenthBytes: number; endBytes: number; ratio: number };
}

const HOSTILE = 4;
const HOSTILE_STEPS = 300;
const HONEST_STEPS = 60;
const CHUNK_RESUMES = 64;
/** A hostile process asleep this many chunks running is ended (it may wait for nothing). */
const HOSTILE_SLEEP_CHUNKS = 4;
/** An honest one asleep this long is stuck: a lost message or wake-up (a breach). */
const HONEST_SLEEP_CHUNKS = 2000;
const CAUSES = ["exit", "signal", "threw", "stack", "fault-storm", "out-of-memory", "host-error"];

/** FNV-1a over 32-bit words, two lanes (a 64-bit digest). */
class Digest {
  #a = 0x811c9dc5;
  #b = 0x01000193;
  mix(v: number): void {
    const x = v >>> 0;
    const y = Math.floor(v / 4294967296) >>> 0;
    this.#a = Math.imul(this.#a ^ x, 0x01000193) >>> 0;
    this.#b = Math.imul(this.#b ^ y ^ this.#a, 0x01000193) >>> 0;
  }
  hex(): string {
    return this.#a.toString(16).padStart(8, "0") + this.#b.toString(16).padStart(8, "0");
  }
}

/** What escaped `run` (the harness's own look at it: traps it runs are not the kernel's). */
function describe(e: unknown, tally: Tally): string {
  const traps = tally.argumentTrapsRun;
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`.slice(0, 160);
    return typeof e;
  } catch {
    return "an uninspectable value";
  } finally {
    tally.argumentTrapsRun = traps;
  }
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("the heap check needs node --expose-gc");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const seedRng = new SeededRandom(o.seed);
  const tally = newTally();
  const digest = new Digest();
  const deaths: Record<string, number> = Object.fromEntries(CAUSES.map((c) => [c, 0]));
  const problems: string[] = [];
  const breaches: Record<string, number> = {
    secretsSeen: 0,
    argumentTrapsRun: 0,
    callbacksActed: 0,
    foreignHandleActed: 0,
    kernelModeSeen: 0,
    honestDataChanged: 0,
    honestRegistersChanged: 0,
    honestMessagesChanged: 0,
    honestKilled: 0,
    honestStuck: 0,
    frameInvariantViolations: 0,
    framesLeakedAtEnd: 0,
    kernelPanics: 0,
    hostErrorsInKernelPaths: 0,
    cpuStateAfterRun: 0,
    hostThrowsOutOfRun: 0,
  };
  const note = (what: string) => {
    if (problems.length < 12) problems.push(what);
  };
  let stopping = false;
  let honestGroups = 0;
  let honestSetupFailed = 0;
  let honestOutOfMemory = 0;
  let reaped = 0;
  let spawned = 0;
  let spawnsRefused = 0;

  // Who is who, by pid (entries leave at death).
  const honest = new Set<number>();
  const ready = new Set<number>();
  const honestShm = new Set<number>();
  const hostile = new Set<number>();
  const sleepChunks = new Map<number, number>();
  const peers: ProcessHandle[] = [];
  let k!: MonolithicKernel;
  let initialFree = 0;
  const groups: { root: number; kind: number }[] = [];

  const onDeath = (d: ProcessDeath): void => {
    deaths[d.cause] = (deaths[d.cause] ?? 0) + 1;
    digest.mix(d.pid);
    digest.mix(d.status);
    digest.mix(CAUSES.indexOf(d.cause));
    if (honest.has(d.pid) && d.cause !== "exit") {
      if (d.cause === "out-of-memory") honestOutOfMemory++;
      else {
        breaches.honestKilled!++;
        note(`honest pid ${d.pid} died: ${d.cause}`);
      }
    }
    honest.delete(d.pid);
    ready.delete(d.pid);
    hostile.delete(d.pid);
    sleepChunks.delete(d.pid);
  };

  const observe = (h: ProcessHandle, inHandler: boolean): void => {
    const cpu = k.cpu;
    const p = k.procByPid(h.pid);
    // A signal handler may run inside the exception that delivered it (any depth).
    const depthOk = inHandler || cpu.exceptionDepth === 0;
    if (!cpu.userMode || !depthOk || p === null || cpu.owner !== p.owner) {
      tally.kernelModeSeen++;
    }
  };

  const hostileEnv: HostileEnv = {
    tally,
    stopping: () => stopping,
    isHonest: (pid) => honest.has(pid),
    isReady: (pid) => ready.has(pid),
    isHonestShm: (id) => honestShm.has(id),
    peers,
    observe,
    child: (rng, depth) => (depth > 4 ? function* () {} : hostileChild(hostileEnv, rng, depth)),
  };
  const honestEnv: HonestEnv = {
    tally,
    stopping: () => stopping,
    ready: (pid) => ready.add(pid),
    honestChild: (pid) => {
      honest.add(pid);
      ready.add(pid);
    },
    shm: (id, live) => (live ? honestShm.add(id) : honestShm.delete(id)),
    setupFailed: () => {
      honestSetupFailed++;
    },
  };

  const makeWorld = () => {
    k = new MonolithicKernel({
      machine: { seed: seedRng.nextU32(), memoryBytes: o.memoryBytes ?? 4 * 1024 * 1024 },
      // A fast clock and one-tick slices: many interleavings per simulated second.
      policy: { clockHz: 10_000, quantumTicks: 1 },
      onDeath,
    });
    initialFree = k.frames.freeCount;
    honest.clear();
    ready.clear();
    adminPid = -1;
    orders.kill.length = 0;
    orders.rmid.length = 0;
    honestShm.clear();
    hostile.clear();
    sleepChunks.clear();
    peers.length = 0;
    groups.length = 0;
  };

  const spawn = (name: string, main: UserMain): number => {
    if (!k.procs.includes(null)) return -1;
    spawned++;
    try {
      return k.spawn(name, main).pid;
    } catch {
      // No memory left for a new process (hostile floods): tried again after the next run.
      spawnsRefused++;
      return -1;
    }
  };

  const ensureAdmin = () => {
    if (k.procByPid(adminPid) !== null) return;
    adminPid = spawn("admin", admin);
    if (adminPid > 0) {
      honest.add(adminPid);
      ready.add(adminPid);
    }
  };

  const populate = () => {
    ensureAdmin();
    let live = 0;
    for (const pid of hostile) if (k.procByPid(pid) !== null) live++;
    for (; live < HOSTILE; live++) {
      const pid = spawn(
        "hostile",
        hostileMain(hostileEnv, seedRng.fork(spawned), HOSTILE_STEPS, 0),
      );
      if (pid < 0) break;
      hostile.add(pid);
    }
    for (let kind = 0; kind < 3; kind++) {
      const g = groups.find((x) => x.kind === kind);
      if (g !== undefined && k.procByPid(g.root) !== null) continue;
      const rng = seedRng.fork(spawned);
      const main =
        kind === 0
          ? memoryChecker(honestEnv, rng, HONEST_STEPS)
          : kind === 1
            ? pipePair(honestEnv, rng, HONEST_STEPS)
            : shmPair(honestEnv, rng, HONEST_STEPS);
      const pid = spawn(["honest-mem", "honest-pipe", "honest-shm"][kind]!, main);
      if (pid < 0) continue;
      honest.add(pid);
      honestGroups++;
      if (g !== undefined) g.root = pid;
      else groups.push({ root: pid, kind });
    }
  };

  /**
   * The administrator: a process of the harness's that never sleeps (a plain yield puts it
   * back on the run queue) and carries out, with ordinary system calls, what the harness
   * asks between runs: SIGKILL for sleepers that may wait for nothing (a read of its own
   * empty pipe, a sigpause), IPC_RMID for shm segments nobody has attached any more when
   * memory runs low (System V segments outlive their creators, and would end up holding all
   * memory: no process could ever be made again).
   */
  const orders: { kill: number[]; rmid: number[] } = { kill: [], rmid: [] };
  let adminPid = -1;
  const admin = function* (h: ProcessHandle): Generator<unknown, void> {
    for (let s = 1; s < 32; s++) if (s !== SIG.KILL && s !== SIG.STOP) h.signal(s, () => {});
    for (;;) {
      for (const pid of orders.kill.splice(0)) h.kill(pid, SIG.KILL);
      for (const id of orders.rmid.splice(0)) h.shmctl(id, IPC_RMID);
      if (stopping && !k.procs.some((p) => p !== null && p.pid !== h.pid && p.stat !== SZOMB))
        return;
      yield;
    }
  };

  /** Decides the administrator's orders from the kernel's state (host-side reads). */
  const review = (all: boolean) => {
    for (const p of k.procs) {
      if (p === null || p.stat === SZOMB || p.pid === adminPid) continue;
      if (p.stat !== SSLEEP) {
        sleepChunks.delete(p.pid);
        continue;
      }
      const n = (sleepChunks.get(p.pid) ?? 0) + 1;
      sleepChunks.set(p.pid, n);
      const limit = honest.has(p.pid) ? HONEST_SLEEP_CHUNKS : HOSTILE_SLEEP_CHUNKS;
      if (!all && n < limit) continue;
      if (honest.has(p.pid) && !all) {
        breaches.honestStuck!++;
        note(`honest pid ${p.pid} asleep for ${n} runs`);
      }
      honest.delete(p.pid);
      sleepChunks.delete(p.pid);
      orders.kill.push(p.pid);
      reaped++;
    }
    const mem = k.machine.memory;
    if (all || k.frames.freeCount < mem.frames / 4) {
      k.shmFrames.forEach((f, slot) => {
        if (f === null) return;
        const va = FRAME_SHM * PAGE + slot * SHM_BYTES;
        if (mem.read32(va + SH.NATTCH) !== 0) return;
        const id = ((mem.read32(va + SH.SEQ) << 8) | slot) >>> 0;
        if (!honestShm.has(id)) orders.rmid.push(id);
      });
    }
  };

  const runOnce = (limits: { maxResumes: number }): boolean => {
    try {
      k.run(limits);
    } catch (e) {
      breaches.hostThrowsOutOfRun!++;
      note(`run threw: ${describe(e, tally)}`);
      digest.mix(0xdead);
      makeWorld();
      return false;
    }
    const cpu = k.cpu;
    if (cpu.exceptionDepth !== 0 || k.machine.current !== null) {
      breaches.cpuStateAfterRun!++;
      note("CPU left inside an exception or a context after run");
    }
    return true;
  };

  const checkInvariants = () => {
    const p = frameProblems(k);
    if (p.length > 0) {
      breaches.frameInvariantViolations!++;
      note(p[0]!);
    }
  };

  const macrotask = () => new Promise<void>((r) => setImmediate(r));

  makeWorld();
  let chunks = 0;
  let nextTenth = o.calls / 10;
  let heapTenth = 0;
  while (tally.calls < o.calls) {
    populate();
    if (runOnce({ maxResumes: CHUNK_RESUMES })) {
      chunks++;
      digest.mix(k.machine.now);
      digest.mix(tally.calls);
      checkInvariants();
      review(false);
    }
    await macrotask();
    if (tally.calls >= nextTenth) {
      o.log?.(
        `${Math.min(100, Math.round((100 * tally.calls) / o.calls))}%: ${tally.calls} calls, ${chunks} runs, cycle ${k.machine.now}`,
      );
      if (o.heap === true && heapTenth === 0) heapTenth = heapUsed();
      nextTenth += o.calls / 10;
    }
  }

  // The end: everyone stops, the sleepers are ended, the last shm segments removed.
  stopping = true;
  for (let i = 0; i < 200 && k.procs.some((p) => p !== null); i++) {
    ensureAdmin();
    if (!runOnce({ maxResumes: 10_000 })) break;
    review(true);
    await macrotask();
  }
  await new Promise((r) => setTimeout(r, 20));
  if (k.procs.some((p) => p !== null)) {
    breaches.honestStuck!++;
    note("processes left after the end");
  }
  checkInvariants();
  const leaked = initialFree - (k.frames.freeCount + shmFrameCount(k));
  if (leaked !== 0) {
    breaches.framesLeakedAtEnd = leaked;
    note(`${leaked} frames not back at the end`);
  }
  breaches.kernelPanics = (k as { panicCount?: number }).panicCount ?? 0;
  breaches.hostErrorsInKernelPaths = k.cpu.hostThrows;
  breaches.secretsSeen = tally.secretsSeen;
  breaches.argumentTrapsRun = tally.argumentTrapsRun;
  breaches.callbacksActed = tally.callbacksActed;
  breaches.foreignHandleActed = tally.foreignActed;
  breaches.kernelModeSeen = tally.kernelModeSeen;
  breaches.honestDataChanged = tally.honestDataChanged;
  breaches.honestRegistersChanged = tally.honestRegistersChanged;
  breaches.honestMessagesChanged = tally.honestMessagesChanged;
  let total = 0;
  for (const v of Object.values(breaches)) total += v;
  for (const v of Object.values(breaches)) digest.mix(v);
  for (const v of Object.values(deaths)) digest.mix(v);
  digest.mix(k.machine.now);
  digest.mix(tally.calls);
  digest.mix(tally.honestChecks);
  const report: FuzzReport = {
    seed: o.seed,
    calls: tally.calls,
    chunks,
    simulatedCycles: k.machine.now,
    breaches,
    totalBreaches: total,
    problems,
    deaths,
    tally: { ...tally },
    honestGroups,
    honestSetupFailed,
    honestOutOfMemory,
    reaped,
    spawnsRefused,
    digest: digest.hex(),
  };
  if (o.heap === true) {
    const end = heapUsed();
    report.heap = { tenthBytes: heapTenth, endBytes: end, ratio: end / heapTenth };
  }
  return report;
}
