import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SB, sbVa } from "../src/fs/fs.js";
import { PATHBUF } from "../src/fs/namei.js";
import {
  Errno,
  MonolithicKernel,
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  type ProcessHandle,
  SEEK_END,
  SEEK_SET,
} from "../src/index.js";
import { putStr } from "./fs-helpers.js";
import { boot, failOnThrow } from "./helpers.js";

/**
 * The file system (src/fs/): files and directories through open/read/write/lseek/fsync/close/
 * mkdir/unlink, against a host model; refusals that change nothing; a disk filled to the last
 * block.
 */

const PATH = 0; // offsets in the test process's scratch page
const IO = 4096;
const IO_BYTES = 64 * 1024;

/** A world whose one process runs `body` with a data segment large enough for IO. */
function inProcess(
  body: (h: ProcessHandle) => Generator<unknown, void, unknown>,
  policy: Record<string, number> = {},
): MonolithicKernel {
  const k = boot(policy);
  let finished = false;
  k.spawn("fs", function* (h) {
    h.sbrk(IO + IO_BYTES + 8192);
    yield* body(h);
    finished = true;
  });
  k.run({ maxResumes: 1_000_000 });
  expect(finished).toBe(true);
  return k;
}

const base = (h: ProcessHandle) => Math.ceil(h.heapBase / 4096) * 4096;

function* openPath(h: ProcessHandle, path: string, flags: number) {
  return yield* h.open(putStr(h, base(h) + PATH, path), flags);
}

describe("files and directories", () => {
  it("a file in a subdirectory: written, read back past the direct blocks, sized, synced", () => {
    inProcess(function* (h) {
      expect(yield* h.mkdir(putStr(h, base(h), "/d"))).toBe(0);
      expect(yield* h.mkdir(putStr(h, base(h), "/d/e"))).toBe(0);
      const fd = yield* openPath(h, "/d/e/file", O_CREAT | O_RDWR);
      expect(fd).toBeGreaterThanOrEqual(0);
      const io = base(h) + IO;
      // 13 blocks and a bit: the 13th and 14th are reached through the indirect block.
      const n = 13 * 4096 + 100;
      for (let i = 0; i < n; i += 4) h.cpu.store32(io + i, i ^ 0x5a5a);
      expect(yield* h.write(fd, io, n)).toBe(n);
      expect(h.lseek(fd, 0, SEEK_END)).toBe(n);
      expect(h.lseek(fd, 12 * 4096 - 8, SEEK_SET)).toBe(12 * 4096 - 8);
      h.cpu.zero(io, 4096);
      expect(yield* h.read(fd, io, 4096)).toBe(4096);
      for (let i = 0; i < 4096; i += 4)
        expect(h.cpu.load32(io + i)).toBe((12 * 4096 - 8 + i) ^ 0x5a5a);
      expect(yield* h.fsync(fd)).toBe(0);
      expect(h.close(fd)).toBe(0);
      // Opened again by its path: the same bytes.
      const fd2 = yield* openPath(h, "/d/e/file", O_RDONLY);
      expect(yield* h.read(fd2, io, 8)).toBe(8);
      expect(h.cpu.load32(io + 4)).toBe(4 ^ 0x5a5a);
      expect(h.close(fd2)).toBe(0);
    });
  });

  it("a hole reads as zeros; a read at the end returns 0", () => {
    inProcess(function* (h) {
      const fd = yield* openPath(h, "/holes", O_CREAT | O_RDWR);
      const io = base(h) + IO;
      h.cpu.store32(io, 0x1234);
      h.lseek(fd, 5 * 4096, SEEK_SET);
      expect(yield* h.write(fd, io, 4)).toBe(4);
      h.lseek(fd, 4096, SEEK_SET);
      h.cpu.store32(io, 99);
      expect(yield* h.read(fd, io, 4)).toBe(4);
      expect(h.cpu.load32(io)).toBe(0);
      h.lseek(fd, 0, SEEK_END);
      expect(yield* h.read(fd, io, 4)).toBe(0);
    });
  });

  it("property: random file operations give the same bytes as a host model", () => {
    type Op =
      | { op: "write"; file: number; off: number; len: number; fill: number }
      | { op: "read"; file: number; off: number; len: number }
      | { op: "fsync"; file: number }
      | { op: "unlink"; file: number };
    const names = ["/a", "/b", "/sub/c"];
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        op: fc.constant("write" as const),
        file: fc.nat(2),
        off: fc.nat(60_000),
        len: fc.integer({ min: 1, max: 9000 }),
        fill: fc.nat(255),
      }),
      fc.record({
        op: fc.constant("read" as const),
        file: fc.nat(2),
        off: fc.nat(64_000),
        len: fc.integer({ min: 1, max: 9000 }),
      }),
      fc.record({ op: fc.constant("fsync" as const), file: fc.nat(2) }),
      fc.record({ op: fc.constant("unlink" as const), file: fc.nat(2) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 14 }), (ops) => {
        const model = new Map<number, Uint8Array>();
        inProcess(
          function* (h) {
            expect(yield* h.mkdir(putStr(h, base(h), "/sub"))).toBe(0);
            const io = base(h) + IO;
            for (const o of ops) {
              const exists = model.has(o.file);
              if (o.op === "unlink") {
                const r = yield* h.unlink(putStr(h, base(h), names[o.file]!));
                expect(r).toBe(exists ? 0 : -Errno.ENOENT);
                model.delete(o.file);
                continue;
              }
              const fd = yield* openPath(
                h,
                names[o.file]!,
                o.op === "write" ? O_CREAT | O_RDWR : O_RDONLY,
              );
              if (!exists && o.op !== "write") {
                expect(fd).toBe(-Errno.ENOENT);
                continue;
              }
              expect(fd).toBeGreaterThanOrEqual(0);
              const cur = model.get(o.file) ?? new Uint8Array(0);
              if (o.op === "write") {
                for (let i = 0; i < o.len; i++) h.cpu.store8(io + i, (o.fill + i) & 255);
                expect(h.lseek(fd, o.off, SEEK_SET)).toBe(o.off);
                expect(yield* h.write(fd, io, o.len)).toBe(o.len);
                const next = new Uint8Array(Math.max(cur.length, o.off + o.len));
                next.set(cur);
                for (let i = 0; i < o.len; i++) next[o.off + i] = (o.fill + i) & 255;
                model.set(o.file, next);
              } else if (o.op === "read") {
                h.lseek(fd, o.off, SEEK_SET);
                const want = Math.max(0, Math.min(o.len, cur.length - o.off));
                expect(yield* h.read(fd, io, o.len)).toBe(want);
                for (let i = 0; i < want; i++) {
                  if (h.cpu.load8(io + i) !== cur[o.off + i])
                    throw new Error(
                      `byte ${o.off + i} of ${names[o.file]}: ${h.cpu.load8(io + i)} != ${cur[o.off + i]}`,
                    );
                }
              } else {
                expect(yield* h.fsync(fd)).toBe(0);
              }
              expect(h.close(fd)).toBe(0);
            }
          },
          { bufferCacheBlocks: 6 },
        );
      }),
      { numRuns: 25, seed: 14 },
    );
  });
});

describe("refusals", () => {
  it("bad descriptors, paths, flags and names: each its errno, the file system unchanged", () => {
    const k = boot();
    const snapshot = () => {
      const mem = k.machine.memory;
      const frames = [...k.fs.frames(), 5 /* the file table */];
      const bytes = frames.map((f) => Array.from(mem.u8.subarray(f * 4096, f * 4096 + 4096)));
      // The kernel's pathname buffer is scratch (namei's), not state.
      bytes[0]!.fill(0, PATHBUF, PATHBUF + 256);
      return bytes.map((b) => b.join(",")).join("|");
    };
    const seen: string[] = [];
    k.spawn("r", function* (h) {
      h.sbrk(IO + IO_BYTES);
      const b = base(h);
      expect(yield* h.mkdir(putStr(h, b, "/dir"))).toBe(0);
      const fd = yield* openPath(h, "/dir/f", O_CREAT | O_WRONLY);
      expect(fd).toBeGreaterThanOrEqual(0);
      expect(yield* h.write(fd, b + IO, 10)).toBe(10);
      const fds = b + 512;
      expect(h.pipe(fds)).toBe(0);
      const rfd = h.cpu.load32(fds);
      const long = `/${"x".repeat(28)}`;
      const cases: [string, () => Generator<unknown, number> | number, number][] = [
        ["open: flags", () => h.open(putStr(h, b, "/n"), 0x40000), Errno.EINVAL],
        ["open: O_ACCMODE 3", () => h.open(putStr(h, b, "/n"), 3), Errno.EINVAL],
        ["open: path in kseg0", () => h.open(0x80001000, O_RDONLY), Errno.EFAULT],
        ["open: path not mapped", () => h.open(0x30000000, O_RDONLY), Errno.EFAULT],
        ["open: empty path", () => h.open(putStr(h, b, ""), O_RDONLY), Errno.ENOENT],
        ["open: no such file", () => h.open(putStr(h, b, "/nope"), O_RDONLY), Errno.ENOENT],
        [
          "open: no such directory",
          () => h.open(putStr(h, b, "/nope/f"), O_CREAT | O_RDWR),
          Errno.ENOENT,
        ],
        [
          "open: a file as a directory",
          () => h.open(putStr(h, b, "/dir/f/g"), O_CREAT | O_RDWR),
          Errno.ENOTDIR,
        ],
        [
          "open: name too long",
          () => h.open(putStr(h, b, long), O_CREAT | O_RDWR),
          Errno.ENAMETOOLONG,
        ],
        [
          "open: O_EXCL on an existing file",
          () => h.open(putStr(h, b, "/dir/f"), O_CREAT | O_EXCL | O_RDWR),
          Errno.EEXIST,
        ],
        [
          "open: a directory for writing",
          () => h.open(putStr(h, b, "/dir"), O_WRONLY),
          Errno.EISDIR,
        ],
        ["read: a write-only descriptor", () => h.read(fd, b + IO, 4), Errno.EBADF],
        ["read: no descriptor", () => h.read(40, b + IO, 4), Errno.EBADF],
        ["write: buffer in kseg0", () => h.write(fd, 0x80000000, 4), Errno.EFAULT],
        ["lseek: a pipe", () => h.lseek(rfd, 0, SEEK_SET), Errno.ESPIPE],
        ["lseek: whence", () => h.lseek(fd, 0, 7), Errno.EINVAL],
        ["lseek: negative offset", () => h.lseek(fd, -20, SEEK_END), Errno.EINVAL],
        ["fsync: no descriptor", () => h.fsync(63), Errno.EBADF],
        ["fsync: a pipe", () => h.fsync(rfd), Errno.ESPIPE],
        ["mkdir: exists", () => h.mkdir(putStr(h, b, "/dir")), Errno.EEXIST],
        ["mkdir: the root", () => h.mkdir(putStr(h, b, "/")), Errno.EEXIST],
        [
          "unlink: a directory with an entry",
          () => h.unlink(putStr(h, b, "/dir")),
          Errno.ENOTEMPTY,
        ],
        ["unlink: an open file", () => h.unlink(putStr(h, b, "/dir/f")), Errno.EBUSY],
        ["unlink: the root", () => h.unlink(putStr(h, b, "/")), Errno.EBUSY],
        ["unlink: no such file", () => h.unlink(putStr(h, b, "/dir/zz")), Errno.ENOENT],
      ];
      for (const [name, call, errno] of cases) {
        const before = snapshot();
        const r0 = call();
        const r = typeof r0 === "number" ? r0 : yield* r0;
        expect([name, r]).toEqual([name, -errno]);
        expect([name, snapshot() === before]).toEqual([name, true]);
        seen.push(name);
      }
    });
    k.run({ maxResumes: 100_000 });
    expect(seen.length).toBe(25);
  });

  it("a full disk: writes stop with ENOSPC (what fitted is written), unlink gives the blocks back", () => {
    // 64 blocks: superblock, bitmap, 4 inode blocks, 58 data blocks (the root directory takes one).
    let written = 0;
    const k = new MonolithicKernel({
      machine: { seed: 3 },
      policy: { fsBlocks: 64, bufferCacheBlocks: 8 },
      onDeath: failOnThrow,
    });
    k.spawn("fill", function* (h) {
      h.sbrk(IO + IO_BYTES);
      const io = base(h) + IO;
      const fd = yield* openPath(h, "/big", O_CREAT | O_RDWR);
      expect(fd).toBeGreaterThanOrEqual(0);
      for (;;) {
        const r = yield* h.write(fd, io, 4096);
        if (r < 0) {
          expect(r).toBe(-Errno.ENOSPC);
          break;
        }
        expect(r).toBe(4096);
        written += r;
      }
      // A second file cannot get a block either; its name still fits in the root's block.
      const fd2 = yield* openPath(h, "/small", O_CREAT | O_RDWR);
      expect(yield* h.write(fd2, io, 1)).toBe(-Errno.ENOSPC);
      expect(h.close(fd)).toBe(0);
      expect(yield* h.unlink(putStr(h, base(h), "/big"))).toBe(0);
      expect(yield* h.write(fd2, io, 4096)).toBe(4096);
    });
    k.run({ maxResumes: 100_000 });
    // 58 data blocks - the root directory's - the indirect block = 56 blocks of data.
    expect(written).toBe(56 * 4096);
    const free = k.machine.memory.read32((sbVa(k, SB.FREE_BLOCKS) & 0x1fffffff) >>> 0);
    expect(free).toBe(58 - 1 - 1);
  });
});
