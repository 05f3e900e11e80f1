import { ArgumentError, Category, type Cost } from "@exolab/machine";
import { describe, expect, it } from "vitest";
import {
  Errno,
  IPC_PRIVATE,
  IPC_RMID,
  type MonolithicKernel,
  NotRunningError,
  type ProcessDeath,
  type ProcessHandle,
  SIG,
} from "../src/index.js";
import { FORGED_COST, HOSTILE_COSTS, TEST_COSTS, withCategory } from "./costs.js";
import { boot } from "./helpers.js";

/**
 * The isolation holes a hostile process found in the monolithic kernel (issue 10, holes 8-11
 * and the host callbacks), each as the attack was made, each asserting that the attacker
 * gained nothing: it is refused or dies (its parent sees the death), the CPU is never left in
 * kernel mode for user code, no other process's memory is read or written, every frame comes
 * back, `run` never throws, and later runs are unaffected.
 */

const SECRET = 0x5ec12e70;
const page = (h: ProcessHandle) => Math.ceil(h.heapBase / 4096) * 4096;

interface World {
  k: MonolithicKernel;
  deaths: { death: ProcessDeath; threw: boolean; thrown: unknown }[];
  free0: number;
}

/** A kernel whose death hook records every death (the thrown value, if any, untouched). */
function world(policy = {}, machine = {}): World {
  const deaths: World["deaths"] = [];
  const k = boot(policy, {
    machine: { seed: 7, ...machine },
    onDeath: (death, ...rest: unknown[]) => {
      deaths.push({ death, threw: rest.length > 0, thrown: rest[0] });
    },
  });
  return { k, deaths, free0: k.stats().freeFrames };
}

/** Lets the others run: asks for a switch and takes the safepoint. */
function* pass(k: MonolithicKernel, h: ProcessHandle) {
  k.machine.requestSwitch();
  yield* h.safepoint();
}

/**
 * A victim: 16 secret words on a data page and its stack, checked after every pass while the
 * attacker runs. `state.intact` turns false if one ever changes.
 */
function victim(k: MonolithicKernel, state: { intact: boolean; checks: number }, rounds = 20) {
  return function* (h: ProcessHandle) {
    const a = page(h);
    for (let i = 0; i < 16; i++) h.cpu.store32(a + i * 4, SECRET + i);
    h.cpu.store32(h.stackTop - 4, SECRET + 99);
    for (let r = 0; r < rounds; r++) {
      yield* pass(k, h);
      for (let i = 0; i < 16; i++) if (h.cpu.load32(a + i * 4) !== SECRET + i) state.intact = false;
      if (h.cpu.load32(h.stackTop - 4) !== SECRET + 99) state.intact = false;
      state.checks++;
    }
  };
}

/** What the CPU must be whenever user code runs: user mode, its own owner, no exception. */
function userState(k: MonolithicKernel, h: ProcessHandle): boolean {
  const cpu = k.cpu;
  const p = k.procByPid(h.pid);
  return cpu.userMode && cpu.exceptionDepth === 0 && p !== null && cpu.owner === p.owner;
}

/** After the world has run: nothing left, every frame back, and a new process runs normally. */
function expectClean(w: World): void {
  const s = w.k.stats();
  expect(s.liveProcesses).toBe(0);
  expect(s.zombies).toBe(0);
  expect(s.freeFrames).toBe(w.free0);
  expect(w.k.cpu.exceptionDepth).toBe(0);
  expect(w.k.panicCount).toBe(0);
  let pid = -1;
  w.k.spawn("later", function* (h) {
    pid = h.getpid();
  });
  w.k.run();
  expect(pid).toBeGreaterThan(0);
}

describe("hole 8: the CPU view checks every argument before anything happens", () => {
  it("an object answering differently on each read is refused unread; no secret read, nothing written", () => {
    const w = world();
    const { k } = w;
    const state = { intact: true, checks: 0 };
    k.spawn("victim", victim(k, state));
    let reads = 0;
    let refused = 0;
    const seen: number[] = [];
    let own = -1;
    k.spawn("attacker", function* (h) {
      own = page(h);
      h.cpu.store32(own, 7);
      yield* pass(k, h);
      // The attack: a first read that passes the checks (an aligned address of its
      // own), then an index into the host buffer, then the address of a forged mapping.
      const answers = [own, 0x80000 * 4, 0x00400000, own + 4];
      const shifty = {
        valueOf() {
          return answers[reads++ % answers.length]!;
        },
      };
      const trap = new Proxy(
        {},
        {
          get() {
            reads++;
            return () => own;
          },
          getPrototypeOf() {
            reads++;
            return null;
          },
        },
      );
      const calls: ((v: unknown) => unknown)[] = [
        (v) => h.cpu.load8(v),
        (v) => h.cpu.load16(v),
        (v) => h.cpu.load32(v),
        (v) => h.cpu.store8(v, 1),
        (v) => h.cpu.store16(v, 1),
        (v) => h.cpu.store32(v, 1),
        (v) => h.cpu.store32(own + 16, v),
        (v) => h.cpu.copy(v, own, 4),
        (v) => h.cpu.copy(own + 8, v, 4),
        (v) => h.cpu.copy(own + 8, own, v),
        (v) => h.cpu.zero(v, 4),
        (v) => h.cpu.zero(own, v),
        (v) => h.cpu.exec(v as Cost),
        (v) => h.cpu.exec(TEST_COSTS["app.work"], v as number),
        (v) => h.cpu.reg(v),
        (v) => h.cpu.setReg(v, 1),
        (v) => h.cpu.setReg(8, v),
        (v) => h.cpu.multiply(v, 3),
        (v) => h.cpu.addTrapping(1, v),
      ];
      for (const v of [shifty, trap, "4096", 1n, Number.NaN, 0.5, -1e20]) {
        for (const call of calls) {
          try {
            const r = call(v);
            if (typeof r === "number") seen.push(r);
          } catch (e) {
            if (e instanceof ArgumentError) refused++;
            else throw e;
          }
          expect(userState(k, h)).toBe(true);
        }
      }
      // The handle's stubs read each argument once too: errno, no read of the object.
      for (const v of [shifty, trap]) {
        expect(h.mprotect(v, 4096, 3)).toBe(-Errno.EFAULT);
        expect(h.sbrk(v)).toBe(-Errno.EINVAL);
        expect(h.kill(h.pid, v)).toBe(-Errno.EINVAL);
        expect(h.signal(SIG.USR1, 1, 0, v)).toBe(-Errno.EINVAL);
        expect(yield* h.read(v, own, 4)).toBe(-Errno.EBADF);
        expect(yield* h.syscall(20, v)).toBe(-Errno.EINVAL);
      }
      expect(h.cpu.load32(own)).toBe(7);
      expect(h.cpu.load32(own + 8)).toBe(0);
    });
    k.run();
    const threw = w.deaths.find((d) => d.threw);
    if (threw !== undefined) throw threw.thrown;
    expect(reads).toBe(0);
    // Every call with a non-number (or a non-integer address) was refused; the finite values
    // of "value" positions (0.5, -1e20) are numbers and may go through.
    expect(refused).toBeGreaterThanOrEqual(4 * 20 + 3 * 12);
    expect(seen.filter((v) => (v & ~0xff) === SECRET)).toEqual([]);
    expect(state).toEqual({ intact: true, checks: 20 });
    expect(w.deaths.map((d) => d.death.cause)).toEqual(["exit", "exit"]);
    expectClean(w);
  });
  it("exec refuses what is not a record, the kernel's labels, kernel categories, and labels past the quota", () => {
    const w = world({ maxLabelsPerProcess: 3 });
    const { k } = w;
    const refused: unknown[] = [];
    k.spawn("p", function* (h) {
      h.cpu.exec(TEST_COSTS["app.a"]);
      const notRecords = [null, undefined, 7, "app.a", FORGED_COST];
      for (const [i, c] of notRecords.entries()) {
        try {
          h.cpu.exec(c as Cost);
        } catch (e) {
          if (e instanceof ArgumentError) refused.push(`not a record ${i}`);
        }
      }
      for (const c of [HOSTILE_COSTS["libc.stub"], HOSTILE_COSTS["sys.getpid"]]) {
        try {
          h.cpu.exec(c);
        } catch (e) {
          if (e instanceof ArgumentError) refused.push(c.label);
        }
      }
      for (const cat of [Category.Kernel, Category.TrapEntry, Category.Idle]) {
        try {
          h.cpu.exec(withCategory("app.a", cat));
        } catch (e) {
          if (e instanceof ArgumentError) refused.push(cat);
        }
      }
      h.cpu.exec(TEST_COSTS["app.b"]);
      h.cpu.exec(TEST_COSTS["app.c"]); // category user
      try {
        h.cpu.exec(TEST_COSTS["app.d"]);
      } catch (e) {
        if (e instanceof ArgumentError) refused.push("app.d");
      }
      h.cpu.exec(withCategory("app.a", Category.Memory));
    });
    k.run();
    expect(refused).toEqual([
      "not a record 0",
      "not a record 1",
      "not a record 2",
      "not a record 3",
      "not a record 4",
      "libc.stub",
      "sys.getpid",
      Category.Kernel,
      Category.TrapEntry,
      Category.Idle,
      "app.d",
    ]);
    expect(k.machine.accounting.labels.has("app.d")).toBe(false);
    expectClean(w);
  });
});

describe("hole 9: a stack dive never leaves user code in kernel mode nor a kernel path half done", () => {
  it("recursing to the limit, then calling at each level on the way back: the diver dies, nothing leaks", () => {
    const w = world();
    const { k } = w;
    const state = { intact: true, checks: 0 };
    k.spawn("victim", victim(k, state));
    let notUser = 0;
    let levels = 0;
    let status = -1;
    k.spawn("parent", function* (h) {
      const child = h.fork(function* (c) {
        const fds = page(c);
        const id = c.shmget(IPC_PRIVATE, 8192, 0);
        yield* pass(k, c);
        // Every call that allocates something, at every level: a RangeError inside any of
        // them, half way, would leave a frame or a slot behind.
        const dive = (): void => {
          try {
            dive();
          } catch {}
          levels++;
          const calls = [
            () => c.getpid(),
            () => c.fork(function* () {}),
            () => c.pipe(fds),
            () => c.sbrk(4096),
            () => c.shmat(id, 0, 0),
            () => c.cpu.store32(fds + 4 * 4096, 1),
            () => c.cpu.copy(fds + 64, fds, 64),
            () => c.kill(c.pid, SIG.USR1),
          ];
          for (const call of calls) {
            try {
              call();
            } catch {}
            if (!userState(k, c)) notUser++;
          }
        };
        dive();
        yield* pass(k, c);
        throw new Error("not reached: the diver is dead by its next boundary");
      });
      expect(child).toBeGreaterThan(0);
      const sv = page(h);
      expect(yield* h.wait(sv)).toBe(child);
      status = h.cpu.load32(sv);
      h.shmctl(0x100, IPC_RMID);
    });
    k.run();
    expect(levels).toBeGreaterThan(1000);
    expect(notUser).toBe(0);
    expect(status).toBe(SIG.KILL);
    const diver = w.deaths.find((d) => d.death.name === "parent.3");
    expect(diver?.death.cause).toBe("stack");
    // The reserve covered every kernel path: no host error ever crossed one.
    expect(k.hostErrors).toBe(0);
    expect(state).toEqual({ intact: true, checks: 20 });
    for (const p of k.procs) expect(p).toBeNull();
    expectClean(w);
  });

  it("a dive inside a signal handler: the handler's process dies, the kernel path it ran in is whole", () => {
    const w = world();
    const { k } = w;
    let status = -1;
    k.spawn("parent", function* (h) {
      const child = h.fork(function* (c) {
        c.signal(SIG.USR1, (_s, _c, _scp, self) => {
          const dive = (): void => {
            try {
              dive();
            } catch {}
            try {
              self.getpid();
            } catch {}
          };
          dive();
        });
        c.kill(c.pid, SIG.USR1);
        throw new Error("not reached");
      });
      const sv = page(h);
      expect(yield* h.wait(sv)).toBe(child);
      status = h.cpu.load32(sv);
    });
    k.run();
    expect(status).toBe(SIG.KILL);
    expect(w.deaths.find((d) => d.death.name === "parent.2")?.death.cause).toBe("stack");
    expect(k.hostErrors).toBe(0);
    expectClean(w);
  });
});

describe("hole 10: a faulting block copy or a fault storm is the process's, never a host error", () => {
  const REPEATS = 32;

  function stormWorld(body: (c: ProcessHandle, handled: () => void) => void) {
    const w = world({ maxFaultRepeats: REPEATS });
    const { k } = w;
    const state = { intact: true, checks: 0 };
    k.spawn("victim", victim(k, state, 5));
    let handled = 0;
    let status = -1;
    k.spawn("parent", function* (h) {
      const child = h.fork(function* (c) {
        yield* pass(k, c);
        body(c, () => handled++);
        throw new Error("not reached");
      });
      const sv = page(h);
      expect(yield* h.wait(sv)).toBe(child);
      status = h.cpu.load32(sv);
    });
    k.run();
    expect(state).toEqual({ intact: true, checks: 5 });
    expectClean(w);
    const death = w.deaths.find((d) => d.death.name === "parent.3")!.death;
    return { status, handled, cause: death.cause };
  }

  const stepPc = (_s: number, _c: number, scp: number, self: ProcessHandle) => {
    self.cpu.store32(scp + 8, self.cpu.load32(scp + 8) + 4);
  };

  it("bcopy from an unmapped address, the SIGSEGV handler stepping sc_pc: re-executed, then killed as a storm", () => {
    const r = stormWorld((c, count) => {
      c.signal(SIG.SEGV, (s, code, scp, self) => {
        count();
        stepPc(s, code, scp, self);
      });
      c.cpu.copy(page(c), 0x30000000, 64);
    });
    expect(r).toEqual({ status: SIG.SEGV, handled: REPEATS - 1, cause: "fault-storm" });
  });

  it("bzero of a read-only page, a handler that does nothing: a storm, killed", () => {
    const r = stormWorld((c, count) => {
      c.cpu.store32(page(c), 1);
      expect(c.mprotect(page(c), 4096, 1)).toBe(0);
      c.signal(SIG.SEGV, () => count());
      c.cpu.zero(page(c), 4096);
    });
    expect(r).toEqual({ status: SIG.SEGV, handled: REPEATS - 1, cause: "fault-storm" });
  });

  it("bcopy into kseg0 with a SIGBUS handler: re-executed (never skipped), then killed", () => {
    const r = stormWorld((c, count) => {
      c.signal(SIG.BUS, (s, code, scp, self) => {
        count();
        stepPc(s, code, scp, self);
      });
      c.cpu.copy(0x80001000, page(c), 16);
    });
    expect(r).toEqual({ status: SIG.BUS, handled: REPEATS - 1, cause: "fault-storm" });
  });

  it("a load that keeps faulting and an overflow that keeps trapping: storms, killed", () => {
    const load = stormWorld((c, count) => {
      c.signal(SIG.SEGV, () => count());
      c.cpu.load32(0x30000000);
    });
    expect(load).toEqual({ status: SIG.SEGV, handled: REPEATS - 1, cause: "fault-storm" });
    const add = stormWorld((c, count) => {
      c.signal(SIG.FPE, () => count());
      c.cpu.addTrapping(0x7fffffff, 1);
    });
    expect(add).toEqual({ status: SIG.FPE, handled: REPEATS - 1, cause: "fault-storm" });
  });

  it("a handler that cures the fault lets the copy finish, its data whole", () => {
    const w = world();
    const { k } = w;
    let copied: number[] = [];
    let faults = 0;
    k.spawn("p", function* (h) {
      const a = page(h);
      for (let i = 0; i < 4; i++) h.cpu.store32(a + 4096 + i * 4, 100 + i);
      expect(h.mprotect(a, 4096, 1)).toBe(0);
      h.signal(SIG.SEGV, (_s, addr, _scp, self) => {
        faults++;
        self.mprotect(addr & ~4095, 4096, 3);
      });
      h.cpu.copy(a, a + 4096, 16);
      copied = [0, 1, 2, 3].map((i) => h.cpu.load32(a + i * 4));
    });
    k.run();
    expect(faults).toBe(1);
    expect(copied).toEqual([100, 101, 102, 103]);
    expectClean(w);
  });

  it("copyout to a page that cannot be filled (memory exhausted) fails with EFAULT; the pipe keeps the data", () => {
    const w = world({}, { memoryBytes: 96 * 4096 });
    const { k } = w;
    const results: number[] = [];
    k.spawn("p", function* (h) {
      const a = page(h);
      h.cpu.store32(a, 0x1234);
      expect(h.pipe(a + 8)).toBe(0);
      const [r, wr] = [h.cpu.load32(a + 8), h.cpu.load32(a + 12)];
      expect(yield* h.write(wr, a, 4)).toBe(4);
      // Take every free frame with shm segments (two frames at least each).
      const ids: number[] = [];
      for (let size = 16 * 4096; size >= 4096; ) {
        const id = h.shmget(IPC_PRIVATE, size, 0);
        if (id >= 0) ids.push(id);
        else size /= 2;
      }
      // At most one frame is left: a data page takes it (the page after `a` is unfilled).
      h.cpu.store32(a + 2 * 4096, 1);
      results.push(k.frames.freeCount);
      results.push(yield* h.read(r, a + 4096, 4));
      for (const id of ids) h.shmctl(id, IPC_RMID);
      results.push(yield* h.read(r, a + 4096, 4));
      results.push(h.cpu.load32(a + 4096));
    });
    k.run();
    expect(results).toEqual([0, -Errno.EFAULT, 4, 0x1234]);
    expect(w.deaths.map((d) => d.death.cause)).toEqual(["exit"]);
    expectClean(w);
  });
});

describe("hole 11: whatever a process throws, it dies alone and run goes on", () => {
  const revoked = () => {
    const r = Proxy.revocable({}, {});
    r.revoke();
    return r.proxy;
  };
  let traps = 0;
  const counting = () =>
    new Proxy(
      {},
      {
        get: () => {
          traps++;
          return undefined;
        },
        getPrototypeOf: () => {
          traps++;
          throw new Error("trap");
        },
        has: () => {
          traps++;
          return false;
        },
      },
    );

  it("an Error, 42, undefined, a revoked Proxy, a Proxy with throwing traps: the thrown value reaches the hook untouched", () => {
    for (const make of [() => new Error("x"), () => 42, () => undefined, revoked, counting]) {
      const w = world();
      const { k } = w;
      const state = { intact: true, checks: 0 };
      k.spawn("victim", victim(k, state, 5));
      const value = make();
      let status = -1;
      k.spawn("parent", function* (h) {
        h.fork(function* (c) {
          c.getpid();
          yield* pass(k, c);
          throw value;
        });
        const sv = page(h);
        yield* h.wait(sv);
        status = h.cpu.load32(sv);
      });
      k.run();
      expect(status).toBe(SIG.KILL);
      const d = w.deaths.find((x) => x.death.name === "parent.3")!;
      expect(d.death.cause).toBe("threw");
      expect(d.threw).toBe(true);
      expect(Object.is(d.thrown, value)).toBe(true);
      expect(state).toEqual({ intact: true, checks: 5 });
      expectClean(w);
    }
    expect(traps).toBe(0);
  });

  it("a signal handler that throws: the process dies; a handler in the dispatcher's return path too", () => {
    const w = world();
    const { k } = w;
    const statuses: number[] = [];
    k.spawn("parent", function* (h) {
      // Delivered on the way back from its own kill (in a system call).
      h.fork(function* (c) {
        c.signal(SIG.USR1, () => {
          throw counting();
        });
        c.kill(c.pid, SIG.USR1);
        throw new Error("not reached");
      });
      // Delivered when it is switched back in (the dispatcher's return to user mode).
      const sleeper = h.fork(function* (c) {
        c.signal(SIG.USR2, () => {
          throw revoked();
        });
        yield* c.sigpause(0);
        throw new Error("not reached");
      });
      yield* pass(k, h);
      yield* pass(k, h);
      h.kill(sleeper, SIG.USR2);
      const sv = page(h);
      for (let i = 0; i < 2; i++) {
        yield* h.wait(sv);
        statuses.push(h.cpu.load32(sv));
      }
    });
    k.run();
    expect(statuses).toEqual([SIG.KILL, SIG.KILL]);
    expect(w.deaths.filter((d) => d.death.cause === "threw").length).toBe(2);
    expect(traps).toBe(0);
    expectClean(w);
  });

  it("entries that are not generator functions, or return no iterator: the process dies", () => {
    const entries: unknown[] = [
      () => 5,
      () => null,
      () => revoked(),
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new Error("trap");
            },
          },
        ),
      () => ({ [Symbol.iterator]: 7 }),
      async function* () {},
      () => {
        throw new Error("at once");
      },
    ];
    const w = world();
    const { k } = w;
    const statuses: number[] = [];
    k.spawn("parent", function* (h) {
      for (const e of entries) {
        expect(h.fork(e as never)).toBeGreaterThan(0);
        const sv = page(h);
        yield* h.wait(sv);
        statuses.push(h.cpu.load32(sv));
      }
    });
    for (const e of entries.slice(0, 3)) k.spawn("bad", e as never);
    k.run();
    expect(statuses).toEqual(entries.map(() => SIG.KILL));
    const threw = w.deaths.filter((d) => d.death.cause === "threw");
    expect(threw.length).toBe(entries.length + 3);
    expect(traps).toBe(0);
    expectClean(w);
  });

  it("a process that catches its own death and returns, or goes on calling and yielding, stays dead", () => {
    const w = world();
    const { k } = w;
    const statuses: number[] = [];
    let afterDeath = 0;
    let refusedAfter = 0;
    k.spawn("parent", function* (h) {
      h.fork(function* (c) {
        try {
          c.exit(3);
        } catch {}
        afterDeath++;
      });
      h.fork(function* (c) {
        try {
          c.kill(c.pid, SIG.KILL);
        } catch {}
        for (let i = 0; i < 100; i++) {
          afterDeath++;
          try {
            c.getpid();
          } catch (e) {
            if (e instanceof NotRunningError) refusedAfter++;
          }
          yield;
        }
      });
      const sv = page(h);
      for (let i = 0; i < 2; i++) {
        yield* h.wait(sv);
        statuses.push(h.cpu.load32(sv));
      }
    });
    k.run();
    expect(statuses.sort()).toEqual([SIG.KILL, 3 << 8].sort());
    // Each ran on until its next yield or its end, refused everything, and never again.
    expect(afterDeath).toBe(2);
    expect(refusedAfter).toBe(1);
    expectClean(w);
  });
});

describe("host callbacks a process scheduled cannot act for it after run", () => {
  it("a timer, a promise and a microtask calling the handle and the CPU view are refused", async () => {
    const w = world();
    const { k } = w;
    const state = { intact: true, checks: 0 };
    k.spawn("victim", victim(k, state, 3));
    const outcomes: string[] = [];
    let scheduled = false;
    k.spawn("scheduler", function* (h) {
      const own = page(h);
      h.cpu.store32(own, 11);
      const act = (how: string) => () => {
        for (const [what, f] of [
          ["getpid", () => h.getpid()],
          ["store", () => h.cpu.store32(own, 666)],
          ["load", () => h.cpu.load32(own)],
          ["fork", () => h.fork(function* () {})],
          ["kill", () => h.kill(1, SIG.KILL)],
          ["exec", () => h.cpu.exec(TEST_COSTS["app.spin"], 1_000_000)],
          ["sbrk", () => h.sbrk(65536)],
        ] as const) {
          try {
            f();
            outcomes.push(`${how} ${what} acted`);
          } catch (e) {
            outcomes.push(e instanceof NotRunningError ? "refused" : `${how} ${what} ${String(e)}`);
          }
        }
      };
      setTimeout(act("timer"), 0);
      Promise.resolve().then(act("promise"));
      queueMicrotask(act("microtask"));
      scheduled = true;
      // run stops at this switch point: the scheduler is still the kernel's curproc then.
      yield* pass(k, h);
      expect(h.cpu.load32(own)).toBe(11);
    });
    k.run({ stopWhen: () => scheduled });
    expect(k.cur?.name).toBe("scheduler");
    const now = k.machine.now;
    const free = k.frames.freeCount;
    await new Promise((r) => setTimeout(r, 5));
    expect(outcomes).toEqual(new Array(21).fill("refused"));
    expect(k.machine.now).toBe(now);
    expect(k.frames.freeCount).toBe(free);
    // Later runs are unaffected: both finish as they would have.
    k.run();
    expect(state).toEqual({ intact: true, checks: 3 });
    expect(w.deaths.map((d) => [d.death.name, d.death.cause])).toEqual([
      ["scheduler", "exit"],
      ["victim", "exit"],
    ]);
    expectClean(w);
  });
});
