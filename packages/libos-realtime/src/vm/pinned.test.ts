import { describe, expect, it } from "vitest";
import { periodic, runFor, setUp } from "../test/rt-world.js";
import { Pinned } from "./pinned.js";

describe("memory pinned at admission", () => {
  it("every page is mapped at admission: the tasks' accesses take no refill upcall and no fault", () => {
    const specs = [
      { ...periodic("a", 80_000, 6_000), pages: 4 },
      { ...periodic("b", 160_000, 6_000), pages: 8 },
    ];
    const { w, os, r } = setUp("rm", specs, [6_000, 6_000]);
    expect(r.ok).toBe(true);
    const mapped = w.aegis.inspect(os.env.id).mappings.filter((m) => m.guaranteed);
    for (const [t, pages] of [
      [0, 4],
      [1, 8],
    ] as const)
      for (let p = 0; p < pages; p++)
        expect(mapped.some((m) => m.vpn === Pinned.vaOf(t, p) >>> 12)).toBe(true);
    const refills = os.vm.stats.refills;
    os.rt.start();
    runFor(w, 640_000);
    expect(os.vm.stats.refills).toBe(refills);
    expect(os.rt.summary().misses).toBe(0);
  });

  it("admission is refused with the reason when the reserve would be broken, and nothing is kept", () => {
    const { w, os, r } = setUp("edf", [{ ...periodic("big", 80_000, 6_000), pages: 40 }], [6_000], {
      frameQuota: 40,
    });
    expect(r).toEqual({
      ok: false,
      reason:
        'task "big"\'s page 34 cannot be pinned: no frame left beside the reserve of 2 (NoMemory)',
    });
    const info = w.aegis.inspect(os.env.id);
    expect(
      info.mappings.filter((m) => m.vpn >= Pinned.vaOf(0, 0) >>> 12 && m.vpn < 0x7ff00),
    ).toEqual([]);
    expect(info.slices).toEqual([]);
  });

  it("admission is refused when the kernel's guaranteed mappings run out", () => {
    const { os, r } = setUp("edf", [{ ...periodic("a", 80_000, 6_000), pages: 64 }], [6_000]);
    expect(r).toMatchObject({ ok: false });
    expect(r.ok ? "" : r.reason).toMatch(/cannot be guaranteed \(NoSlot/);
    expect(os.rt.tasks).toEqual([]);
  });
});
