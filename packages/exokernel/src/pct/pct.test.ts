import { describe, expect, it } from "vitest";
import { ExcCode, Reg, Result, Resume, type Thread } from "../index.js";
import { Aegis } from "../kernel.js";
import { TEST_COSTS } from "../test-costs.js";
import { envWithSaveArea, hostedEnv, SAVE_VA } from "../test-util.js";

describe("protected control transfer", () => {
  it("sync call and reply: registers are the message, the ASID changes, the entry restarts per call", () => {
    const aegis = new Aegis();
    const client = hostedEnv(aegis, "client");
    const server = hostedEnv(aegis, "server");
    const seen: number[] = [];
    let entries = 0;
    server.setEntry("sync", function* (caller: number): Thread {
      entries++;
      seen.push(aegis.machine.cpu.asid);
      const cpu = server.cpu;
      cpu.setReg(Reg.s0, cpu.reg(Reg.a0) * 2 + cpu.reg(Reg.t5));
      yield* server.pct(caller, "sync");
      seen.push(-1); // resumed later, when the server next gets the CPU
    });
    const results: number[] = [];
    client.onStartOfSlice(function* (): Thread {
      for (let i = 1; i <= 3; i++) {
        client.cpu.setReg(Reg.a0, i);
        client.cpu.setReg(Reg.t5, 100);
        const r = yield* client.pct(server.id, "sync");
        expect(r).toBe(Result.Ok);
        results.push(client.cpu.reg(Reg.s0));
        seen.push(aegis.machine.cpu.asid);
      }
    });
    client.allocSlice();
    aegis.run({ stopWhen: () => results.length === 3 });
    expect(results).toEqual([102, 104, 106]);
    expect(entries).toBe(3);
    expect(seen).toEqual([
      server.asid,
      client.asid,
      server.asid,
      client.asid,
      server.asid,
      client.asid,
    ]);
    expect(aegis.stats.pcts).toBe(6);
  });

  it("a call to a parked env, or to one still serving, is Busy; to itself Invalid; to nobody NoEnv", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const c = hostedEnv(aegis, "c");
    const out: Record<string, number> = {};
    c.setEntry("sync", function* (caller: number): Thread {
      // a is parked on b, b is parked on c.
      out.toParked = yield* c.pct(a.id, "sync");
      out.toParkedAsync = yield* c.pct(a.id, "async");
      out.self = yield* c.pct(c.id, "sync");
      out.nobody = yield* c.pct(77, "sync");
      yield* c.pct(caller, "sync");
    });
    b.setEntry("sync", function* (caller: number): Thread {
      yield* b.pct(c.id, "sync");
      yield* b.pct(caller, "sync");
    });
    a.onStartOfSlice(function* (): Thread {
      out.call = yield* a.pct(b.id, "sync");
      out.noEntry = yield* a.pct(a.id === 1 ? 3 : 1, "async");
    });
    a.allocSlice();
    aegis.run({ stopWhen: () => "noEntry" in out });
    expect(out).toEqual({
      toParked: Result.Busy,
      toParkedAsync: Result.Busy,
      self: Result.Invalid,
      nobody: Result.NoEnv,
      call: Result.Ok,
      noEntry: Result.Refused,
    });
  });

  it("a transfer from a synchronous handler is refused", () => {
    const aegis = new Aegis();
    const a = envWithSaveArea(aegis, "a");
    const b = hostedEnv(aegis, "b");
    b.setEntry("sync", function* (): Thread {});
    let fromHandler = 0;
    let fromEos = 0;
    a.setHandler(
      ExcCode.Ov,
      () => {
        const g = a.pct(b.id, "sync");
        fromHandler = g.next().value as number;
        a.cpu.setReg(Reg.v0, 0);
        return Resume.Emulated;
      },
      SAVE_VA,
    );
    a.onEndOfSlice(() => {
      fromEos = a.yieldTo(b.id).next().value as number;
    });
    a.onStartOfSlice(function* (): Thread {
      a.cpu.addTrapping(0x7fffffff, 1);
      for (;;) {
        a.cpu.exec(TEST_COSTS.w, 1000);
        yield* a.safepoint();
      }
    });
    a.allocSlice();
    aegis.run({ untilCycle: aegis.policy.sliceCycles + 2000 });
    expect(fromHandler).toBe(Result.Refused);
    expect(fromEos).toBe(Result.Refused);
    expect(aegis.inspect(a.id).parkedOn).toBe(0);
    expect(a.alive).toBe(true);
  });

  it("a callee destroyed while its caller is parked: the caller resumes with NoEnv", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    b.setEntry("sync", function* (): Thread {
      for (;;) b.cpu.exec(TEST_COSTS.spin, 10_000); // never replies, never yields
    });
    let r = 0;
    a.onStartOfSlice(function* (): Thread {
      r = yield* a.pct(b.id, "sync");
    });
    a.allocSlice();
    aegis.run({ stopWhen: () => r !== 0, untilCycle: 20 * aegis.policy.sliceCycles });
    expect(b.alive).toBe(false);
    expect(r).toBe(Result.NoEnv);
  });

  it("an entry that ends without replying resumes its caller with Fault", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    b.setEntry("sync", function* (): Thread {
      b.cpu.exec(TEST_COSTS.w, 5);
    });
    let r = 0;
    a.onStartOfSlice(function* (): Thread {
      r = yield* a.pct(b.id, "sync");
    });
    a.allocSlice();
    aegis.run({ stopWhen: () => r !== 0 });
    expect(r).toBe(Result.Fault);
  });

  it("async transfer: the callee gets the rest of the slice, the caller continues at its next turn", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const trace: string[] = [];
    b.setEntry("async", function* (caller: number): Thread {
      trace.push(`b from ${caller} a0=${b.cpu.reg(Reg.a0)}`);
    });
    a.onStartOfSlice(function* (): Thread {
      a.cpu.setReg(Reg.a0, 5);
      const r = yield* a.pct(b.id, "async");
      trace.push(`a back ${r}`);
    });
    a.allocSlice();
    aegis.run({ stopWhen: () => trace.length === 2 });
    expect(trace).toEqual([`b from ${a.id} a0=5`, "a back 0"]);
  });

  it("donation: a caller's future slices go down the chain to its callee", () => {
    const aegis = new Aegis();
    const slice = aegis.policy.sliceCycles;
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    let bWork = 0;
    b.setEntry("sync", function* (caller: number): Thread {
      for (let i = 0; i < 3000; i++) {
        b.cpu.exec(TEST_COSTS.w, 1000);
        bWork++;
        yield* b.safepoint();
      }
      yield* b.pct(caller, "sync");
    });
    let done = false;
    a.onStartOfSlice(function* (): Thread {
      yield* a.pct(b.id, "sync");
      done = true;
    });
    a.allocSlice(); // b holds no slice of its own
    aegis.run({ stopWhen: () => done, untilCycle: 20 * slice });
    expect(done).toBe(true);
    expect(bWork).toBe(3000);
    expect(aegis.machine.now).toBeGreaterThan(7 * slice);
  });
});
