import { describe, expect, it } from "vitest";
import {
  Errno,
  HandlerBlockError,
  IPC_CREAT,
  IPC_EXCL,
  IPC_PRIVATE,
  IPC_RMID,
  NotRunningError,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  type ProcessHandle,
  SC,
  SC_MAGIC,
  SHM_RDONLY,
  SIG,
  SIG_IGN,
  SIGCONTEXT_BYTES,
  SYS,
  sigmask,
  USRDATA,
} from "../src/index.js";
import { boot } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;
const page = (h: ProcessHandle) => Math.ceil(h.heapBase / 4096) * 4096;

/** Runs `body` as one process in a fresh kernel; the test's assertions run inside it. */
function inProcess(body: (h: ProcessHandle) => Generator<unknown, void, unknown>, policy = {}) {
  const k = boot(policy);
  let done = false;
  k.spawn("t", function* (h) {
    yield* body(h);
    done = true;
  });
  k.run({ maxResumes: 10_000 });
  expect(done).toBe(true);
  return k;
}

describe("getpid", () => {
  it("returns the pid (v1: the parent's)", () => {
    const k = boot();
    let child = -1;
    let childV1 = -1;
    k.spawn("parent", function* (h) {
      expect(h.getpid()).toBe(h.pid);
      expect(h.cpu.reg(3)).toBe(0);
      const c = h.fork(function* (c) {
        child = c.getpid();
        childV1 = c.cpu.reg(3);
      });
      expect(yield* h.wait(0)).toBe(c);
    });
    k.run();
    expect(child).toBe(2);
    expect(childV1).toBe(1);
  });
});

describe("indirect syscall", () => {
  it("reaches any slot with raw registers; unknown numbers are ENOSYS", () => {
    inProcess(function* (h) {
      expect(yield* h.syscall(SYS.getpid)).toBe(h.pid);
      expect(yield* h.syscall(0)).toBe(-Errno.ENOSYS);
      expect(yield* h.syscall(131 + 1)).toBe(-Errno.ENOSYS);
      expect(yield* h.syscall("20")).toBe(-Errno.EINVAL);
      expect(yield* h.syscall(SYS.sigblock, 0)).toBe(0);
    });
  });
});

describe("mprotect", () => {
  it("refuses bad arguments with EINVAL/ENOMEM/EFAULT and changes nothing", () => {
    inProcess(function* (h) {
      const p = page(h);
      h.cpu.store32(p, 7);
      expect(h.mprotect(p + 4, 4096, PROT_READ)).toBe(-Errno.EINVAL);
      expect(h.mprotect(p, 4096, 8)).toBe(-Errno.EINVAL);
      expect(h.mprotect(0x7ffff000, 0x2000, PROT_READ)).toBe(-Errno.EINVAL);
      expect(h.mprotect(0x20000000, 4096, PROT_READ)).toBe(-Errno.ENOMEM);
      expect(h.mprotect(p, 4096 * 1000, PROT_NONE)).toBe(-Errno.ENOMEM);
      let touched = false;
      const hostile = {
        valueOf() {
          touched = true;
          return p;
        },
      };
      expect(h.mprotect(hostile, 4096, PROT_NONE)).toBe(-Errno.EFAULT);
      expect(h.mprotect(p, "4096", PROT_NONE)).toBe(-Errno.EINVAL);
      expect(h.mprotect(p, -1, PROT_NONE)).toBe(-Errno.EINVAL);
      expect(touched).toBe(false);
      // Nothing changed: the page is still readable and writable.
      h.cpu.store32(p, 8);
      expect(h.cpu.load32(p)).toBe(8);
      expect(h.mprotect(p, 0, PROT_NONE)).toBe(0);
      expect(h.cpu.load32(p)).toBe(8);
    });
  });

  it("read-only: a store is SIGSEGV with the address; the handler unprotects and the store completes", () => {
    inProcess(function* (h) {
      const p = page(h);
      h.cpu.store32(p, 1);
      const faults: number[] = [];
      expect(
        h.signal(SIG.SEGV, (_s, code) => {
          faults.push(code);
          expect(h.mprotect(p, 4096, RW)).toBe(0);
        }),
      ).toBe(0);
      expect(h.mprotect(p, 4096, PROT_READ)).toBe(0);
      expect(h.cpu.load32(p)).toBe(1);
      h.cpu.store32(p + 8, 5);
      expect(faults).toEqual([p + 8]);
      expect(h.cpu.load32(p + 8)).toBe(5);
      expect(h.mprotect(p, 4096, PROT_NONE)).toBe(0);
      expect(h.cpu.load32(p)).toBe(1);
      expect(faults).toEqual([p + 8, p]);
    });
  });

  it("protects a page never touched (demand-zero after unprotect)", () => {
    inProcess(function* (h) {
      const p = page(h) + 4096;
      expect(h.mprotect(p, 4096, PROT_NONE)).toBe(0);
      let n = 0;
      h.signal(SIG.SEGV, () => {
        n++;
        h.mprotect(p, 4096, RW);
      });
      expect(h.cpu.load32(p)).toBe(0);
      expect(n).toBe(1);
    });
  });

  it("an uncaught SIGSEGV kills the process (status = signal)", () => {
    const k = boot();
    let status = -1;
    k.spawn("parent", function* (h) {
      const c = h.fork(function* (c) {
        c.mprotect(page(c), 4096, PROT_NONE);
        c.cpu.load32(page(c));
        throw new Error("not reached");
      });
      const sv = h.heapBase;
      expect(yield* h.wait(sv)).toBe(c);
      status = h.cpu.load32(sv);
    });
    k.run();
    expect(status).toBe(SIG.SEGV);
  });
});

describe("sbrk", () => {
  it("grows with demand-zero pages, shrinks releasing frames, refuses bad increments", () => {
    const k = inProcess(function* (h) {
      const old = h.sbrk(0);
      expect(old).toBe(USRDATA + 16 * 1024);
      expect(h.sbrk(8192)).toBe(old);
      expect(h.cpu.load32(old + 4096)).toBe(0);
      h.cpu.store32(old + 4096, 3);
      expect(h.sbrk(-0x7fffffff)).toBe(-Errno.EINVAL);
      expect(h.sbrk(7 * 1024 * 1024)).toBe(-Errno.ENOMEM);
      expect(h.sbrk("1")).toBe(-Errno.EINVAL);
      expect(h.sbrk(0)).toBe(old + 8192);
      expect(h.sbrk(-8192)).toBe(old + 8192);
      let segv = 0;
      h.signal(SIG.SEGV, () => {
        segv++;
        h.sbrk(4096);
      });
      expect(h.cpu.load32(old)).toBe(0);
      expect(segv).toBe(1);
    });
    expect(k.stats().liveProcesses).toBe(0);
  });
});

describe("fork, exit, wait", () => {
  it("copies the address space; the child's writes stay its own; wait collects the status", () => {
    const k = boot();
    const free0 = k.stats().freeFrames;
    let childSaw = -1;
    let parentSees = -1;
    let waited = -1;
    let status = -1;
    k.spawn("parent", function* (h) {
      const a = page(h);
      h.cpu.store32(a, 111);
      const pid = h.fork(function* (c) {
        childSaw = c.cpu.load32(a);
        c.cpu.store32(a, 222);
        c.exit(3);
      });
      expect(pid).toBeGreaterThan(h.pid);
      waited = yield* h.wait(a + 16);
      status = h.cpu.load32(a + 16);
      parentSees = h.cpu.load32(a);
      expect(yield* h.wait(0)).toBe(-Errno.ECHILD);
    });
    k.run();
    expect(childSaw).toBe(111);
    expect(parentSees).toBe(111);
    expect(waited).toBe(2);
    expect(status).toBe(3 << 8);
    expect(k.stats().freeFrames).toBe(free0);
  });

  it("wait refuses an unwritable status address with EFAULT, then still collects", () => {
    const k = boot();
    let r1 = 0;
    let r2 = 0;
    k.spawn("parent", function* (h) {
      const c = h.fork(function* () {});
      r1 = yield* h.wait(0x20000000);
      r2 = yield* h.wait(0);
      expect(r2).toBe(c);
      expect(yield* h.wait("x")).toBe(-Errno.EFAULT);
    });
    k.run();
    expect(r1).toBe(-Errno.EFAULT);
    expect(r2).toBe(2);
  });

  it("fork refuses a non-function child with EINVAL and the table-full case with EAGAIN", () => {
    const k = boot({ maxProcesses: 2 });
    k.spawn("p", function* (h) {
      expect(h.fork(42 as never)).toBe(-Errno.EINVAL);
      const c = h.fork(function* () {});
      expect(c).toBe(2);
      expect(h.fork(function* () {})).toBe(-Errno.EAGAIN);
      expect(yield* h.wait(0)).toBe(c);
    });
    k.run();
    expect(k.stats().liveProcesses).toBe(0);
  });
});

describe("kill and signals", () => {
  it("refuses bad signals and pids; sig 0 probes; a caught signal runs its handler", () => {
    inProcess(function* (h) {
      expect(h.kill(h.pid, 32)).toBe(-Errno.EINVAL);
      expect(h.kill(h.pid, -1)).toBe(-Errno.EINVAL);
      expect(h.kill(999, SIG.USR1)).toBe(-Errno.ESRCH);
      expect(h.kill(0, SIG.USR1)).toBe(-Errno.EINVAL);
      expect(h.kill({} as never, SIG.USR1)).toBe(-Errno.ESRCH);
      expect(h.kill(h.pid, 0)).toBe(0);
      const got: number[] = [];
      h.signal(SIG.USR1, (s) => got.push(s));
      expect(h.kill(h.pid, SIG.USR1)).toBe(0);
      expect(got).toEqual([SIG.USR1]);
    });
  });

  it("sigblock holds a signal until sigsetmask unblocks it; SIGKILL cannot be blocked", () => {
    inProcess(function* (h) {
      const got: number[] = [];
      h.signal(SIG.USR2, (s) => got.push(s));
      expect(h.sigblock(sigmask(SIG.USR2) | sigmask(SIG.KILL))).toBe(0);
      h.kill(h.pid, SIG.USR2);
      expect(got).toEqual([]);
      expect(h.sigsetmask(0)).toBe(sigmask(SIG.USR2));
      expect(got).toEqual([SIG.USR2]);
      expect(h.sigblock("x")).toBe(-Errno.EINVAL);
    });
  });

  it("the mask during a handler includes the signal and sa_mask; sigreturn restores it", () => {
    inProcess(function* (h) {
      let inside = -1;
      h.signal(
        SIG.USR1,
        () => {
          inside = h.sigblock(0);
        },
        sigmask(SIG.USR2),
      );
      h.kill(h.pid, SIG.USR1);
      expect(inside).toBe(sigmask(SIG.USR1) | sigmask(SIG.USR2));
      expect(h.sigblock(0)).toBe(0);
    });
  });

  it("sigaction refuses bad signals and addresses (EINVAL, EFAULT) and reports the old action", () => {
    inProcess(function* (h) {
      const act = page(h);
      const oact = act + 64;
      expect(h.sigaction(0, act, 0)).toBe(-Errno.EINVAL);
      expect(h.sigaction(32, act, 0)).toBe(-Errno.EINVAL);
      expect(h.sigaction(SIG.KILL, act, 0)).toBe(-Errno.EINVAL);
      expect(h.sigaction(SIG.USR1, 0x20000000, 0)).toBe(-Errno.EFAULT);
      expect(h.sigaction(SIG.USR1, 0x80001000, 0)).toBe(-Errno.EFAULT);
      expect(h.sigaction(SIG.USR1, act, 0x20000000)).toBe(-Errno.EFAULT);
      const fn = () => {};
      h.cpu.store32(act, h.handlerAddress(fn));
      h.cpu.store32(act + 4, 0);
      h.cpu.store32(act + 8, 0);
      expect(h.sigaction(SIG.USR1, act, oact)).toBe(0);
      expect(h.cpu.load32(oact)).toBe(0);
      expect(h.sigaction(SIG.USR1, 0, oact)).toBe(0);
      expect(h.cpu.load32(oact)).toBe(h.handlerAddress(fn));
    });
  });

  it("sigreturn refuses an unreadable context with EFAULT", () => {
    inProcess(function* (h) {
      expect(h.sigreturn(0x20000000)).toBe(-Errno.EFAULT);
      expect(h.sigreturn(h.heapBase + 2)).toBe(-Errno.EFAULT);
      expect(h.sigreturn(-5)).toBe(-Errno.EFAULT);
    });
  });

  it("sendsig copies out a context with the magic word; sigreturn refuses one without it (EINVAL) and changes nothing", () => {
    inProcess(function* (h) {
      let saved: number[] = [];
      let scpSeen = 0;
      h.signal(SIG.USR1, (_s, _c, scp, self) => {
        scpSeen = scp;
        saved = [
          self.cpu.load32(scp + SC.REGS),
          self.cpu.load32(scp + SC.REGS + 16 * 4),
          (self.cpu.load32(scp + SC.CAUSE) >>> 2) & 31,
        ];
      });
      h.cpu.setReg(16, 0x1234);
      h.kill(h.pid, SIG.USR1);
      expect(scpSeen).not.toBe(0);
      // (the copyout filled the stack page on demand: its fault's frame went below ksc)
      expect(saved).toEqual([SC_MAGIC, 0x1234, 8]);
      // A context built by hand (a copy of a real one without the magic word) is refused.
      const ctx = page(h);
      for (let i = 0; i < SIGCONTEXT_BYTES; i += 4) h.cpu.store32(ctx + i, 0);
      h.cpu.store32(ctx + SC.MASK, sigmask(SIG.USR2));
      h.cpu.store32(ctx + SC.PC, 0x400000);
      const mask = h.sigblock(0);
      expect(h.sigreturn(ctx)).toBe(-Errno.EINVAL);
      expect(h.sigblock(0)).toBe(mask);
      expect(h.cpu.reg(16)).toBe(0x1234);
    });
  });

  it("sigpause unblocks atomically: a signal posted while blocked runs its handler there; EINTR; the old mask back", () => {
    const k = boot();
    let r = 0;
    let handled = 0;
    let maskAfter = -1;
    k.spawn("parent", function* (h) {
      const fds = page(h);
      h.pipe(fds);
      const c = h.fork(function* (c) {
        c.signal(SIG.USR1, () => {
          handled++;
        });
        // USR1 blocked until sigpause: the parent's kill may come before the child pauses
        // (its write wakes the parent, which preempts it: want_resched).
        c.sigblock(sigmask(SIG.USR2) | sigmask(SIG.USR1));
        yield* c.write(c.cpu.load32(fds + 4), fds, 4);
        expect(handled).toBe(0);
        r = yield* c.sigpause(sigmask(SIG.USR2));
        maskAfter = c.sigblock(0);
      });
      expect(yield* h.read(h.cpu.load32(fds), fds + 16, 4)).toBe(4);
      expect(handled).toBe(0);
      expect(h.kill(c, SIG.USR1)).toBe(0);
      expect(yield* h.wait(0)).toBe(c);
    });
    k.run();
    expect(handled).toBe(1);
    expect(r).toBe(-Errno.EINTR);
    expect(maskAfter).toBe(sigmask(SIG.USR2) | sigmask(SIG.USR1));
  });
});

describe("pipes", () => {
  it("refuses bad descriptors, lengths and buffers; EOF when the writer closes", () => {
    inProcess(function* (h) {
      const fds = page(h);
      expect(h.pipe(0x20000000)).toBe(-Errno.EFAULT);
      expect(h.pipe(fds + 2)).toBe(-Errno.EFAULT);
      expect(h.pipe(0x80000000)).toBe(-Errno.EFAULT);
      expect(h.pipe(fds)).toBe(0);
      const r = h.cpu.load32(fds);
      const w = h.cpu.load32(fds + 4);
      expect([r, w]).toEqual([0, 1]);
      const buf = fds + 64;
      expect(yield* h.read(7, buf, 4)).toBe(-Errno.EBADF);
      expect(yield* h.read(w, buf, 4)).toBe(-Errno.EBADF);
      expect(yield* h.write(r, buf, 4)).toBe(-Errno.EBADF);
      expect(yield* h.write(w, buf, -1)).toBe(-Errno.EINVAL);
      expect(yield* h.write(w, 0x20000000, 4)).toBe(-Errno.EFAULT);
      expect(yield* h.write("1", buf, 4)).toBe(-Errno.EBADF);
      h.cpu.store32(buf, 0xdeadbeef);
      expect(yield* h.write(w, buf, 4)).toBe(4);
      expect(yield* h.read(r, 0x20000000, 4)).toBe(-Errno.EFAULT);
      expect(yield* h.read(r, buf + 8, 4)).toBe(4);
      expect(h.cpu.load32(buf + 8)).toBe(0xdeadbeef);
      expect(h.close(w)).toBe(0);
      expect(h.close(w)).toBe(-Errno.EBADF);
      expect(yield* h.read(r, buf, 4)).toBe(0);
      expect(h.close(r)).toBe(0);
    });
  });

  it("EPIPE (and SIGPIPE) writing to a pipe with no reader", () => {
    inProcess(function* (h) {
      const fds = page(h);
      h.pipe(fds);
      h.signal(SIG.PIPE, SIG_IGN);
      h.close(h.cpu.load32(fds));
      expect(yield* h.write(h.cpu.load32(fds + 4), fds, 4)).toBe(-Errno.EPIPE);
    });
  });

  it("EMFILE when the descriptor table is full, and nothing is allocated", () => {
    const k = inProcess(
      function* (h) {
        const fds = page(h);
        expect(h.pipe(fds)).toBe(0);
        expect(h.pipe(fds + 8)).toBe(-Errno.EMFILE);
      },
      { maxOpenFiles: 3 },
    );
    expect(k.stats().pipes).toBe(0);
  });

  it("a writer blocks on a full pipe until the reader drains it (8 KiB through a 4 KiB pipe)", () => {
    const k = boot();
    let sum = 0;
    k.spawn("parent", function* (h) {
      const fds = page(h);
      h.pipe(fds);
      const r = h.cpu.load32(fds);
      const w = h.cpu.load32(fds + 4);
      const src = fds + 4096;
      h.sbrk(16384);
      for (let i = 0; i < 2048; i++) h.cpu.store32(src + i * 4, i);
      h.fork(function* (c) {
        c.close(w);
        const buf = src + 8192;
        for (;;) {
          const n = yield* c.read(r, buf, 1000);
          if (n <= 0) break;
          for (let i = 0; i < n; i += 4) sum += c.cpu.load32(buf + i);
        }
      });
      h.close(r);
      expect(yield* h.write(w, src, 8192)).toBe(8192);
      h.close(w);
      yield* h.wait(0);
    });
    k.run();
    expect(sum).toBe((2047 * 2048) / 2);
    expect(k.stats().pipes).toBe(0);
  });
});

describe("System V shared memory", () => {
  it("shares pages between a parent and its child; refuses bad ids, sizes, addresses", () => {
    const k = boot();
    const free0 = k.stats().freeFrames;
    let childSaw = 0;
    k.spawn("parent", function* (h) {
      expect(h.shmget(IPC_PRIVATE, 0, 0)).toBe(-Errno.EINVAL);
      expect(h.shmget(IPC_PRIVATE, 1 << 20, 0)).toBe(-Errno.EINVAL);
      expect(h.shmget(77, 4096, 0)).toBe(-Errno.ENOENT);
      const id = h.shmget(77, 8192, IPC_CREAT);
      expect(id).toBeGreaterThanOrEqual(0);
      expect(h.shmget(77, 4096, IPC_CREAT | IPC_EXCL)).toBe(-Errno.EEXIST);
      expect(h.shmget(77, 4096, 0)).toBe(id);
      expect(h.shmat(id + 1, 0, 0)).toBe(-Errno.EINVAL);
      expect(h.shmat(id, 0x40000010, 0)).toBe(-Errno.EINVAL);
      expect(h.shmat(id, USRDATA, 0)).toBe(-Errno.EINVAL);
      const a = h.shmat(id, 0, 0);
      expect(a).toBe(0x40000000);
      h.cpu.store32(a + 4100, 99);
      h.fork(function* (c) {
        childSaw = c.cpu.load32(a + 4100);
        c.cpu.store32(a, 5);
      });
      yield* h.wait(0);
      expect(h.cpu.load32(a)).toBe(5);
      expect(h.shmdt(a + 4096)).toBe(-Errno.EINVAL);
      expect(h.shmctl(id, 99)).toBe(-Errno.EINVAL);
      expect(h.shmctl(id, IPC_RMID)).toBe(0);
      expect(h.shmat(id, 0, 0)).toBe(-Errno.EINVAL);
      expect(h.shmdt(a)).toBe(0);
      expect(h.shmdt(a)).toBe(-Errno.EINVAL);
    });
    k.run();
    expect(childSaw).toBe(99);
    expect(k.stats().shmSegments).toBe(0);
    expect(k.stats().freeFrames).toBe(free0);
  });
});

describe("System V shared memory attached read-only", () => {
  it("stores fault (SIGSEGV), mprotect cannot add write (EACCES), read and none work", () => {
    inProcess(function* (h) {
      const id = h.shmget(IPC_PRIVATE, 8192, 0);
      const rw = h.shmat(id, 0, 0);
      const ro = h.shmat(id, 0, SHM_RDONLY);
      expect(ro).toBe(rw + 8192);
      h.cpu.store32(rw + 4100, 77);
      expect(h.cpu.load32(ro + 4100)).toBe(77);
      const faults: number[] = [];
      h.signal(SIG.SEGV, (_s, code, scp, self) => {
        faults.push(code);
        self.cpu.store32(scp + 8, self.cpu.load32(scp + 8) + 4);
      });
      h.cpu.store32(ro + 4100, 1);
      expect(faults).toEqual([ro + 4100]);
      expect(h.cpu.load32(rw + 4100)).toBe(77);
      expect(h.mprotect(ro, 8192, RW)).toBe(-Errno.EACCES);
      expect(h.mprotect(ro + 4096, 4096, PROT_WRITE)).toBe(-Errno.EACCES);
      expect(h.mprotect(ro, 8192, PROT_NONE)).toBe(0);
      expect(h.cpu.load32(ro + 4100)).toBe(0);
      expect(faults).toEqual([ro + 4100, ro + 4100]);
      expect(h.mprotect(ro, 8192, PROT_READ)).toBe(0);
      expect(h.cpu.load32(ro + 4100)).toBe(77);
      expect(h.mprotect(rw, 8192, PROT_READ)).toBe(0);
      expect(h.mprotect(rw, 8192, RW)).toBe(0);
    });
  });
});

describe("breakpoint", () => {
  it("break is SIGTRAP: a handler sees it; uncaught, the process dies of it", () => {
    const k = boot();
    let status = -1;
    let traps = 0;
    k.spawn("parent", function* (h) {
      h.signal(SIG.TRAP, () => {
        traps++;
      });
      h.cpu.breakpoint();
      expect(traps).toBe(1);
      h.fork(function* (c) {
        c.signal(SIG.TRAP, 0);
        c.cpu.breakpoint();
        throw new Error("not reached");
      });
      const sv = h.heapBase;
      yield* h.wait(sv);
      status = h.cpu.load32(sv);
    });
    k.run();
    expect(status).toBe(SIG.TRAP);
  });
});

describe("unaligned accesses, coprocessor, handles", () => {
  it("fixes up unaligned loads and stores in the kernel", () => {
    inProcess(function* (h) {
      const p = page(h);
      h.cpu.store32(p, 0x44332211);
      h.cpu.store32(p + 4, 0x88776655);
      expect(h.cpu.load32(p + 1)).toBe(0x55443322);
      expect(h.cpu.load16(p + 3)).toBe(0x5544);
      h.cpu.store32(p + 5, 0xaabbccdd);
      expect(h.cpu.load32(p + 4)).toBe(0xbbccdd55);
    });
  });

  it("a user access to kernel space is SIGBUS (the default kills)", () => {
    const k = boot();
    let status = -1;
    k.spawn("parent", function* (h) {
      h.fork(function* (c) {
        c.cpu.load32(0x80001000);
      });
      const sv = h.heapBase;
      yield* h.wait(sv);
      status = h.cpu.load32(sv);
    });
    k.run();
    expect(status).toBe(SIG.BUS);
  });

  it("coprocessor unusable is not delivered: the kernel hands over the FPU", () => {
    inProcess(function* (h) {
      expect(h.cpu.coprocessor1()).toBe(true);
      expect(h.cpu.coprocessor1()).toBe(true);
    });
  });

  it("a handle used outside its process, or a blocking call in a handler, is a typed error", () => {
    let other: ProcessHandle | null = null;
    const k = boot();
    k.spawn("a", function* (h) {
      other = h;
      yield* h.safepoint();
    });
    k.spawn("b", function* (h) {
      expect(() => other!.getpid()).toThrow(NotRunningError);
      h.signal(SIG.USR1, () => {
        expect(() => h.read(0, 0, 0).next()).toThrow(HandlerBlockError);
      });
      h.kill(h.pid, SIG.USR1);
    });
    k.run();
    expect(() => other!.cpu.load32(0)).toThrow(NotRunningError);
  });
});
