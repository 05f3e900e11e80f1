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

describe("pages through the inverted page table", () => {
  it("a mapped page reads zero; its first load refills, its first store sets dirty", () => {
    const { w, os, done } = inThread((os) => {
      const cpu = os.env.cpu;
      expect(os.vm.map(BASE, 4)).toBe(Result.Ok);
      expect(cpu.load32(BASE + 8)).toBe(0);
      cpu.store32(BASE + 8, 1234);
      expect(cpu.load32(BASE + 8)).toBe(1234);
      cpu.store32(BASE + 3 * PAGE_BYTES, 7);
    });
    expect(done).toBe(true);
    // Load refill, then the store's TLB-modify (installed read-only until dirty); page 3's
    // first access is a store: one refill that sets dirty and installs it writable.
    expect(os.vm.stats).toEqual({ refills: 2, modifies: 1, protectionFaults: 0 });
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
    expect(os.vm.map(layout.MAPPED_END - PAGE_BYTES, 2)).toBe(Result.Invalid);
    expect(os.vm.map(BASE + PAGE_BYTES, 1)).toBe(Result.Ok);
    // Overlapping a mapped page: Busy, and the first page stays unmapped.
    expect(os.vm.map(BASE, 2)).toBe(Result.Busy);
    expect(os.vm.map(BASE, 1)).toBe(Result.Ok);
    expect(os.vm.unmap(BASE + 3, 1)).toBe(Result.Invalid);
  });

  it("map takes frames at once, unmap frees them; a touch after it ends the process", () => {
    const w = world({ machineConfig: { seed: 1 } });
    const os = w.spawn();
    const frames = () => w.aegis.inspect(os.env.id).frames.length;
    const counts: number[] = [];
    let phase = 0;
    os.sched.spawn(function* () {
      counts.push(frames());
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
    // map takes the frames at once (an inverted table holds only resident pages).
    expect([counts[1]! - counts[0]!, counts[2]! - counts[0]!, counts[3]! - counts[0]!]).toEqual([
      3, 3, 0,
    ]);
    expect(w.aegis.deaths.map((d) => d.exitStatus)).toEqual([FaultExit.Segv]);
  });
});

describe("the policy", () => {
  it("an unknown field or a value out of range is refused at boot, naming it", () => {
    const w = world();
    expect(() => w.spawn({ policy: { pagez: 10 } as never })).toThrow(PolicyError);
    expect(() => w.spawn({ policy: { frames: 8 } })).toThrow(/frames must be an integer in \[16/);
    expect(() => w.spawn({ policy: { iptBuckets: 100 } })).toThrow(/power of two/);
    expect(() => w.spawn({ policy: { maxThreads: 1.5 } })).toThrow(/maxThreads/);
    expect(w.spawn({ policy: { frames: 2048 } }).policy.frames).toBe(2048);
  });
});

describe("the Appel–Li primitives on the inverted table", () => {
  it("dirty reports the first store; clean resets it; an unmapped page is Invalid", () => {
    const { done } = inThread((os) => {
      const cpu = os.env.cpu;
      expect(os.vm.map(BASE, 2)).toBe(Result.Ok);
      expect(os.vm.dirty(BASE)).toBe(0);
      cpu.load32(BASE);
      expect(os.vm.dirty(BASE)).toBe(0);
      cpu.store32(BASE, 1);
      expect(os.vm.dirty(BASE)).toBe(1);
      expect(os.vm.dirty(BASE + PAGE_BYTES)).toBe(0);
      expect(os.vm.clean(BASE)).toBe(Result.Ok);
      expect(os.vm.dirty(BASE)).toBe(0);
      cpu.store32(BASE + 4, 2);
      expect(os.vm.dirty(BASE)).toBe(1);
      expect(os.vm.dirty(BASE + 4 * PAGE_BYTES)).toBe(Result.Invalid);
    });
    expect(done).toBe(true);
  });

  it("protect traps at user level; the handler unprotects and the access completes", () => {
    const faults: [number, boolean][] = [];
    const { os, done, w } = inThread((os) => {
      const cpu = os.env.cpu;
      expect(os.vm.map(BASE, 8)).toBe(Result.Ok);
      for (let p = 0; p < 8; p++) cpu.store32(BASE + p * PAGE_BYTES, p + 10);
      os.vm.setFaultHandler((va, write) => {
        faults.push([va, write]);
        expect(os.vm.unprotectRange(va & ~(PAGE_BYTES - 1), 1)).toBe(Result.Ok);
      });
      expect(os.vm.protectRange(BASE, 8)).toBe(Result.Ok);
      expect(cpu.load32(BASE + 3 * PAGE_BYTES)).toBe(13);
      expect(os.vm.protect1(BASE + 5 * PAGE_BYTES)).toBe(Result.Ok);
      cpu.store32(BASE + 5 * PAGE_BYTES + 8, 99);
      expect(cpu.load32(BASE + 5 * PAGE_BYTES + 8)).toBe(99);
      expect(os.vm.unprotectRange(BASE, 8)).toBe(Result.Ok);
      for (let p = 0; p < 8; p++) expect(cpu.load32(BASE + p * PAGE_BYTES)).toBe(p + 10);
    });
    expect(done).toBe(true);
    expect(w.aegis.deaths).toEqual([]);
    expect(faults).toEqual([
      [BASE + 3 * PAGE_BYTES, false],
      [BASE + 5 * PAGE_BYTES + 8, true],
    ]);
    expect(os.vm.stats.protectionFaults).toBe(2);
  });

  it("a range with an unmapped page is refused and no page changes", () => {
    const { done } = inThread((os) => {
      const cpu = os.env.cpu;
      expect(os.vm.map(BASE, 2)).toBe(Result.Ok);
      expect(os.vm.protectRange(BASE, 3)).toBe(Result.Invalid);
      expect(os.vm.protectRange(BASE, 0)).toBe(Result.Invalid);
      expect(os.vm.protect1(BASE + 1)).toBe(Result.Invalid);
      cpu.store32(BASE + PAGE_BYTES, 4); // still accessible: nothing was protected
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(4);
    });
    expect(done).toBe(true);
  });

  it("a protection fault without a handler ends the process (exit 139)", () => {
    const { w, done } = inThread((os) => {
      expect(os.vm.map(BASE, 1)).toBe(Result.Ok);
      expect(os.vm.protect1(BASE)).toBe(Result.Ok);
      os.env.cpu.load32(BASE);
    });
    expect(done).toBe(false);
    expect(w.aegis.deaths.map((d) => d.exitStatus)).toEqual([FaultExit.Segv]);
  });
});
