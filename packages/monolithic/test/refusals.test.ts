import { describe, expect, it } from "vitest";
import {
  Errno,
  IPC_CREAT,
  IPC_PRIVATE,
  IPC_RMID,
  MonolithicKernel,
  PROT_READ,
  PROT_WRITE,
  type ProcessHandle,
  SHM_RDONLY,
  SIG,
  SYS,
} from "../src/index.js";
import {
  FRAME_PROC,
  FRAME_QUEUES,
  FRAME_SHM,
  PAGE,
  Q_SLICE_LEFT,
  Q_TICKS,
  U,
} from "../src/layout.js";
import { boot, failOnThrow } from "./helpers.js";

type K = ReturnType<typeof boot>;

/**
 * Everything a refused call could have changed: the kernel's tables (proc, queues, files,
 * pipes, shm), the process's u-area (but for the per-call scratch words u_arg, u_error,
 * rval), its page-table pages, and the free-frame count.
 */
function kernelState(k: K, pid: number): string {
  const mem = k.machine.memory;
  const parts: number[] = [];
  for (let f = FRAME_PROC; f <= FRAME_SHM; f++) {
    for (let off = 0; off < PAGE; off += 4) {
      if (f === FRAME_QUEUES && (off === Q_TICKS || off === Q_SLICE_LEFT)) continue;
      parts.push(mem.read32(f * PAGE + off));
    }
  }
  const p = k.procs.find((q) => q !== null && q.pid === pid)!;
  for (let off = 0; off < PAGE; off += 4) {
    if (off >= U.ARG && off <= U.RVAL2) continue;
    parts.push(mem.read32(p.uframe * PAGE + off));
  }
  for (const f of [...p.ptFrames.values()].sort((a, b) => a - b)) {
    for (let off = 0; off < PAGE; off += 4) parts.push(mem.read32(f * PAGE + off));
  }
  parts.push(k.stats().freeFrames);
  return parts.join(",");
}

const RW = PROT_READ | PROT_WRITE;

describe("a refused call changes nothing", () => {
  it("every refusal leaves the kernel's tables, u-area, page tables and frames as they were", () => {
    const k = boot();
    const checked: string[] = [];
    k.spawn("p", function* (h: ProcessHandle) {
      const base = Math.ceil(h.heapBase / 4096) * 4096;
      h.cpu.store32(base, 1);
      const fds = base + 64;
      h.pipe(fds);
      const r = h.cpu.load32(fds);
      const w = h.cpu.load32(fds + 4);
      const id = h.shmget(0, 4096, 0);
      const at = h.shmat(id, 0, 0);
      h.signal(SIG.USR1, () => {});
      const ro = h.shmat(h.shmget(IPC_PRIVATE, 4096, 0), 0, SHM_RDONLY);
      expect(ro).toBeGreaterThan(at);
      expect(h.shmget(9, 4096, IPC_CREAT)).toBeGreaterThanOrEqual(0);
      const cases: [string, () => number, number][] = [
        ["mprotect unaligned", () => h.mprotect(base + 1, 4096, 0), Errno.EINVAL],
        ["mprotect prot", () => h.mprotect(base, 4096, 16), Errno.EINVAL],
        ["mprotect past kuseg", () => h.mprotect(0x7ffff000, 0x10000, 0), Errno.EINVAL],
        ["mprotect unmapped", () => h.mprotect(0x30000000, 4096, 0), Errno.ENOMEM],
        ["mprotect partly mapped", () => h.mprotect(base, 0x100000, 0), Errno.ENOMEM],
        ["sbrk below", () => h.sbrk(-0x100000), Errno.EINVAL],
        ["sbrk past limit", () => h.sbrk(0x1000000), Errno.ENOMEM],
        ["pipe bad address", () => h.pipe(0x30000000), Errno.EFAULT],
        ["pipe kernel address", () => h.pipe(0x80000000), Errno.EFAULT],
        ["close bad fd", () => h.close(40), Errno.EBADF],
        ["close negative fd", () => h.close(-1), Errno.EBADF],
        ["kill bad signal", () => h.kill(h.pid, 40), Errno.EINVAL],
        ["kill no process", () => h.kill(55, SIG.USR1), Errno.ESRCH],
        ["sigaction bad signal", () => h.sigaction(0, h.heapBase - 256, 0), Errno.EINVAL],
        ["sigaction KILL", () => h.sigaction(SIG.KILL, h.heapBase - 256, 0), Errno.EINVAL],
        ["sigaction bad act", () => h.sigaction(SIG.USR1, 0x30000000, 0), Errno.EFAULT],
        [
          "sigaction bad oact",
          () => h.sigaction(SIG.USR1, h.heapBase - 256, 0x30000000),
          Errno.EFAULT,
        ],
        ["sigreturn bad scp", () => h.sigreturn(0x30000000), Errno.EFAULT],
        ["shmget size", () => h.shmget(5, 0, 0o1000), Errno.EINVAL],
        ["shmget absent key", () => h.shmget(6, 4096, 0), Errno.ENOENT],
        ["shmat bad id", () => h.shmat(id + 7, 0, 0), Errno.EINVAL],
        ["shmat overlap", () => h.shmat(id, at, 0), Errno.EINVAL],
        ["shmdt not attached", () => h.shmdt(at + 0x100000), Errno.EINVAL],
        ["shmctl bad cmd", () => h.shmctl(id, 5), Errno.EINVAL],
        ["shmctl bad id", () => h.shmctl(id + 9, IPC_RMID), Errno.EINVAL],
        ["fork without a body", () => h.fork(null as never), Errno.EINVAL],
        ["mprotect write on SHM_RDONLY", () => h.mprotect(ro, 4096, PROT_WRITE), Errno.EACCES],
        ["mprotect rw on SHM_RDONLY", () => h.mprotect(ro, 4096, RW), Errno.EACCES],
        ["sbrk into an shm attachment", () => h.sbrk(at - h.sbrk(0) + 4096), Errno.ENOMEM],
        ["kill pid 0 (no process groups)", () => h.kill(0, SIG.USR1), Errno.EINVAL],
        ["sigreturn unaligned", () => h.sigreturn(base + 2), Errno.EFAULT],
        ["sigaction catch STOP", () => h.sigaction(SIG.STOP, h.heapBase - 256, 0), Errno.EINVAL],
        ["shmget existing, too big", () => h.shmget(9, 8192, IPC_CREAT), Errno.EINVAL],
        ["shmdt address 0", () => h.shmdt(0), Errno.EINVAL],
      ];
      for (const [name, call, errno] of cases) {
        const before = kernelState(k, h.pid);
        expect([name, call()]).toEqual([name, -errno]);
        expect([name, kernelState(k, h.pid) === before]).toEqual([name, true]);
        checked.push(name);
      }
      const blocking: [string, () => Generator<unknown, number>, number][] = [
        ["read bad fd", () => h.read(30, base, 4), Errno.EBADF],
        ["read write end", () => h.read(w, base, 4), Errno.EBADF],
        ["read bad buffer", () => h.read(r, 0x30000000, 4), Errno.EFAULT],
        ["write read end", () => h.write(r, base, 4), Errno.EBADF],
        ["write negative", () => h.write(w, base, -4), Errno.EINVAL],
        ["write bad buffer", () => h.write(w, 0x30000000, 4), Errno.EFAULT],
        ["wait no child", () => h.wait(0), Errno.ECHILD],
        ["wait bad status", () => h.wait(0x30000000), Errno.EFAULT],
        ["syscall number 0 (ENOSYS)", () => h.syscall(0), Errno.ENOSYS],
        ["syscall number 99 (ENOSYS)", () => h.syscall(99), Errno.ENOSYS],
        ["syscall number 2^32-1 (ENOSYS)", () => h.syscall(0xffffffff), Errno.ENOSYS],
        ["raw fork (no child body)", () => h.syscall(SYS.fork), Errno.EINVAL],
        [
          "raw read, length 2^31 (negative)",
          () => h.syscall(SYS.read, r, base, 0x80000000),
          Errno.EINVAL,
        ],
        [
          "raw mprotect, length 2^32-1",
          () => h.syscall(SYS.mprotect, base, 0xffffffff, 0),
          Errno.EINVAL,
        ],
        ["raw kill, signal 2^32-1", () => h.syscall(SYS.kill, h.pid, 0xffffffff), Errno.EINVAL],
        ["raw close, fd -1", () => h.syscall(SYS.close, 0xffffffff), Errno.EBADF],
      ];
      for (const [name, call, errno] of blocking) {
        const before = kernelState(k, h.pid);
        expect([name, yield* call()]).toEqual([name, -errno]);
        expect([name, kernelState(k, h.pid) === before]).toEqual([name, true]);
        checked.push(name);
      }
    });
    k.run();
    expect(checked.length).toBe(50);
  });

  it("running out of a table or of memory refuses the call (EMFILE, ENFILE, ENOSPC, EAGAIN, ENOMEM) and changes nothing", () => {
    const k = new MonolithicKernel({
      onDeath: failOnThrow,
      // 64 frames for the process as before the buffer cache and file system existed: nine more
      // for their boot-time tables (4 buffers, a header frame, the globals; superblock,
      // bitmap, one inode block).
      machine: { seed: 7, memoryBytes: (64 + 9) * 4096 },
      policy: {
        bufferCacheBlocks: 4,
        fsInodes: 64,
        maxOpenFiles: 4,
        maxPipes: 1,
        shmPerProcess: 1,
        shmMaxSegments: 2,
        maxProcesses: 2,
      },
    });
    const checked: string[] = [];
    k.spawn("p", function* (h: ProcessHandle) {
      const base = Math.ceil(h.heapBase / 4096) * 4096;
      h.cpu.store32(base, 1);
      expect(h.pipe(base + 64)).toBe(0);
      const id = h.shmget(IPC_PRIVATE, 4096, 0);
      expect(h.shmat(id, 0, 0)).toBeGreaterThan(0);
      expect(h.shmget(IPC_PRIVATE, 4096, 0)).toBeGreaterThanOrEqual(0);
      // Fill memory: 30 more data pages leave fewer free frames than a copy needs.
      const brk = h.sbrk(30 * 4096);
      for (let i = 0; i < 30; i++) h.cpu.store32(brk + i * 4096, i);
      const cases: [string, () => number, number][] = [
        ["pipe: no pipe header left", () => h.pipe(base + 128), Errno.ENFILE],
        ["shmat: SHMSEG attachments", () => h.shmat(id, 0, 0), Errno.EMFILE],
        ["shmget: SHMMNI segments", () => h.shmget(IPC_PRIVATE, 4096, 0), Errno.ENOSPC],
        ["fork: out of frames", () => h.fork(function* () {}), Errno.ENOMEM],
      ];
      for (const [name, call, errno] of cases) {
        const before = kernelState(k, h.pid);
        expect([name, call()]).toEqual([name, -errno]);
        expect([name, kernelState(k, h.pid) === before]).toEqual([name, true]);
        checked.push(name);
      }
      // With the memory back, fork works until the process table (2 slots) is full.
      expect(h.sbrk(-30 * 4096)).toBe(brk + 30 * 4096);
      const c = h.fork(function* () {});
      expect(c).toBeGreaterThan(0);
      expect(h.fork(function* () {})).toBe(-Errno.EAGAIN);
      expect(yield* h.wait(0)).toBe(c);
      checked.push("fork: process table full");
    });
    k.run();
    expect(checked.length).toBe(5);
  });
});
