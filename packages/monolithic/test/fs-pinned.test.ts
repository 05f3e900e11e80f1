import { withMemorySystem } from "@exolab/machine/privileged";
import { expect, it } from "vitest";
import { MonolithicKernel, O_CREAT, O_RDWR, type ProcessHandle, SEEK_SET } from "../src/index.js";
import { putStr } from "./fs-helpers.js";
import { failOnThrow } from "./helpers.js";

/**
 * The file system's paths, pinned to the cycle on the counted profile (dec5000_125 without
 * its memory system, named explicitly so that these do not move if the named profile's
 * default changes). Each is measured warm, in a process alone; the steps are COSTS.md's
 * estimates (bio.*, ufs.*, rz.*, namei*). FS_PIN_RECORD=1 prints the table instead.
 */
const COUNTED_PROFILE = withMemorySystem("dec5000_125", false);
const RECORD = process.env.FS_PIN_RECORD === "1";

const PINNED: Record<string, { cycles: number; what: string }> = {
  // Read and write: one cycle more since the network stack landed (the file's type word is
  // loaded to tell a socket from a pipe or a file: f_ops's dispatch).
  "read 4 KiB, cached": {
    cycles: 3233,
    what: "read of a whole block in the cache: trap, rwuio, getf, useracc, ufs_read, bmap (direct), bread (getblk hit), uiomove's 4 KiB copyout, brelse, return",
  },
  "write 4 KiB, cached": {
    cycles: 3336,
    what: "write of a whole block in the cache: ufs_write, bmap, getblk hit, 4 KiB copyin, bawrite (the disk command started, not waited for)",
  },
  "read 4 KiB, miss": {
    cycles: 372910,
    what: "read of a block not cached: getnewbuf, the disk command, sleep, the idle CPU until the disk's interrupt (rzintr, biodone, wakeup), the switch back, the lookup again, copyout",
  },
  lseek: { cycles: 308, what: "lseek(fd, 0, SEEK_SET): trap, getf, the offset stored, return" },
  "open, one name": {
    cycles: 689,
    what: "open of /f (the root directory's block cached): copyinstr, namei, the root's entries compared, falloc",
  },
};

it("the file system's paths: cycles on the counted profile", () => {
  const k = new MonolithicKernel({
    machine: { seed: 7, profile: COUNTED_PROFILE },
    policy: { bufferCacheBlocks: 8 },
    onDeath: failOnThrow,
  });
  const got: Record<string, number> = {};
  k.spawn("pin", function* (h: ProcessHandle) {
    h.sbrk(1 << 16);
    const base = Math.ceil(h.heapBase / 4096) * 4096;
    const io = base + 4096;
    const path = putStr(h, base, "/f");
    const fd = yield* h.open(path, O_CREAT | O_RDWR);
    // Warm: the file's first blocks written and read once; the user pages filled.
    for (let i = 0; i < 10; i++) expect(yield* h.write(fd, io, 4096)).toBe(4096);
    const t = function* (name: string, body: () => Generator<unknown, number>) {
      const t0 = k.machine.now;
      yield* body();
      got[name] = k.machine.now - t0;
    };
    h.lseek(fd, 9 * 4096, SEEK_SET);
    yield* h.read(fd, io, 4096);
    h.lseek(fd, 9 * 4096, SEEK_SET);
    yield* t("read 4 KiB, cached", () => h.read(fd, io, 4096));
    h.lseek(fd, 9 * 4096, SEEK_SET);
    yield* t("write 4 KiB, cached", () => h.write(fd, io, 4096));
    // Block 0 was evicted by blocks 2..9 (an 8-buffer cache); wait for the writes first.
    expect(yield* h.fsync(fd)).toBe(0);
    h.lseek(fd, 0, SEEK_SET);
    yield* t("read 4 KiB, miss", () => h.read(fd, io, 4096));
    const l0 = k.machine.now;
    h.lseek(fd, 0, SEEK_SET);
    got.lseek = k.machine.now - l0;
    yield* h.open(path, O_RDWR);
    yield* t("open, one name", () => h.open(path, O_RDWR));
  });
  k.run({ maxResumes: 10_000 });
  if (RECORD) {
    console.log(got);
    return;
  }
  for (const [name, want] of Object.entries(PINNED))
    expect([name, got[name]]).toEqual([name, want.cycles]);
});
