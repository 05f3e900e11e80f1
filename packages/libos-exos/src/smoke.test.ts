import { existsSync } from "node:fs";
import { LIBOS_TEMPLATE } from "@exolab/exokernel";
import { describe, expect, it } from "vitest";
import { exos } from "./index.js";
import { world } from "./test/world.js";

describe("exos boots and runs a thread", () => {
  it("maps demand-zero memory and reads back its writes", () => {
    const w = world();
    const os = w.spawn();
    let done = false;
    let sum = -1;
    // biome-ignore lint/correctness/useYield: a thread body that never blocks
    os.sched.spawn(function* () {
      const cpu = os.env.cpu;
      expect(os.vm.map(0x10000, 4)).toBe(0);
      for (let i = 0; i < 4; i++) cpu.store32(0x10000 + i * 4096, i + 1);
      sum = 0;
      for (let i = 0; i < 4; i++) sum += cpu.load32(0x10000 + i * 4096);
      done = true;
    });
    w.runUntil(() => done);
    expect(sum).toBe(10);
    expect(w.aegis.deaths).toEqual([]);
  });
});

describe("an idle process", () => {
  it("lets the machine go idle when its last thread ends, and wakes on spawn", () => {
    const w = world();
    const os = w.spawn();
    let runs = 0;
    const body = function* () {
      runs++;
      yield* os.sched.safepoint();
    };
    os.sched.spawn(body);
    expect(w.aegis.run().outcome).toBe("idle");
    expect(runs).toBe(1);
    os.sched.spawn(body);
    expect(w.aegis.run().outcome).toBe("idle");
    expect(runs).toBe(2);
  });
});

describe("the libOS contract", () => {
  it("exos has the exokernel's LibOS shape and its folder template", () => {
    expect(exos.name).toBe("exos");
    expect(typeof exos.boot).toBe("function");
    const root = new URL("../", import.meta.url);
    for (const entry of LIBOS_TEMPLATE) expect(existsSync(new URL(entry, root)), entry).toBe(true);
  });
});
