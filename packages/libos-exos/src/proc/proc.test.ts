import { PAGE_BYTES, Result } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { type ExosApi, PteFlags } from "../index.js";
import { world } from "../test/world.js";

const BASE = 0x00100000;

/** Runs `body` as a thread of `os` to completion. */
function phase(w: ReturnType<typeof world>, os: ExosApi, body: () => void): void {
  let done = false;
  // biome-ignore lint/correctness/useYield: a thread body that never blocks
  os.sched.spawn(function* () {
    body();
    done = true;
  });
  w.runUntil(() => done);
  expect(w.aegis.deaths).toEqual([]);
  expect(done).toBe(true);
}

describe("process calls answered in the library", () => {
  it("getpid and getppid", () => {
    const w = world();
    const os = w.spawn();
    phase(w, os, () => {
      expect(os.proc.getpid()).toBe(os.env.id);
      expect(os.proc.getppid()).toBe(0);
    });
  });
});

describe("copy-on-write fork", () => {
  it("parent and child each see their own writes after fork", () => {
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    let image = -1;
    phase(w, parent, () => {
      const cpu = parent.env.cpu;
      expect(parent.vm.map(BASE, 4)).toBe(Result.Ok);
      for (let i = 0; i < 3; i++) cpu.store32(BASE + i * PAGE_BYTES, 11 * (i + 1));
      expect(parent.proc.fork(parent.env.id)).toBe(Result.Invalid);
      image = parent.proc.fork(child.env.id);
      expect(image).toBeGreaterThanOrEqual(0);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      expect(child.proc.getppid()).toBe(parent.env.id);
      expect([0, 1, 2, 3].map((i) => cpu.load32(BASE + i * PAGE_BYTES))).toEqual([11, 22, 33, 0]);
      cpu.store32(BASE, 111);
      expect(cpu.load32(BASE)).toBe(111);
      cpu.store32(BASE + 3 * PAGE_BYTES, 444);
      expect(child.proc.acceptFork(image)).toBe(Result.Busy);
      expect(child.vm.dirty(BASE)).toBe(1);
      expect(child.vm.dirty(BASE + PAGE_BYTES)).toBe(0);
    });
    phase(w, parent, () => {
      const cpu = parent.env.cpu;
      expect(cpu.load32(BASE)).toBe(11);
      cpu.store32(BASE + PAGE_BYTES, 222);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(222);
      expect(cpu.load32(BASE + 3 * PAGE_BYTES)).toBe(0);
      expect(parent.proc.releaseForkImage()).toBe(Result.Ok);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(cpu.load32(BASE)).toBe(111);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(22);
      expect(cpu.load32(BASE + 2 * PAGE_BYTES)).toBe(33);
      expect(cpu.load32(BASE + 3 * PAGE_BYTES)).toBe(444);
    });
    expect(child.vm.stats.cowCopies).toBe(1);
    expect(parent.vm.stats.cowCopies).toBe(1);
    // The child holds only read rights to the parent's frames.
    const caps = w.aegis.inspect(child.env.id).caps;
    const parentFrames = new Set(w.aegis.inspect(parent.env.id).frames);
    for (const c of caps) if (parentFrames.has(c.frame)) expect(c.rights & 2).toBe(0);
  });

  it("forks a table larger than one image page", () => {
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    const PAGES = 700; // two image pages (512 entries each)
    let image = -1;
    phase(w, parent, () => {
      const cpu = parent.env.cpu;
      expect(parent.vm.map(BASE, PAGES)).toBe(Result.Ok);
      for (let i = 0; i < PAGES; i += 97) cpu.store32(BASE + i * PAGE_BYTES, i + 1);
      image = parent.proc.fork(child.env.id);
      expect(image).toBeGreaterThanOrEqual(0);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      expect(child.vm.pt.count()).toBe(PAGES);
      for (let i = 0; i < PAGES; i += 97) expect(cpu.load32(BASE + i * PAGE_BYTES)).toBe(i + 1);
      expect(cpu.load32(BASE + 5 * PAGE_BYTES)).toBe(0);
      cpu.store32(BASE + 97 * PAGE_BYTES, 5);
    });
    phase(w, parent, () => {
      expect(parent.env.cpu.load32(BASE + 97 * PAGE_BYTES)).toBe(98);
    });
  });

  it("forks a one-page process (an image smaller than the child's windows)", () => {
    // The child installs the image while its table already holds the image windows; a
    // refill during that copy once searched a half-moved table and killed the child.
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    let image = -1;
    phase(w, parent, () => {
      expect(parent.vm.map(BASE, 1)).toBe(Result.Ok);
      parent.env.cpu.store32(BASE, 5);
      image = parent.proc.fork(child.env.id);
    });
    phase(w, child, () => {
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      expect(child.env.cpu.load32(BASE)).toBe(5);
    });
  });

  it("refuses an image whose entries a hostile parent scribbled, changing nothing", () => {
    const IMAGE_VA = 0x70001000; // the parent's second window: the first page of entries
    const cases: [string, number][] = [
      ["an entry in the library's region", (0x7ff00 << 12) | PteFlags.READ],
      ["entries out of order", ((BASE >>> 12) + 5) << 12],
    ];
    for (const [what, word] of cases) {
      const w = world();
      const parent = w.spawn();
      const child = w.spawn();
      let image = -1;
      phase(w, parent, () => {
        expect(parent.vm.map(BASE, 2)).toBe(Result.Ok);
        image = parent.proc.fork(child.env.id);
        expect(image).toBeGreaterThanOrEqual(0);
        parent.env.cpu.store32(IMAGE_VA, word);
      });
      phase(w, child, () => {
        const before = child.vm.pt.count();
        expect(child.proc.acceptFork(image), what).toBe(Result.Invalid);
        expect(child.vm.pt.count(), what).toBe(before);
      });
    }
  });

  it("rewrites an image entry's flags: a present frame is only ever a foreign copy-on-write grant", () => {
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    let image = -1;
    phase(w, parent, () => {
      expect(parent.vm.map(BASE, 1)).toBe(Result.Ok);
      image = parent.proc.fork(child.env.id);
      // Claim the child owns a frame, naming capability 0 of its list (a library page).
      const own = PteFlags.PRESENT | PteFlags.READ | PteFlags.WRITE | PteFlags.MAXWRITE;
      parent.env.cpu.store32(0x70001000, ((BASE >>> 12) << 12) | own);
      parent.env.cpu.store32(0x70001004, 0);
    });
    phase(w, child, () => {
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      const f = child.vm.pt.word0(0) & 0xfff;
      expect(f & (PteFlags.FOREIGN | PteFlags.CAPRO | PteFlags.COW)).toBe(
        PteFlags.FOREIGN | PteFlags.CAPRO | PteFlags.COW,
      );
      // Unmapping it does not free the frame the name happens to denote.
      expect(child.vm.unmap(BASE, 1)).toBe(Result.Ok);
      expect(child.proc.getpid()).toBe(child.env.id);
    });
    expect(w.aegis.inspect(child.env.id).frames.length).toBe(1 + 8 + 1);
  });

  it("the parent unmapping its memory after fork does not take the child's pages away", () => {
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    let image = -1;
    phase(w, parent, () => {
      expect(parent.vm.map(BASE, 2)).toBe(Result.Ok);
      parent.env.cpu.store32(BASE, 7);
      parent.env.cpu.store32(BASE + PAGE_BYTES, 8);
      image = parent.proc.fork(child.env.id);
      expect(parent.vm.unmap(BASE, 2)).toBe(Result.Ok);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      expect(cpu.load32(BASE)).toBe(7);
      cpu.store32(BASE + PAGE_BYTES, cpu.load32(BASE + PAGE_BYTES) + 1);
      expect(cpu.load32(BASE + PAGE_BYTES)).toBe(9);
    });
  });

  it("refuses a bad image", () => {
    const w = world();
    const os = w.spawn();
    phase(w, os, () => {
      expect(os.proc.acceptFork(12345)).toBeLessThan(0);
      expect(os.vm.pt.count()).toBe(0);
    });
  });
});

describe("copy-on-write fork and aliases", () => {
  it("refuses to fork a process holding an alias (its frames are not reference-counted), changing nothing", () => {
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    phase(w, parent, () => {
      const cpu = parent.env.cpu;
      expect(parent.vm.map(BASE, 1)).toBe(Result.Ok);
      expect(parent.vm.alias(BASE + 0x10000, BASE)).toBe(Result.Ok);
      cpu.store32(BASE, 1);
      const before = [0, 1].map((i) => parent.vm.pt.word0(i));
      expect(parent.proc.fork(child.env.id)).toBe(Result.Busy);
      expect([0, 1].map((i) => parent.vm.pt.word0(i))).toEqual(before);
      // The alias still names the same frame as its source.
      cpu.store32(BASE + 0x10000, 2);
      expect(cpu.load32(BASE)).toBe(2);
    });
    expect(w.aegis.inspect(child.env.id).caps.length).toBe(
      w.aegis.inspect(w.spawn().env.id).caps.length,
    );
  });

  it("an alias of a copy-on-write page gets the private copy, shared with its source", () => {
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    let image = -1;
    phase(w, parent, () => {
      expect(parent.vm.map(BASE, 1)).toBe(Result.Ok);
      parent.env.cpu.store32(BASE, 10);
      image = parent.proc.fork(child.env.id);
      expect(image).toBeGreaterThanOrEqual(0);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      expect(child.vm.alias(BASE + 0x10000, BASE)).toBe(Result.Ok);
      expect(cpu.load32(BASE + 0x10000)).toBe(10);
      cpu.store32(BASE + 0x10000, 20);
      expect(cpu.load32(BASE)).toBe(20);
      cpu.store32(BASE, 30);
      expect(cpu.load32(BASE + 0x10000)).toBe(30);
    });
    phase(w, parent, () => {
      expect(parent.env.cpu.load32(BASE)).toBe(10);
    });
  });

  it("copies pages whose software-TLB slot is the copy window's", () => {
    // Pages whose vpn has the copy window's low 12 bits share its direct-mapped STLB slot;
    // the copy must not depend on the window's TLB entry surviving the page's own binding.
    const w = world();
    const parent = w.spawn();
    const child = w.spawn();
    const N = 100;
    const va = (k: number) => 0x00e00000 + k * 0x01000000;
    let image = -1;
    phase(w, parent, () => {
      for (let k = 0; k < N; k++) {
        expect(parent.vm.map(va(k), 1)).toBe(Result.Ok);
        parent.env.cpu.store32(va(k) + 8, k + 1);
      }
      image = parent.proc.fork(child.env.id);
      expect(image).toBeGreaterThanOrEqual(0);
    });
    phase(w, child, () => {
      const cpu = child.env.cpu;
      expect(child.proc.acceptFork(image)).toBe(parent.env.id);
      for (let k = 0; k < N; k++) cpu.store32(va(k), 1000 + k);
      for (let k = 0; k < N; k++) {
        expect(cpu.load32(va(k))).toBe(1000 + k);
        expect(cpu.load32(va(k) + 8)).toBe(k + 1);
      }
    });
    expect(child.vm.stats.cowCopies).toBe(N);
  });
});
