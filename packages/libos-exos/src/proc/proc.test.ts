import { PAGE_BYTES, Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import type { ExosApi } from "../index.js";
import { world } from "../test/world.js";

const BASE = 0x00100000;

/** Runs `body` as a thread of `os` to completion. */
function phase(w: ReturnType<typeof world>, os: ExosApi, body: () => void): void {
  let done = false;
  // biome-ignore lint/correctness/useYield: a thread body that never blocks
  os.sched.spawn(function* () {
    body();
    done = true;
  });
  w.runUntil(() => done);
  expect(w.aegis.deaths).toEqual([]);
  expect(done).toBe(true);
}

describe("process calls answered in the library", () => {
  it("getpid and getppid", () => {
    const w = world();
    const os = w.spawn();
    phase(w, os, () => {
      expect(os.proc.getpid()).toBe(os.env.id);
      expect(os.proc.getppid()).toBe(0);
    });
  });
});

describe("copy-on-write fork", () => {
  it("parent and child each see their own writes after fork", () => {
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    let image = -1;
    phase(w, parent, () => {
      const cpu = parent.env.cpu;
      expect(parent.vm.map(BASE, 4)).toBe(Result.Ok);
      for (let i = 0; i < 3; i++) cpu.store32(BASE + i * PAGE_BYTES, 11 * (i + 1));
      expect(parent.proc.fork(parent.env.id)).toBe(Result.Invalid);
      image = parent.proc.fork(child.env.id);
      expect(image).toBeGreaterThanOrEqual(0);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      expect(child.proc.getppid()).toBe(parent.env.id);
      expect([0, 1, 2, 3].map((i) => cpu.load32(BASE + i * PAGE_BYTES))).toEqual([11, 22, 33, 0]);
      cpu.store32(BASE, 111);
      expect(cpu.load32(BASE)).toBe(111);
      cpu.store32(BASE + 3 * PAGE_BYTES, 444);
      expect(child.proc.acceptFork(image)).toBe(Result.Busy);
      expect(child.vm.dirty(BASE)).toBe(1);
      expect(child.vm.dirty(BASE + PAGE_BYTES)).toBe(0);
    });
    phase(w, parent, () => {
      const cpu = parent.env.cpu;
      expect(cpu.load32(BASE)).toBe(11);
      cpu.store32(BASE + PAGE_BYTES, 222);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(222);
      expect(cpu.load32(BASE + 3 * PAGE_BYTES)).toBe(0);
      expect(parent.proc.releaseForkImage()).toBe(Result.Ok);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(cpu.load32(BASE)).toBe(111);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(22);
      expect(cpu.load32(BASE + 2 * PAGE_BYTES)).toBe(33);
      expect(cpu.load32(BASE + 3 * PAGE_BYTES)).toBe(444);
    });
    expect(child.vm.stats.cowCopies).toBe(1);
    expect(parent.vm.stats.cowCopies).toBe(1);
    // The child holds only read rights to the parent's frames.
    const caps = w.aegis.inspect(child.env).caps;
    const parentFrames = new Set(w.aegis.inspect(parent.env).frames);
    for (const c of caps) if (parentFrames.has(c.frame)) expect(c.rights & 2).toBe(0);
  });

  it("forks a table larger than one image page", () => {
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    const PAGES = 700; // two image pages (512 entries each)
    let image = -1;
    phase(w, parent, () => {
      const cpu = parent.env.cpu;
      expect(parent.vm.map(BASE, PAGES)).toBe(Result.Ok);
      for (let i = 0; i < PAGES; i += 97) cpu.store32(BASE + i * PAGE_BYTES, i + 1);
      image = parent.proc.fork(child.env.id);
      expect(image).toBeGreaterThanOrEqual(0);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      expect(child.vm.pt.count()).toBe(PAGES);
      for (let i = 0; i < PAGES; i += 97) expect(cpu.load32(BASE + i * PAGE_BYTES)).toBe(i + 1);
      expect(cpu.load32(BASE + 5 * PAGE_BYTES)).toBe(0);
      cpu.store32(BASE + 97 * PAGE_BYTES, 5);
    });
    phase(w, parent, () => {
      expect(parent.env.cpu.load32(BASE + 97 * PAGE_BYTES)).toBe(98);
    });
  });

  it("refuses a bad image", () => {
    const w = world();
    const os = w.spawn();
    phase(w, os, () => {
      expect(os.proc.acceptFork(12345)).toBeLessThan(0);
      expect(os.vm.pt.count()).toBe(0);
    });
  });
});
