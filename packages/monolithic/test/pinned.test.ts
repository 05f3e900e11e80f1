import type { AttributionReport } from "@exolab/machine";
import { attributionBetween, cyclesToMicros } from "@exolab/machine/privileged";
import { afterAll, describe, expect, it } from "vitest";
import {
  COSTS,
  IPC_PRIVATE,
  IPC_RMID,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  type ProcessHandle,
  SC,
  SIG,
  sigmask,
} from "../src/index.js";
import { boot, measure } from "./helpers.js";

/**
 * The measured paths of the baseline, pinned to the cycle with their attribution by category
 * and by owner (kernel / application). Each is measured warm (after one run of the same
 * path), as the paper's "best case" figures. COSTS.md explains every step; a change here must
 * be explained there, never tuned. `MONO_COSTS_MD=1 npx vitest run test/pinned.test.ts`
 * prints each path's label table in COSTS.md's format.
 */
const RW = PROT_READ | PROT_WRITE;
const rows: [string, number, number | null][] = [];
const tables: [string, number, AttributionReport][] = [];

function cats(r: AttributionReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [c, v] of Object.entries(r.byCategory)) if (v !== 0) out[c] = v;
  return out;
}

function owners(r: AttributionReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [c, v] of Object.entries(r.byOwnerKind)) if (v !== 0) out[c] = v;
  return out;
}

/** Checks a measured path: cycles, categories, owners; records it for the summary. */
function pin(
  name: string,
  m: { cycles: number; report: AttributionReport },
  cycles: number,
  byCategory: Record<string, number>,
  byOwnerKind: Record<string, number>,
  paperMicros: number | null,
): void {
  console.log(
    "PIN",
    name,
    m.cycles,
    JSON.stringify(cats(m.report)),
    JSON.stringify(owners(m.report)),
  );
  expect([name, m.cycles]).toEqual([name, cycles]);
  expect(cats(m.report)).toEqual(byCategory);
  expect(owners(m.report)).toEqual(byOwnerKind);
  rows.push([name, m.cycles, paperMicros]);
  tables.push([name, m.cycles, m.report]);
}

function markdown(name: string, cycles: number, r: AttributionReport): string {
  const labels = [...r.labels].sort((a, b) => (a.label < b.label ? -1 : 1));
  const w = Math.max(5, ...labels.map((l) => l.label.length));
  const lines = [
    `#### ${name}: ${cycles} cycles`,
    "",
    `| ${"label".padEnd(w)} | calls | instructions | cycles |`,
    `| ${"-".repeat(w)} | ----- | ------------ | ------ |`,
    ...labels.map(
      (l) =>
        `| ${l.label.padEnd(w)} | ${String(l.calls).padEnd(5)} | ${String(l.instructions).padEnd(12)} | ${String(l.cycles).padEnd(6)} |`,
    ),
    "",
    `By category: ${Object.entries(cats(r))
      .map(([c, v]) => `${c} ${v}`)
      .join(", ")}; by owner: ${Object.entries(owners(r))
      .map(([c, v]) => `${c} ${v}`)
      .join(", ")}`,
  ];
  return lines.join("\n");
}

afterAll(() => {
  const profile = boot().machine.profile;
  const lines = rows.map(
    ([n, c, paper]) =>
      `${n.padEnd(30)} ${String(c).padStart(6)} cycles ${cyclesToMicros(profile, c).toFixed(2).padStart(8)} us   paper Ultrix ${paper === null ? "n/a" : paper}`,
  );
  console.log(`monolithic pinned paths on dec5000_125\n${lines.join("\n")}`);
  if (process.env.MONO_COSTS_MD === "1") {
    console.log(tables.map(([n, c, r]) => markdown(n, c, r)).join("\n\n"));
  }
});

/** A handler that steps sc_pc past the faulting instruction (the usual way out). */
const skip = (_sig: number, _code: number, scp: number, self: ProcessHandle) => {
  self.cpu.store32(scp + SC.PC, self.cpu.load32(scp + SC.PC) + 4);
};

describe("pinned cycle paths (dec5000_125, warm)", () => {
  it("null procedure call: 4 cycles (jal, nop, jr, nop)", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      h.nullCall();
      const m = measure(k, () => h.nullCall());
      pin("null procedure call", m, 4, { user: 4 }, { application: 4 }, 0.28);
    });
    k.run();
  });

  it("getpid: 160 cycles", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      h.getpid();
      const m = measure(k, () => expect(h.getpid()).toBe(1));
      pin(
        "getpid",
        m,
        160,
        {
          user: 7,
          kernel: 38,
          trapEntry: 19,
          trapExit: 4,
          regSave: 31,
          regRestore: 31,
          memory: 30,
        },
        { kernel: 153, application: 7 },
        21.3,
      );
      // The user's v1 after getpid is the parent's pid (0: spawned by the host).
      expect(h.cpu.reg(3)).toBe(0);
    });
    k.run();
  });

  it("mprotect of 1 page (228) and of 100 pages (1911 either way)", () => {
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
      pin(
        "prot1",
        m1,
        228,
        {
          user: 10,
          kernel: 87,
          trapEntry: 19,
          trapExit: 4,
          regSave: 31,
          regRestore: 31,
          memory: 38,
          tlb: 8,
        },
        { kernel: 218, application: 10 },
        32,
      );
      const per100 = {
        user: 10,
        kernel: 780,
        trapEntry: 19,
        trapExit: 4,
        regSave: 31,
        regRestore: 31,
        memory: 236,
        tlb: 800,
      };
      pin("prot100", m100, 1911, per100, { kernel: 1901, application: 10 }, 102);
      pin("unprot100", u100, 1911, per100, { kernel: 1901, application: 10 }, 102);
      // Per page beyond the first: 7 + 6 instructions, a PTE load and store, tlbp.
      expect((m100.cycles - m1.cycles) / 99).toBeCloseTo(17, 5);
    });
    k.run();
  });

  it("trap: a load on a PROT_NONE page -> SIGSEGV handler that unprotects it -> sigreturn -> retry: 1029", () => {
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
      pin(
        "trap",
        m,
        1029,
        {
          user: 14,
          kernel: 469,
          trapEntry: 63,
          trapExit: 14,
          regSave: 93,
          regRestore: 93,
          memory: 254,
          tlb: 29,
        },
        { kernel: 1014, application: 15 },
        161,
      );
      // Fault to the handler's first instruction, and from its last back to the retried load.
      expect(dispatch).toBe(434);
      expect(back).toBe(364);
      rows.push(["prot fault: dispatch+return", dispatch + back, 154]);
    });
    k.run();
  });

  it("prot: a store to a read-only page (TLB modified) -> SIGSEGV handler that steps sc_pc -> sigreturn: 771", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      const page = Math.ceil(h.heapBase / 4096) * 4096;
      h.cpu.store32(page, 42);
      let code = 0;
      h.signal(SIG.SEGV, (s, c, scp, self) => {
        code = c;
        skip(s, c, scp, self);
      });
      expect(h.mprotect(page, 4096, PROT_READ)).toBe(0);
      h.cpu.store32(page + 8, 1);
      const m = measure(k, () => h.cpu.store32(page + 8, 2));
      expect(code).toBe(page + 8);
      expect(h.cpu.load32(page + 8)).toBe(0);
      expect(m.report.labels.some((l) => l.label === "utlb.refill")).toBe(false);
      pin(
        "prot store (SIGSEGV, skip)",
        m,
        771,
        {
          user: 4,
          kernel: 382,
          trapEntry: 38,
          trapExit: 8,
          regSave: 62,
          regRestore: 62,
          memory: 215,
        },
        { kernel: 765, application: 6 },
        null,
      );
    });
    k.run();
  });

  it("overflow: add overflow -> SIGFPE handler that steps sc_pc -> sigreturn: 759", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      let n = 0;
      h.signal(SIG.FPE, (s, c, scp, self) => {
        n++;
        skip(s, c, scp, self);
      });
      h.cpu.addTrapping(0x7fffffff, 1);
      const m = measure(k, () => expect(h.cpu.addTrapping(0x7fffffff, 1)).toBe(0x7fffffff));
      expect(n).toBe(2);
      pin(
        "overflow (SIGFPE)",
        m,
        759,
        {
          user: 5,
          kernel: 370,
          trapEntry: 38,
          trapExit: 8,
          regSave: 62,
          regRestore: 62,
          memory: 214,
        },
        { kernel: 752, application: 7 },
        130,
      );
    });
    k.run();
  });

  it("bus error: a user load from kseg0 -> SIGBUS handler that steps sc_pc -> sigreturn: 758", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      let code = 0;
      h.signal(SIG.BUS, (s, c, scp, self) => {
        code = c;
        skip(s, c, scp, self);
      });
      h.cpu.load32(0x80002000);
      const m = measure(k, () => expect(h.cpu.load32(0x80002000)).toBe(0));
      expect(code).toBe(0x80002000);
      pin(
        "bus error (SIGBUS)",
        m,
        758,
        {
          user: 4,
          kernel: 370,
          trapEntry: 38,
          trapExit: 8,
          regSave: 62,
          regRestore: 62,
          memory: 214,
        },
        { kernel: 752, application: 6 },
        null,
      );
    });
    k.run();
  });

  it("breakpoint: break -> SIGTRAP handler that steps sc_pc -> sigreturn: 758", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      let n = 0;
      h.signal(SIG.TRAP, (s, c, scp, self) => {
        n++;
        skip(s, c, scp, self);
      });
      h.cpu.breakpoint();
      const m = measure(k, () => h.cpu.breakpoint());
      expect(n).toBe(2);
      pin(
        "breakpoint (SIGTRAP)",
        m,
        758,
        {
          user: 4,
          kernel: 370,
          trapEntry: 38,
          trapExit: 8,
          regSave: 62,
          regRestore: 62,
          memory: 214,
        },
        { kernel: 752, application: 6 },
        null,
      );
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
      pin(
        "unaligned load (fix-up)",
        m,
        184,
        {
          kernel: 77,
          trapEntry: 19,
          trapExit: 4,
          regSave: 31,
          regRestore: 31,
          memory: 22,
        },
        { kernel: 184 },
        null,
      );
    });
    k.run();
  });

  it("coprocessor unusable: the FPU handed over (not delivered, as Ultrix): 170", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      const m = measure(k, () => expect(h.cpu.coprocessor1()).toBe(true));
      pin(
        "coprocessor unusable (FPU)",
        m,
        170,
        {
          user: 1,
          kernel: 39,
          trapEntry: 19,
          trapExit: 4,
          regSave: 31,
          regRestore: 31,
          memory: 45,
        },
        { kernel: 169, application: 1 },
        null,
      );
    });
    k.run();
  });

  it("shm ping-pong with signals as the yield (kill + sigpause), as the paper's Ultrix shm: 2245", () => {
    const k = boot();
    const rounds: number[] = [];
    let report: AttributionReport | null = null;
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
        const acc = k.machine.accounting;
        const before = k.machine.snapshot();
        const t0 = k.machine.now;
        h.cpu.store32(s, h.cpu.load32(s) + 1);
        h.kill(b, SIG.USR1);
        yield* h.sigpause(0);
        rounds.push(k.machine.now - t0);
        report = attributionBetween(acc, before, k.machine.snapshot());
      }
      h.cpu.store32(s, 9);
      h.kill(b, SIG.USR1);
      yield* h.wait(0);
    });
    k.run();
    expect(rounds.slice(1)).toEqual([2245, 2245, 2245]);
    const r = report! as AttributionReport;
    expect(r.labels.find((l) => l.label === "swtch.pick")!.calls).toBe(2);
    pin(
      "shm round trip (signals)",
      { cycles: rounds[3]!, report: r },
      2245,
      {
        user: 42,
        kernel: 1030,
        trapEntry: 114,
        trapExit: 26,
        regSave: 208,
        regRestore: 208,
        memory: 589,
        tlb: 28,
      },
      { kernel: 2199, application: 46 },
      null,
    );
    rows.push(["shm one way (signals)", rounds[3]! / 2, 118]);
  });

  it("pipe round trip of a word between two processes: 1440 (two switches)", () => {
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
    expect(rounds.slice(1)).toEqual([1440, 1440, 1440]);
    expect(k.stats().liveProcesses).toBe(0);
    const r = report! as AttributionReport;
    expect(r.labels.find((l) => l.label === "swtch.pick")!.calls).toBe(2);
    pin(
      "pipe round trip",
      { cycles: rounds[3]!, report: r },
      1440,
      {
        user: 40,
        kernel: 724,
        trapEntry: 76,
        trapExit: 18,
        regSave: 146,
        regRestore: 146,
        memory: 262,
        tlb: 28,
      },
      { kernel: 1398, application: 42 },
      null,
    );
    rows.push(["pipe one way (round trip/2)", rounds[3]! / 2, 199]);
  });

  it("every label charged on a pinned path is in costs.ts with a source", () => {
    const machineLabels = new Set(["cp1.op"]);
    for (const [, , r] of tables) {
      for (const l of r.labels) {
        if (machineLabels.has(l.label) || l.label === "test.work") continue;
        const c = (COSTS as Record<string, { instructions: number; source: string }>)[l.label];
        expect([l.label, c !== undefined && c.source.length > 0]).toEqual([l.label, true]);
        if (c!.instructions > 0) expect(l.instructions % c!.instructions).toBe(0);
      }
    }
    expect(tables.length).toBeGreaterThanOrEqual(12);
  });
});
