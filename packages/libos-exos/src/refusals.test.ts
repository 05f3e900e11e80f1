import { Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { Errno } from "./index.js";
import { world } from "./test/world.js";

describe("refusals across the API change nothing", () => {
  it("vm, shm, stride, sched and handler arguments", () => {
    const w = world();
    const a = w.spawn();
    const b = w.spawn();
    let done = false;
    a.sched.spawn(function* () {
      // vm
      expect(a.vm.clean(0x00900000)).toBe(Result.Invalid);
      expect(a.vm.setFaultHandler(42 as never)).toBe(Result.Invalid);
      expect(a.vm.setSegvHandler("x" as never)).toBe(Result.Invalid);
      expect(a.vm.map(Number.NaN, 1)).toBe(Result.Invalid);
      expect(a.vm.map(0x00100000, 1.5)).toBe(Result.Invalid);
      expect(a.vm.mapShared(0x00100000, -1, false)).toBeLessThan(0);
      expect(a.vm.pt.count()).toBe(0);
      // sched: directed yield to nobody, to itself
      expect(yield* a.sched.yieldTo(999)).toBe(Result.NoEnv);
      expect(yield* a.sched.yieldTo(a.env.id)).toBe(Result.Invalid);
      // shm
      expect(a.shm.close(7)).toBe(Errno.BadFd);
      expect(a.shm.peerCap(7)).toBe(Errno.BadFd);
      expect(a.shm.attach(4095, b.env.id)).toBeLessThan(0);
      const fd = a.shm.create(b.env.id);
      expect(fd).toBeGreaterThanOrEqual(0);
      expect(a.shm.close(fd)).toBe(Result.Ok);
      expect(a.shm.address(fd)).toBe(Errno.BadFd);
      expect(a.shm.close(fd)).toBe(Errno.BadFd);
      expect(a.shm.create(999)).toBe(Result.NoEnv);
      // stride
      expect(a.stride.attach(4095)).toBeLessThan(0);
      expect(a.stride.share(0x00900000, b.env.id)).toBe(Result.Invalid);
      // processes
      expect(a.proc.fork(1.5)).toBe(Result.Invalid);
      done = true;
    });
    w.runUntil(() => done);
    expect(w.aegis.deaths).toEqual([]);
    expect(done).toBe(true);
  });

  it("descriptors run out", () => {
    const w = world();
    const a = w.spawn();
    const b = w.spawn();
    let n = 0;
    for (;;) {
      const fd = a.shm.create(b.env.id);
      if (fd < 0) {
        expect(fd).toBe(Errno.TooManyFiles);
        break;
      }
      n++;
    }
    expect(n).toBe(64);
  });
});
