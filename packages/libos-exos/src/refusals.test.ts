import { Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { Errno, type InlinePipe, PipeEnd, Prot } from "./index.js";
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

  it("pipes, aliases and windows", () => {
    const w = world();
    const a = w.spawn();
    const b = w.spawn();
    let done = false;
    a.sched.spawn(function* () {
      // pipes: a bad end, a bad capability, a ring whose size the creator scribbled
      expect(a.pipes.create(b.env.id, 7 as never)).toBe(Errno.BadFd);
      expect(a.pipes.attach(4095, b.env.id, PipeEnd.Read)).toBeLessThan(0);
      expect(a.pipes.create(999, PipeEnd.Write)).toBe(Result.NoEnv);
      const fd = a.pipes.create(b.env.id, PipeEnd.Write);
      expect(a.shm.address(fd)).toBe(Errno.BadFd); // a pipe is not a shm descriptor
      expect(yield* a.pipes.write(fd, 0x00100000, -4)).toBe(Result.Invalid);
      expect(yield* a.pipes.write(fd, 0x00100000, 1.5)).toBe(Result.Invalid);
      expect(yield* a.pipes.write(fd, 0x00100000, 0)).toBe(0);
      // vm: a writable protection on a read-only alias
      expect(a.vm.map(0x00100000, 1)).toBe(Result.Ok);
      expect(a.vm.alias(0x00200000, 0x00100000, Prot.Read)).toBe(Result.Ok);
      expect(a.vm.mprotect(0x00200000, 1, Prot.ReadWrite)).toBe(Result.Rights);
      expect(a.vm.mprotect(0x00200000, 1, Prot.Read)).toBe(Result.Ok);
      expect(a.vm.alias(0x00300000, 0x00100000, 5 as never)).toBe(Result.Invalid);
      // windows
      expect(a.windows.release(0x00100000)).toBe(Result.Invalid);
      expect(a.windows.release(0x7f000000)).toBe(Result.Invalid);
      // critical sections: leaving one never entered changes nothing
      yield* a.sched.exitCritical();
      done = true;
    });
    w.runUntil(() => done);
    expect(w.aegis.deaths).toEqual([]);
    expect(done).toBe(true);
  });

  it("a pipe whose creator wrote a bad ring size is refused at attach", () => {
    const w = world();
    const a = w.spawn();
    const b = w.spawn();
    const fd = a.pipes.create(b.env.id, PipeEnd.Write);
    const ring = (a.pipes.inline(fd) as InlinePipe).ring;
    a.env.cpu.store32(ring + 16, 3000); // not a power of two
    const before = b.vm.pt.count();
    expect(b.pipes.attach(a.pipes.peerCap(fd), a.env.id, PipeEnd.Read)).toBe(Result.Invalid);
    expect(b.vm.pt.count()).toBe(before);
  });

  it("a peer that sends the name of one of our own capabilities cannot make us map, free or drop it", () => {
    const w = world();
    const a = w.spawn();
    const b = w.spawn();
    const frames = w.aegis.inspect(b.env.id).frames.length;
    const entries = b.vm.pt.count();
    // Capability 0 of b's list names its globals page (the first page it allocated), 1 the
    // first page of its page table: "shared pages" that would let it scribble its library.
    expect(b.shm.attach(0, a.env.id)).toBe(Result.Busy);
    expect(b.pipes.attach(1, a.env.id, PipeEnd.Read)).toBe(Result.Busy);
    expect(b.stride.attach(1)).toBe(Result.Busy);
    expect(b.vm.pt.count()).toBe(entries);
    // A name of one of its own application frames maps that frame (harmless) and closing
    // the window neither frees nor drops it.
    expect(b.vm.map(0x00100000, 1)).toBe(Result.Ok);
    expect(b.vm.share(0x00100000, a.env.id, true)).toBeGreaterThanOrEqual(0);
    const own = w.aegis.inspect(b.env.id).caps.length - 1;
    const fb = b.shm.attach(own, a.env.id);
    expect(fb).toBeGreaterThanOrEqual(0);
    expect(b.shm.close(fb)).toBe(Result.Ok);
    expect(w.aegis.inspect(b.env.id).frames.length).toBe(frames + 1);
    let pid = -1;
    // biome-ignore lint/correctness/useYield: a thread body that never blocks
    b.sched.spawn(function* () {
      pid = b.proc.getpid();
    });
    w.runUntil(() => pid !== -1);
    expect(pid).toBe(b.env.id);
    expect(w.aegis.deaths).toEqual([]);
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
