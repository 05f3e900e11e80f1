import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IPC_PRIVATE, IPC_RMID, type ProcessHandle, SIG } from "../src/index.js";
import { boot } from "./helpers.js";

const page = (h: ProcessHandle) => Math.ceil(h.heapBase / 4096) * 4096;

describe("isolation between address spaces", () => {
  it("the same virtual address names different memory in two processes", () => {
    const k = boot();
    const seen: number[] = [];
    for (const v of [0x1111, 0x2222]) {
      k.spawn(`p${v}`, function* (h) {
        const a = page(h);
        h.cpu.store32(a, v);
        for (let i = 0; i < 3; i++) {
          k.machine.requestSwitch();
          yield* h.safepoint();
          seen.push(h.cpu.load32(a));
        }
      });
    }
    k.run();
    expect(seen.sort()).toEqual([0x1111, 0x1111, 0x1111, 0x2222, 0x2222, 0x2222]);
  });

  it("no user address of one process reaches another's data, stack or shm pages", () => {
    const k = boot();
    const MARK = 0x5ec7e700;
    const seen: string[] = [];
    let probes = 0;
    let faults = 0;
    k.spawn("owner", function* (h) {
      const data = page(h);
      for (let i = 0; i < 4; i++) h.cpu.store32(data + i * 4096, MARK + i);
      h.cpu.store32(h.stackTop - 4, MARK + 8);
      const shm = h.shmat(h.shmget(IPC_PRIVATE, 4096, 0), 0, 0);
      h.cpu.store32(shm, MARK + 9);
      for (let i = 0; i < 4; i++) {
        k.machine.requestSwitch();
        yield* h.safepoint();
      }
      expect(h.cpu.load32(data)).toBe(MARK);
    });
    k.spawn("prober", function* (h) {
      // Every fault is stepped over (a skipped load yields 0).
      h.signal(SIG.SEGV, (_s, _c, scp, self) => {
        faults++;
        self.cpu.store32(scp + 8, self.cpu.load32(scp + 8) + 4);
      });
      const vas = [h.stackTop - 4, 0x40000000, 0x40000ffc, 0x00400000, 0x20000000];
      for (let i = 0; i < 4; i++) vas.push(page(h) + i * 4096);
      for (let va = 0x10000000; va < 0x10010000; va += 0x1000) vas.push(va + 0x10);
      for (const va of vas) {
        const v = h.cpu.load32(va);
        probes++;
        if ((v & ~0xff) === MARK) seen.push(va.toString(16));
      }
    });
    k.run();
    expect(seen).toEqual([]);
    expect(probes).toBe(25);
    // Outside the prober's own 16 KiB of data and its stack (the owner's shm region, text, a
    // hole, the 12 pages past its break and page(h) + 3 * 4096 = its break) every load faults.
    expect(faults).toBe(4 + 12 + 1);
  });

  it("a process cannot reach kernel memory, another's page tables, or its u-area", () => {
    const k = boot();
    const statuses: number[] = [];
    k.spawn("victim-parent", function* (h) {
      for (const va of [0x80000000 + 2 * 4096, 0xc0000000, 0xffffc000, 0xa0000000]) {
        h.fork(function* (c) {
          c.cpu.store32(va, 0xbad);
        });
        const sv = h.heapBase;
        yield* h.wait(sv);
        statuses.push(h.cpu.load32(sv));
      }
    });
    k.run();
    expect(statuses).toEqual([SIG.BUS, SIG.BUS, SIG.BUS, SIG.BUS]);
  });

  it("property: random stores and loads by three processes only ever see their own values", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            proc: fc.integer({ min: 0, max: 2 }),
            slot: fc.integer({ min: 0, max: 63 }),
            value: fc.integer({ min: 0, max: 0x7fffffff }),
            load: fc.boolean(),
          }),
          { minLength: 20, maxLength: 80 },
        ),
        (ops) => {
          const k = boot();
          const model = [
            new Map<number, number>(),
            new Map<number, number>(),
            new Map<number, number>(),
          ];
          const mismatches: string[] = [];
          let done = 0;
          for (let pi = 0; pi < 3; pi++) {
            k.spawn(`p${pi}`, function* (h) {
              const base = page(h);
              expect(h.sbrk(64 * 1024)).toBeGreaterThan(0);
              for (const op of ops) {
                if (op.proc !== pi) continue;
                const va = base + (op.slot % 16) * 4096 + (op.slot >> 4) * 4;
                if (op.load) {
                  const want = model[pi]!.get(va) ?? 0;
                  const got = h.cpu.load32(va);
                  if (got !== want) mismatches.push(`p${pi} ${va.toString(16)} ${got} != ${want}`);
                } else {
                  h.cpu.store32(va, op.value);
                  model[pi]!.set(va, op.value);
                }
                k.machine.requestSwitch();
                yield* h.safepoint();
              }
              done++;
            });
          }
          k.run();
          expect(mismatches).toEqual([]);
          expect(done).toBe(3);
        },
      ),
      { numRuns: 25, seed: 4242 },
    );
  });
});

describe("a killed process releases everything", () => {
  it("frames, ASID (TLB entries), pipe, shm attachment, descriptors", () => {
    const k = boot();
    const free0 = k.stats().freeFrames;
    let victim = 0;
    let status = -1;
    let asid = -1;
    k.spawn("parent", function* (h) {
      const fds = page(h);
      expect(h.pipe(fds)).toBe(0);
      const r = h.cpu.load32(fds);
      const w = h.cpu.load32(fds + 4);
      const id = h.shmget(IPC_PRIVATE, 16384, 0);
      victim = h.fork(function* (c) {
        const a = c.shmat(id, 0, 0);
        c.cpu.store32(a, 1);
        c.sbrk(64 * 1024);
        for (let i = 0; i < 16; i++) c.cpu.store32(page(c) + i * 4096, i);
        c.cpu.store32(c.stackTop - 4, 1);
        c.close(w);
        yield* c.read(r, fds + 64, 4); // sleeps forever: nobody writes
        throw new Error("not reached");
      });
      asid = victim; // slot = pid - 1 here, ASID = slot + 1
      h.close(r);
      // Let the child run until it sleeps (we block on wait after killing, but first yield).
      k.machine.requestSwitch();
      yield* h.safepoint();
      expect(h.shmctl(id, IPC_RMID)).toBe(0);
      expect(h.kill(victim, SIG.KILL)).toBe(0);
      const sv = page(h) + 128;
      expect(yield* h.wait(sv)).toBe(victim);
      status = h.cpu.load32(sv);
      h.close(w);
    });
    k.run();
    expect(status).toBe(SIG.KILL);
    const s = k.stats();
    expect(s).toEqual({
      freeFrames: free0,
      liveProcesses: 0,
      zombies: 0,
      openFiles: 0,
      pipes: 0,
      shmSegments: 0,
    });
    const tlb = k.machine.tlb;
    for (let i = tlb.wired; i < tlb.size; i++) {
      const user = tlb.hi[i]! < 0x80000000;
      if (user)
        expect(((tlb.hi[i]! >>> 6) & 63) === asid && (tlb.lo[i]! & 0x200) !== 0).toBe(false);
    }
  });

  it("a process killed by its own fault (uncaught SIGSEGV) releases everything too", () => {
    const k = boot();
    const free0 = k.stats().freeFrames;
    let status = -1;
    k.spawn("parent", function* (h) {
      const fds = page(h);
      expect(h.pipe(fds)).toBe(0);
      const id = h.shmget(IPC_PRIVATE, 8192, 0);
      h.fork(function* (c) {
        const a = c.shmat(id, 0, 0);
        c.cpu.store32(a + 4096, 1);
        for (let i = 0; i < 8; i++) c.cpu.store32(page(c) + i * 4096, i);
        c.mprotect(page(c), 4096, 0);
        c.cpu.load32(page(c));
        throw new Error("not reached");
      });
      expect(h.shmctl(id, IPC_RMID)).toBe(0);
      const sv = page(h) + 128;
      yield* h.wait(sv);
      status = h.cpu.load32(sv);
      h.close(h.cpu.load32(fds));
      h.close(h.cpu.load32(fds + 4));
    });
    k.run();
    expect(status).toBe(SIG.SEGV);
    expect(k.stats()).toEqual({
      freeFrames: free0,
      liveProcesses: 0,
      zombies: 0,
      openFiles: 0,
      pipes: 0,
      shmSegments: 0,
    });
  });
});
