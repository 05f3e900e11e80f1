/**
 * Regression tests for the isolation holes a hostile library OS found (issue 10, exokernel
 * half), one `describe` per hole; each failed on the code before its fix. Every attacker here
 * is an ordinary libOS booted with `aegis.boot`, acting from its own code; each test asserts
 * that it gained nothing: the CPU's mode, owner and exception depth restored, no foreign
 * frame read or written, the victim's data and messages intact, later runs unaffected.
 *
 * 1. JS stack exhaustion inside a kernel call (the `dive` attack).
 * 2. Hostile thrown values (revoked Proxy, trapping Proxy, 42, recycled aborts, non-generators).
 * 3. A third environment running between a synchronous PCT and its other side.
 * 4. Host callbacks (setTimeout, promises, microtasks) acting with nothing running.
 * 5. Grant flooding of another environment's capability list.
 * 6. Revocation defeated by freeing and re-allocating the requested resource.
 * 7. Unbounded host memory through exec labels; no quota on frames and slices.
 * 8. Patched intrinsics (Map.prototype.get, TypedArray fill, Array.prototype.push, …).
 */
import { describe, expect, it } from "vitest";
import {
  ArgumentError,
  type Cost,
  type CostSpec,
  defineCosts,
  type EnvHandle,
  ExcCode,
  encodeAsh,
  encodeFilter,
  ipFilter,
  KSEG0,
  type LibOS,
  NotRunningError,
  PAGE_BYTES,
  PROTO_UDP,
  Reg,
  Result,
  Resume,
  Rights,
  type Thread,
  udpReplyProgram,
} from "./index.js";
import { type AegisOptions, type Death, HOST_ERROR_REASON } from "./kernel.js";
import { TEST_COSTS } from "./test-costs.js";
import { Aegis, expectDeath } from "./test-util.js";

const SAVE_VA = 0x7ff01000;
const DATA_VA = 0x00100000;
const SECRET = 0x5ec2e7 | 0;
const SENTINEL = 0x0bad0bad | 0;

/** A kernel with a death log (the host hook receives the thrown value uninspected). */
/** 1024 fresh labels `l<i>` … `l<i+1023>`, a libOS's own costs table. */
function labelBatch(first: number): readonly Cost[] {
  const spec: Record<string, CostSpec> = {};
  for (let j = 0; j < 1024; j++) spec[`l${first + j}`] = { instructions: 1, source: "test" };
  return Object.values(defineCosts(spec));
}

function kernel(options: AegisOptions = {}) {
  const deaths: { death: Death; thrown: unknown; hasThrown: boolean }[] = [];
  const aegis = new Aegis({
    ...options,
    onDeath: (death: Death, ...rest: unknown[]) => {
      deaths.push({ death, thrown: rest[0], hasThrown: rest.length > 0 });
    },
  });
  return { aegis, deaths };
}

/**
 * An honest environment: a page holding SECRET at every word it wrote, a worker that checks
 * its page at every step, a slice. `check()` reads its frame through physical memory.
 */
function bootVictim(aegis: Aegis) {
  const state = { steps: 0, corrupted: 0, frame: -1 };
  const libos: LibOS<null, null> = {
    name: "victim",
    boot(env) {
      const cap = env.allocFrame();
      env.tlbWrite(DATA_VA, cap, 1);
      state.frame = env.frameOf(cap);
      for (let i = 0; i < 16; i++) env.cpu.store32(DATA_VA + i * 4, SECRET + i);
      env.onStartOfSlice(function* (): Thread {
        for (;;) {
          for (let i = 0; i < 16; i++) {
            if (env.cpu.load32(DATA_VA + i * 4) !== SECRET + i) state.corrupted++;
          }
          env.cpu.exec(TEST_COSTS["victim.work"], 500);
          state.steps++;
          yield* env.safepoint();
        }
      });
      env.allocSlice();
      return null;
    },
  };
  const { env } = aegis.boot(libos, null);
  return {
    env,
    state,
    /** The secret words are intact in physical memory. */
    intact(): boolean {
      for (let i = 0; i < 16; i++) {
        if (aegis.machine.memory.read32(state.frame * PAGE_BYTES + i * 4) !== (SECRET + i) >>> 0)
          return false;
      }
      return true;
    },
  };
}

/** Every valid TLB / STLB entry of `asid` maps a frame `env` holds (the secure-binding check). */
function bindingsSound(aegis: Aegis): string[] {
  const bad: string[] = [];
  const owners = aegis.frameOwners();
  const tlb = aegis.machine.tlb;
  const liveByAsid = new Map<number, number>();
  for (let id = 1; id < 200; id++) {
    try {
      const info = aegis.inspect(id);
      if (info.alive) liveByAsid.set(info.asid, id);
    } catch {
      break;
    }
  }
  const held = (asid: number, frame: number): boolean => {
    const id = liveByAsid.get(asid);
    if (id === undefined) return false;
    if (owners[frame] === id) return true;
    return aegis.inspect(id).caps.some((c) => c.frame === frame && !c.stale);
  };
  for (let s = 0; s < tlb.size; s++) {
    if ((tlb.lo[s]! & (1 << 9)) === 0) continue;
    const asid = (tlb.hi[s]! >>> 6) & 63;
    if (!held(asid, tlb.lo[s]! >>> 12)) bad.push(`TLB slot ${s} asid ${asid}`);
  }
  for (const [vpn, asid, lo] of aegis.stlbEntries()) {
    if (!held(asid, lo >>> 12)) bad.push(`STLB ${vpn}/${asid}`);
  }
  return bad;
}

function cpuSane(aegis: Aegis): void {
  const cpu = aegis.machine.cpu;
  expect(cpu.exceptionDepth).toBe(0);
  expect(cpu.userMode).toBe(true);
  expect(aegis.machine.current).toBe(null);
}

// ---- 1. stack exhaustion ----------------------------------------------------------------------

describe("hole 1: a JS stack exhausted inside a kernel call", () => {
  type Kind = "nullSyscallStack" | "allocFrame" | "grant" | "tlbWrite" | "pct" | "load" | "yieldTo";
  // The call (whose stub goes deeper than its kernel path, so the stack runs out in
  // the stub: nothing to doom), and calls whose kernel paths go deeper than their stubs.
  const kinds: Kind[] = [
    "nullSyscallStack",
    "allocFrame",
    "grant",
    "tlbWrite",
    "pct",
    "load",
    "yieldTo",
  ];

  it("the dive attack at every depth: state restored at each level, the diver dead, nothing gained", () => {
    const { aegis, deaths } = kernel();
    expectDeath(aegis, (d) => d.name.startsWith("diver-"));
    const victim = bootVictim(aegis);
    const cpu = aegis.machine.cpu;
    let doomed = 0;
    for (const kind of kinds) {
      const probe = { calls: 0, leaks: 0, kseg0Reads: 0, secretsSeen: 0, done: false };
      let ownerOfDiver = -1;
      const diver: LibOS<null, null> = {
        name: `diver-${kind}`,
        boot(env) {
          const save = env.allocFrame();
          env.guarantee(SAVE_VA, save, 1);
          // A kseg0 load from user mode is an address error: this handler answers SENTINEL.
          // With kernel mode leaked it would not run, and the load would read the frame.
          env.setHandler(
            ExcCode.AdEL,
            (h) => {
              h.cpu.setReg(Reg.v0, SENTINEL);
              return Resume.Emulated;
            },
            SAVE_VA,
          );
          env.setHandler("refill", () => Resume.Retry, SAVE_VA + 16);
          const mine = env.allocFrame();
          env.setEntry("sync", function* (caller: number): Thread {
            yield* env.pct(caller, "sync");
          });
          const victimPa = victim.state.frame * PAGE_BYTES;
          const call = (): void => {
            switch (kind) {
              case "nullSyscallStack":
                env.nullSyscallStack();
                return;
              case "allocFrame":
                env.allocFrame();
                return;
              case "grant":
                env.grant(mine, victim.env.id, 1);
                return;
              case "tlbWrite":
                env.tlbWrite(0x00200000, mine, 1);
                return;
              case "pct":
                env.pct(victim.env.id, "sync").next();
                return;
              case "load":
                env.cpu.load32(0x00300000); // a miss: refill path, upcall
                return;
              case "yieldTo":
                env.yieldTo(victim.env.id).next();
                return;
            }
          };
          const check = (): void => {
            if (!cpu.userMode || cpu.owner !== ownerOfDiver || cpu.exceptionDepth !== 0) {
              probe.leaks++;
            }
          };
          const dive = (): void => {
            try {
              dive();
            } catch {}
            try {
              probe.calls++;
              call();
            } catch {}
            check();
          };
          const peek = (): void => {
            try {
              const v = env.cpu.load32((KSEG0 + victimPa) >>> 0);
              probe.kseg0Reads++;
              if (v === SECRET) probe.secretsSeen++;
            } catch {}
          };
          env.onStartOfSlice(function* (): Thread {
            peek();
            dive();
            // With kernel mode leaked, a kseg0 load from here would read the victim's frame.
            peek();
            probe.done = true;
            for (;;) yield;
          });
          env.allocSlice();
          return null;
        },
      };
      const { env } = aegis.boot(diver, null);
      ownerOfDiver = aegis.inspect(env.id).owner;
      const hostThrowsBefore = cpu.hostThrows;
      const kernelBefore = (aegis.stats as { hostThrows?: number }).hostThrows ?? 0;
      expect(() =>
        aegis.run({ stopWhen: () => probe.done, untilCycle: aegis.machine.now + 20_000_000 }),
      ).not.toThrow();
      expect(probe.done, kind).toBe(true);
      expect(probe.calls, kind).toBeGreaterThan(1000);
      expect(probe.leaks, kind).toBe(0);
      expect(probe.secretsSeen, kind).toBe(0);
      // Where a host error crossed one of its kernel calls, it was doomed, then reaped.
      // (Counted by the machine, or — when even its check of the thrown value ran out of
      // stack — left pending for the kernel, which counts it.)
      const kernelAfter = (aegis.stats as { hostThrows?: number }).hostThrows ?? 0;
      if (cpu.hostThrows > hostThrowsBefore || kernelAfter > kernelBefore) {
        doomed++;
        expect(env.alive, kind).toBe(false);
        expect(deaths.find((d) => d.death.envId === env.id)?.death.reason, kind).toBe(
          HOST_ERROR_REASON,
        );
        expect(aegis.inspect(env.id).frames, kind).toEqual([]);
        expect(aegis.inspect(env.id).slices, kind).toEqual([]);
      }
      cpuSane(aegis);
      expect(bindingsSound(aegis), kind).toEqual([]);
      expect(victim.intact(), kind).toBe(true);
    }
    // Later runs are unaffected: the victim works on, its page intact.
    const steps = victim.state.steps;
    aegis.run({ untilCycle: aegis.machine.now + 4 * aegis.policy.sliceCycles });
    expect(victim.state.steps).toBeGreaterThan(steps + 100);
    expect(victim.state.corrupted).toBe(0);
    expect(victim.env.alive).toBe(true);
    expect(deaths.map((d) => d.death.envId).includes(victim.env.id)).toBe(false);
    // Calls whose kernel paths go deeper than their stubs had one cut short, at some depth.
    expect(doomed).toBeGreaterThanOrEqual(3);
    cpuSane(aegis);
  });
});

describe("hole 1b: a stack dive through plain work while the slice clock ticks", () => {
  it("the diver dies, no timer event is lost, run returns, the victim works on", () => {
    const { aegis, deaths } = kernel({
      policy: { sliceCycles: 2000, excessSliceLimit: 1_000_000 },
    });
    expectDeath(aegis, "diver");
    const victim = bootVictim(aegis);
    let refused = 0;
    const diver: LibOS<null, null> = {
      name: "diver",
      boot(env) {
        env.onStartOfSlice(function* (): Thread {
          // Every exec crosses a tick: the machine's event service and the kernel's interrupt
          // path run under it, at every depth. On the kernel before the machine's stack reserve,
          // a RangeError inside the timer's event lost it: the clock stopped, and this loop
          // never yielded again (run hung).
          const dive = (): void => {
            try {
              dive();
            } catch {}
            try {
              env.cpu.exec(TEST_COSTS["diver.work"], 2100);
            } catch {
              refused++;
            }
          };
          dive();
          for (;;) {
            env.cpu.exec(TEST_COSTS["diver.spin"], 100);
            yield* env.safepoint();
          }
        });
        env.allocSlice();
        return null;
      },
    };
    const { env } = aegis.boot(diver, null);
    const ticks = aegis.stats.ticks;
    // The slice timer starts with the run, one slice from now: every boundary passed is a tick.
    const startCycle = aegis.machine.now;
    aegis.run({ untilCycle: 200_000 });
    expect(refused).toBeGreaterThan(0);
    expect(env.alive).toBe(false);
    expect(deaths.find((d) => d.death.envId === env.id)?.death.reason).toBe(HOST_ERROR_REASON);
    expect(aegis.stats.ticks - ticks).toBe(Math.floor((aegis.machine.now - startCycle) / 2000));
    const steps = victim.state.steps;
    aegis.run({ untilCycle: aegis.machine.now + 100_000 });
    expect(victim.state.steps).toBeGreaterThan(steps + 100);
    expect(victim.intact()).toBe(true);
    cpuSane(aegis);
  });
});

// ---- 2. hostile thrown values -------------------------------------------------------------------

describe("hole 2: the kernel never inspects a thrown value", () => {
  function hostileThrowables() {
    let traps = 0;
    const trap = () => {
      traps++;
      throw new Error("a trap ran");
    };
    const trapping = new Proxy(
      {},
      { getPrototypeOf: trap, get: trap, has: trap, getOwnPropertyDescriptor: trap, ownKeys: trap },
    );
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    return {
      values: [revoked, trapping, 42, undefined, null, Symbol("s")] as unknown[],
      traps: () => traps,
    };
  }

  type Where = "thread" | "handler" | "endOfSlice" | "revoke";

  it("thrown from a thread, a handler, an end-of-slice or revocation upcall: that env dies, run never throws", () => {
    const { values, traps } = hostileThrowables();
    const { aegis, deaths } = kernel({ policy: { sliceCycles: 5000 } });
    expectDeath(aegis, (d) => d.name.startsWith("thrower-"));
    const victim = bootVictim(aegis);
    const wheres: Where[] = ["thread", "handler", "endOfSlice", "revoke"];
    const throwers: { env: EnvHandle; value: unknown; where: Where }[] = [];
    for (const value of values) {
      for (const where of wheres) {
        const libos: LibOS<null, null> = {
          name: `thrower-${where}`,
          boot(env) {
            const save = env.allocFrame();
            env.guarantee(SAVE_VA, save, 1);
            env.setHandler(
              ExcCode.Ov,
              () => {
                throw value;
              },
              SAVE_VA,
            );
            if (where === "endOfSlice") {
              env.onEndOfSlice(() => {
                throw value;
              });
            }
            if (where === "revoke") {
              env.onRevoke(() => {
                throw value;
              });
            }
            env.onStartOfSlice(function* (): Thread {
              if (where === "thread") throw value;
              if (where === "handler") env.cpu.addTrapping(0x7fffffff, 1);
              for (;;) {
                env.cpu.exec(TEST_COSTS["thrower.work"], 1000);
                yield* env.safepoint();
              }
            });
            env.allocSlice();
            return null;
          },
        };
        const { env } = aegis.boot(libos, null);
        throwers.push({ env, value, where });
        if (where === "revoke") aegis.revokeFrames(env.id, 1);
      }
      // A batch of throwers per value: the slice vector is 64 positions.
      expect(() => aegis.run({ untilCycle: aegis.machine.now + 12 * 5000 })).not.toThrow();
    }
    expect(traps()).toBe(0);
    for (const t of throwers) {
      expect(t.env.alive, `${t.where} ${String(typeof t.value)}`).toBe(false);
      const d = deaths.find((x) => x.death.envId === t.env.id)!;
      expect(d.death.reason).toMatch(/threw/);
      // The hook got the very value thrown, uninspected.
      expect(d.hasThrown).toBe(true);
      expect(d.thrown === t.value).toBe(true);
    }
    expect(victim.env.alive).toBe(true);
    expect(victim.intact()).toBe(true);
    cpuSane(aegis);
  });

  it("entries that return no generator, a hostile iterator, or a generator that swallows its abort", () => {
    const { values, traps } = hostileThrowables();
    const { aegis, deaths } = kernel({ policy: { sliceCycles: 5000 } });
    expectDeath(aegis, "non-generator", (d) => d.name.startsWith("swallower-"));
    const victim = bootVictim(aegis);
    let iteratorCalls = 0;
    const hostileIterator = {
      next() {
        iteratorCalls++;
        return { done: false, value: 0 };
      },
      [Symbol.iterator]() {
        iteratorCalls++;
        return this;
      },
    };
    const entries: (() => unknown)[] = [
      () => 42,
      () => values[0], // a revoked proxy
      () => values[1], // a trapping proxy
      () => hostileIterator,
      () => undefined,
    ];
    const bad: EnvHandle[] = [];
    for (const entry of entries) {
      const { env } = aegis.boot(
        {
          name: "non-generator",
          boot(e) {
            e.onStartOfSlice(entry as never);
            e.allocSlice();
            return null;
          },
        },
        null,
      );
      bad.push(env);
    }
    // Generators that catch the ContextAbort unwinding them (an exit) and return, or yield.
    const swallowers: { env: EnvHandle; after: string[] }[] = [];
    for (const how of ["return", "yield", "rethrow-later"]) {
      const after: string[] = [];
      let kept: unknown;
      const { env } = aegis.boot(
        {
          name: `swallower-${how}`,
          boot(e) {
            e.onStartOfSlice(function* (): Thread {
              try {
                e.exit(5);
              } catch (abort) {
                kept = abort;
                after.push("caught");
              }
              if (how === "yield") {
                yield;
                after.push("resumed after death");
              }
              if (how === "rethrow-later") throw kept;
            });
            e.allocSlice();
            return null;
          },
        },
        null,
      );
      swallowers.push({ env, after });
    }
    expect(() => aegis.run({ untilCycle: aegis.machine.now + 20 * 5000 })).not.toThrow();
    expect(() => aegis.run({ untilCycle: aegis.machine.now + 20 * 5000 })).not.toThrow();
    expect(traps()).toBe(0);
    expect(iteratorCalls).toBe(0);
    for (const env of bad) {
      expect(env.alive).toBe(false);
      expect(deaths.find((d) => d.death.envId === env.id)!.death.reason).toMatch(/generator|threw/);
    }
    for (const s of swallowers) {
      expect(s.env.alive).toBe(false);
      expect(s.after).toEqual(["caught"]);
    }
    expect(victim.env.alive).toBe(true);
    expect(victim.intact()).toBe(true);
    cpuSane(aegis);
  });
});

// ---- 3. PCT messages ----------------------------------------------------------------------------

describe("hole 3: a synchronous PCT runs the other side next, registers intact", () => {
  /** The message registers: a0..a3, t0..t9, s0..s7 (v0/v1 carry the call). */
  const MSG = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 16, 17, 18, 19, 20, 21, 22, 23];

  it("under load, with the timer ending slices mid-call and a third env scribbling registers", () => {
    const slice = 1500;
    const { aegis } = kernel({ policy: { sliceCycles: slice } });
    const calls = 3000;
    const sent: number[][] = [];
    let serverBad = 0;
    let clientBad = 0;
    let done = 0;
    const mix = (x: number, i: number) => (Math.imul(x ^ 0x9e3779b9, 31 + i) + i) | 0;
    const server = aegis.boot(
      {
        name: "server",
        boot(env) {
          env.setEntry("sync", function* (caller: number): Thread {
            const want = sent[sent.length - 1]!;
            for (let i = 0; i < MSG.length; i++) {
              if (env.cpu.reg(MSG[i]!) !== want[i]) {
                serverBad++;
                break;
              }
            }
            for (let i = 0; i < MSG.length; i++) env.cpu.setReg(MSG[i]!, mix(want[i]!, i));
            yield* env.pct(caller, "sync");
          });
          return null;
        },
      },
      null,
    ).env;
    aegis.boot(
      {
        name: "client",
        boot(env) {
          let seed = 12345;
          const rnd = () => {
            seed = (Math.imul(seed, 1103515245) + 12345) | 0;
            return seed;
          };
          env.onStartOfSlice(function* (): Thread {
            for (let n = 0; n < calls; n++) {
              env.cpu.exec(TEST_COSTS["client.work"], 1 + ((rnd() >>> 8) % 300));
              const msg = MSG.map(() => rnd());
              sent.push(msg);
              for (let i = 0; i < MSG.length; i++) env.cpu.setReg(MSG[i]!, msg[i]!);
              const r = yield* env.pct(server.id, "sync");
              let ok = r === Result.Ok;
              for (let i = 0; ok && i < MSG.length; i++) {
                if (env.cpu.reg(MSG[i]!) !== mix(msg[i]!, i)) ok = false;
              }
              if (!ok) clientBad++;
              done++;
            }
            for (;;) {
              env.cpu.exec(TEST_COSTS["client.idle"], 1000);
              yield* env.safepoint();
            }
          });
          env.allocSlice();
          return null;
        },
      },
      null,
    );
    // Third environments that scribble every message register whenever they run.
    for (let k = 0; k < 2; k++) {
      aegis.boot(
        {
          name: `scribbler${k}`,
          boot(env) {
            env.onStartOfSlice(function* (): Thread {
              for (let x = k; ; x++) {
                for (const r of MSG) env.cpu.setReg(r, 0x7777 + x);
                env.cpu.exec(TEST_COSTS.scribble, 50 + (x % 200));
                yield* env.safepoint();
              }
            });
            env.allocSlice();
            return null;
          },
        },
        null,
      );
    }
    aegis.run({ stopWhen: () => done === calls, untilCycle: 100_000_000 });
    expect(done).toBe(calls);
    // Many calls were made across a tick (the slice ended while the message was in flight).
    expect(aegis.stats.ticks).toBeGreaterThan(calls / 10);
    expect(serverBad).toBe(0);
    expect(clientBad).toBe(0);
    expect(aegis.deaths).toEqual([]);
  });
});

// ---- 4. host callbacks ----------------------------------------------------------------------------

describe("hole 4: a libOS gets nothing outside its slices through host callbacks", () => {
  it("setTimeout, setImmediate, promise and microtask callbacks are refused and charge nothing", async () => {
    const { aegis } = kernel();
    const outcomes: unknown[] = [];
    let fired = 0;
    const libos: LibOS<null, null> = {
      name: "schemer",
      boot(env) {
        const attempt = () => {
          fired++;
          const before = aegis.machine.now;
          const results: unknown[] = [];
          for (let i = 0; i < 64; i++) results.push(env.allocFrame());
          results.push(env.allocSlice(), env.nullSyscall(), env.exit(0));
          try {
            env.cpu.exec(TEST_COSTS["schemer.work"], 1_000_000);
            results.push("exec ran");
          } catch (e) {
            results.push(e instanceof NotRunningError);
          }
          results.push(aegis.machine.now - before);
          outcomes.push(results);
        };
        setTimeout(attempt, 0);
        setImmediate(attempt);
        void Promise.resolve().then(attempt);
        queueMicrotask(attempt);
        return null;
      },
    };
    const { env } = aegis.boot(libos, null);
    const frames = aegis.inspect(env.id).frames.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(4);
    const refused = [
      ...Array(64).fill(Result.Refused),
      Result.Refused,
      Result.Refused,
      Result.Refused,
    ];
    for (const o of outcomes) expect(o).toEqual([...refused, true, 0]);
    expect(aegis.inspect(env.id).frames.length).toBe(frames);
    expect(aegis.inspect(env.id).slices).toEqual([]);
    expect(env.alive).toBe(true);
    // Host code calling a handle directly, outside any window, is refused the same way.
    expect(env.allocFrame()).toBe(Result.Refused);
    expect(() => env.cpu.load32(0)).toThrow(NotRunningError);
    // Host code that acts for the env says so.
    expect(aegis.actAs(env, () => env.allocFrame())).toBeGreaterThanOrEqual(0);
  });
});

// ---- 5. grant flooding ------------------------------------------------------------------------------

describe("hole 5: capabilities arrive within a quota, and freeing a frame reclaims every copy", () => {
  it("a grant flood cannot lock a victim out of its own allocations; freeing gives its slots back", () => {
    const { aegis } = kernel();
    const victim = bootVictim(aegis);
    const flood = { granted: 0, refused: 0, done: false, freed: false };
    const attacker: LibOS<null, null> = {
      name: "flooder",
      boot(env) {
        env.onStartOfSlice(function* (): Thread {
          const caps: number[] = [];
          for (let i = 0; i < 64; i++) caps.push(env.allocFrame());
          for (let n = 0; n < 5000; n++) {
            const r = env.grant(caps[n % 64]!, victim.env.id, 1);
            if (r >= 0) flood.granted++;
            else flood.refused++;
            yield* env.safepoint();
          }
          flood.done = true;
          yield;
          for (const c of caps) env.freeFrame(c);
          flood.freed = true;
          for (;;) {
            env.cpu.exec(TEST_COSTS["flooder.idle"], 1000);
            yield* env.safepoint();
          }
        });
        env.allocSlice();
        return null;
      },
    };
    aegis.boot(attacker, null);
    aegis.run({ stopWhen: () => flood.done, untilCycle: 200_000_000 });
    expect(flood.done).toBe(true);
    // The victim can still allocate frames of its own.
    expect(aegis.actAs(victim.env, () => victim.env.allocFrame())).toBeGreaterThanOrEqual(0);
    expect(flood.granted).toBe(aegis.policy.grantQuota);
    expect(aegis.inspect(victim.env.id).grantedCaps).toBe(aegis.policy.grantQuota);
    aegis.run({ stopWhen: () => flood.freed, untilCycle: aegis.machine.now + 50_000_000 });
    expect(flood.freed).toBe(true);
    // Every copy went with its frame: the victim's list holds only its own capabilities.
    const info = aegis.inspect(victim.env.id);
    expect(info.grantedCaps).toBe(0);
    expect(info.caps.length).toBe(2);
    expect(victim.intact()).toBe(true);
    expect(victim.env.alive).toBe(true);
    expect(bindingsSound(aegis)).toEqual([]);
  });
});

// ---- 6. revocation --------------------------------------------------------------------------------

describe("hole 6: a resource given back under a revocation request cannot be taken back", () => {
  it("freeing and re-allocating the requested frame or slice (by name or any) keeps nothing", () => {
    const { aegis } = kernel();
    const seen: Record<string, number> = {};
    let frame = -1;
    let position = -1;
    const stubborn: LibOS<null, null> = {
      name: "stubborn",
      boot(env) {
        const cap = env.allocFrame();
        frame = env.frameOf(cap);
        position = env.allocSlice();
        env.onRevoke((req) => {
          if (req.kind === "frames") {
            seen.free = env.freeFrame(cap);
            seen.byName = env.allocFrame(frame);
            const any = env.allocFrame();
            seen.anyIsSame = env.frameOf(any) === frame ? 1 : 0;
          } else if (req.kind === "slice") {
            seen.freeSlice = env.freeSlice(position);
            seen.sliceByName = env.allocSlice(position);
            seen.sliceAny = env.allocSlice() === position ? 1 : 0;
          }
        });
        return null;
      },
    };
    const { env } = aegis.boot(stubborn, null);
    aegis.revokeFrames(env.id, 1, [frame]);
    const sreq = aegis.revokeSlice(env.id, position) as { deadlineCycles: number };
    expect(seen).toEqual({
      free: Result.Ok,
      byName: Result.Refused,
      anyIsSame: 0,
      freeSlice: Result.Ok,
      sliceByName: Result.Refused,
      sliceAny: 0,
    });
    expect(aegis.inspect(env.id).frames).not.toContain(frame);
    expect(aegis.inspect(env.id).slices).not.toContain(position);
    // Another environment may take them at once (the kernel is satisfied)…
    const other = aegis.createEnvironment({ name: "other" });
    expect(aegis.actAs(other, () => other.frameOf(other.allocFrame(frame)))).toBe(frame);
    // …and after the deadline the request is settled: the position is its to ask again.
    const clock = aegis.createEnvironment({
      name: "clock",
      setup: (c) => {
        c.onStartOfSlice(function* (): Thread {
          for (;;) {
            c.cpu.exec(TEST_COSTS["clock.tick"], 1000);
            yield* c.safepoint();
          }
        });
        expect(c.allocSlice(position + 5)).toBe(position + 5);
      },
    });
    aegis.run({ untilCycle: sreq.deadlineCycles + 1 });
    expect(clock.alive).toBe(true);
    expect(aegis.actAs(env, () => env.allocSlice(position))).toBe(position);
  });
});

// ---- 7. quotas and labels -----------------------------------------------------------------------

describe("hole 7: per-environment quotas bound frames, slices, grants and labels", () => {
  // The attack used a million labels; a hundred thousand show the same bound in a tenth of
  // the time (no label past the quota is kept, so the count changes nothing but the time).
  it("a hundred thousand distinct exec labels keep host memory bounded, during and after the env's life", () => {
    const { aegis } = kernel();
    const labels = aegis.machine.accounting.labels;
    const userLabels = () => [...labels.keys()].filter((l) => !l.startsWith("aegis.")).length;
    const before = userLabels();
    const n = 100_000;
    let done = false;
    const cyclesBefore = aegis.machine.now;
    const { env } = aegis.boot(
      {
        name: "labeller",
        boot(e) {
          e.onStartOfSlice(function* (): Thread {
            let batch: readonly Cost[] = [];
            for (let i = 0; i < n; i++) {
              // The libOS's own tables, 1024 fresh labels at a time (each record is dropped).
              if ((i & 1023) === 0) batch = labelBatch(i);
              e.cpu.exec(batch[i & 1023]!);
              if ((i & 1023) === 0) yield* e.safepoint();
            }
            done = true;
          });
          e.allocSlice();
          return null;
        },
      },
      null,
    );
    const heapBefore = gcHeap();
    aegis.run({ stopWhen: () => done });
    expect(done).toBe(true);
    // Charged all the same…
    expect(aegis.machine.now - cyclesBefore).toBeGreaterThanOrEqual(n);
    // …under at most `labelQuota` labels of its own, then one overflow label.
    expect(userLabels() - before).toBeLessThanOrEqual(1000);
    const q = aegis.policy.labelQuota;
    expect(userLabels() - before).toBeLessThanOrEqual(q + 1);
    expect(aegis.inspect(env.id).labels).toBe(q);
    expect(aegis.inspect(env.id).labelOverflows).toBe(n - q);
    const heapAfter = gcHeap();
    if (heapBefore > 0) expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024);
    aegis.destroy(env.id);
    expect(aegis.inspect(env.id).labels).toBe(0);
    expect(userLabels() - before).toBeLessThanOrEqual(q + 1);
  });

  it("a label longer than the policy allows is misuse of the host API, and charges nothing", () => {
    const { aegis } = kernel({ policy: { maxLabelLength: 16 } });
    const other = aegis.createEnvironment();
    const long = defineCosts({ "libos.a.label.of.twenty": { instructions: 1, source: "test" } });
    const t = aegis.machine.now;
    expect(() => aegis.actAs(other, () => other.cpu.exec(long["libos.a.label.of.twenty"]))).toThrow(
      ArgumentError,
    );
    expect(aegis.machine.now).toBe(t);
  });

  it("one environment can take neither every frame nor every slice", () => {
    const { aegis } = kernel();
    const hog = aegis.createEnvironment({ name: "hog" });
    const got = aegis.actAs(hog, () => {
      let frames = 0;
      while (hog.allocFrame() >= 0) frames++;
      let slices = 0;
      while (hog.allocSlice() >= 0) slices++;
      return { frames, slices, lastFrame: hog.allocFrame(), lastSlice: hog.allocSlice() };
    });
    const other = aegis.createEnvironment({ name: "other" });
    aegis.actAs(other, () => {
      expect(other.allocFrame()).toBeGreaterThanOrEqual(0);
      expect(other.allocSlice()).toBeGreaterThanOrEqual(0);
    });
    expect(got).toEqual({
      frames: aegis.policy.frameQuota,
      slices: aegis.policy.sliceQuota,
      lastFrame: Result.NoMemory,
      lastSlice: Result.NoSlot,
    });
  });
});

function gcHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return 0;
  gc();
  return process.memoryUsage().heapUsed;
}

// ---- 8. patched intrinsics -------------------------------------------------------------------------

describe("intrinsics: a libOS that patches them gains nothing", () => {
  it("cannot forge a guaranteed mapping, reach physical memory, or have a patch called at all", () => {
    const { aegis } = kernel();
    const victim = bootVictim(aegis);
    const result = {
      ran: false,
      secretsSeen: 0,
      memoryLeaked: false,
      kernelModeCalls: 0,
      kernelModeWhat: Object.setPrototypeOf([], null) as string[],
      forgedHits: 0,
      ashResults: Object.setPrototypeOf([], null) as number[],
      callResults: Object.setPrototypeOf([], null) as number[],
    };
    const TARGET_VPN = 0x00400;
    // Built before the patch (the harness's own work): a filter, the reply ASH, and words the
    // verifier must refuse (a backward jump).
    const filterWords = Array.from(encodeFilter(ipFilter({ proto: PROTO_UDP, dstPort: 7 })));
    const replyWords = Array.from(encodeAsh(udpReplyProgram()));
    const secondFilterWords = Array.from(encodeFilter(ipFilter({ proto: PROTO_UDP, dstPort: 9 })));
    const reservePositions = [5];
    const badWords = Array.from(
      encodeAsh([
        ["li", 1, 2],
        ["jmp", 0],
      ]),
    );
    const attacker: LibOS<null, null> = {
      name: "patcher",
      boot(env) {
        const save = env.allocFrame();
        env.guarantee(SAVE_VA, save, 1);
        // Its own refill handler answers a sentinel for anything the kernel did not map.
        env.setHandler(
          "refill",
          (h) => {
            h.cpu.setReg(Reg.v0, SENTINEL);
            return Resume.Emulated;
          },
          SAVE_VA,
        );
        const ring = env.allocFrame();
        const batchWords = [0x00600000, ring, Rights.Read];
        env.onStartOfSlice(function* (): Thread {
          const restore = patchEverything(env, victim.state.frame, TARGET_VPN, result);
          try {
            // The kernel's first filter: it sets up the card's receive ring (a list of slot
            // addresses, written by index: an ordinary array sent them to the planted setters).
            const calls = result.callResults;
            const filter = env.insertFilter(ring, filterWords);
            calls[calls.length] = filter;
            // A miss on TARGET_VPN: a kernel that used Map.prototype.get would find a forged
            // guaranteed binding of the victim's frame there.
            for (let i = 0; i < 16; i++) {
              const v = env.cpu.load32(TARGET_VPN * PAGE_BYTES + i * 4);
              if (v === SECRET + i) result.secretsSeen++;
            }
            // A frame allocation zeroes the frame: a machine that used %TypedArray%.fill
            // would hand the patched fill the whole of physical memory.
            const cap = env.allocFrame();
            env.tlbWrite(0x00500000, cap, 1);
            env.cpu.zero(0x00500000, 64);
            env.freeFrame(cap);
            env.grant(save, victim.env.id, 1);
            env.nullSyscallStack();
            // An ASH download (issue 15): the verifier, the code generator and the runner's
            // set-up run in the kernel while everything is patched; one accepted (with and
            // without a grant), one refused. (Appended by index: push is patched.)
            const ashes = result.ashResults;
            ashes[ashes.length] = env.downloadAsh(filter, replyWords, -1);
            ashes[ashes.length] = env.downloadAsh(filter, replyWords, ring);
            ashes[ashes.length] = env.downloadAsh(filter, badWords, -1);
            // A second filter, a slice taken and given back, a reservation made and released,
            // a batch mapping (these read typed-array lengths through the getter until fixed).
            calls[calls.length] = env.insertFilter(ring, secondFilterWords);
            const slice = env.allocSlice();
            calls[calls.length] = slice >= 0 ? env.freeSlice(slice) : slice;
            const reservation = env.reserveSlices(reservePositions);
            calls[calls.length] = reservation >= 0 ? env.releaseSlices(reservation) : reservation;
            calls[calls.length] = env.bindBatch(batchWords);
            // A bare yield (a `yield*` would run the patched %GeneratorPrototype%.next itself).
            yield;
          } finally {
            restore();
          }
          result.ran = true;
          for (;;) {
            env.cpu.exec(TEST_COSTS["patcher.idle"], 1000);
            yield* env.safepoint();
          }
        });
        env.allocSlice();
        return null;
      },
    };
    aegis.boot(attacker, null);
    expect(() => aegis.run({ stopWhen: () => result.ran, untilCycle: 50_000_000 })).not.toThrow();
    expect(result.ran).toBe(true);
    expect(result.secretsSeen).toBe(0);
    expect(result.memoryLeaked).toBe(false);
    expect(result.forgedHits).toBe(0);
    expect([...Array.prototype.slice.call(result.kernelModeWhat)]).toEqual([]);
    expect(result.kernelModeCalls).toBe(0);
    expect([...Array.prototype.slice.call(result.ashResults)]).toEqual([
      Result.Ok,
      Result.Ok,
      Result.Invalid,
    ]);
    const calls = [...Array.prototype.slice.call(result.callResults)];
    expect(calls.length).toBe(5);
    expect(calls[0]).toBeGreaterThanOrEqual(0); // the filter ids
    expect(calls[1]).toBeGreaterThan(calls[0]);
    expect(calls.slice(2)).toEqual([Result.Ok, Result.Ok, Result.Ok]);
    expect(victim.intact()).toBe(true);
    expect(victim.env.alive).toBe(true);
    expect(bindingsSound(aegis)).toEqual([]);
    // Later runs with the intrinsics restored are unaffected.
    aegis.run({ untilCycle: aegis.machine.now + 4 * aegis.policy.sliceCycles });
    expect(victim.state.corrupted).toBe(0);
    cpuSane(aegis);
  });
});

// The harness's own intrinsics, captured before any patch.
const apply = Reflect.apply;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const deleteProperty = Reflect.deleteProperty;
const hasInstance = Function.prototype[Symbol.hasInstance];
const typedLength = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  "length",
)!.get!;

/**
 * Patches the intrinsics a kernel might use; each patch records every call made while the
 * patches are armed (the attacker's own code makes none), and forges what would give it the
 * victim's frame. Returns a function restoring them all.
 */
function patchEverything(
  env: EnvHandle,
  victimFrame: number,
  targetVpn: number,
  out: {
    kernelModeCalls: number;
    kernelModeWhat: string[];
    memoryLeaked: boolean;
    forgedHits: number;
  },
): () => void {
  const undo: (() => void)[] = [];
  let current = "";
  let armed = false;
  const kernelCall = () => {
    if (!armed) return;
    out.kernelModeCalls++;
    out.kernelModeWhat[out.kernelModeWhat.length] = current;
  };
  // Array.prototype.push is among the patched: the harness appends by index.
  const undoPush = (f: () => void) => {
    undo[undo.length] = f;
  };
  const forged = {
    envId: 0,
    asid: env.asid,
    vpn: targetVpn,
    frame: victimFrame,
    writable: true,
    slot: 0,
    guaranteed: true,
  };
  const patch = (obj: object, key: PropertyKey, make: (orig: Function) => Function): void => {
    const d = getOwnPropertyDescriptor(obj, key)!;
    const orig = d.value as Function;
    defineProperty(obj, key, { ...d, value: make(orig) });
    undoPush(() => defineProperty(obj, key, d));
  };
  const counting = (orig: Function) =>
    function (this: unknown, ...args: unknown[]) {
      current = orig.name;
      kernelCall();
      return apply(orig, this, args);
    };
  patch(
    Map.prototype,
    "get",
    (orig) =>
      function (this: Map<unknown, unknown>, key: unknown) {
        kernelCall();
        const v = apply(orig, this, [key]);
        if (v === undefined && key === targetVpn) {
          out.forgedHits++;
          return forged;
        }
        return v;
      },
  );
  const typed = Object.getPrototypeOf(Uint8Array.prototype) as object;
  for (const key of ["fill", "copyWithin", "set", "slice", "subarray"]) {
    patch(
      typed,
      key,
      (orig) =>
        function (this: Uint8Array, ...args: unknown[]) {
          kernelCall();
          if (apply(typedLength, this, []) >= 1 << 20) out.memoryLeaked = true;
          return apply(orig, this, args);
        },
    );
  }
  // The typed arrays' getters (a kernel reading `.length` of one runs the planted getter)...
  for (const key of ["length", "buffer", "byteOffset", "byteLength"]) {
    const d = getOwnPropertyDescriptor(typed, key)!;
    const get = d.get!;
    defineProperty(typed, key, {
      ...d,
      get(this: unknown) {
        current = `get ${key}`;
        kernelCall();
        return apply(get, this, []);
      },
    });
    undoPush(() => defineProperty(typed, key, d));
  }
  // ...and `Symbol.hasInstance` planted on their constructors (an `instanceof` runs it).
  for (const ctor of [Uint8Array, Int32Array, Uint32Array]) {
    defineProperty(ctor, Symbol.hasInstance, {
      configurable: true,
      value(this: unknown, v: unknown) {
        current = `${ctor.name}[Symbol.hasInstance]`;
        kernelCall();
        return apply(hasInstance, this, [v]);
      },
    });
    undoPush(() => deleteProperty(ctor, Symbol.hasInstance));
  }
  for (const key of ["set", "has", "delete", "forEach", "values", "keys", "entries"]) {
    patch(Map.prototype, key, counting);
  }
  for (const key of ["add", "has", "delete", "forEach", "values"])
    patch(Set.prototype, key, counting);
  for (const key of ["get", "set", "has", "delete"]) patch(WeakMap.prototype, key, counting);
  for (const key of [
    "push",
    "pop",
    "shift",
    "indexOf",
    "includes",
    "slice",
    "fill",
    Symbol.iterator,
  ]) {
    patch(Array.prototype, key, counting);
  }
  patch(Object.getPrototypeOf([][Symbol.iterator]()), "next", counting);
  patch(Object.getPrototypeOf(new Map().values()), "next", counting);
  patch(Object.getPrototypeOf(function* () {}).prototype, "next", counting);
  for (const key of ["call", "apply", "bind"]) patch(Function.prototype, key, counting);
  patch(Number, "isInteger", counting);
  patch(Number, "isSafeInteger", counting);
  patch(Number, "isFinite", counting);
  patch(Math, "min", counting);
  patch(Math, "max", counting);
  patch(Math, "ceil", counting);
  patch(Math, "floor", counting);
  patch(Math, "imul", counting);
  patch(Reflect, "apply", counting);
  patch(Object, "freeze", counting);
  patch(String.prototype, "startsWith", counting);
  // Indexed accessors on Array.prototype: a write to a hole of an ordinary array would run them.
  for (let i = 0; i < 8; i++) {
    defineProperty(Array.prototype, i, {
      configurable: true,
      get() {
        kernelCall();
        return undefined;
      },
      set(v: unknown) {
        kernelCall();
        defineProperty(this, i, {
          value: v,
          writable: true,
          configurable: true,
          enumerable: true,
        });
      },
    });
    undoPush(() => delete (Array.prototype as unknown as Record<number, unknown>)[i]);
  }
  // From here on, every call of a patched function is someone else's: the kernel's, the
  // machine's (or another environment's code, which never calls these either).
  armed = true;
  return () => {
    armed = false;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  };
}
