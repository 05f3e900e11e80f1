import { PAGE_BYTES, SeededRandom } from "@exolab/machine";
import { COSTS } from "../costs.js";
import type { VmPort } from "../ports.js";
import { defineWorkload } from "../workload.js";

const PAGES = 100;
const ROUNDS = 10;
/** The random order of appel2 comes from this seed, the same for every system. */
const APPEL2_ORDER_SEED = 0x5eed;
const DIRTY = { warmup: 10, measured: 1000 } as const;
const TRAPS = { warmup: 10, measured: PAGES } as const;

/**
 * Touches every page once, so that each is mapped and dirty before measuring, reaching a
 * safepoint after each page: set-up that runs past a slice end without one overruns the slice,
 * and the kernel makes the environment forfeit slices for it (Aegis's excess time), which then
 * fell inside the measured window as idle time (seen with the memory system on, where
 * allocating and zeroing the pages takes several slices). At the safepoint the switch is taken
 * and any forfeit is served before measuring starts.
 */
function* prefault(p: VmPort, base: number, pages: number): Generator<unknown, void, unknown> {
  for (let i = 0; i < pages; i++) {
    p.cpu.store32(base + i * PAGE_BYTES, i);
    yield* p.safepoint();
  }
}

export const dirty = defineWorkload({
  id: "dirty",
  suite: "paper",
  title: "is a page dirty? (page-table lookup, no TLB access)",
  port: "vm",
  unit: "us/op",
  iterations: DIRTY,
  threads: [
    function* (p, m) {
      const base = p.memory(PAGES * PAGE_BYTES);
      yield* prefault(p, base, PAGES);
      for (let i = 0; i < DIRTY.warmup; i++) p.dirty(base);
      m.start();
      for (let i = 0; i < DIRTY.measured; i++) {
        if (!p.dirty(base + (i % PAGES) * PAGE_BYTES))
          throw new Error("dirty: a written page reads as clean");
        p.cpu.exec(COSTS["app.loop"]);
        yield* p.safepoint();
      }
      m.stop();
      m.finish(DIRTY.measured);
    },
  ],
});

/** prot1: read-protect one page; each measured call protects a page that was unprotected. */
export const prot1 = defineWorkload({
  id: "prot1",
  suite: "paper",
  title: "reduce the protection of one page",
  port: "vm",
  unit: "us/op",
  iterations: { warmup: PAGES, measured: PAGES * ROUNDS },
  threads: [
    function* (p, m) {
      const base = p.memory(PAGES * PAGE_BYTES);
      yield* prefault(p, base, PAGES);
      for (let i = 0; i < PAGES; i++) p.protect(base + i * PAGE_BYTES, 1);
      p.unprotect(base, PAGES);
      for (let r = 0; r < ROUNDS; r++) {
        m.start();
        for (let i = 0; i < PAGES; i++) {
          p.protect(base + i * PAGE_BYTES, 1);
          p.cpu.exec(COSTS["app.loop"]);
          yield* p.safepoint();
        }
        m.stop();
        p.unprotect(base, PAGES);
      }
      m.finish(PAGES * ROUNDS);
    },
  ],
});

function rangeWorkload(id: "prot100" | "unprot100") {
  const protecting = id === "prot100";
  return defineWorkload({
    id,
    suite: "paper",
    title: protecting
      ? "read-protect 100 pages in one call"
      : "remove read protection from 100 pages in one call",
    port: "vm",
    unit: "us/op",
    iterations: { warmup: 1, measured: ROUNDS * 10 },
    threads: [
      function* (p: VmPort, m) {
        const base = p.memory(PAGES * PAGE_BYTES);
        yield* prefault(p, base, PAGES);
        p.protect(base, PAGES);
        p.unprotect(base, PAGES);
        for (let r = 0; r < ROUNDS * 10; r++) {
          if (protecting) {
            m.start();
            p.protect(base, PAGES);
            m.stop();
            p.unprotect(base, PAGES);
            yield* p.safepoint();
          } else {
            p.protect(base, PAGES);
            m.start();
            p.unprotect(base, PAGES);
            m.stop();
            yield* p.safepoint();
          }
        }
        m.finish(ROUNDS * 10);
      },
    ],
  });
}

export const prot100 = rangeWorkload("prot100");
export const unprot100 = rangeWorkload("unprot100");

/**
 * trap: a protection trap handled at user level. Measured: from the faulting access to the
 * handler, and from the handler's return to the resumed access; the handler's own fix (the
 * unprotect that lets the access succeed) is left out, as the paper's row is the trap alone.
 */
export const trap = defineWorkload({
  id: "trap",
  suite: "paper",
  title: "handle a page-protection trap at user level",
  port: "vm",
  unit: "us/op",
  iterations: TRAPS,
  threads: [
    function* (p, m) {
      const base = p.memory(PAGES * PAGE_BYTES);
      yield* prefault(p, base, PAGES);
      let measuring = false;
      let faults = 0;
      p.onFault((va) => {
        faults++;
        if (measuring) m.stop();
        p.unprotect(va & ~(PAGE_BYTES - 1), 1);
        if (measuring) m.start();
      });
      for (let i = 0; i < TRAPS.warmup; i++) {
        p.protect(base + i * PAGE_BYTES, 1);
        p.cpu.load32(base + i * PAGE_BYTES);
        yield* p.safepoint();
      }
      for (let i = 0; i < TRAPS.measured; i++) {
        p.protect(base + i * PAGE_BYTES, 1);
        measuring = true;
        m.start();
        p.cpu.load32(base + i * PAGE_BYTES);
        m.stop();
        measuring = false;
        yield* p.safepoint();
      }
      const touches = TRAPS.warmup + TRAPS.measured;
      if (faults !== touches) throw new Error(`trap: ${faults} faults for ${touches} touches`);
      m.finish(TRAPS.measured);
    },
  ],
});

/** appel1 (prot1+trap+unprot): the handler protects the next page and unprotects this one. */
export const appel1 = defineWorkload({
  id: "appel1",
  suite: "paper",
  title: "prot1 + trap + unprot, per page",
  port: "vm",
  unit: "us/op",
  iterations: { warmup: 0, measured: PAGES - 1 },
  threads: [
    function* (p, m) {
      const base = p.memory(PAGES * PAGE_BYTES);
      yield* prefault(p, base, PAGES);
      let faults = 0;
      p.onFault((va) => {
        faults++;
        const page = va & ~(PAGE_BYTES - 1);
        if (page + PAGE_BYTES < base + PAGES * PAGE_BYTES) p.protect(page + PAGE_BYTES, 1);
        p.unprotect(page, 1);
      });
      p.protect(base, 1);
      m.start();
      for (let i = 0; i < PAGES - 1; i++) {
        p.cpu.load32(base + i * PAGE_BYTES);
        p.cpu.exec(COSTS["app.loop"]);
        yield* p.safepoint();
      }
      m.stop();
      if (faults !== PAGES - 1) throw new Error(`appel1: ${faults} faults for ${PAGES - 1} pages`);
      m.finish(PAGES - 1);
    },
  ],
});

/** appel2 (protN+trap+unprot): protect 100 pages, touch each in random order, unprotect in the handler. */
export const appel2 = defineWorkload({
  id: "appel2",
  suite: "paper",
  title: "protN + trap + unprot, per page",
  port: "vm",
  unit: "us/op",
  iterations: { warmup: 0, measured: PAGES * ROUNDS },
  threads: [
    function* (p, m) {
      const base = p.memory(PAGES * PAGE_BYTES);
      yield* prefault(p, base, PAGES);
      const rng = new SeededRandom(APPEL2_ORDER_SEED);
      let faults = 0;
      p.onFault((va) => {
        faults++;
        p.unprotect(va & ~(PAGE_BYTES - 1), 1);
      });
      m.start();
      for (let r = 0; r < ROUNDS; r++) {
        p.protect(base, PAGES);
        const order = Array.from({ length: PAGES }, (_, i) => i);
        for (let i = PAGES - 1; i > 0; i--) {
          const j = rng.below(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        for (const i of order) {
          p.cpu.load32(base + i * PAGE_BYTES);
          p.cpu.exec(COSTS["app.loop"]);
          yield* p.safepoint();
        }
      }
      m.stop();
      if (faults !== PAGES * ROUNDS)
        throw new Error(`appel2: ${faults} faults for ${PAGES * ROUNDS} touches`);
      m.finish(PAGES * ROUNDS);
    },
  ],
});
