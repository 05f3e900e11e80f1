import { Errno, type ProcessHandle, SIG, type UserMain } from "../../src/index.js";
import { TEST_COSTS } from "../costs.js";
import { MAGIC, pageOf, type SeededRandom, type Tally } from "./values.js";

/** What an honest process gets from the fuzz: counters, and registration of its pids and ids. */
export interface HonestEnv {
  readonly tally: Tally;
  stopping(): boolean;
  /** A pid that hostile processes may now send catchable signals to (never SIGKILL). */
  ready(pid: number): void;
  /** A forked honest child (hostile processes never kill it; it is ready once registered). */
  honestChild(pid: number): void;
  shm(id: number, live: boolean): void;
  setupFailed(): void;
}

/** Every signal a process can catch (all but SIGKILL and SIGSTOP): honest ones catch them. */
function catchAll(h: ProcessHandle): boolean {
  const handler = () => {};
  for (let s = 1; s < 32; s++) {
    if (s === SIG.KILL || s === SIG.STOP) continue;
    if (h.signal(s, handler) < 0) return false;
  }
  return true;
}

/** The word an honest message or page holds at `seq` (never MAGIC). */
function token(salt: number, seq: number): number {
  const t = (Math.imul(seq + 1, 0x9e3779b1) ^ salt) >>> 0;
  return t === MAGIC ? t ^ 1 : t;
}

/** Reads exactly `n` bytes (EINTR retried); the count read, short at EOF, or -errno. */
function* readAll(h: ProcessHandle, fd: number, va: number, n: number): Generator<unknown, number> {
  let got = 0;
  while (got < n) {
    const r = yield* h.read(fd, va + got, n - got);
    if (r === -Errno.EINTR) continue;
    if (r < 0) return r;
    if (r === 0) return got;
    got += r;
  }
  return got;
}

function* writeAll(
  h: ProcessHandle,
  fd: number,
  va: number,
  n: number,
): Generator<unknown, number> {
  let put = 0;
  while (put < n) {
    const r = yield* h.write(fd, va + put, n - put);
    if (r === -Errno.EINTR) continue;
    if (r < 0) return r;
    put += r;
  }
  return put;
}

/** Touches every page it will use, so that no later access needs a frame (none may be left). */
function pretouch(h: ProcessHandle): void {
  const base = pageOf(h);
  for (let p = 0; p < 3; p++) h.cpu.store32(base + p * 4096, 0);
  h.cpu.store32(h.stackTop - 4, 0);
  h.cpu.store32(h.stackTop - 4 - 4096, 0);
}

/**
 * An honest process that keeps its memory: 256 words of its data page (MAGIC at even
 * words, tokens at odd ones), 16 words of its stack and s0-s7, checked at every step
 * against its own model while hostile processes run between its steps.
 */
export function memoryChecker(env: HonestEnv, rng: SeededRandom, steps: number): UserMain {
  return function* (h: ProcessHandle) {
    if (!catchAll(h)) return env.setupFailed();
    pretouch(h);
    const base = pageOf(h);
    const stack = h.stackTop - 4096;
    const salt = rng.nextU32();
    const model = new Uint32Array(256 + 16);
    const addr = (i: number) => (i < 256 ? base + 4 * i : stack + 4 * (i - 256));
    for (let i = 0; i < model.length; i++) {
      model[i] = i % 2 === 0 ? MAGIC : token(salt, i);
      h.cpu.store32(addr(i), model[i]!);
    }
    const regs = new Uint32Array(8);
    const setRegs = (seq: number) => {
      for (let r = 0; r < 8; r++) {
        regs[r] = r % 2 === 0 ? MAGIC : token(salt, seq * 8 + r);
        h.cpu.setReg(16 + r, regs[r]!);
      }
    };
    setRegs(0);
    env.ready(h.pid);
    for (let s = 1; s <= steps && !env.stopping(); s++) {
      env.tally.calls++;
      env.tally.honestChecks++;
      for (let r = 0; r < 8; r++) {
        if (h.cpu.reg(16 + r) >>> 0 !== regs[r]) {
          env.tally.honestRegistersChanged++;
          break;
        }
      }
      for (let i = 0; i < model.length; i++) {
        if (h.cpu.load32(addr(i)) !== model[i]) {
          env.tally.honestDataChanged++;
          break;
        }
      }
      for (let j = 0; j < 4; j++) {
        const i = 2 * rng.below(model.length / 2) + 1;
        model[i] = token(salt, s * 1000 + i);
        h.cpu.store32(addr(i), model[i]!);
      }
      setRegs(s);
      h.cpu.exec(TEST_COSTS["honest.work"], 200 + rng.below(800));
      yield* h.safepoint();
    }
  };
}

/** A 16-byte message: MAGIC, its sequence number, a token, MAGIC ^ seq. */
function message(salt: number, seq: number): number[] {
  return [MAGIC, seq, token(salt, seq), (MAGIC ^ seq) >>> 0];
}

/**
 * Two honest processes and a pipe: the parent sends `steps` numbered messages, the child
 * checks each arrives whole and in order, then both exit.
 */
export function pipePair(env: HonestEnv, rng: SeededRandom, steps: number): UserMain {
  const salt = rng.nextU32();
  return function* (h: ProcessHandle) {
    if (!catchAll(h)) return env.setupFailed();
    pretouch(h);
    const base = pageOf(h);
    if (h.pipe(base) < 0) return env.setupFailed();
    const [rfd, wfd] = [h.cpu.load32(base), h.cpu.load32(base + 4)];
    const child = h.fork(function* (c: ProcessHandle) {
      c.close(wfd);
      const buf = base + 128;
      for (let seq = 0; ; seq++) {
        const r = yield* readAll(c, rfd, buf, 16);
        if (r === 0) return;
        env.tally.calls++;
        env.tally.honestChecks++;
        const want = message(salt, seq);
        for (let i = 0; i < 4; i++) {
          if (r !== 16 || c.cpu.load32(buf + 4 * i) >>> 0 !== want[i]) {
            env.tally.honestMessagesChanged++;
            return;
          }
        }
      }
    });
    if (child < 0) {
      h.close(rfd);
      h.close(wfd);
      return env.setupFailed();
    }
    env.honestChild(child);
    h.close(rfd);
    env.ready(h.pid);
    for (let seq = 0; seq < steps && !env.stopping(); seq++) {
      env.tally.calls++;
      const m = message(salt, seq);
      for (let i = 0; i < 4; i++) h.cpu.store32(base + 64 + 4 * i, m[i]!);
      if ((yield* writeAll(h, wfd, base + 64, 16)) !== 16) {
        env.tally.honestMessagesChanged++;
        break;
      }
      yield* h.safepoint();
    }
    h.close(wfd);
    while ((yield* h.wait(0)) === -Errno.EINTR) {}
  };
}

/**
 * Two honest processes sharing an shm page: the parent writes a message in it and rings a
 * doorbell (a pipe); the child checks the page and answers on a second pipe; the parent
 * checks the answer and that its page still holds what it wrote.
 */
export function shmPair(env: HonestEnv, rng: SeededRandom, steps: number): UserMain {
  const salt = rng.nextU32();
  return function* (h: ProcessHandle) {
    if (!catchAll(h)) return env.setupFailed();
    pretouch(h);
    const base = pageOf(h);
    const id = h.shmget(0, 4096, 0);
    if (id < 0) return env.setupFailed();
    env.shm(id, true);
    const at = h.shmat(id, 0, 0);
    h.shmctl(id, 0);
    if (at < 0) {
      env.shm(id, false);
      return env.setupFailed();
    }
    h.cpu.store32(at, 0);
    if (h.pipe(base) < 0 || h.pipe(base + 8) < 0) {
      env.shm(id, false);
      return env.setupFailed();
    }
    const [abR, abW, baR, baW] = [0, 4, 8, 12].map((o) => h.cpu.load32(base + o)) as [
      number,
      number,
      number,
      number,
    ];
    const child = h.fork(function* (c: ProcessHandle) {
      c.close(abW);
      c.close(baR);
      for (let seq = 0; ; seq++) {
        const r = yield* readAll(c, abR, base + 128, 4);
        if (r === 0) return;
        env.tally.calls++;
        env.tally.honestChecks++;
        const want = message(salt, seq);
        let ok = r === 4 && c.cpu.load32(base + 128) === seq;
        for (let i = 0; i < 4; i++) ok &&= c.cpu.load32(at + 4 * i) >>> 0 === want[i];
        if (!ok) env.tally.honestMessagesChanged++;
        c.cpu.store32(base + 132, seq);
        if ((yield* writeAll(c, baW, base + 132, 4)) !== 4) return;
      }
    });
    if (child < 0) {
      for (const fd of [abR, abW, baR, baW]) h.close(fd);
      env.shm(id, false);
      return env.setupFailed();
    }
    env.honestChild(child);
    h.close(abR);
    h.close(baW);
    env.ready(h.pid);
    for (let seq = 0; seq < steps && !env.stopping(); seq++) {
      env.tally.calls++;
      const m = message(salt, seq);
      for (let i = 0; i < 4; i++) h.cpu.store32(at + 4 * i, m[i]!);
      h.cpu.store32(base + 64, seq);
      if ((yield* writeAll(h, abW, base + 64, 4)) !== 4) break;
      const r = yield* readAll(h, baR, base + 96, 4);
      env.tally.honestChecks++;
      let ok = r === 4 && h.cpu.load32(base + 96) === seq;
      for (let i = 0; i < 4; i++) ok &&= h.cpu.load32(at + 4 * i) >>> 0 === m[i];
      if (!ok) {
        env.tally.honestMessagesChanged++;
        break;
      }
      yield* h.safepoint();
    }
    h.close(abW);
    h.close(baR);
    while ((yield* h.wait(0)) === -Errno.EINTR) {}
    h.shmdt(at);
    env.shm(id, false);
  };
}
