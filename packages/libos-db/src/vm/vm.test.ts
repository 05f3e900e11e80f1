import { PAGE_BYTES, Reg, Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { type LibOsApi, layout, PolicyError } from "../index.js";
import { world } from "../test/world.js";
import { FaultExit } from "./vm.js";

const BASE = layout.APP_BASE;

/** Runs `body` as a thread of a fresh process; returns the world once the thread is done. */
function inThread(body: (os: LibOsApi) => void) {
  const w = world({ machineConfig: { seed: 1 } });
  const os = w.spawn();
  let done = false;
  // biome-ignore lint/correctness/useYield: a thread that never blocks
  os.sched.spawn(function* () {
    body(os);
    done = true;
  });
  w.runUntil(() => done);
  return { w, os, done };
}

describe("demand-zero pages through the library's page table", () => {
  it("the first touch of a mapped page gets a zeroed frame; later touches do not fault", () => {
    const { w, os, done } = inThread((os) => {
      const cpu = os.env.cpu;
      expect(os.vm.map(BASE, 4)).toBe(Result.Ok);
      expect(cpu.load32(BASE + 8)).toBe(0);
      cpu.store32(BASE + 8, 1234);
      expect(cpu.load32(BASE + 8)).toBe(1234);
      cpu.store32(BASE + 3 * PAGE_BYTES, 7);
    });
    expect(done).toBe(true);
    expect(os.vm.stats).toEqual({ refills: 2, zeroFills: 2 });
    expect(w.aegis.deaths).toEqual([]);
  });

  it("a refill leaves every register of the interrupted code as it was (v0 and a0..a2 included)", () => {
    // The handler makes two system calls (allocFrame, tlbWrite) whose stubs load v0 and
    // a0..a2; the kernel hands it EPC, BadVAddr and Cause in t0..t2. None of it may show.
    const seen: number[] = [];
    const expected: number[] = [];
    const { w, done } = inThread((os) => {
      const cpu = os.env.cpu;
      expect(os.vm.map(BASE, 2)).toBe(Result.Ok);
      for (let r = 1; r <= 33; r++) cpu.setReg(r, 0x1000 * r + 7);
      for (let r = 1; r <= 33; r++) expected.push(cpu.reg(r));
      cpu.store32(BASE + PAGE_BYTES + 4, 99); // a refill upcall: allocFrame, tlbWrite
      for (let r = 1; r <= 33; r++) seen.push(cpu.reg(r));
    });
    expect(done).toBe(true);
    expect(w.aegis.deaths).toEqual([]);
    const names = (xs: number[]) => xs.map((v, i) => `r${i + 1}=${v}`);
    expect(names(seen)).toEqual(names(expected));
    expect(seen[Reg.v0 - 1]).toBe(0x1000 * Reg.v0 + 7);
  });

  it("a touch outside every mapping ends the process with exit(139); another process runs on", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const bad = w.spawn();
    const good = w.spawn();
    let after = false;
    let goodDone = false;
    // biome-ignore lint/correctness/useYield: a thread that never blocks
    bad.sched.spawn(function* () {
      bad.env.cpu.load32(BASE + 16 * PAGE_BYTES); // not mapped
      after = true;
    });
    good.sched.spawn(function* () {
      expect(good.vm.map(BASE, 1)).toBe(Result.Ok);
      good.env.cpu.store32(BASE, 5);
      yield* good.sched.safepoint();
      goodDone = good.env.cpu.load32(BASE) === 5;
    });
    w.runUntil(() => goodDone);
    expect(after).toBe(false);
    expect(goodDone).toBe(true);
    expect(w.aegis.deaths.map((d) => [d.envId, d.exitStatus])).toEqual([
      [bad.env.id, FaultExit.Segv],
    ]);
  });
});

describe("map and unmap", () => {
  it("refuse a bad range before changing anything", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const os = w.spawn();
    expect(os.vm.map(BASE + 4, 1)).toBe(Result.Invalid); // unaligned
    expect(os.vm.map(BASE - PAGE_BYTES, 1)).toBe(Result.Invalid); // below the region
    expect(os.vm.map(BASE, 0)).toBe(Result.Invalid);
    expect(os.vm.map(BASE, os.policy.pages + 1)).toBe(Result.Invalid);
    expect(os.vm.map(BASE + PAGE_BYTES, 1)).toBe(Result.Ok);
    // Overlapping a mapped page: Busy, and the first page stays unmapped.
    expect(os.vm.map(BASE, 2)).toBe(Result.Busy);
    expect(os.vm.map(BASE, 1)).toBe(Result.Ok);
    expect(os.vm.unmap(BASE + 3, 1)).toBe(Result.Invalid);
  });

  it("unmap frees the frames; a touch after it ends the process", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const os = w.spawn();
    const frames = () => w.aegis.inspect(os.env.id).frames.length;
    const counts: number[] = [];
    let phase = 0;
    os.sched.spawn(function* () {
      expect(os.vm.map(BASE, 3)).toBe(Result.Ok);
      counts.push(frames());
      for (let p = 0; p < 3; p++) os.env.cpu.store32(BASE + p * PAGE_BYTES, p);
      counts.push(frames());
      yield* os.sched.safepoint();
      expect(os.vm.unmap(BASE, 3)).toBe(Result.Ok);
      counts.push(frames());
      phase = 1;
      os.env.cpu.load32(BASE);
      phase = 2;
    });
    w.runUntil(() => phase >= 1);
    expect(phase).toBe(1);
    expect([counts[1]! - counts[0]!, counts[2]! - counts[0]!]).toEqual([3, 0]);
    expect(w.aegis.deaths.map((d) => d.exitStatus)).toEqual([FaultExit.Segv]);
  });
});

describe("the policy", () => {
  it("an unknown field or a value out of range is refused at boot, naming it", () => {
    const w = world();
    expect(() => w.spawn({ policy: { pagez: 10 } as never })).toThrow(PolicyError);
    expect(() => w.spawn({ policy: { pages: 8 } })).toThrow(/pages must be an integer in \[16/);
    expect(() => w.spawn({ policy: { maxThreads: 1.5 } })).toThrow(/maxThreads/);
    expect(w.spawn({ policy: { pages: 4096 } }).policy.pages).toBe(4096);
  });
});
