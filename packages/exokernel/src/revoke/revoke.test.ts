import { describe, expect, it } from "vitest";
import { Result, type RevokeRequest, type Thread } from "../index.js";
import { Aegis } from "../kernel.js";
import { TEST_COSTS } from "../test-costs.js";
import { hostedEnv } from "../test-util.js";

describe("visible revocation and the abort protocol", () => {
  it("a compliant env is told which frames and frees them: nothing is repossessed", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const caps = [a.allocFrame(), a.allocFrame(), a.allocFrame()];
    const requests: RevokeRequest[] = [];
    a.onRevoke((req) => {
      requests.push(req);
      if (req.kind !== "frames") return;
      for (const f of req.frames) {
        const cap = caps.find((c) => a.frameOf(c) === f)!;
        expect(a.freeFrame(cap)).toBe(Result.Ok);
      }
    });
    const req = aegis.revokeFrames(a.id, 2);
    expect(req.kind).toBe("frames");
    expect(requests).toEqual([req]);
    expect(aegis.inspect(a.id).frames.length).toBe(1);
    aegis.run({ untilCycle: 4 * aegis.policy.sliceCycles });
    expect(a.repossessed()).toEqual([]);
    expect(aegis.stats.framesRepossessed).toBe(0);
  });

  it("a non-compliant env loses the frames at the deadline: mappings gone, caps stale, vector and upcall", () => {
    const aegis = new Aegis();
    const slice = aegis.policy.sliceCycles;
    const a = hostedEnv(aegis, "stubborn");
    const b = hostedEnv(aegis, "sharer");
    const cap = a.allocFrame();
    const frame = a.frameOf(cap);
    a.tlbWrite(0x10000, cap, 1);
    const shared = a.grant(cap, b.id, 1);
    b.tlbWrite(0x20000, shared, 0);
    const seen: RevokeRequest[] = [];
    a.onRevoke((req) => {
      seen.push(req); // ignores every request
    });
    let afterLoss = 0;
    a.onStartOfSlice(function* (): Thread {
      for (;;) {
        if (seen.some((r) => r.kind === "repossessed")) afterLoss = a.tlbWrite(0x10000, cap, 1);
        a.cpu.exec(TEST_COSTS.w, 1000);
        yield* a.safepoint();
      }
    });
    a.allocSlice();
    const req = aegis.revokeFrames(a.id, 1, [frame]);
    expect(req.kind === "frames" && req.deadlineCycles).toBe(aegis.machine.now + 2 * slice);
    aegis.run({ untilCycle: 5 * slice });
    expect(a.repossessed()).toEqual([frame]);
    expect(seen.map((r) => r.kind)).toEqual(["frames", "repossessed"]);
    expect(afterLoss).toBe(Result.Stale);
    expect(a.frameOf(cap)).toBe(Result.Stale);
    expect(b.frameOf(shared)).toBe(Result.Stale);
    expect(aegis.peekStlb(0x10, a.asid)).toBe(-1);
    expect(aegis.peekStlb(0x20, b.asid)).toBe(-1);
    expect(aegis.machine.tlb.probe(0x20, b.asid)).toBe(-1);
    expect(aegis.frameOwners()[frame]).toBe(0);
    expect(a.alive).toBe(true);
  });

  it("a slice position can be revoked the same way", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    const p = a.allocSlice();
    a.onStartOfSlice(function* (): Thread {
      for (;;) {
        a.cpu.exec(TEST_COSTS.w, 1000);
        yield* a.safepoint();
      }
    });
    aegis.revokeSlice(a.id, p);
    aegis.run({ untilCycle: 4 * aegis.policy.sliceCycles });
    expect(aegis.inspect(a.id).slices).toEqual([]);
    expect(a.allocSlice(p)).toBe(p);
  });

  it("revocation arguments are checked (host API)", () => {
    const aegis = new Aegis();
    const a = hostedEnv(aegis);
    expect(() => aegis.revokeFrames(a.id, 1, [3])).toThrow(/not held/);
    expect(() => aegis.revokeFrames(a.id, 0)).toThrow(/count/);
    expect(() => aegis.revokeSlice(a.id, 0)).toThrow(/not held/);
  });
});
