import { describe, expect, it } from "vitest";
import { Errno, type ProcessHandle, SIG, sigmask } from "../src/index.js";
import { boot } from "./helpers.js";

const page = (h: ProcessHandle) => Math.ceil(h.heapBase / 4096) * 4096;

describe("asynchronous signals", () => {
  it("a runnable (preempted) process gets its signal when it is switched back in", () => {
    const k = boot();
    const got: number[] = [];
    let victim = 0;
    k.spawn("victim", function* (h) {
      victim = h.pid;
      h.signal(SIG.USR1, (s) => got.push(s));
      for (let i = 0; i < 3; i++) {
        k.machine.requestSwitch();
        yield* h.safepoint();
      }
    });
    k.spawn("killer", function* (h) {
      expect(h.kill(victim, SIG.USR1)).toBe(0);
      expect(got).toEqual([]);
    });
    k.run();
    expect(got).toEqual([SIG.USR1]);
  });

  it("SIGCHLD reaches a parent that catches it; a handler may exit the process", () => {
    const k = boot();
    let chld = 0;
    let status = -1;
    k.spawn("grandparent", function* (h) {
      const sv = page(h);
      h.fork(function* (p) {
        p.signal(SIG.CHLD, (_s, _c, _scp, self) => {
          chld++;
          self.exit(7);
        });
        p.fork(function* () {});
        const fds = page(p) + 64;
        p.pipe(fds);
        yield* p.read(p.cpu.load32(fds), fds + 16, 4); // interrupted by SIGCHLD
        throw new Error("not reached");
      });
      yield* h.wait(sv);
      status = h.cpu.load32(sv);
    });
    k.run();
    expect(chld).toBe(1);
    expect(status).toBe(7 << 8);
    expect(k.stats().liveProcesses).toBe(0);
    expect(k.stats().zombies).toBe(0);
  });

  it("SIGKILL ends a process blocked in sigpause; a blocked signal stays pending", () => {
    const k = boot();
    let st = -1;
    k.spawn("parent", function* (h) {
      const fds = page(h);
      h.pipe(fds);
      const c = h.fork(function* (c) {
        c.sigblock(sigmask(SIG.USR1));
        yield* c.write(c.cpu.load32(fds + 4), fds, 4);
        yield* c.sigpause(sigmask(SIG.USR1));
      });
      yield* h.read(h.cpu.load32(fds), fds + 32, 4);
      expect(h.kill(c, SIG.USR1)).toBe(0); // blocked during sigpause: stays pending
      expect(h.kill(c, SIG.KILL)).toBe(0);
      yield* h.wait(fds + 40);
      st = h.cpu.load32(fds + 40);
    });
    k.run();
    expect(st).toBe(SIG.KILL);
  });

  it("a pending unblocked signal makes sigpause return EINTR at once", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      let n = 0;
      h.signal(SIG.USR2, () => {
        n++;
      });
      h.sigblock(sigmask(SIG.USR2));
      h.kill(h.pid, SIG.USR2);
      expect(n).toBe(0);
      expect(yield* h.sigpause(0)).toBe(-Errno.EINTR);
      expect(n).toBe(1);
      expect(h.sigblock(0)).toBe(sigmask(SIG.USR2));
    });
    k.run();
  });
});
