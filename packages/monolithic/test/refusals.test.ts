import { describe, expect, it } from "vitest";
import { Errno, IPC_RMID, type ProcessHandle, SIG } from "../src/index.js";
import {
  FRAME_PROC,
  FRAME_QUEUES,
  FRAME_SHM,
  PAGE,
  Q_SLICE_LEFT,
  Q_TICKS,
  U,
} from "../src/layout.js";
import { boot } from "./helpers.js";

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
        ["shmdt not attached", () => h.shmdt(at + 4096), Errno.EINVAL],
        ["shmctl bad cmd", () => h.shmctl(id, 5), Errno.EINVAL],
        ["shmctl bad id", () => h.shmctl(id + 9, IPC_RMID), Errno.EINVAL],
        ["fork without a body", () => h.fork(null as never), Errno.EINVAL],
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
      ];
      for (const [name, call, errno] of blocking) {
        const before = kernelState(k, h.pid);
        expect([name, yield* call()]).toEqual([name, -errno]);
        expect([name, kernelState(k, h.pid) === before]).toEqual([name, true]);
        checked.push(name);
      }
    });
    k.run();
    expect(checked.length).toBe(34);
  });
});
