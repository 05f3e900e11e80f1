import { Category, type Cost, defineCosts } from "@exolab/machine";
import { ContextAbort } from "@exolab/machine/privileged";
import {
  IPC_CREAT,
  IPC_PRIVATE,
  NotRunningError,
  type ProcessHandle,
  SIG,
  SIG_DFL,
  SIG_IGN,
  type SignalHandler,
  type UserMain,
} from "../../src/index.js";
import { APP_LABELS, FORGED_COST, HOSTILE_COSTS, TEST_COSTS, withCategory } from "../costs.js";
import {
  hostileAddress,
  hostileLength,
  hostileThrowable,
  hostileWord,
  MAGIC,
  pageOf,
  pick,
  type SeededRandom,
  shiftyArgument,
  type Tally,
} from "./values.js";

/**
 * The record a hostile exec charges: an unknown label ("" or "x": no table can define them)
 * is a forged look-alike; a category user code may not use (1, 2, 9; 99 is none) comes from a
 * record of the process's own table that carries it.
 */
function hostileCost(label: string | Cost, cat: number | undefined): Cost {
  if (label === "" || label === "x") return FORGED_COST;
  const base =
    typeof label !== "string"
      ? label
      : label === "libc.stub"
        ? HOSTILE_COSTS["libc.stub"]
        : TEST_COSTS["app.work"];
  if (cat === undefined) return base;
  return withCategory(base.label, (cat === 99 ? Category.Idle : cat) as Category);
}

/** A fresh label of the process's own (never kept: the flood's records are garbage at once). */
function floodCost(pid: number, i: number): Cost {
  const label = `app.flood.${pid}.${i}`;
  return defineCosts({ [label]: { instructions: 1, source: "fuzz: label flood" } })[label]!;
}

/**
 * What a hostile process gets from the fuzz besides its handle: counters to report to, the
 * pids it must not kill with SIGKILL (the honest ones: this kernel, like 4.3BSD without
 * uids, would let it) and the shm ids it must not attach on purpose (no permissions here),
 * other hostile processes' handles (to misuse), and `observe`, the harness's check of the
 * CPU state whenever hostile code runs. Nothing here reaches the kernel.
 */
export interface HostileEnv {
  readonly tally: Tally;
  stopping(): boolean;
  isHonest(pid: number): boolean;
  /** Whether an honest process has set up its handlers (before that it is left alone). */
  isReady(pid: number): boolean;
  isHonestShm(id: number): boolean;
  readonly peers: ProcessHandle[];
  observe(h: ProcessHandle, inHandler: boolean): void;
  /** A hostile program for a forked child (a new generator of this module). */
  child(rng: SeededRandom, depth: number): UserMain;
}

const CATCHABLE = [
  SIG.HUP,
  SIG.INT,
  SIG.QUIT,
  SIG.ILL,
  SIG.TRAP,
  SIG.FPE,
  SIG.BUS,
  SIG.SEGV,
  SIG.PIPE,
  SIG.ALRM,
  SIG.TERM,
  SIG.USR1,
  SIG.USR2,
  SIG.CHLD,
];

/** A value the program throws out of its body, past its own loop's catch. */
class Escape {
  readonly #brand = true;
  constructor(readonly value: unknown) {}
  /** A brand check (what the loop catches may be a Proxy). */
  static is(v: unknown): v is Escape {
    return typeof v === "object" && v !== null && #brand in v;
  }
}

/**
 * Whether a throw means the process is dead or being killed (its code must stop): a brand
 * check only (a hostile handler may have thrown a Proxy up to here).
 */
function fatal(h: ProcessHandle, e: unknown): boolean {
  return !h.alive || ContextAbort.is(e);
}

/** Checks a word a hostile process obtained: MAGIC means it read an honest process's data. */
function seen(env: HostileEnv, v: unknown): void {
  if (v === MAGIC) env.tally.secretsSeen++;
}

/**
 * A hostile program: `steps` random operations, each drawn from `rng`, each with hostile
 * arguments, yielding at its safepoint after each. It stops at its death (a refusal that
 * says so), when the fuzz stops, or when its steps are spent.
 */
export function hostileMain(
  env: HostileEnv,
  rng: SeededRandom,
  steps: number,
  depth: number,
): UserMain {
  return function* (h: ProcessHandle) {
    env.peers.push(h);
    if (env.peers.length > 16) env.peers.shift();
    try {
      installHandlers(env, h, rng, depth);
    } catch (e) {
      if (fatal(h, e)) return;
    }
    for (let i = 0; i < steps && !env.stopping(); i++) {
      env.tally.calls++;
      let escaping: Escape | null = null;
      try {
        yield* oneOp(env, h, rng, depth);
      } catch (e) {
        if (Escape.is(e)) escaping = e;
        else if (fatal(h, e)) return;
        else env.tally.refusals++;
      }
      if (escaping !== null) throw escaping.value;
      env.observe(h, false);
      try {
        yield* h.safepoint();
      } catch (e) {
        if (fatal(h, e)) return;
      }
    }
  };
}

/** A signal handler of one of the hostile kinds. */
function hostileHandler(env: HostileEnv, rng: SeededRandom, depth: number): SignalHandler {
  let kind = rng.below(8);
  if (kind === 4 && rng.below(8) !== 0) kind = 0;
  const local = rng.fork(kind + 17);
  return (sig, code, scp, self) => {
    env.observe(self, true);
    switch (kind) {
      case 0:
        return;
      case 1:
        // Step sc_pc past the faulting instruction.
        self.cpu.store32(scp + 8, self.cpu.load32(scp + 8) + 4);
        return;
      case 2:
        // Cure a protection fault.
        self.mprotect(code & ~4095, 4096, 3);
        return;
      case 3:
        env.tally.throws++;
        throw hostileThrowable(local, env.tally, null);
      case 4:
        dive(env, self, local);
        return;
      case 5:
        // Rewrite the sigcontext: registers, pc, mask.
        for (let i = 0; i < 4; i++) self.cpu.store32(scp + 4 * local.below(76), hostileWord(local));
        return;
      default:
        // A few non-blocking calls from inside the handler.
        for (let i = 0; i < 2; i++) {
          try {
            simpleOp(env, self, local, depth, sig);
          } catch (e) {
            if (fatal(self, e)) throw e;
          }
        }
    }
  };
}

function installHandlers(env: HostileEnv, h: ProcessHandle, rng: SeededRandom, depth: number) {
  const n = rng.below(4);
  for (let i = 0; i < n; i++) {
    const sig = pick(rng, CATCHABLE);
    const r = rng.below(5);
    h.signal(
      sig,
      r === 0 ? SIG_IGN : r === 1 ? SIG_DFL : hostileHandler(env, rng, depth),
      hostileWord(rng),
    );
  }
}

/** A kill target: itself, a child, a stranger, a peer; SIGKILL never at an honest pid. */
function killTarget(env: HostileEnv, h: ProcessHandle, rng: SeededRandom): [number, number] {
  let pid = pick(rng, [
    h.pid,
    h.pid + 1,
    h.pid + 2,
    rng.below(64) + 1,
    1_000_000 + rng.below(9),
    0,
    -1,
  ]);
  if (env.peers.length > 0 && rng.below(3) === 0) pid = pick(rng, env.peers).pid;
  let sig = pick(rng, [...CATCHABLE, SIG.KILL, SIG.STOP, 0, 32, -1, rng.below(40)]);
  if (env.isHonest(pid)) {
    if (!env.isReady(pid)) pid = h.pid;
    else if (sig === SIG.KILL) sig = SIG.USR1;
  }
  return [pid, sig];
}

/** One of the non-blocking calls with hostile arguments (also used inside handlers). */
function simpleOp(
  env: HostileEnv,
  h: ProcessHandle,
  rng: SeededRandom,
  depth: number,
  _sig = 0,
): void {
  const A = () => hostileAddress(rng, h);
  switch (rng.below(14)) {
    case 0:
      h.getpid();
      return;
    case 1:
      h.mprotect(rng.below(2) === 0 ? A() & ~4095 : A(), hostileLength(rng), rng.below(9));
      return;
    case 2:
      h.sbrk(pick(rng, [0, 4096, -4096, 65536, -65536, 1 << 20, 0x7fffffff, -0x80000000]));
      return;
    case 3:
      h.pipe(A());
      return;
    case 4:
      h.close(rng.below(70) - 2);
      return;
    case 5: {
      const [pid, sig] = killTarget(env, h, rng);
      h.kill(pid, sig);
      return;
    }
    case 6:
      h.sigaction(rng.below(40) - 2, A(), rng.below(2) === 0 ? 0 : A());
      return;
    case 7:
      if (rng.below(2) === 0) h.sigblock(hostileWord(rng));
      else h.sigsetmask(hostileWord(rng));
      return;
    case 8:
      h.sigreturn(A());
      return;
    case 9: {
      let id = rng.below(2) === 0 ? rng.below(0x100000) : hostileWord(rng);
      if (env.isHonestShm(id)) id = -1;
      switch (rng.below(4)) {
        case 0:
          h.shmget(
            rng.below(2) === 0 ? IPC_PRIVATE : rng.below(8),
            hostileLength(rng),
            rng.below(2) === 0 ? IPC_CREAT : 0,
          );
          return;
        case 1:
          h.shmat(id, rng.below(2) === 0 ? 0 : A(), rng.below(2) === 0 ? 0 : 0o10000);
          return;
        case 2:
          h.shmdt(A());
          return;
        default:
          h.shmctl(id, rng.below(3));
          return;
      }
    }
    case 10:
      cpuOp(env, h, rng);
      return;
    case 11:
      h.signal(pick(rng, CATCHABLE), hostileHandler(env, rng, depth), hostileWord(rng));
      return;
    case 12:
      h.nullCall();
      return;
    default: {
      const r = h.fork(env.child(rng.fork(h.pid), depth + 1));
      if (r > 0 && depth > 1) h.kill(r, SIG.KILL);
    }
  }
}

/** One CPU-view operation with hostile arguments; every word it yields is checked. */
function cpuOp(env: HostileEnv, h: ProcessHandle, rng: SeededRandom): void {
  const cpu = h.cpu;
  const A = () => hostileAddress(rng, h);
  switch (rng.below(14)) {
    case 0:
      seen(env, cpu.load32(A()));
      return;
    case 1:
      cpu.load16(A());
      cpu.load8(A());
      return;
    case 2:
      cpu.store32(A(), hostileWord(rng));
      return;
    case 3:
      if (rng.below(2) === 0) cpu.store16(A(), hostileWord(rng));
      else cpu.store8(A(), hostileWord(rng));
      return;
    case 4:
      cpu.copy(A(), A(), rng.below(2) === 0 ? rng.below(512) : hostileLength(rng));
      return;
    case 5:
      cpu.zero(A(), rng.below(2) === 0 ? rng.below(512) : hostileLength(rng));
      return;
    case 6:
      {
        // (The draws are those of the days of exec(count, label, category).)
        const times = rng.below(5000);
        const label = pick(rng, ["app.work", "libc.stub", "", "x", APP_LABELS[rng.below(200)]!]);
        const cat = pick(rng, [undefined, 0, 1, 2, 6, 9, 99]);
        cpu.exec(hostileCost(label, cat), times);
      }
      return;
    case 7:
      for (let r = 0; r < 34; r++) seen(env, cpu.reg(r));
      return;
    case 8:
      cpu.setReg(rng.below(40) - 2, hostileWord(rng));
      return;
    case 9:
      cpu.multiply(hostileWord(rng), hostileWord(rng));
      return;
    case 10:
      cpu.addTrapping(pick(rng, [0x7fffffff, 1, -0x80000000]), pick(rng, [1, -1, 0x7fffffff]));
      return;
    case 11:
      cpu.breakpoint();
      return;
    case 12:
      cpu.coprocessor1();
      return;
    default: {
      // Reads a window of its own memory: pipe data it received, its stack, its sigcontexts.
      const base = rng.below(2) === 0 ? pageOf(h) : h.stackTop - 4096;
      for (let i = 0; i < 64; i++) seen(env, cpu.load32(base + 4 * i));
    }
  }
}

/** A call on a random method with arguments that are not numbers (objects, Proxies, ...). */
function shiftyOp(env: HostileEnv, h: ProcessHandle, rng: SeededRandom): void {
  const own = pageOf(h);
  const v = shiftyArgument(rng, env.tally, own);
  const cpu = h.cpu;
  const calls: (() => unknown)[] = [
    () => cpu.load32(v),
    () => cpu.load8(v),
    () => cpu.store32(v, 1),
    () => cpu.store32(own, v),
    () => cpu.copy(own, v, 4),
    () => cpu.copy(own, own + 8, v),
    () => cpu.zero(v, 4),
    () => cpu.exec(v as Cost),
    () => cpu.exec(TEST_COSTS["app.work"], v as number),
    () => cpu.exec(withCategory("app.work", Category.Kernel)),
    () => cpu.reg(v),
    () => cpu.setReg(v, 1),
    () => cpu.setReg(8, v),
    () => cpu.multiply(v, 1),
    () => cpu.addTrapping(v, v),
    () => h.mprotect(v, 4096, 3),
    () => h.sbrk(v),
    () => h.kill(v, v),
    () => h.pipe(v),
    () => h.shmget(v, v, v),
    () => h.signal(SIG.USR1, v as never, v, v),
    () => h.sigaction(v, v, v),
    () => h.fork(v as never),
    () => h.exit(v),
    () => h.read(v, v, v).next(),
    () => h.syscall(v, v, v, v).next(),
  ];
  try {
    pick(rng, calls)();
  } catch (e) {
    if (fatal(h, e)) throw e;
    env.tally.refusals++;
  }
}

/**
 * The stack dive: recurse until the host stack is exhausted, then make calls at each level
 * on the way back, catching everything. Its arguments are drawn before the dive (a draw at
 * a depth where it may or may not fit would make the outcome depend on the host).
 */
function dive(env: HostileEnv, h: ProcessHandle, rng: SeededRandom): void {
  env.tally.dives++;
  const own = pageOf(h);
  const fds = own + 64;
  const target = rng.below(64) + 1;
  const all: (() => unknown)[] = [
    () => h.getpid(),
    () => h.fork(function* () {}),
    () => h.pipe(fds),
    () => h.sbrk(4096),
    () => h.cpu.store32(own + 8 * 4096, 1),
    () => h.cpu.copy(own + 128, own, 64),
    () => h.kill(target, SIG.USR2),
    () => h.shmget(IPC_PRIVATE, 8192, 0),
    () => h.cpu.exec(TEST_COSTS["app.dive"], 100),
    () => h.read(0, own, 4).next(),
  ];
  // Two kinds of call at every level (each level's calls are many thousands of calls).
  const calls = [pick(rng, all), pick(rng, all)];
  const down = (): void => {
    try {
      down();
    } catch {}
    for (const c of calls) {
      try {
        c();
      } catch {}
    }
  };
  down();
}

/** Schedules host callbacks that try to act for the process after `run` returns. */
function callbacks(env: HostileEnv, h: ProcessHandle, rng: SeededRandom): void {
  const own = pageOf(h);
  const tries: (() => unknown)[] = [
    () => h.getpid(),
    () => h.cpu.store32(own, 1),
    () => h.cpu.load32(own),
    () => h.fork(function* () {}),
    () => h.kill(h.pid + 1, SIG.KILL),
    () => h.cpu.exec(TEST_COSTS["app.cb"], 100_000),
    () => h.sbrk(4096),
    () => h.cpu.switchPending,
  ];
  const act = (f: () => unknown) => () => {
    try {
      const r = f();
      if (typeof r === "boolean" ? r : true) env.tally.callbacksActed++;
      else env.tally.callbacksRefused++;
    } catch (e) {
      if (e instanceof NotRunningError) env.tally.callbacksRefused++;
      else env.tally.callbacksActed++;
    }
  };
  const f = pick(rng, tries);
  switch (rng.below(3)) {
    case 0:
      setTimeout(act(f), 0);
      break;
    case 1:
      Promise.resolve().then(act(f));
      break;
    default:
      queueMicrotask(act(f));
  }
}

/** One hostile operation (a generator: some calls block). */
function* oneOp(
  env: HostileEnv,
  h: ProcessHandle,
  rng: SeededRandom,
  depth: number,
): Generator<unknown, void> {
  const A = () => hostileAddress(rng, h);
  const roll = rng.below(1000);
  if (roll < 300) return simpleOp(env, h, rng, depth);
  if (roll < 550) return cpuOp(env, h, rng);
  if (roll < 650) return shiftyOp(env, h, rng);
  if (roll < 720) {
    // Raw indirect calls: any number, raw register values.
    yield* h.syscall(rng.below(140), hostileWord(rng), hostileWord(rng) & 0xffff, hostileWord(rng));
    return;
  }
  if (roll < 780) {
    // Pipe traffic on its own descriptors (a read may sleep: the harness ends a sleeper).
    const fd = rng.below(8);
    const n = pick(rng, [0, 4, 64, 4096, 5000, -4]);
    if (rng.below(2) === 0) yield* h.write(fd, rng.below(3) === 0 ? A() : pageOf(h), n);
    else {
      const r = yield* h.read(fd, pageOf(h), n);
      if (r > 0)
        for (let i = 0; i < Math.min(r, 64) >> 2; i++) seen(env, h.cpu.load32(pageOf(h) + 4 * i));
    }
    return;
  }
  if (roll < 800) {
    yield* h.wait(rng.below(2) === 0 ? 0 : A());
    return;
  }
  if (roll < 805) {
    yield* h.sigpause(hostileWord(rng));
    return;
  }
  if (roll < 840) {
    // Floods: descriptors and pipes, shm segments, children, handlers, labels, memory.
    const kind = rng.below(6);
    for (let i = 0; i < 16; i++) {
      if (kind === 0 && h.pipe(pageOf(h) + 8 * i) < 0) break;
      if (kind === 1 && h.shmget(IPC_PRIVATE, pick(rng, [4096, 65536, 131072]), 0) < 0) break;
      if (kind === 2 && h.fork(env.child(rng.fork(i), depth + 1)) < 0) break;
      if (kind === 3) h.signal(pick(rng, CATCHABLE), () => {});
      if (kind === 4) h.cpu.exec(floodCost(h.pid, i));
      if (kind === 5) {
        const brk = h.sbrk(65536);
        if (brk < 0) break;
        for (let p = 0; p < 16; p++) h.cpu.store32(brk + p * 4096, p);
      }
    }
    return;
  }
  if (roll < 870) {
    // A faulting copy or access with a handler of some kind: a storm, a cure or a skip.
    env.tally.storms++;
    h.signal(SIG.SEGV, hostileHandler(env, rng, depth));
    h.signal(SIG.BUS, hostileHandler(env, rng, depth));
    switch (rng.below(4)) {
      case 0:
        h.cpu.copy(pageOf(h), 0x30000000 + 4 * rng.below(1024), 64);
        return;
      case 1:
        h.cpu.copy(0x80001000, pageOf(h), 16);
        return;
      case 2:
        h.cpu.zero(0x30000000, 4096);
        return;
      default:
        seen(env, h.cpu.load32(0x30000000));
        return;
    }
  }
  if (roll < 900) return callbacks(env, h, rng);
  if (roll < 930) {
    // Another process's handle: it must refuse.
    if (env.peers.length === 0) return;
    const peer = pick(rng, env.peers);
    if (peer === h) return;
    try {
      peer.getpid();
      env.tally.foreignActed++;
    } catch (e) {
      if (!(e instanceof NotRunningError)) env.tally.foreignActed++;
    }
    return;
  }
  if (roll < 940) {
    // The stack dive, one time in twenty here: it is the most expensive attack to run.
    if (rng.below(20) === 0) dive(env, h, rng);
    else h.getpid();
    return;
  }
  if (roll < 945) {
    env.tally.throws++;
    let caught: unknown = null;
    // Sometimes it first catches its own exit's unwinding, to forge one from its constructor.
    if (rng.below(4) === 0) {
      try {
        h.exit(hostileWord(rng) & 0xff);
      } catch (e) {
        caught = e;
      }
    }
    // Thrown out of the program's body (not caught by its loop): see hostileMain.
    throw new Escape(hostileThrowable(rng, env.tally, caught));
  }
  // A signal at itself with whatever handler it has.
  h.kill(h.pid, pick(rng, CATCHABLE));
}

/** The hostile program of a forked child: a short run, or an entry that is no program. */
export function hostileChild(env: HostileEnv, rng: SeededRandom, depth: number): UserMain {
  switch (rng.below(8)) {
    case 0:
      return (() => 5) as never;
    case 1:
      return (() => {
        throw hostileThrowable(rng, env.tally, null);
      }) as never;
    case 2:
      return function* () {};
    default:
      return hostileMain(env, rng, depth > 2 ? 2 : 12, depth);
  }
}
