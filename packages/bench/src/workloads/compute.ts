import { PAGE_BYTES } from "@exolab/machine";
import { COSTS } from "../costs.js";
import { defineWorkload } from "../workload.js";

const N = 150;

/**
 * 150 x 150 integer matrix multiply (Table 9): application-level VM costs nothing when it
 * is not used. Every element access is a translated load; the product is the multiplier's.
 */
export const matmul = defineWorkload({
  id: "matmul",
  suite: "paper",
  title: "150x150 integer matrix multiply",
  port: "user",
  unit: "s/op",
  iterations: { warmup: 0, measured: 1 },
  threads: [
    function* (p, m) {
      const bytes = N * N * 4;
      const pages = Math.ceil(bytes / PAGE_BYTES);
      const a = p.memory(pages * PAGE_BYTES);
      const b = p.memory(pages * PAGE_BYTES);
      const c = p.memory(pages * PAGE_BYTES);
      // Set-up reaches a safepoint every page of words: its first touches zero frames through
      // the write buffer, and a stretch without one overruns the slice, whose forfeits would
      // then be served (as idle time) inside the measured window.
      for (let i = 0; i < N * N; i++) {
        p.cpu.store32(a + i * 4, (i % 7) + 1);
        p.cpu.store32(b + i * 4, (i % 5) + 1);
        if ((i & 1023) === 1023) yield* p.safepoint();
      }
      yield* p.safepoint();
      m.start();
      const cpu = p.cpu;
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          cpu.exec(COSTS["app.matmul.row"]);
          let sum = 0;
          for (let k = 0; k < N; k++) {
            const x = cpu.load32(a + (i * N + k) * 4);
            const y = cpu.load32(b + (k * N + j) * 4);
            sum = (sum + cpu.multiply(x, y)) | 0;
            cpu.exec(COSTS["app.matmul.inner"]);
          }
          cpu.store32(c + (i * N + j) * 4, sum);
          yield* p.safepoint();
        }
      }
      m.stop();
      // Check one element against the host's own product.
      let want = 0;
      for (let k = 0; k < N; k++)
        want = (want + (((0 * N + k) % 7) + 1) * (((k * N + 0) % 5) + 1)) | 0;
      if (cpu.load32(c) >>> 0 !== want >>> 0) throw new Error("matmul: wrong product");
      m.finish(1);
    },
  ],
});
