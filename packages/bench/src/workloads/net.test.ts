/**
 * The UDP rows (Table 11) with small counts: every system that serves the port answers, the
 * counter comes back incremented, the ASH row's receiver never runs its application, and
 * under load the application-level round trip grows while the ASH's stays flat.
 */
import { describe, expect, it } from "vitest";
import { adapterFor } from "../adapters/index.js";
import { runBenchmark } from "../runner.js";
import { udpWorkload } from "./net.js";

const exos = adapterFor("exos")!;
const opts = { profile: "dec5000_125", seed: 1 };

describe("udp-roundtrip on ExOS", () => {
  it("ping-pongs a counter between two machines, with and without the ASH", () => {
    const plain = runBenchmark(udpWorkload({ ash: false, rounds: 8 }), exos, opts);
    const ash = runBenchmark(udpWorkload({ ash: true, rounds: 8 }), exos, opts);
    console.log(`udp-roundtrip ${plain.simulatedMicros} us, -ash ${ash.simulatedMicros} us`);
    expect(plain.supported && ash.supported).toBe(true);
    expect(ash.simulatedMicros).toBeLessThan(plain.simulatedMicros);
    // The same seed gives the same figure.
    const again = runBenchmark(udpWorkload({ ash: false, rounds: 8 }), exos, opts);
    expect(again.simulatedCycles).toBe(plain.simulatedCycles);
  });

  it("under load: the application's round trip grows with the receiver's processes, the ASH's does not", () => {
    const at = (ash: boolean, n: number) =>
      runBenchmark(udpWorkload({ ash, processes: n, rounds: 1 }), exos, opts).simulatedMicros;
    const p1 = at(false, 1);
    const p3 = at(false, 2);
    const a1 = at(true, 1);
    const a3 = at(true, 2);
    console.log(`load 1/2: app ${p1}/${p3} us, ash ${a1}/${a3} us`);
    expect(p3).toBeGreaterThan(p1);
    expect(Math.abs(a3 - a1)).toBeLessThan(0.05 * a1);
  });

  it("systems without a UDP service report nothing for the rows", () => {
    const mono = adapterFor("monolithic")!;
    const r = runBenchmark(udpWorkload({ ash: false, rounds: 4 }), mono, opts);
    expect(r.supported).toBe(false);
    expect(r.simulatedCycles).toBe(0);
  });
});
