import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IPC_CREAT, type ProcessHandle, SIG } from "../src/index.js";
import { fsProblems } from "./fs-helpers.js";
import { boot } from "./helpers.js";

/**
 * Hostile processes: random system calls with arguments drawn mostly from bad values
 * (kernel addresses, unmapped or unaligned addresses, wild descriptors, out-of-range
 * signals and sizes). Whatever they do, the kernel never panics or throws, each refusal is
 * a result code, and once every process is gone everything it held is back: frames (but
 * the shm segments still existing), descriptors, pipes, process slots; the file system's
 * free counts agree with its bitmap and inode table.
 */
const ADDRS = [
  0, 1, 0x10000100, 0x10001000, 0x10001002, 0x10003ffc, 0x10004000, 0x7fffeffc, 0x7ff7f000,
  0x40000000, 0x40001000, 0x30000000, 0x80000000, 0x80002000, 0xc0000000, 0xfffff000, 0xffffc000,
];
const LENS = [0, 1, 4, 4096, 8192, 65536, 0x7fffffff, -1, 4095];
const SIGS = [0, SIG.USR1, SIG.USR2, SIG.CHLD, SIG.PIPE, SIG.SEGV, 31, 32, -3, 1000];

interface Op {
  kind: number;
  a: number;
  b: number;
  c: number;
}

function pick<T>(arr: readonly T[], i: number): T {
  return arr[Math.abs(i) % arr.length]!;
}

function* hostile(h: ProcessHandle, ops: Op[], tally: { ok: number; total: number }) {
  h.signal(SIG.USR1, () => {});
  // Step over the faulting access (self: after fork the handler runs in the child).
  const step = (_s: number, _c: number, scp: number, self: ProcessHandle) => {
    self.cpu.store32(scp + 8, self.cpu.load32(scp + 8) + 4);
  };
  h.signal(SIG.SEGV, step);
  h.signal(SIG.BUS, step);
  h.signal(SIG.PIPE, 1);
  for (const op of ops) {
    const A = pick(ADDRS, op.a);
    const L = pick(LENS, op.b);
    let r = 0;
    switch (op.kind) {
      case 0:
        r = h.getpid();
        break;
      case 1:
        r = h.mprotect(A & ~4095, L, op.c & 7);
        break;
      case 2:
        r = h.sbrk(pick([0, 4096, -4096, 65536, -65536, 0x7fffffff], op.c));
        break;
      case 3:
        r = h.pipe(A);
        break;
      case 4:
        r = h.close(op.c % 70);
        break;
      case 5:
        r = h.kill(pick([h.pid, 1, 2, 3, 99, 0, -1], op.a), pick(SIGS, op.c));
        break;
      case 6:
        r = h.sigaction(pick(SIGS, op.c), A, pick(ADDRS, op.b));
        break;
      case 7:
        r = op.c & 1 ? h.sigblock(op.a) : h.sigsetmask(op.a & ~(1 << 29));
        break;
      case 8:
        r = h.shmget(op.a & 3, L, op.c & 1 ? IPC_CREAT : 0);
        break;
      case 9:
        r = h.shmat(op.a & 0xffff, A, 0);
        break;
      case 10:
        r = h.shmdt(A);
        break;
      case 11:
        r = h.shmctl(op.a & 0xffff, op.c & 1);
        break;
      case 12:
        h.cpu.store32(A & ~3, op.c);
        r = 0;
        break;
      case 13:
        r = h.cpu.load32(A) >= 0 ? 0 : -1;
        break;
      case 14:
        r = yield* h.write(op.c % 8, A, pick([4, 0, -4, 9000], op.b));
        break;
      case 15:
        r = h.fork(function* (c) {
          c.getpid();
        });
        break;
      case 16:
        r = h.sigreturn(A);
        break;
      case 17:
        r = yield* h.read(op.c % 8, A, pick([4, 0, -4, 9000], op.b));
        break;
      case 18:
        r = yield* h.wait(op.a & 1 ? 0 : A);
        break;
      case 19:
      case 20:
      case 21: {
        // The file system: a good path (written first) or a hostile address.
        const good = ["/h", "/h/x", "/y", "/h/x/z", "/"][Math.abs(op.b) % 5]!;
        let path = A;
        if ((op.a & 1) === 0) {
          path = h.heapBase + 128;
          for (let i = 0; i < good.length; i++) h.cpu.store8(path + i, good.charCodeAt(i));
          h.cpu.store8(path + good.length, 0);
        }
        if (op.kind === 19) r = yield* h.open(path, op.c & 0xa03);
        else if (op.kind === 20) r = yield* h.mkdir(path);
        else r = yield* h.unlink(path);
        break;
      }
      case 22:
        r = h.lseek(op.c % 8, pick(LENS, op.a), op.b & 3);
        break;
      case 23:
        r = yield* h.fsync(op.c % 8);
        break;
      default:
        // Any call number (most unknown: ENOSYS) with raw register values.
        r = yield* h.syscall(op.c % 140, A, L, pick(SIGS, op.a));
    }
    tally.total++;
    if (r >= 0) tally.ok++;
  }
}

describe("hostile processes", () => {
  it("property: random bad calls never break the kernel, and exit releases everything", () => {
    const opArb = fc.record({
      kind: fc.integer({ min: 0, max: 24 }),
      a: fc.integer(),
      b: fc.integer(),
      c: fc.integer({ min: 0, max: 1 << 20 }),
    });
    let okTotal = 0;
    let callTotal = 0;
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 10, maxLength: 60 }),
        fc.array(opArb, { maxLength: 60 }),
        (o1, o2) => {
          const k = boot();
          const free0 = k.stats().freeFrames;
          const tally = { ok: 0, total: 0 };
          k.spawn("h1", (h) => hostile(h, o1, tally));
          k.spawn("h2", (h) => hostile(h, o2, tally));
          k.run({ maxResumes: 20_000 });
          // Whatever still sleeps (a wait on a child that sleeps, ...) is killed by a reaper.
          const live = k.procs.filter((p) => p !== null && p.stat !== 5).map((p) => p!.pid);
          if (live.length > 0) {
            k.spawn("reaper", function* (h) {
              for (const pid of live) h.kill(pid, SIG.KILL);
            });
            k.run({ maxResumes: 20_000 });
          }
          const s = k.stats();
          let shmFrames = 0;
          for (const f of k.shmFrames) if (f) shmFrames += f.length;
          expect(s.liveProcesses).toBe(0);
          expect(s.zombies).toBe(0);
          expect(s.openFiles).toBe(0);
          expect(s.pipes).toBe(0);
          expect(s.freeFrames + shmFrames).toBe(free0);
          // The file system's counts agree with its bitmap and inode table.
          expect(fsProblems(k)).toEqual([]);
          okTotal += tally.ok;
          callTotal += tally.total;
        },
      ),
      { numRuns: 100, seed: 20261127 },
    );
    // A kernel that refused everything would not pass.
    expect(okTotal / callTotal).toBeGreaterThan(0.2);
  });
});
