/**
 * The UDP rows (Table 11) with small counts: every system that serves the port answers, the
 * counter comes back incremented, the ASH row's receiver never runs its application, and
 * under load the application-level round trip grows while the ASH's stays flat.
 */
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { adapterFor } from "../adapters/index.js";
import { renderHtml } from "../node/html.js";
import { runBenchmark } from "../runner.js";
import { runSuite } from "../suite.js";
import { SUITES } from "./index.js";
import { udpWorkload } from "./net.js";

const exos = adapterFor("exos")!;
const opts = { profile: "dec5000_125", seed: 1 };

describe("udp-roundtrip on ExOS", () => {
  it("ping-pongs a counter between two machines, with and without the ASH", () => {
    const plain = runBenchmark(udpWorkload({ ash: false, rounds: 4 }), exos, opts);
    const ash = runBenchmark(udpWorkload({ ash: true, rounds: 4 }), exos, opts);
    console.log(`udp-roundtrip ${plain.simulatedMicros} us, -ash ${ash.simulatedMicros} us`);
    expect(plain.supported && ash.supported).toBe(true);
    expect(ash.simulatedMicros).toBeLessThan(plain.simulatedMicros);
    // The same seed gives the same figure.
    const again = runBenchmark(udpWorkload({ ash: false, rounds: 4 }), exos, opts);
    expect(again.simulatedCycles).toBe(plain.simulatedCycles);
  });
});

describe("udp-roundtrip on the monolithic kernel (its socket layer and UDP/IP stack)", () => {
  const mono = adapterFor("monolithic")!;
  it("ping-pongs a counter between two monolithic machines; deterministic", () => {
    const r = runBenchmark(udpWorkload({ ash: false, rounds: 4 }), mono, opts);
    console.log(`monolithic udp-roundtrip ${r.simulatedMicros} us`);
    expect(r.supported).toBe(true);
    const exosRow = runBenchmark(udpWorkload({ ash: false, rounds: 4 }), exos, opts);
    expect(r.simulatedMicros).toBeGreaterThan(exosRow.simulatedMicros);
    const again = runBenchmark(udpWorkload({ ash: false, rounds: 4 }), mono, opts);
    expect(again.simulatedCycles).toBe(r.simulatedCycles);
  });

  it("has no ASH rows, and says why", () => {
    const r = runBenchmark(udpWorkload({ ash: true, rounds: 1 }), mono, opts);
    expect(r.supported).toBe(false);
    expect(r.simulatedCycles).toBe(0);
    expect(r.reason).toMatch(/no downloaded handlers/);
  });
});

describe("the net suite's report", () => {
  it("under load the application's round trip grows with the receiver's processes, the ASH's does not; the sweep is plotted", async () => {
    const rows = [1, 2].flatMap((n) => [
      udpWorkload({ ash: false, processes: n, rounds: 1 }),
      udpWorkload({ ash: true, processes: n, rounds: 1 }),
    ]);
    const report = runSuite({
      suite: "net",
      workloads: rows,
      adapters: [exos, adapterFor("monolithic")!],
      profile: "dec5000_125",
      seed: 1,
    });
    const loads = report.results.filter((r) => r.system === "exos");
    expect(loads.map((r) => r.params)).toEqual([
      { processes: 1 },
      { processes: 1 },
      { processes: 2 },
      { processes: 2 },
    ]);
    const us = (ash: boolean, n: number) =>
      loads.find((r) => r.benchmark.endsWith("-ash") === ash && r.params?.processes === n)!
        .simulatedMicros;
    console.log(
      `load 1/2: app ${us(false, 1)}/${us(false, 2)} us, ash ${us(true, 1)}/${us(true, 2)} us`,
    );
    expect(us(false, 2)).toBeGreaterThan(1.5 * us(false, 1));
    expect(us(false, 1)).toBeGreaterThan(10 * us(true, 1));
    expect(Math.abs(us(true, 2) - us(true, 1))).toBeLessThan(0.05 * us(true, 1));
    // Monolithic: the application's rows (the woken receiver runs first, at its sleep's kernel
    // priority, as 4.4BSD's: flat, above ExOS's ASH); the ASH rows a reasoned n/a.
    const mono = report.results.filter((x) => x.system === "monolithic");
    for (const r of mono) expect(r.supported).toBe(!r.benchmark.endsWith("-ash"));
    const m1 = mono.find((r) => r.supported && r.params?.processes === 1)!.simulatedMicros;
    const m2 = mono.find((r) => r.supported && r.params?.processes === 2)!.simulatedMicros;
    expect(Math.abs(m2 - m1)).toBeLessThan(0.05 * m1);
    expect(m1).toBeGreaterThan(us(true, 1));
    const { document } = parseHTML(await renderHtml(report, ["monolithic", "exos"]));
    const chart = document.querySelector(
      'figure[data-chart="udp-roundtrip-load:roundTripMicros"] svg.wide',
    );
    expect(chart).not.toBeNull();
    expect(chart!.querySelectorAll("g.ours circle")).toHaveLength(4);
    expect(SUITES.net!.length).toBe(22);
  });
});
