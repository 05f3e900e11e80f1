import { defineCosts } from "@exolab/machine";
import { expect, test } from "vitest";
import { B, B_DELWRI, bdwrite, brelse, clrbuf, getblk, hdrVa, incore } from "../src/fs/bio.js";
import { O_CREAT, O_RDWR } from "../src/index.js";
import { directBlock, putStr } from "./fs-helpers.js";
import { boot } from "./helpers.js";

/**
 * The buffer cache (src/fs/bio.ts) and the disk driver (src/dev/rz.ts): hits and misses, the
 * LRU order of the free list, a reader sleeping until the disk's interrupt, dirty buffers
 * written back on eviction and on fsync.
 */

const TEST_COSTS = defineCosts({
  "test.spin": { instructions: 1000, source: "a test's busy loop" },
});

const flags = (k: ReturnType<typeof boot>, b: number) =>
  k.machine.memory.read32((hdrVa(k, b) & 0x1fffffff) >>> (0 + B.FLAGS));

test("getblk: a block in the cache is found (hit); a new one takes the least recently released buffer", () => {
  const k = boot({ bufferCacheBlocks: 4 });
  k.withKernel(() => {
    const p = null as never;
    const bufs = [100, 101, 102, 103].map((blk) => getblk(k, p, blk, 0));
    expect(new Set(bufs).size).toBe(4);
    // Valid (an invalid buffer goes to the head of the list, reused first), released in order:
    // 100 is the least recent.
    for (const b of bufs) {
      clrbuf(k, b);
      brelse(k, b);
    }
    // 101 is used again: it becomes the most recent.
    const again = getblk(k, p, 101, 0);
    expect(again).toBe(bufs[1]);
    brelse(k, again);
    // Two new blocks evict 100 then 102 (LRU), never 101.
    const n1 = getblk(k, p, 200, 0);
    expect(n1).toBe(bufs[0]);
    clrbuf(k, n1);
    brelse(k, n1);
    const n2 = getblk(k, p, 201, 0);
    expect(n2).toBe(bufs[2]);
    clrbuf(k, n2);
    brelse(k, n2);
    expect(incore(k, 100)).toBe(-1);
    expect(incore(k, 102)).toBe(-1);
    expect(incore(k, 101)).toBe(bufs[1]);
    expect(incore(k, 103)).toBe(bufs[3]);
  });
});

test("a dirty buffer is written to the disk when it is evicted", () => {
  const k = boot({ bufferCacheBlocks: 4 });
  k.withKernel(() => {
    const p = null as never;
    const b = getblk(k, p, 300, 0);
    k.cpu.store32((0x80000000 + k.bio.dataFrames[b]! * 4096) >>> 0, 0xcafe);
    bdwrite(k, b);
    expect(flags(k, b) & B_DELWRI).toBe(B_DELWRI);
    // Fill the cache with other blocks: 300 is the LRU one, so its write starts.
    for (const blk of [301, 302, 303, 304]) {
      const o = getblk(k, p, blk, 0);
      clrbuf(k, o);
      brelse(k, o);
    }
    expect(k.machine.disk.busy).toBe(true);
  });
  // Let the disk finish (no process: the idle loop waits for the interrupt).
  k.run({ maxResumes: 10 });
  expect(k.bio.stats.diskWrites).toBe(1);
  const onDisk = new DataView(k.machine.disk.inspect(300 * 8, 8).buffer);
  expect(onDisk.getUint32(0, true)).toBe(0xcafe);
});

test("a reader of a block not cached sleeps until the disk's interrupt; another process runs meanwhile", () => {
  const k = boot({ bufferCacheBlocks: 8 });
  const data = new Uint8Array(4096 * 16);
  // Twelve blocks of a file, written and synced; then, with a cold cache, read back.
  let readerDone = -1;
  let spins = 0;
  let readerWokeAt = 0;
  k.spawn("reader", function* (h) {
    h.sbrk(1 << 17);
    const path = putStr(h, h.heapBase, "/f");
    const fd = yield* h.open(path, O_CREAT | O_RDWR);
    const buf = h.heapBase + 4096;
    for (let i = 0; i < 12 * 4096; i += 4) h.cpu.store32(buf + i, i * 7);
    expect(yield* h.write(fd, buf, 12 * 4096)).toBe(12 * 4096);
    expect(yield* h.fsync(fd)).toBe(0);
    // Blocks 0..3 were evicted by the later ones (an 8-buffer cache): block 0 is read from disk.
    h.lseek(fd, 0, 0);
    const sleeps = k.counts.sleeps;
    const reads = k.bio.stats.diskReads;
    const rb = h.heapBase + 16 * 4096;
    expect(yield* h.read(fd, rb, 4096)).toBe(4096);
    expect(k.counts.sleeps).toBe(sleeps + 1);
    expect(k.bio.stats.diskReads).toBe(reads + 1);
    readerWokeAt = spins;
    for (let i = 0; i < 4096; i += 4) expect(h.cpu.load32(rb + i)).toBe(i * 7);
    // Again: a hit, no sleep, no disk read.
    h.lseek(fd, 0, 0);
    expect(yield* h.read(fd, rb, 4096)).toBe(4096);
    expect(k.counts.sleeps).toBe(sleeps + 1);
    expect(k.bio.stats.diskReads).toBe(reads + 1);
    readerDone = 1;
  });
  k.spawn("spinner", function* (h) {
    while (readerDone < 0) {
      h.cpu.exec(TEST_COSTS["test.spin"]);
      spins++;
      yield* h.safepoint();
    }
  });
  k.run({ maxResumes: 100_000 });
  expect(readerDone).toBe(1);
  expect(readerWokeAt).toBeGreaterThan(0); // the spinner ran while the reader slept
  void data;
});

test("a reader alone: run does not stop while it sleeps on the disk (the idle loop waits for the interrupt)", () => {
  const k = boot({ bufferCacheBlocks: 4 });
  k.machine.disk.preload(9000 * 8, new Uint8Array(4096).fill(7));
  let ok = false;
  k.spawn("r", function* (h) {
    h.sbrk(1 << 16);
    const path = putStr(h, h.heapBase, "/g");
    const fd = yield* h.open(path, O_CREAT | O_RDWR);
    const buf = h.heapBase + 4096;
    // Five whole blocks through a 4-buffer cache: the first is evicted; read it back.
    for (let i = 0; i < 5; i++) expect(yield* h.write(fd, buf, 4096)).toBe(4096);
    h.lseek(fd, 0, 0);
    expect(yield* h.read(fd, buf, 4096)).toBe(4096);
    ok = true;
  });
  const r = k.run({ maxResumes: 10_000 });
  expect(ok).toBe(true);
  expect(r.outcome).toBe("stopped");
  expect(k.counts.interrupts).toBeGreaterThan(0);
});

test("fsync writes a file's dirty blocks: on the disk before it returns, not before", () => {
  const k = boot();
  let blk = -1;
  let before = -1;
  k.spawn("w", function* (h) {
    h.sbrk(1 << 16);
    const path = putStr(h, h.heapBase, "/s");
    const fd = yield* h.open(path, O_CREAT | O_RDWR);
    const buf = h.heapBase + 4096;
    h.cpu.store32(buf, 0x5eed);
    expect(yield* h.write(fd, buf, 100)).toBe(100); // a partial block: delayed write
    blk = directBlock(k, 2, 0);
    before = new DataView(k.machine.disk.inspect(blk * 8, 1).buffer).getUint32(0, true);
    expect(yield* h.fsync(fd)).toBe(0);
    const after = new DataView(k.machine.disk.inspect(blk * 8, 1).buffer).getUint32(0, true);
    expect(after).toBe(0x5eed);
  });
  k.run({ maxResumes: 10_000 });
  expect(blk).toBeGreaterThan(0);
  expect(before).toBe(0);
});
