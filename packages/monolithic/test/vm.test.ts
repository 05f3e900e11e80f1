import { describe, expect, it } from "vitest";
import {
  Errno,
  type MonolithicKernel,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  type ProcessHandle,
} from "../src/index.js";
import { MAP, MAP_ENTRIES, ME, ME_BYTES, PAGE, ptBase } from "../src/layout.js";
import { boot, bootWithMemory, measure } from "./helpers.js";

const page = (h: ProcessHandle) => Math.ceil(h.heapBase / 4096) * 4096;

/** The entries of the current process's vm_map, read from physical memory (uncharged). */
function mapEntries(k: MonolithicKernel): [number, number, number][] {
  const p = k.cur!;
  const mem = k.machine.memory;
  const base = p.kframe * PAGE + MAP.OFFSET;
  const out: [number, number, number][] = [];
  let i = mem.read32(base + MAP.FIRST);
  while (i !== 0) {
    const e = base + i * ME_BYTES;
    out.push([mem.read32(e + ME.START), mem.read32(e + ME.END), mem.read32(e + ME.PROT)]);
    i = mem.read32(e + ME.NEXT);
  }
  expect(mem.read32(base + MAP.NENTRIES)).toBe(out.length);
  return out;
}

describe("the vm_map and mprotect's pmap work", () => {
  const RW = PROT_READ | PROT_WRITE;

  it("mprotect clips the map's entry at both ends and merges it back when the range is unprotected", () => {
    const k = boot({ initialDataBytes: 64 * 1024 });
    let done = 0;
    k.spawn("p", function* (h) {
      const a = page(h);
      expect(mapEntries(k)).toEqual([[0, 0x80000000, RW]]);
      expect(h.mprotect(a + PAGE, 2 * PAGE, PROT_READ)).toBe(0);
      expect(mapEntries(k)).toEqual([
        [0, a + PAGE, RW],
        [a + PAGE, a + 3 * PAGE, PROT_READ],
        [a + 3 * PAGE, 0x80000000, RW],
      ]);
      expect(h.mprotect(a + 2 * PAGE, PAGE, PROT_NONE)).toBe(0);
      expect(mapEntries(k).map((e) => e[2])).toEqual([RW, PROT_READ, PROT_NONE, RW]);
      expect(h.mprotect(a, 4 * PAGE, RW)).toBe(0);
      expect(mapEntries(k)).toEqual([[0, 0x80000000, RW]]);
      done++;
    });
    k.run();
    expect(done).toBe(1);
  });

  it("a map with no entry left for the clips refuses mprotect with ENOMEM and changes nothing", () => {
    const k = boot({ initialDataBytes: 1024 * 1024 });
    let done = 0;
    k.spawn("p", function* (h) {
      const a = page(h);
      // Every other page read-only: each call clips two entries off the big one.
      let n = 0;
      while (mapEntries(k).length + 2 <= MAP_ENTRIES) {
        expect(h.mprotect(a + 2 * n * PAGE, PAGE, PROT_READ)).toBe(0);
        n++;
      }
      const before = mapEntries(k);
      h.cpu.store32(a + 2 * n * PAGE + PAGE * 4, 9);
      expect(h.mprotect(a + 2 * n * PAGE + PAGE * 4, PAGE, PROT_READ)).toBe(-Errno.ENOMEM);
      expect(mapEntries(k)).toEqual(before);
      h.cpu.store32(a + 2 * n * PAGE + PAGE * 4, 10); // still writable
      // Unprotecting everything (a range ending on an entry boundary: no clip) merges the map
      // back into one entry.
      expect(h.mprotect(a, (2 * n - 1) * PAGE, RW)).toBe(0);
      expect(mapEntries(k)).toEqual([[0, 0x80000000, RW]]);
      done++;
    });
    k.run();
    expect(done).toBe(1);
  });

  it("mprotect writes each filled page's new translation into the TLB (tlbwr when it was not there)", () => {
    const k = boot({ initialDataBytes: 64 * 1024 });
    let checked = 0;
    k.spawn("p", function* (h) {
      const a = page(h);
      for (let i = 0; i < 8; i++) h.cpu.store32(a + i * PAGE, i);
      k.machine.tlb.invalidateAsid(k.cpu.asid);
      expect(h.mprotect(a, 8 * PAGE, PROT_READ)).toBe(0);
      const tlb = k.machine.tlb;
      for (let i = 0; i < 8; i++) {
        const slot = tlb.probe((a >>> 12) + i, k.cpu.asid);
        expect(slot).toBeGreaterThanOrEqual(0);
        expect(tlb.lo[slot]! & 0x600).toBe(0x200); // valid, not dirty (read-only)
      }
      // Not filled yet: no translation is written for it.
      expect(tlb.probe((a >>> 12) + 9, k.cpu.asid)).toBe(-1);
      expect(h.mprotect(a, 8 * PAGE, PROT_NONE)).toBe(0);
      for (let i = 0; i < 8; i++) {
        const slot = tlb.probe((a >>> 12) + i, k.cpu.asid);
        if (slot >= 0) expect(tlb.lo[slot]! & 0x200).toBe(0);
      }
      checked = 1;
    });
    k.run();
    expect(checked).toBe(1);
  });
});

/** The memory system's cycles on the two pinned paths below (dec5000_125). */
const MEM_KSEG2 = 224;
const MEM_FIRST_TOUCH = 15040;

describe("virtual memory paths", () => {
  it("a UTLB miss whose page-table page is not in the TLB nests a kseg2 miss (pinned)", () => {
    const k = bootWithMemory();
    let cycles = 0;
    let memoryCycles = 0;
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
      memoryCycles = m.memoryCycles;
      labels = m.report.labels.map((l) => l.label);
    });
    k.run();
    expect(labels).toEqual(["ktlb.miss", "utlb.refill"]);
    // refill 14 + kseg2 miss 38 + the load 1
    expect(cycles - memoryCycles).toBe(53);
    // The memory system: 16 cache misses of 14 cycles (the kseg2 refill's code, first run
    // here, and the lines of the page-table words the two refills load).
    expect(memoryCycles).toBe(MEM_KSEG2);
  });

  it("a first touch fills a zeroed frame on demand (pinned)", () => {
    const k = bootWithMemory();
    let cycles = 0;
    let memoryCycles = 0;
    k.spawn("p", function* (h) {
      const a = page(h);
      h.cpu.store32(a, 1);
      const m = measure(k, () => h.cpu.store32(a + 4096, 2));
      cycles = m.cycles;
      memoryCycles = m.memoryCycles;
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
        "vm.fault.entry",
        "vm.fill",
        "vm.map.faultcheck",
        "vm.map.lock",
        "vm.map.lookup",
        "vm.map.unlock",
        "vm.map.walk",
        "vm.memall",
        "vm.segcheck",
      ]);
    });
    k.run();
    // refill 14; entry 63 (vector 12 + its load); trap() prologue 14, decode 26, splx 10;
    // vm_fault 32 + the map's lock 28 + 2, lookup 16 + 2 (hint, its start), one entry walked
    // 5 + 1, protection check 12 + 2 (prot, hint), unlock 30 (130); the pmap side 12 + PTE 1; bounds 6 + 4; memall 20; bzero 12 + 512 + 1024 stores; fill 6 + PTE
    // store; dropin 8 + tlbp 2 + tlbwr 3; userret 20; trap() epilogue 12; exit 38; the store 1
    expect(cycles - memoryCycles).toBe(1939);
    // The memory system: bzero's 1,024 stores through the four-stage write buffer, one
    // retired every writeRetireCycles, and the cache lines the path's code and tables miss.
    expect(memoryCycles).toBe(MEM_FIRST_TOUCH);
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
