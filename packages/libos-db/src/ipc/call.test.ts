import { CALLEE_SAVED, Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { world } from "../test/world.js";

describe("calls by protected control transfer", () => {
  it("a call runs the server's procedure on the caller's time and returns its result", () => {
    const w = world({ machineConfig: { seed: 4 } });
    const client = w.spawn();
    const server = w.spawn({ passive: true });
    let served = 0;
    expect(
      server.calls.serve((x) => {
        served++;
        return x * 2 + 1;
      }),
    ).toBe(Result.Ok);
    const results: number[] = [];
    client.sched.spawn(function* () {
      for (const arg of [1, 20, -7]) results.push(yield* client.calls.call(server.env.id, arg));
    });
    w.runUntil(() => results.length === 3);
    expect(results).toEqual([3, 41, -13]);
    expect(client.calls.lastError).toBe(Result.Ok);
    expect(served).toBe(3);
    // A passive server holds no slice: it ran only on the client's.
    expect(w.aegis.inspect(server.env.id).slices).toEqual([]);
  });

  it("the caller's callee-saved registers survive a server that scribbles over them", () => {
    const w = world({ machineConfig: { seed: 4 } });
    const client = w.spawn();
    const server = w.spawn({ passive: true });
    server.calls.serve((x) => {
      for (const r of CALLEE_SAVED) server.env.cpu.setReg(r, 0xdead);
      return x;
    });
    let ok: boolean | null = null;
    client.sched.spawn(function* () {
      const cpu = client.env.cpu;
      for (const r of CALLEE_SAVED) cpu.setReg(r, 100 + r);
      expect(yield* client.calls.call(server.env.id, 5)).toBe(5);
      ok = CALLEE_SAVED.every((r) => cpu.reg(r) === 100 + r);
    });
    w.runUntil(() => ok !== null);
    expect(ok).toBe(true);
  });

  it("a call to no environment, or to one that stopped serving, fails with the kernel's result", () => {
    const w = world({ machineConfig: { seed: 4 } });
    const client = w.spawn();
    const server = w.spawn({ passive: true });
    server.calls.serve((x) => x);
    expect(server.calls.stop()).toBe(Result.Ok);
    const errors: number[] = [];
    client.sched.spawn(function* () {
      yield* client.calls.call(999, 1);
      errors.push(client.calls.lastError);
      yield* client.calls.call(server.env.id, 1);
      errors.push(client.calls.lastError);
    });
    w.runUntil(() => errors.length === 2);
    expect(errors).toEqual([Result.NoEnv, Result.Refused]);
  });
});
