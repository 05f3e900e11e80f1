import { describe, expect, it } from "vitest";
import { PROT_NONE, type ProcessHandle } from "../src/index.js";
import { ptBase } from "../src/layout.js";
import { boot, measure } from "./helpers.js";

const page = (h: ProcessHandle) => Math.ceil(h.heapBase / 4096) * 4096;

describe("virtual memory paths", () => {
  it("a UTLB miss whose page-table page is not in the TLB nests a kseg2 miss (pinned)", () => {
    const k = boot();
    let cycles = 0;
    let labels: string[] = [];
    k.spawn("p", function* (h) {
      const a = page(h);
      h.cpu.store32(a, 5);
      // Drop both the user entry and the kseg2 entry of its page-table page (as replacement would).
      const vpn = a >>> 12;
      k.machine.tlb.invalidateAsid(k.cpu.asid);
      const ptVpn = (ptBase(0) + vpn * 4) >>> 12;
      const slot = k.machine.tlb.probe(ptVpn, 0);
      if (slot >= 0) k.machine.tlb.writeIndexed(slot, (0x80000 + slot) << 12, 0);
      const m = measure(k, () => expect(h.cpu.load32(a)).toBe(5));
      cycles = m.cycles;
      labels = m.report.labels.map((l) => l.label);
    });
    k.run();
    expect(labels).toEqual(["ktlb.miss", "utlb.refill"]);
    // refill 14 + kseg2 miss 38 + the load 1
    expect(cycles).toBe(53);
  });

  it("a first touch fills a zeroed frame on demand (pinned)", () => {
    const k = boot();
    let cycles = 0;
    k.spawn("p", function* (h) {
      const a = page(h);
      h.cpu.store32(a, 1);
      const m = measure(k, () => h.cpu.store32(a + 4096, 2));
      cycles = m.cycles;
      expect(m.report.labels.map((l) => l.label)).toEqual([
        "copy.call",
        "copy.loop",
        "exc.callc",
        "exc.kstack.user",
        "exc.restore.special",
        "exc.save.special",
        "exc.vector",
        "spl.call",
        "tlb.dropin",
        "trap.decode",
        "trap.epilogue",
        "trap.prologue",
        "userret",
        "utlb.refill",
        "vm.fault",
        "vm.fill",
        "vm.memall",
        "vm.segcheck",
      ]);
    });
    k.run();
    // refill 14; entry 63 (vector 12 + its load); trap() prologue 14, decode 26, splx 10;
    // vm_fault 12 + PTE 1; bounds 6 + 4; memall 20; bzero 12 + 512 + 1024 stores; fill 6 + PTE
    // store; dropin 8 + tlbp 2 + tlbwr 3; userret 20; trap() epilogue 12; exit 38; the store 1
    expect(cycles).toBe(1809);
  });

  it("fork copies only the pages the parent filled (Ultrix 4.2 copies; no copy-on-write)", () => {
    const k = boot();
    k.spawn("p", function* (h) {
      const a = page(h);
      for (let i = 0; i < 3; i++) h.cpu.store32(a + i * 4096, i + 1);
      h.mprotect(a + 4096, 4096, PROT_NONE);
      const free = k.stats().freeFrames;
      const c = h.fork(function* (c) {
        c.cpu.store32(a + 8192, 33);
      });
      // u-area + kernel stack + 2 page-table pages + 3 data pages (+1 stack page touched by no one)
      expect(free - k.stats().freeFrames).toBe(2 + 2 + 3);
      yield* h.wait(0);
      expect(h.cpu.load32(a + 8192)).toBe(3);
      void c;
    });
    k.run();
  });
});
