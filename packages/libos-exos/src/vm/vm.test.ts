import { ExcCode, PAGE_BYTES, Reg, Result } from "@exolab/exokernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExosApi } from "../index.js";
import { TEST_COSTS, type World, world } from "../test/world.js";
import { FaultAction, FaultExit, FaultKind, Prot } from "./vm.js";

const BASE = 0x00100000;

/** Boots one ExOS process, runs `body` in its thread to completion, returns the world. */
function inProcess(body: (os: ExosApi) => void, policy = {}, seeWorld?: (w: World) => void) {
  const w = world();
  seeWorld?.(w);
  const os = w.spawn({ policy });
  let done = false;
  // biome-ignore lint/correctness/useYield: a thread body that never blocks
  os.sched.spawn(function* () {
    body(os);
    done = true;
  });
  w.runUntil(() => done);
  expect(w.aegis.deaths).toEqual([]);
  expect(done).toBe(true);
  return { w, os };
}

describe("page table, refill and demand-zero", () => {
  it("demand-zero pages read as zero and keep their writes", () => {
    inProcess((os) => {
      const cpu = os.env.cpu;
      expect(os.vm.map(BASE, 8)).toBe(Result.Ok);
      expect(cpu.load32(BASE + 5 * PAGE_BYTES + 12)).toBe(0);
      for (let i = 0; i < 8; i++) cpu.store32(BASE + i * PAGE_BYTES + 4, 100 + i);
      for (let i = 0; i < 8; i++) expect(cpu.load32(BASE + i * PAGE_BYTES + 4)).toBe(100 + i);
      expect(os.vm.stats.zeroFills).toBe(8);
    });
  });

  it("refuses bad ranges, overlaps and a full table, changing nothing", () => {
    inProcess(
      (os) => {
        expect(os.vm.map(BASE + 12, 1)).toBe(Result.Invalid);
        expect(os.vm.map(BASE, 0)).toBe(Result.Invalid);
        expect(os.vm.map(0x7ff00000, 1)).toBe(Result.Invalid);
        expect(os.vm.map(0x80000000, 1)).toBe(Result.Invalid);
        expect(os.vm.map(BASE, 4)).toBe(Result.Ok);
        expect(os.vm.map(BASE + 3 * PAGE_BYTES, 2)).toBe(Result.Busy);
        expect(os.vm.map(BASE - PAGE_BYTES, 2)).toBe(Result.Busy);
        expect(os.vm.map(BASE + 10 * PAGE_BYTES, 20)).toBe(Result.NoMemory);
        expect(os.vm.pt.count()).toBe(4);
        expect(os.vm.unmap(BASE + PAGE_BYTES, 4)).toBe(Result.Invalid);
        expect(os.vm.pt.count()).toBe(4);
      },
      { pageTableEntries: 16 },
    );
  });

  it("unmapping frees the frames and later accesses are segmentation faults", () => {
    const { w, os } = inProcess((os) => {
      const cpu = os.env.cpu;
      os.vm.map(BASE, 3);
      for (let i = 0; i < 3; i++) cpu.store32(BASE + i * PAGE_BYTES, 7);
      expect(os.vm.unmap(BASE, 3)).toBe(Result.Ok);
      let seen = -1;
      os.vm.setSegvHandler((va, write, kind) => {
        seen = va;
        expect(write).toBe(false);
        expect(kind).toBe(FaultKind.Segv);
        return FaultAction.Emulate;
      });
      cpu.load32(BASE + PAGE_BYTES + 8);
      expect(seen).toBe(BASE + PAGE_BYTES + 8);
    });
    // Only the library's own pages (globals, page table, contexts) remain.
    const info = w.aegis.inspect(os.env.id);
    expect(info.frames.length).toBe(1 + 8 + 1);
  });
});

describe("segmentation faults", () => {
  it("an unmapped access goes to the application's handler, which may emulate it", () => {
    inProcess((os) => {
      const cpu = os.env.cpu;
      const seen: [number, boolean, number][] = [];
      os.vm.setSegvHandler((va, write, kind) => {
        seen.push([va, write, kind]);
        os.env.cpu.setReg(Reg.v0, 1234);
        return FaultAction.Emulate;
      });
      cpu.setReg(Reg.a0, 77);
      expect(cpu.load32(0x00500000)).toBe(1234);
      cpu.store32(0x00600004, 9);
      // Kernel addresses and unaligned accesses are address errors: segmentation faults too.
      expect(cpu.load32(0x80001000)).toBe(1234);
      cpu.load32(0x00500002);
      expect(seen).toEqual([
        [0x00500000, false, FaultKind.Segv],
        [0x00600004, true, FaultKind.Segv],
        [0x80001000, false, FaultKind.Segv],
        [0x00500002, false, FaultKind.Segv],
      ]);
      // The handler's system calls did not clobber the application's argument registers.
      expect(cpu.reg(Reg.a0)).toBe(77);
    });
  });

  it("without a handler the process ends (exit 139, SIGSEGV); the access never completes", () => {
    const cases: [string, (os: ExosApi) => void][] = [
      ["unmapped load", (os) => os.env.cpu.load32(0x00500000)],
      ["unmapped store", (os) => os.env.cpu.store32(0x00600004, 5)],
      ["kernel address", (os) => os.env.cpu.load32(0x80001000)],
      ["unaligned", (os) => os.env.cpu.load32(BASE + 2)],
      ["protection, no fault handler", (os) => os.env.cpu.store32(BASE, 1)],
    ];
    for (const [what, access] of cases) {
      const w = world();
      const os = w.spawn();
      const other = w.spawn();
      let after = false;
      let otherSteps = 0;
      expect(os.vm.map(BASE, 1, Prot.Read)).toBe(Result.Ok);
      os.sched.spawn(function* () {
        yield* os.sched.safepoint();
        access(os);
        after = true;
      });
      other.sched.spawn(function* () {
        for (;;) {
          other.env.cpu.exec(TEST_COSTS["test.other"], 1000);
          otherSteps++;
          yield* other.sched.safepoint();
        }
      });
      w.runUntil(() => !os.env.alive && otherSteps > 500);
      expect(after, what).toBe(false);
      expect(os.env.alive, what).toBe(false);
      expect(os.vm.stats.segv, what).toBe(1);
      expect(w.aegis.deaths, what).toEqual([
        expect.objectContaining({ envId: os.env.id, reason: "exit(139)", exitStatus: 139 }),
      ]);
      expect(FaultExit.Segv).toBe(139);
      // Everything it held is reclaimed; the other process runs on.
      expect(w.aegis.inspect(os.env.id).frames).toEqual([]);
      expect(other.env.alive).toBe(true);
    }
  });

  it("a page that cannot get a frame ends the process with exit 138 (SIGBUS)", () => {
    const w = world({ machineConfig: { memoryBytes: 64 * PAGE_BYTES } });
    const os = w.spawn();
    let touched = 0;
    os.sched.spawn(function* () {
      expect(os.vm.map(BASE, 64)).toBe(Result.Ok);
      for (let i = 0; i < 64; i++) {
        os.env.cpu.store32(BASE + i * PAGE_BYTES, i);
        touched++;
        yield* os.sched.safepoint();
      }
    });
    w.runUntil(() => !os.env.alive);
    expect(touched).toBeGreaterThan(0);
    expect(touched).toBeLessThan(64);
    expect(w.aegis.deaths[0]).toMatchObject({
      reason: "exit(138)",
      exitStatus: FaultExit.NoMemory,
    });
    expect(w.aegis.frameOwners().filter((o) => o === os.env.id).length).toBe(0);
  });

  it("the handler may map the page and retry", () => {
    inProcess((os) => {
      const cpu = os.env.cpu;
      os.vm.setSegvHandler((va) => {
        expect(os.vm.map(va & ~0xfff, 1)).toBe(Result.Ok);
        return FaultAction.Retry;
      });
      cpu.store32(0x00700010, 42);
      expect(cpu.load32(0x00700010)).toBe(42);
    });
  });
});

describe("Appel–Li primitives", () => {
  it("dirty tracks the first store; clean resets it; unmapped is refused", () => {
    inProcess((os) => {
      const cpu = os.env.cpu;
      os.vm.map(BASE, 2);
      expect(os.vm.dirty(BASE)).toBe(0);
      cpu.load32(BASE);
      expect(os.vm.dirty(BASE)).toBe(0);
      cpu.store32(BASE + 8, 1);
      expect(os.vm.dirty(BASE)).toBe(1);
      expect(os.vm.dirty(BASE + PAGE_BYTES)).toBe(0);
      expect(os.vm.clean(BASE)).toBe(Result.Ok);
      expect(os.vm.dirty(BASE)).toBe(0);
      expect(cpu.load32(BASE + 8)).toBe(1);
      expect(os.vm.dirty(BASE)).toBe(0);
      cpu.store32(BASE + 8, 2);
      expect(os.vm.dirty(BASE)).toBe(1);
      expect(os.vm.dirty(0x00900000)).toBe(Result.Invalid);
    });
  });

  it("a protected page traps to the fault handler, which unprotects and resumes", () => {
    inProcess((os) => {
      const cpu = os.env.cpu;
      os.vm.map(BASE, 4);
      cpu.store32(BASE + PAGE_BYTES, 55);
      const traps: [number, boolean][] = [];
      os.vm.setFaultHandler((va, write, kind) => {
        expect(kind).toBe(FaultKind.Protection);
        traps.push([va, write]);
        expect(os.vm.unprotectRange(va & ~0xfff, 1)).toBe(Result.Ok);
        return FaultAction.Retry;
      });
      expect(os.vm.protect1(BASE + PAGE_BYTES)).toBe(Result.Ok);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(55);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(55);
      expect(traps).toEqual([[BASE + PAGE_BYTES, false]]);
      // Read-only: loads pass, a store traps with write = true.
      expect(os.vm.mprotect(BASE, 2, Prot.Read)).toBe(Result.Ok);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(55);
      cpu.store32(BASE + PAGE_BYTES, 56);
      expect(traps[1]).toEqual([BASE + PAGE_BYTES, true]);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(56);
    });
  });

  it("protectRange and unprotectRange cover 100 pages and refuse unmapped ranges", () => {
    inProcess((os) => {
      const cpu = os.env.cpu;
      os.vm.map(BASE, 100);
      for (let i = 0; i < 100; i++) cpu.store32(BASE + i * PAGE_BYTES, i);
      let traps = 0;
      os.vm.setFaultHandler((va) => {
        traps++;
        os.vm.unprotectRange(va & ~0xfff, 1);
        return FaultAction.Retry;
      });
      expect(os.vm.protectRange(BASE, 100)).toBe(Result.Ok);
      for (let i = 0; i < 100; i += 7) expect(cpu.load32(BASE + i * PAGE_BYTES)).toBe(i);
      expect(traps).toBe(15);
      expect(os.vm.unprotectRange(BASE, 100)).toBe(Result.Ok);
      for (let i = 0; i < 100; i++) expect(cpu.load32(BASE + i * PAGE_BYTES)).toBe(i);
      expect(traps).toBe(15);
      expect(os.vm.protectRange(BASE, 101)).toBe(Result.Invalid);
      expect(os.vm.protectRange(BASE + 1, 1)).toBe(Result.Invalid);
      expect(os.vm.mprotect(BASE, 1, 7 as Prot)).toBe(Result.Invalid);
    });
  });

  it("a range goes to the exokernel in one bindBatch call per policy.batchEntries pages", () => {
    for (const [batchEntries, calls] of [
      [341, 1],
      [40, 3],
    ] as const) {
      let w0: ReturnType<typeof world> | undefined;
      const { w } = inProcess(
        (os) => {
          const cpu = os.env.cpu;
          os.vm.map(BASE, 100);
          for (let i = 0; i < 100; i++) cpu.store32(BASE + i * PAGE_BYTES, i);
          const stats = () => (w0 as ReturnType<typeof world>).aegis.stats.syscalls;
          let before = stats();
          expect(os.vm.protectRange(BASE, 100)).toBe(Result.Ok);
          expect(stats() - before, `protect, vectors of ${batchEntries}`).toBe(calls);
          // Every binding went: no TLB or STLB entry of the range is left.
          const aegis = (w0 as ReturnType<typeof world>).aegis;
          for (let i = 0; i < 100; i++) {
            expect(aegis.machine.tlb.probe((BASE >>> 12) + i, os.env.asid)).toBe(-1);
            expect(aegis.peekStlb((BASE >>> 12) + i, os.env.asid)).toBe(-1);
          }
          before = stats();
          expect(os.vm.unprotectRange(BASE, 100)).toBe(Result.Ok);
          expect(stats() - before, `unprotect, vectors of ${batchEntries}`).toBe(calls);
          // Installed at once (eagerRemap): every page is in the STLB, and loads hit.
          for (let i = 0; i < 100; i++)
            expect(aegis.peekStlb((BASE >>> 12) + i, os.env.asid)).not.toBe(-1);
          const refills = os.vm.stats.refills;
          for (let i = 0; i < 100; i++) expect(cpu.load32(BASE + i * PAGE_BYTES)).toBe(i);
          expect(os.vm.stats.refills).toBe(refills);
          // One page: its single call (tlbDelete), no vector.
          before = stats();
          expect(os.vm.protect1(BASE)).toBe(Result.Ok);
          expect(stats() - before).toBe(1);
        },
        { batchEntries },
        (w) => {
          w0 = w;
        },
      );
      expect(w).toBe(w0);
    }
  });

  it("a handler that fixes nothing is stopped by the exokernel, not looped forever", () => {
    const w = world();
    w.expectDeath(/no progress/);
    const os = w.spawn();
    os.sched.spawn(function* () {
      os.vm.map(BASE, 1);
      os.vm.protect1(BASE);
      os.vm.setFaultHandler(() => FaultAction.Retry);
      os.env.cpu.load32(BASE);
    });
    w.runUntil(() => !os.env.alive);
    expect(w.aegis.deaths[0]?.reason).toMatch(/no progress/);
  });
});

describe("aliasing", () => {
  it("two addresses of one frame see each other's writes; unprotect of an alias keeps its limit", () => {
    inProcess((os) => {
      const cpu = os.env.cpu;
      os.vm.map(BASE, 1);
      expect(os.vm.alias(BASE + 0x10000, BASE)).toBe(Result.Ok);
      expect(os.vm.alias(BASE + 0x20000, BASE, Prot.Read)).toBe(Result.Ok);
      cpu.store32(BASE + 16, 99);
      expect(cpu.load32(BASE + 0x10000 + 16)).toBe(99);
      cpu.store32(BASE + 0x10000 + 16, 100);
      expect(cpu.load32(BASE + 16)).toBe(100);
      expect(cpu.load32(BASE + 0x20000 + 16)).toBe(100);
      expect(os.vm.alias(BASE + 0x30000, 0x00900000)).toBe(Result.Invalid);
      expect(os.vm.alias(BASE + 0x10000, BASE)).toBe(Result.Busy);
    });
  });
});

describe("exception registers", () => {
  it("t0..t2 and v0/a0..a2 survive a refill upcall", () => {
    inProcess((os) => {
      const cpu = os.env.cpu;
      os.vm.map(BASE, 1);
      const regs = [Reg.t0, Reg.t1, Reg.t2, Reg.v0, Reg.a0, Reg.a1, Reg.a2];
      regs.forEach((r, i) => {
        cpu.setReg(r, 1000 + i);
      });
      cpu.store32(BASE, 1);
      expect(regs.map((r) => cpu.reg(r))).toEqual(regs.map((_, i) => 1000 + i));
      expect(ExcCode.Mod).toBe(1);
    });
  });
});

describe("model-based: the page table agrees with a plain map", () => {
  it("random map/unmap/protect/store/load sequences", () => {
    type Cmd =
      | { op: "map"; page: number; n: number }
      | { op: "unmap"; page: number; n: number }
      | { op: "prot"; page: number; n: number; prot: Prot }
      | { op: "store"; page: number; v: number }
      | { op: "load"; page: number };
    const page = fc.integer({ min: 0, max: 12 });
    const n = fc.integer({ min: 1, max: 4 });
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant("map" as const), page, n }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("unmap" as const), page, n }) },
      {
        weight: 1,
        arbitrary: fc.record({
          op: fc.constant("prot" as const),
          page,
          n,
          prot: fc.constantFrom(Prot.None, Prot.Read, Prot.ReadWrite),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant("store" as const),
          page,
          v: fc.integer({ min: 1, max: 1e6 }),
        }),
      },
      { weight: 3, arbitrary: fc.record({ op: fc.constant("load" as const), page }) },
    );
    let okCalls = 0;
    let totalCalls = 0;
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 40 }), (cmds) => {
        inProcess((os) => {
          const cpu = os.env.cpu;
          const model = new Map<number, { v: number; prot: Prot }>();
          let trapped = 0;
          os.vm.setFaultHandler(() => {
            trapped++;
            return FaultAction.Emulate;
          });
          os.vm.setSegvHandler(() => {
            trapped++;
            return FaultAction.Emulate;
          });
          const va = (p: number) => BASE + p * PAGE_BYTES;
          const all = (p: number, k: number) => {
            for (let i = 0; i < k; i++) if (!model.has(p + i)) return false;
            return true;
          };
          for (const c of cmds) {
            totalCalls++;
            if (c.op === "map") {
              const free = [...Array(c.n).keys()].every((i) => !model.has(c.page + i));
              const r = os.vm.map(va(c.page), c.n);
              expect(r).toBe(free ? Result.Ok : Result.Busy);
              if (free)
                for (let i = 0; i < c.n; i++) model.set(c.page + i, { v: 0, prot: Prot.ReadWrite });
              if (free) okCalls++;
            } else if (c.op === "unmap") {
              const ok = all(c.page, c.n);
              expect(os.vm.unmap(va(c.page), c.n)).toBe(ok ? Result.Ok : Result.Invalid);
              if (ok) for (let i = 0; i < c.n; i++) model.delete(c.page + i);
              if (ok) okCalls++;
            } else if (c.op === "prot") {
              const ok = all(c.page, c.n);
              expect(os.vm.mprotect(va(c.page), c.n, c.prot)).toBe(ok ? Result.Ok : Result.Invalid);
              if (ok) for (let i = 0; i < c.n; i++) model.get(c.page + i)!.prot = c.prot;
              if (ok) okCalls++;
            } else if (c.op === "store") {
              const m = model.get(c.page);
              const before = trapped;
              cpu.store32(va(c.page) + 4, c.v);
              const allowed = m !== undefined && (m.prot & 2) !== 0;
              expect(trapped - before).toBe(allowed ? 0 : 1);
              if (allowed) {
                m!.v = c.v;
                okCalls++;
              }
            } else {
              const m = model.get(c.page);
              const before = trapped;
              cpu.setReg(Reg.v0, -1);
              const v = cpu.load32(va(c.page) + 4);
              const allowed = m !== undefined && (m.prot & 1) !== 0;
              expect(trapped - before).toBe(allowed ? 0 : 1);
              if (allowed) {
                expect(v).toBe(m!.v);
                okCalls++;
              }
            }
          }
          // The vector stays sorted and matches the model exactly.
          const n = os.vm.pt.count();
          expect(n).toBe(model.size);
          let last = -1;
          for (let i = 0; i < n; i++) {
            const vpn = os.vm.pt.word0(i) >>> 12;
            expect(vpn).toBeGreaterThan(last);
            last = vpn;
            expect(model.has(vpn - (BASE >>> 12))).toBe(true);
          }
        });
      }),
      { numRuns: 40, seed: 5 },
    );
    expect(okCalls / totalCalls).toBeGreaterThan(0.2);
  });
});

describe("sharing between environments", () => {
  it("read-only and writable grants; refusals", () => {
    const w = world();
    const a = w.spawn();
    const b = w.spawn();
    const P = BASE;
    const Q = BASE + PAGE_BYTES;
    let capRO = -1;
    let capRW = -1;
    let step = 0;
    a.sched.spawn(function* () {
      const cpu = a.env.cpu;
      expect(a.vm.map(P, 2)).toBe(Result.Ok);
      cpu.store32(P, 7);
      capRO = a.vm.share(P, b.env.id, false);
      capRW = a.vm.share(Q, b.env.id, true);
      expect(capRO).toBeGreaterThanOrEqual(0);
      expect(capRW).toBeGreaterThanOrEqual(0);
      expect(a.vm.share(BASE + 0x40000, b.env.id, false)).toBe(Result.Invalid);
      expect(a.vm.share(P, 999, false)).toBe(Result.NoEnv);
      expect(a.vm.alias(BASE + 0x10000, P, Prot.Read)).toBe(Result.Ok);
      expect(a.vm.share(BASE + 0x10000, b.env.id, true)).toBe(Result.Rights);
      step = 1;
      while (step !== 2) yield* a.sched.yieldTo(b.env.id);
      expect(cpu.load32(Q)).toBe(9);
      expect(cpu.load32(P)).toBe(7);
      step = 3;
    });
    const faults: [number, boolean, number][] = [];
    b.sched.spawn(function* () {
      const cpu = b.env.cpu;
      while (step !== 1) yield* b.sched.yieldTo(a.env.id);
      const X = 0x00300000;
      const Y = 0x00301000;
      const Z = 0x00302000;
      const libcap = () => ({ ...w.aegis.machine.accounting.labels.get("exos.vm.libcap") });
      const before = libcap();
      expect(b.vm.mapShared(X, capRO, false)).toBe(Result.Ok);
      // The name is checked against each of the library's own pages: exos.vm.libcap, 4
      // instructions a page (the lw, its load-delay nop — bne uses the name at once — and
      // bne + slot).
      const after = libcap();
      const looked = after.calls! - (before.calls ?? 0);
      expect(looked).toBeGreaterThan(0);
      expect(after.instructions! - (before.instructions ?? 0)).toBe(4 * looked);
      expect(b.vm.mapShared(Y, capRW, true)).toBe(Result.Ok);
      expect(b.vm.mapShared(X, capRO, false)).toBe(Result.Busy);
      expect(b.vm.mapShared(0x00303000, 4095, false)).toBeLessThan(0);
      // A writable mapping of a read-only capability: the kernel refuses the binding at
      // the first store, which is then a segmentation fault.
      expect(b.vm.mapShared(Z, capRO, true)).toBe(Result.Ok);
      b.vm.setFaultHandler((va, write, kind) => {
        faults.push([va, write, kind]);
        return FaultAction.Emulate;
      });
      b.vm.setSegvHandler((va, write, kind) => {
        faults.push([va, write, kind]);
        return FaultAction.Emulate;
      });
      expect(cpu.load32(X)).toBe(7);
      cpu.store32(X, 8);
      cpu.store32(Y, 9);
      cpu.store32(Z, 10);
      step = 2;
      while (step !== 3) yield* b.sched.yieldTo(a.env.id);
    });
    w.runUntil(() => step === 3);
    expect(w.aegis.deaths).toEqual([]);
    expect(faults).toEqual([
      [0x00300000, true, FaultKind.Protection],
      [0x00302000, true, FaultKind.Segv],
    ]);
  });
});

describe("policies", () => {
  it("refuse bad values with a typed error", () => {
    const w = world();
    w.expectDeath(/boot failed/);
    expect(() => w.spawn({ policy: { pipeRingBytes: 3000 } })).toThrow(RangeError);
    expect(() => w.spawn({ policy: { pipeRingBytes: 768 } })).toThrow(/power of two/);
    expect(() => w.spawn({ policy: { pageTableEntries: 1 << 20 } })).toThrow(RangeError);
    expect(() => w.spawn({ policy: { maxThreads: 0 } })).toThrow(RangeError);
  });

  it("without dirty tracking, writable pages are installed writable and count as dirty", () => {
    const { os } = inProcess(
      (os) => {
        os.vm.map(BASE, 1);
        os.env.cpu.load32(BASE);
        expect(os.vm.dirty(BASE)).toBe(1);
        os.env.cpu.store32(BASE, 1);
      },
      { trackDirty: false },
    );
    expect(os.vm.stats.dirtyFaults).toBe(0);
  });

  it("without eager remapping, an unprotected page is installed at its next miss", () => {
    for (const eagerRemap of [true, false]) {
      const { os } = inProcess(
        (os) => {
          os.vm.map(BASE, 1);
          os.env.cpu.store32(BASE, 1);
          os.vm.protect1(BASE);
          os.vm.unprotectRange(BASE, 1);
          const before = os.vm.stats.refills;
          expect(os.env.cpu.load32(BASE)).toBe(1);
          expect(os.vm.stats.refills - before).toBe(eagerRemap ? 0 : 1);
        },
        { eagerRemap },
      );
      expect(os.policy.eagerRemap).toBe(eagerRemap);
    }
  });
});

describe("other traps (overflow, coprocessor, breakpoint)", () => {
  it("go to the application's trap handler, which may emulate the result", () => {
    const seen: number[] = [];
    inProcess((os) => {
      const cpu = os.env.cpu;
      const h = (code: number) => {
        seen.push(code);
        os.env.cpu.setReg(Reg.v0, -7);
        return FaultAction.Emulate;
      };
      expect(os.vm.setTrapHandler(ExcCode.Ov, h)).toBe(Result.Ok);
      expect(os.vm.setTrapHandler(ExcCode.CpU, h)).toBe(Result.Ok);
      expect(os.vm.setTrapHandler(ExcCode.Mod, h)).toBe(Result.Invalid);
      expect(os.vm.setTrapHandler(ExcCode.Ov, 5 as never)).toBe(Result.Invalid);
      cpu.setReg(Reg.a1, 31);
      expect(cpu.addTrapping(0x7fffffff, 1)).toBe(-7);
      expect(cpu.addTrapping(2, 3)).toBe(5);
      expect(cpu.coprocessor1()).toBe(false);
      expect(cpu.reg(Reg.a1)).toBe(31);
    });
    expect(seen).toEqual([ExcCode.Ov, ExcCode.CpU]);
  });

  it("without a handler the exokernel ends the process (the UNIX default action)", () => {
    const w = world();
    w.expectDeath(/unhandled exception Ov/);
    const os = w.spawn();
    os.sched.spawn(function* () {
      expect(os.vm.setTrapHandler(ExcCode.Ov, () => FaultAction.Emulate)).toBe(Result.Ok);
      expect(os.vm.setTrapHandler(ExcCode.Ov, null)).toBe(Result.Ok);
      os.env.cpu.addTrapping(0x7fffffff, 1);
      yield* os.sched.safepoint();
    });
    w.runUntil(() => !os.env.alive);
    expect(w.aegis.deaths[0]?.reason).toMatch(/unhandled exception Ov/);
  });
});
