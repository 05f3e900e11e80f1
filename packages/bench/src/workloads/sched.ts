import { PAPER_STRIDE_RATIOS } from "../paper.js";
import { defineWorkload } from "../workload.js";

const TICKETS = [3, 2, 1] as const;
const SLICES = 60;

/**
 * Stride scheduling at application level (Section 7.3): three processes with 3:2:1 tickets
 * increment counters; the observed shares are reported, smallest first normalised to 1 as the
 * paper reports them (about 1 : 2.06 : 3.19).
 */
export const stride = defineWorkload({
  id: "stride",
  suite: "paper",
  title: "stride scheduling, 3:2:1 tickets",
  port: "stride",
  unit: "share",
  iterations: { warmup: 0, measured: SLICES },
  note: `paper: ${PAPER_STRIDE_RATIOS.join(" : ")}`,
  config: { tickets: TICKETS },
  threads: [
    function* (p, m) {
      m.start();
      const counts = yield* p.run(TICKETS, SLICES);
      m.stop();
      const least = Math.min(...counts);
      const shares = counts.map((c) => (least > 0 ? c / least : 0)).reverse();
      m.observe("counts", counts);
      m.observe(
        "shares",
        shares.map((s) => Math.round(s * 1000) / 1000),
      );
      m.finish(SLICES);
    },
  ],
});
