import { describe, expect, it } from "vitest";
import { MonolithicKernel, type ProcessHandle } from "../src/index.js";
import { TEST_COSTS } from "./costs.js";
import { boot, bootWithMemory, failOnThrow, measure } from "./helpers.js";

const page = (h: ProcessHandle) => Math.ceil(h.heapBase / 4096) * 4096;

function cpuBound(k: MonolithicKernel, log: { pid: number; at: number }[], iterations: number) {
  return function* (h: ProcessHandle) {
    let last = -1;
    for (let i = 0; i < iterations; i++) {
      if (last !== h.pid) {
        log.push({ pid: h.pid, at: k.machine.now });
        last = h.pid;
      }
      h.cpu.exec(TEST_COSTS["test.work"], 10_000);
      const before = k.machine.now;
      yield* h.safepoint();
      if (k.machine.now !== before) last = -1;
    }
  };
}

describe("scheduler", () => {
  it("round robin every 100 ms (hz 100, roundrobin every 10 ticks) between CPU-bound processes", () => {
    const k = boot();
    const log: { pid: number; at: number }[] = [];
    k.spawn("a", cpuBound(k, log, 700));
    k.spawn("b", cpuBound(k, log, 700));
    k.run();
    const quantum = k.cyclesPerTick * k.policy.quantumTicks;
    expect(k.cyclesPerTick).toBe(250_000);
    expect(log.map((e) => e.pid).slice(0, 4)).toEqual([1, 2, 1, 2]);
    // The switches fall at the round-robin ticks (every quantum from the clock's start at
    // boot), each within the 10,000-instruction step that was running: not measured from the
    // first process's start, which boot and the first exec's faults delay.
    for (let i = 1; i < 4; i++) {
      const late = log[i]!.at - i * quantum;
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(20_000);
    }
  });

  it("mixed load: CPU-bound processes preempted while a pipe pair ping-pongs; all finish clean", () => {
    const k = boot();
    const free0 = k.stats().freeFrames;
    const log: { pid: number; at: number }[] = [];
    k.spawn("cpu1", cpuBound(k, log, 600));
    let rounds = 0;
    k.spawn("pp", function* (h) {
      const fds = page(h);
      h.pipe(fds);
      h.pipe(fds + 8);
      const [r1, w1, r2, w2] = [0, 4, 8, 12].map((o) => h.cpu.load32(fds + o));
      h.fork(function* (c) {
        c.close(w1!);
        c.close(r2!);
        for (;;) {
          if ((yield* c.read(r1!, fds + 64, 4)) <= 0) break;
          c.cpu.exec(TEST_COSTS["test.work"], 5_000);
          yield* c.write(w2!, fds + 64, 4);
        }
      });
      for (let i = 0; i < 300; i++) {
        yield* h.write(w1!, fds + 64, 4);
        yield* h.read(r2!, fds + 64, 4);
        rounds++;
      }
      h.close(w1!);
      yield* h.wait(0);
    });
    k.spawn("cpu2", cpuBound(k, log, 600));
    k.run();
    expect(rounds).toBe(300);
    expect(k.stats().liveProcesses).toBe(0);
    expect(k.stats().freeFrames).toBe(free0);
    expect(new Set(log.map((e) => e.pid))).toEqual(new Set([1, 3]));
  });

  it("is deterministic: same seed and program give the same cycles and trace", () => {
    const once = () => {
      const k = new MonolithicKernel({ machine: { seed: 3, trace: true }, onDeath: failOnThrow });
      k.spawn("parent", function* (h) {
        const fds = page(h);
        h.pipe(fds);
        h.fork(function* (c) {
          for (let i = 0; i < 5; i++) yield* c.write(c.cpu.load32(fds + 4), fds, 4);
        });
        for (let i = 0; i < 5; i++) yield* h.read(h.cpu.load32(fds), fds + 32, 4);
        yield* h.wait(0);
      });
      k.run();
      return { now: k.machine.now, hash: k.machine.tracer!.hash() };
    };
    expect(once()).toEqual(once());
  });

  it("a UTLB miss on a valid PTE costs the short refill only (pinned: 14 cycles + the load)", () => {
    const k = bootWithMemory();
    let cycles = 0;
    let memoryCycles = 0;
    let labels: string[] = [];
    k.spawn("p", function* (h) {
      const a = page(h);
      h.cpu.store32(a, 1);
      // Evict: fill the TLB with other pages' entries by touching them (64 > 56 random slots).
      h.sbrk(70 * 4096);
      for (let i = 1; i <= 70; i++) h.cpu.store32(a + i * 4096, i);
      // Find a page whose entry was evicted but whose page-table page is still mapped.
      const tlb = k.machine.tlb;
      for (let i = 1; i <= 70; i++) {
        const vpn = (a + i * 4096) >>> 12;
        if (tlb.probe(vpn, i === 0 ? 0 : k.cpu.asid) >= 0) continue;
        if (tlb.probe((0xc0000000 + (vpn << 2)) >>> 12, 0) < 0) continue;
        const m = measure(k, () => h.cpu.load32(a + i * 4096));
        cycles = m.cycles;
        memoryCycles = m.memoryCycles;
        labels = m.report.labels.map((l) => l.label);
        break;
      }
    });
    k.run();
    expect(labels).toEqual(["utlb.refill"]);
    // 3 (exception entry) + 6 (utlb.refill) + 1 (lw PTE) + 3 (tlbwr) + 1 (rfe) ... + the load itself
    expect(cycles - memoryCycles).toBe(15);
    // The memory system: two cache misses of 14 cycles (lines the 70 pages touched since
    // evicted).
    expect(memoryCycles).toBe(28);
  });
});
