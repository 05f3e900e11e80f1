import { expect, it } from "vitest";
import { NotRunningError } from "../src/index.js";
import { boot } from "./helpers.js";

/**
 * A host callback that uses the handle of the process `run` stopped on gets NotRunningError,
 * even when that process is doomed and not yet killed (a run limit ended `run` before the
 * dispatcher could kill it): found by the long hostile fuzz (seed 20261207), where such a
 * callback got the kernel's own unwinding (ContextAbort) instead.
 */
it("a doomed process's handle, used after run returned, is refused with NotRunningError", () => {
  const k = boot();
  const h = k.spawn("d", function* (self) {
    self.getpid();
    yield* self.safepoint();
    yield;
  });
  k.run({ maxResumes: 1 });
  const p = k.procs.find((q) => q !== null && q.pid === h.pid)!;
  expect(k.cur).toBe(p);
  // Doomed as a stack dive or a host error on its behalf dooms it (sched/swtch.ts kills it
  // at the dispatcher); run stopped first.
  p.doomed = "stack";
  expect(() => h.getpid()).toThrow(NotRunningError);
  expect(() => h.cpu.load32(h.heapBase)).toThrow(NotRunningError);
  // The next run kills it at the dispatcher.
  k.run({ maxResumes: 10 });
  expect(h.alive).toBe(false);
});
