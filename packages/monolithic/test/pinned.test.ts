import type { AttributionReport } from "@exolab/machine";
import { attributionBetween, cyclesToMicros } from "@exolab/machine/privileged";
import { afterAll, describe, expect, it } from "vitest";
import {
  IPC_PRIVATE,
  IPC_RMID,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  SC,
  SIG,
  sigmask,
} from "../src/index.js";
import { boot, measure } from "./helpers.js";

/**
 * The measured paths of the baseline, pinned to the cycle with their attribution by category.
 * Each is measured warm (after one run of the same path), as the paper's "best case" figures.
 * COSTS.md explains every step; a change here must be explained there, never tuned.
 */
const RW = PROT_READ | PROT_WRITE;
const rows: [string, number, number | null][] = [];

function cats(r: AttributionReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [c, v] of Object.entries(r.byCategory)) if (v !== 0) out[c] = v;
  return out;
}

afterAll(() => {
  const lines = rows.map(
    ([n, c, paper]) =>
      `${n.padEnd(28)} ${String(c).padStart(6)} cycles ${cyclesToMicros(boot().machine.profile, c).toFixed(2).padStart(8)} us   paper Ultrix ${paper === null ? "n/a" : paper}`,
  );
  console.log(`monolithic pinned paths on dec5000_125\n${lines.join("\n")}`);
});

describe("pinned cycle paths (dec5000_125, warm)", () => {
  it("null procedure call: 4 cycles (jal, nop, jr, nop)", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      h.nullCall();
      const m = measure(k, () => h.nullCall());
      expect(m.cycles).toBe(4);
      expect(cats(m.report)).toEqual({ user: 4 });
      rows.push(["null procedure call", m.cycles, 0.28]);
    });
    k.run();
  });

  it("getpid: 154 cycles", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      h.getpid();
      const m = measure(k, () => expect(h.getpid()).toBe(1));
      expect(m.cycles).toBe(154);
      expect(cats(m.report)).toEqual({
        user: 7,
        kernel: 38,
        trapEntry: 19,
        trapExit: 4,
        regSave: 31,
        regRestore: 31,
        memory: 24,
      });
      rows.push(["getpid", m.cycles, 21.3]);
    });
    k.run();
  });

  it("mprotect of 1 page (222) and of 100 pages (1905 either way)", () => {
    const k = boot({ initialDataBytes: 512 * 1024 });
    k.spawn("p", function* (h) {
      const base = Math.ceil(h.heapBase / 4096) * 4096;
      for (let i = 0; i < 100; i++) h.cpu.store32(base + i * 4096, i);
      h.mprotect(base, 4096, PROT_READ);
      h.mprotect(base, 4096, RW);
      const m1 = measure(k, () => expect(h.mprotect(base, 4096, PROT_READ)).toBe(0));
      h.mprotect(base, 100 * 4096, RW);
      const m100 = measure(k, () => expect(h.mprotect(base, 100 * 4096, PROT_NONE)).toBe(0));
      const u100 = measure(k, () => expect(h.mprotect(base, 100 * 4096, RW)).toBe(0));
      expect(m1.cycles).toBe(222);
      expect(cats(m1.report)).toEqual({
        user: 10,
        kernel: 87,
        trapEntry: 19,
        trapExit: 4,
        regSave: 31,
        regRestore: 31,
        memory: 32,
        tlb: 8,
      });
      expect(m100.cycles).toBe(1905);
      expect(u100.cycles).toBe(1905);
      expect(cats(m100.report)).toEqual({
        user: 10,
        kernel: 780,
        trapEntry: 19,
        trapExit: 4,
        regSave: 31,
        regRestore: 31,
        memory: 230,
        tlb: 800,
      });
      // Per page beyond the first: 7 + 6 instructions, a PTE load and store, tlbp.
      expect((m100.cycles - m1.cycles) / 99).toBeCloseTo(17, 5);
      rows.push(["mprotect 1 page (prot1)", m1.cycles, 32]);
      rows.push(["mprotect 100 pages (prot100)", m100.cycles, 102]);
      rows.push(["unprotect 100 (unprot100)", u100.cycles, 102]);
    });
    k.run();
  });

  it("SIGSEGV on a protection fault to a user handler that unprotects, and back: 1013", () => {
    const k = boot({ initialDataBytes: 64 * 1024 });
    k.spawn("p", function* (h) {
      const page = Math.ceil(h.heapBase / 4096) * 4096;
      h.cpu.store32(page, 42);
      let tIn = 0;
      let tOut = 0;
      let code = 0;
      h.signal(SIG.SEGV, (sig, c) => {
        tIn = k.machine.now;
        code = c;
        expect(sig).toBe(SIG.SEGV);
        h.mprotect(page, 4096, RW);
        tOut = k.machine.now;
      });
      h.mprotect(page, 4096, PROT_NONE);
      expect(h.cpu.load32(page)).toBe(42);
      h.mprotect(page, 4096, PROT_NONE);
      const t0 = k.machine.now;
      const m = measure(k, () => expect(h.cpu.load32(page)).toBe(42));
      expect(code).toBe(page);
      const dispatch = tIn - t0;
      const back = t0 + m.cycles - tOut;
      expect(m.cycles).toBe(1013);
      expect(dispatch).toBe(431);
      expect(back).toBe(357);
      expect(cats(m.report)).toEqual({
        user: 14,
        kernel: 469,
        trapEntry: 63,
        trapExit: 14,
        regSave: 93,
        regRestore: 93,
        memory: 238,
        tlb: 29,
      });
      rows.push(["trap (prot fault+mprotect)", m.cycles, 161]);
      rows.push(["prot fault: dispatch+return", dispatch + back, 154]);
    });
    k.run();
  });

  it("SIGFPE on overflow to a user handler (which steps sc_pc past the add) and back: 749", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      let n = 0;
      h.signal(SIG.FPE, (_sig, _code, scp) => {
        n++;
        h.cpu.store32(scp + SC.PC, h.cpu.load32(scp + SC.PC) + 4);
      });
      h.cpu.addTrapping(0x7fffffff, 1);
      const m = measure(k, () => expect(h.cpu.addTrapping(0x7fffffff, 1)).toBe(0x7fffffff));
      expect(n).toBe(2);
      expect(m.cycles).toBe(749);
      expect(cats(m.report)).toEqual({
        user: 5,
        kernel: 370,
        trapEntry: 38,
        trapExit: 8,
        regSave: 62,
        regRestore: 62,
        memory: 204,
      });
      rows.push(["overflow (SIGFPE)", m.cycles, 130]);
    });
    k.run();
  });

  it("unaligned load fixed up in the kernel (not delivered, as Ultrix): 184", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      const a = Math.ceil(h.heapBase / 4096) * 4096;
      h.cpu.store32(a, 0x44332211);
      h.cpu.store32(a + 4, 0x88776655);
      h.cpu.load32(a + 1);
      const m = measure(k, () => expect(h.cpu.load32(a + 1)).toBe(0x55443322));
      expect(m.cycles).toBe(184);
      expect(cats(m.report)).toEqual({
        kernel: 77,
        trapEntry: 19,
        trapExit: 4,
        regSave: 31,
        regRestore: 31,
        memory: 22,
      });
      rows.push(["unaligned load (fix-up)", m.cycles, null]);
    });
    k.run();
  });

  it("coprocessor unusable: the FPU handed over (not delivered, as Ultrix): 170", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      const m = measure(k, () => expect(h.cpu.coprocessor1()).toBe(true));
      expect(m.cycles).toBe(170);
      expect(cats(m.report)).toEqual({
        user: 1,
        kernel: 39,
        trapEntry: 19,
        trapExit: 4,
        regSave: 31,
        regRestore: 31,
        memory: 45,
      });
      rows.push(["coprocessor unusable (FPU)", m.cycles, null]);
    });
    k.run();
  });

  it("shm ping-pong with signals as the yield (kill + sigpause), as the paper's Ultrix shm: 2203", () => {
    const k = boot();
    const rounds: number[] = [];
    k.spawn("a", function* (h) {
      const id = h.shmget(IPC_PRIVATE, 4096, 0);
      const s = h.shmat(id, 0, 0);
      h.shmctl(id, IPC_RMID);
      const noop = () => {};
      h.signal(SIG.USR1, noop);
      h.sigblock(sigmask(SIG.USR1));
      const b = h.fork(function* (c) {
        for (;;) {
          yield* c.sigpause(0);
          const v = c.cpu.load32(s);
          if (v >= 9) break;
          c.cpu.store32(s, v + 1);
          c.kill(h.pid, SIG.USR1);
        }
      });
      for (let i = 0; i < 4; i++) {
        const t0 = k.machine.now;
        h.cpu.store32(s, h.cpu.load32(s) + 1);
        h.kill(b, SIG.USR1);
        yield* h.sigpause(0);
        rounds.push(k.machine.now - t0);
      }
      h.cpu.store32(s, 9);
      h.kill(b, SIG.USR1);
      yield* h.wait(0);
    });
    k.run();
    expect(rounds.slice(1)).toEqual([2203, 2203, 2203]);
    rows.push(["shm one way (signals)", rounds[3]! / 2, 118]);
  });

  it("pipe round trip of a word between two processes: 1416 (two switches)", () => {
    const k = boot();
    const rounds: number[] = [];
    let report: AttributionReport | null = null;
    k.spawn("parent", function* (h) {
      const fds = h.heapBase;
      expect(h.pipe(fds)).toBe(0);
      expect(h.pipe(fds + 8)).toBe(0);
      const [r1, w1, r2, w2] = [0, 4, 8, 12].map((o) => h.cpu.load32(fds + o));
      h.fork(function* (c) {
        c.close(w1!);
        c.close(r2!);
        const buf = c.heapBase + 64;
        for (;;) {
          if ((yield* c.read(r1!, buf, 4)) <= 0) break;
          c.cpu.store32(buf, c.cpu.load32(buf) + 1);
          yield* c.write(w2!, buf, 4);
        }
      });
      const buf = h.heapBase + 64;
      h.cpu.store32(buf, 0);
      for (let i = 0; i < 4; i++) {
        const acc = k.machine.accounting;
        const before = k.machine.snapshot();
        const t0 = k.machine.now;
        yield* h.write(w1!, buf, 4);
        yield* h.read(r2!, buf, 4);
        rounds.push(k.machine.now - t0);
        report = attributionBetween(acc, before, k.machine.snapshot());
      }
      expect(h.cpu.load32(buf)).toBe(4);
      h.close(w1!);
      yield* h.wait(0);
    });
    k.run();
    expect(rounds.slice(1)).toEqual([1416, 1416, 1416]);
    expect(k.stats().liveProcesses).toBe(0);
    const r = report! as AttributionReport;
    expect(r.labels.find((l) => l.label === "swtch.pick")!.calls).toBe(2);
    expect(cats(r)).toEqual({
      user: 40,
      kernel: 724,
      trapEntry: 76,
      trapExit: 18,
      regSave: 146,
      regRestore: 146,
      memory: 238,
      tlb: 28,
    });
    rows.push(["pipe one way (round trip/2)", rounds[3]! / 2, 199]);
  });
});
