import { COSTS } from "../costs.js";
import type { ClassifyEngine, ClassifyPort } from "../ports.js";
import { defineWorkload, type Workload } from "../workload.js";

/** Packets classified in the measured window (each for one of the ten filters in turn). */
export const CLASSIFY_PACKETS = 1000;

/**
 * dpf-classify (Table 7): a packet for one of ten TCP/IP filters (ethertype, protocol,
 * destination address, the IHL shift, source and destination ports), classified by the
 * kernel's DPF engine — compiled (the row the paper's DPF figure stands for) or its trie
 * interpreter over the same filters. The figure is simulated time per packet from the
 * engine's counted work; the paper measured a DEC5000/200, not one of our profiles, so the
 * report has no paper figure beside it: compare shapes (README). Host time is the bench's
 * --host-time, never part of the figure.
 */
export function classifyWorkload(engine: ClassifyEngine): Workload {
  return defineWorkload<"classify">({
    id: engine === "compiled" ? "dpf-classify" : "dpf-classify-interpreted",
    suite: "paper",
    title: `packet classification, one of ten TCP/IP filters, DPF ${engine} (Table 7)`,
    port: "classify",
    unit: "us/op",
    iterations: { warmup: 10, measured: CLASSIFY_PACKETS },
    config: { classify: { engine } },
    threads: [
      function* (p: ClassifyPort, m) {
        for (let i = 0; i < 10; i++) p.classify(i);
        // The window holds the classifications only (Table 7 times the classifier): the
        // answers are checked after it, on a second pass.
        m.start();
        for (let i = 0; i < CLASSIFY_PACKETS; i++) p.classify((i * 7) % 10);
        m.stop();
        m.finish(CLASSIFY_PACKETS);
        for (let k = 0; k < 10; k++) {
          const owner = p.classify(k);
          p.cpu.exec(COSTS["app.check"]);
          if (owner !== k) throw new Error(`dpf-classify: packet for filter ${k} went to ${owner}`);
        }
        yield* p.safepoint();
      },
    ],
  }) as unknown as Workload;
}

export const dpfClassify = classifyWorkload("compiled");
export const dpfClassifyInterpreted = classifyWorkload("interpreted");
