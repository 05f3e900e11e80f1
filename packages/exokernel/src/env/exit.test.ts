import { attributionBetween } from "@exolab/machine/privileged";
import { describe, expect, it } from "vitest";
import {
  CALLEE_SAVED,
  DeadEnvironmentError,
  ExcCode,
  Result,
  Resume,
  Rights,
  type Thread,
} from "../index.js";

import { TEST_COSTS } from "../test-costs.js";
import {
  Aegis,
  counted,
  envWithSaveArea,
  hostedEnv,
  hostileValues,
  SAVE_VA,
} from "../test-util.js";

/** An environment holding a mapped frame, a frame granted to `peer`, and a slice. */
function holdings(aegis: Aegis, name: string, peerId: number) {
  const env = envWithSaveArea(aegis, name);
  const cap = env.allocFrame();
  expect(env.tlbWrite(0x10000, cap, 1)).toBe(Result.Ok);
  const shared = env.allocFrame();
  const peerCap = env.grant(shared, peerId, Rights.Read);
  expect(peerCap).toBeGreaterThanOrEqual(0);
  const position = env.allocSlice();
  expect(position).toBeGreaterThanOrEqual(0);
  return { env, frame: env.frameOf(cap), peerCap, position };
}

describe("env.exit: an environment ends itself", () => {
  it("from its running code: everything is reclaimed, the code is unwound, others run on", () => {
    const aegis = new Aegis(counted());
    const peer = hostedEnv(aegis, "peer");
    const { env: a, frame, peerCap, position } = holdings(aegis, "a", peer.id);
    let after = false;
    let peerSteps = 0;
    a.onStartOfSlice(function* (): Thread {
      a.cpu.store32(0x10000, 99);
      yield* a.safepoint();
      a.exit(7);
      after = true; // never reached
    });
    peer.onStartOfSlice(function* (): Thread {
      for (;;) {
        peer.cpu.exec(TEST_COSTS["test.peer"], 1000);
        peerSteps++;
        yield* peer.safepoint();
      }
    });
    peer.allocSlice();
    aegis.run({ untilCycle: 3 * aegis.policy.sliceCycles });
    expect(after).toBe(false);
    expect(a.alive).toBe(false);
    expect(aegis.deaths).toEqual([
      expect.objectContaining({ envId: a.id, reason: "exit(7)", exitStatus: 7 }),
    ]);
    // Reclaimed: its frames, the mapping, the slice; the grant it made is stale.
    expect(aegis.frameOwners()[frame]).toBe(0);
    expect(aegis.peekStlb(0x10, a.asid)).toBe(-1);
    expect(aegis.machine.tlb.probe(0x10, a.asid)).toBe(-1);
    // The copy it granted was reclaimed with the frame: the name is stale, the slot free.
    expect(aegis.inspect(peer.id).caps.find((c) => c.name === peerCap)).toBeUndefined();
    expect(peer.frameOf(peerCap)).toBe(Result.Stale);
    expect(aegis.inspect(a.id).slices).toEqual([]);
    expect(peer.allocSlice(position)).toBe(position);
    // The run went on with the peer; afterwards every call of the exited env is Dead.
    expect(peerSteps).toBeGreaterThan(300);
    expect(a.nullSyscall()).toBe(Result.Dead);
    expect(a.exit(0)).toBe(Result.Dead);
  });

  it("from an exception handler: the faulting access never completes", () => {
    const aegis = new Aegis(counted());
    const a = envWithSaveArea(aegis, "a");
    let resumed = false;
    let handled = 0;
    a.setHandler(
      ExcCode.Ov,
      (env) => {
        handled++;
        env.exit(136);
        return Resume.Retry; // never reached
      },
      SAVE_VA,
    );
    a.onStartOfSlice(function* (): Thread {
      a.cpu.addTrapping(0x7fffffff, 1);
      resumed = true;
    });
    a.allocSlice();
    const r = aegis.run({ untilCycle: 2 * aegis.policy.sliceCycles });
    expect(handled).toBe(1);
    expect(resumed).toBe(false);
    expect(a.alive).toBe(false);
    expect(aegis.deaths[0]).toMatchObject({ reason: "exit(136)", exitStatus: 136 });
    expect(r.outcome).toBe("idle");
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  });

  it("from a synchronous entry: its parked caller resumes with NoEnv", () => {
    const aegis = new Aegis(counted());
    const server = hostedEnv(aegis, "server");
    const client = hostedEnv(aegis, "client");
    server.setEntry("sync", function* (): Thread {
      server.cpu.exec(TEST_COSTS["test.serve"], 10);
      server.exit(1);
    });
    let got: number | undefined;
    client.onStartOfSlice(function* (): Thread {
      got = yield* client.pct(server.id, "sync");
    });
    client.allocSlice();
    aegis.run({ stopWhen: () => got !== undefined, untilCycle: aegis.policy.sliceCycles });
    expect(got).toBe(Result.NoEnv);
    expect(server.alive).toBe(false);
    expect(client.alive).toBe(true);
    expect(aegis.inspect(client.id).parkedOn).toBe(0);
  });

  it("from a revocation handler: the upcall ends and the env is gone", () => {
    const aegis = new Aegis(counted());
    const a = hostedEnv(aegis, "a");
    const cap = a.allocFrame();
    const frame = a.frameOf(cap);
    a.onRevoke(() => {
      a.exit(3);
    });
    aegis.revokeFrames(a.id, 1);
    expect(a.alive).toBe(false);
    expect(aegis.deaths).toEqual([expect.objectContaining({ reason: "exit(3)", exitStatus: 3 })]);
    expect(aegis.frameOwners()[frame]).toBe(0);
  });

  it("in a host window: the window ends with DeadEnvironmentError, the env is gone", () => {
    const aegis = new Aegis(counted());
    const a = hostedEnv(aegis);
    const cap = a.allocFrame();
    const frame = a.frameOf(cap);
    expect(() => a.exit(-1)).toThrow(DeadEnvironmentError);
    expect(a.alive).toBe(false);
    expect(aegis.deaths[0]).toMatchObject({ reason: "exit(-1)", exitStatus: -1 });
    expect(aegis.frameOwners()[frame]).toBe(0);
    expect(aegis.machine.cpu.exceptionDepth).toBe(0);
  });

  it("refusals change nothing: ill-typed status, another environment running", () => {
    const aegis = new Aegis(counted());
    const a = hostedEnv(aegis, "a");
    const b = hostedEnv(aegis, "b");
    const cap = a.allocFrame();
    const { values, reads } = hostileValues();
    const before = aegis.machine.now;
    for (const v of values) expect(a.exit(v as number)).toBe(Result.Invalid);
    expect(reads()).toBe(0);
    expect(aegis.machine.now).toBe(before);
    expect(a.alive).toBe(true);
    let fromB: number | undefined;
    b.onStartOfSlice(function* (): Thread {
      fromB = a.handle.exit(0);
    });
    b.allocSlice();
    aegis.run({ stopWhen: () => fromB !== undefined, untilCycle: aegis.policy.sliceCycles });
    expect(fromB).toBe(Result.Refused);
    expect(a.alive).toBe(true);
    expect(a.frameOf(cap)).toBeGreaterThan(0);
    expect(aegis.deaths).toEqual([]);
  });

  it("costs stub 3 + entry 3 + crossing 17 + 4 saves + stack 8 + exit 3 + destroy 40 = 78", () => {
    const aegis = new Aegis(counted());
    const a = hostedEnv(aegis, "a");
    const before = aegis.snapshot();
    expect(() => a.exit(0)).toThrow(DeadEnvironmentError);
    const r = attributionBetween(aegis.machine.accounting, before, aegis.snapshot());
    // An env with nothing to reclaim: no unbind, no frame release. No return path (no rfe,
    // no restores): the code that called is unwound.
    expect(r.totalCycles).toBe(78);
    expect(r.byCategory).toMatchObject({ user: 3, trapEntry: 3, kernel: 68, regSave: 4 });
    expect(r.labels.find((l) => l.label === "aegis.sys.exit")?.cycles).toBe(3);
  });
});

describe("unprivileged re-exports", () => {
  it("CALLEE_SAVED names s0..s7, gp, sp, fp, ra", () => {
    expect([...CALLEE_SAVED]).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 28, 29, 30, 31]);
    expect(Object.isFrozen(CALLEE_SAVED)).toBe(true);
  });
});
