import { PAGE_BYTES, Reg, Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { FaultAction, type InlinePipe, PipeEnd } from "./index.js";
import { TEST_COSTS, world } from "./test/world.js";

const DATA = 0x00100000;
const SECRET = 0x5ec2e7;

describe("a hostile second environment", () => {
  it("cannot read the first's pages, garbage calls and yield floods do not stop it", () => {
    const w = world({ policy: { sliceCycles: 20_000 } });
    const victim = w.spawn();
    const hostile = w.spawn();
    // The victim: a secret page, a counter it keeps incrementing, an LRPC server that
    // checks its argument.
    expect(victim.vm.map(DATA, 2)).toBe(Result.Ok);
    let served = 0;
    const vcpu = victim.env.cpu;
    victim.lrpc.serve((arg) => {
      if (arg !== 1) return -1;
      served++;
      return vcpu.load32(DATA + PAGE_BYTES);
    });
    let progress = 0;
    victim.sched.spawn(function* () {
      vcpu.store32(DATA, SECRET);
      for (;;) {
        vcpu.exec(TEST_COSTS["test.work"], 200);
        vcpu.store32(DATA + PAGE_BYTES, vcpu.load32(DATA + PAGE_BYTES) + 1);
        expect(vcpu.load32(DATA)).toBe(SECRET);
        progress++;
        yield* victim.sched.safepoint();
      }
    });
    const victimFrames = w.aegis.inspect(victim.env.id).frames;
    const refusals: number[] = [];
    let leaked = 0;
    let rounds = 0;
    hostile.vm.setSegvHandler(() => FaultAction.Emulate);
    hostile.sched.spawn(function* () {
      const env = hostile.env;
      const cpu = env.cpu;
      for (;;) {
        rounds++;
        // 1. Read the victim's addresses: they mean nothing here (segmentation faults).
        cpu.setReg(Reg.v0, 0);
        if (cpu.load32(DATA) === SECRET) leaked++;
        // 2. Name the victim's frames: by physical name, by guessed capability names.
        for (const f of victimFrames.slice(0, 4)) refusals.push(env.allocFrame(f));
        for (let slot = 0; slot < 8; slot++) {
          for (const gen of [0, 1]) {
            const r = env.tlbWrite(DATA, slot | (gen << 12), 0);
            if (r === Result.Ok) {
              // A cap of its own: whatever it maps is its own frame, never the secret.
              if (cpu.load32(DATA) === SECRET) leaked++;
              env.tlbDelete(DATA);
            } else refusals.push(r);
          }
        }
        refusals.push(env.grant(1 << 12, victim.env.id, 7));
        // 3. Call the victim's entry points with garbage registers.
        for (let r = 1; r < 32; r++) cpu.setReg(r, (r * 0x9e3779b1) | 0);
        refusals.push(yield* env.pct(victim.env.id, "async"));
        const r = yield* env.pct(victim.env.id, "sync");
        if (r === Result.Ok && cpu.reg(Reg.a0) === SECRET) leaked++;
        // 4. Flood it with directed yields.
        for (let i = 0; i < 20; i++) yield* env.yieldTo(victim.env.id);
        yield* hostile.sched.safepoint();
      }
    });
    w.aegis.run({ untilCycle: 200 * 20_000 });
    expect(victim.env.alive).toBe(true);
    expect(w.aegis.deaths.filter((d) => d.envId === victim.env.id)).toEqual([]);
    expect(leaked).toBe(0);
    expect(rounds).toBeGreaterThan(2);
    expect(progress).toBeGreaterThan(1000);
    expect(refusals.every((r) => r < 0)).toBe(true);
    expect(served).toBe(0);
    // The victim still answers a well-formed call from a friend.
    const friend = w.spawn();
    let answer = -2;
    friend.sched.spawn(function* () {
      answer = yield* friend.lrpc.call(victim.env.id, 1);
    });
    w.runUntil(() => answer !== -2);
    expect(answer).toBeGreaterThan(1000);
    expect(served).toBe(1);
  });

  it("a pipe peer that scribbles the shared ring header cannot make the victim overrun it", () => {
    const w = world();
    const victim = w.spawn();
    const hostile = w.spawn();
    const rd = victim.pipes.create(hostile.env.id, PipeEnd.Read);
    const next = victim.shm.create(hostile.env.id); // the window just after the ring
    const hw = hostile.pipes.attach(victim.pipes.peerCap(rd), victim.env.id, PipeEnd.Write);
    expect(hw).toBeGreaterThanOrEqual(0);
    expect(victim.vm.map(DATA, 2)).toBe(Result.Ok);
    const ringInHostile = (hostile.pipes.inline(hw) as InlinePipe).ring;
    let got = -99;
    let marker = 0;
    hostile.sched.spawn(function* () {
      const cpu = hostile.env.cpu;
      cpu.store32(ringInHostile + 16, 0x7fffffff); // size
      cpu.store32(ringInHostile + 0, 0xdeadbeef); // head
      cpu.store32(ringInHostile + 4, 3); // tail
      yield* hostile.sched.yieldTo(victim.env.id);
    });
    victim.sched.spawn(function* () {
      const cpu = victim.env.cpu;
      const va = victim.shm.address(next);
      cpu.store32(va, SECRET);
      got = yield* victim.pipes.read(rd, DATA, 2 * PAGE_BYTES);
      marker = cpu.load32(va);
    });
    w.runUntil(() => got !== -99);
    expect(w.aegis.deaths).toEqual([]);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(2048);
    expect(marker).toBe(SECRET);
  });

  it("a stride-group member that scribbles the group's member count cannot crash the others", () => {
    const SLICE = 20_000;
    const w = world({ policy: { sliceCycles: SLICE } });
    const victim = w.spawn();
    const hostile = w.spawn();
    const g = victim.stride.create();
    const hg = hostile.stride.attach(victim.stride.share(g, hostile.env.id));
    expect(typeof victim.stride.join(g, 1)).toBe("object");
    expect(typeof hostile.stride.join(hg, 1)).toBe("object");
    expect(victim.vm.map(DATA, 1)).toBe(Result.Ok);
    let progress = 0;
    victim.sched.spawn(function* () {
      for (;;) {
        victim.env.cpu.exec(TEST_COSTS["test.work"], 200);
        progress++;
        yield* victim.sched.safepoint();
      }
    });
    hostile.sched.spawn(function* () {
      for (;;) {
        hostile.env.cpu.store32(hg, 0x7fffffff); // member count
        hostile.env.cpu.exec(TEST_COSTS["test.work"], 200);
        yield* hostile.sched.safepoint();
      }
    });
    w.aegis.run({ untilCycle: 60 * SLICE });
    expect(w.aegis.deaths.filter((d) => d.envId === victim.env.id)).toEqual([]);
    expect(progress).toBeGreaterThan(500);
  });
});
