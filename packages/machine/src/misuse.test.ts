import { describe, expect, it } from "vitest";
import {
  type Cost,
  ArgumentError as PublicArgumentError,
  MachineError as PublicMachineError,
} from "./index.js";
import {
  ArgumentError,
  ConfigError,
  entryHi,
  entryLo,
  getProfile,
  Machine,
  MachineError,
  PhysicalAddressError,
  PROFILE_NAMES,
  PROFILES,
  TLB_V,
  validateProfile,
} from "./privileged.js";
import { TEST_COSTS } from "./test-costs.js";

const MiB = 1 << 20;

/** Observable state that a refused call must leave exactly as it was. */
function state(m: Machine) {
  return {
    now: m.cpu.now,
    pc: m.cpu.pc,
    entryHi: m.cpu.entryHi,
    entryLo: m.cpu.entryLo,
    index: m.cpu.index,
    hi: Array.from(m.tlb.hi),
    lo: Array.from(m.tlb.lo),
    table: Array.from(m.accounting.table),
    labels: m.accounting.labels.size,
    mem: Array.from(m.memory.u32.subarray(0, 64)),
    memEnd: Array.from(m.memory.u32.subarray(m.memory.u32.length - 64)),
  };
}

describe("host API misuse gets a typed error with a clear message, before anything changes", () => {
  it("the public error classes are the privileged ones", () => {
    expect(PublicArgumentError).toBe(ArgumentError);
    expect(PublicMachineError).toBe(MachineError);
    expect(new ConfigError("x")).toBeInstanceOf(MachineError);
    expect(new PhysicalAddressError("x").name).toBe("PhysicalAddressError");
  });

  it("physical accesses outside installed memory", () => {
    const m = new Machine({ memoryBytes: MiB });
    for (let i = 0; i < 64; i++) m.memory.write32(i * 4, i + 1);
    const before = state(m);
    const mem = m.memory;
    const bad: [string, () => unknown][] = [
      ["read32 at the end", () => mem.read32(MiB)],
      ["read32 negative", () => mem.read32(-4)],
      ["read32 fractional", () => mem.read32(4.5)],
      ["read32 NaN", () => mem.read32(Number.NaN)],
      ["read16 past the end", () => mem.read16(MiB)],
      ["read8 past the end", () => mem.read8(MiB)],
      ["write32 past the end", () => mem.write32(MiB, 1)],
      ["write32 straddling the end", () => mem.write32(MiB - 2, 1)],
      ["write16 negative", () => mem.write16(-2, 1)],
      ["write8 past the end", () => mem.write8(MiB, 1)],
      ["readBytes past the end", () => mem.readBytes(MiB - 4, 8)],
      [
        "writeBytes past the end (no partial write)",
        () => mem.writeBytes(MiB - 4, new Uint8Array(8).fill(9)),
      ],
      ["writeBytes negative", () => mem.writeBytes(-1, new Uint8Array(1))],
      ["readBytes negative length", () => mem.readBytes(0, -1)],
    ];
    for (const [what, f] of bad) {
      expect(f, what).toThrow(PhysicalAddressError);
      expect(f, what).toThrow(/outside installed memory \[0, 1048576\)/);
    }
    expect(() => mem.read32(2)).toThrow(/not 4-byte aligned/);
    expect(() => mem.write16(1, 0)).toThrow(PhysicalAddressError);
    expect(state(m)).toEqual(before);
    expect(mem.read32(MiB - 4)).toBe(0); // the last word is fine
  });

  it("bad frame numbers", () => {
    const m = new Machine({ memoryBytes: MiB });
    m.memory.u32.fill(0xffffffff, 0, 16);
    const before = state(m);
    for (const f of [256, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => m.memory.zeroFrame(f)).toThrow(PhysicalAddressError);
      expect(() => m.memory.checkFrame(f)).toThrow(/frames 0\.\.255/);
    }
    expect(state(m)).toEqual(before);
    m.memory.zeroFrame(0);
    expect(m.memory.read32(0)).toBe(0);
  });

  it("an invalid profile name gets a ConfigError naming the valid ones", () => {
    for (const name of ["dec5000", "DEC3100", "", "toString", "__proto__"]) {
      let err: unknown;
      try {
        new Machine({ profile: name });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain(`"${name}"`);
      for (const valid of PROFILE_NAMES) expect(msg).toContain(valid);
    }
    expect(() => getProfile("nope")).toThrow(/valid profiles: dec5000_125, dec3100, dec2100/);
  });

  it("a hand-built profile with impossible numbers is refused", () => {
    const base = PROFILES.dec5000_125;
    expect(() => validateProfile({ ...base, cycleNs: 0 })).toThrow(ConfigError);
    expect(() => validateProfile({ ...base, cachedAccessCycles: 1.5 })).toThrow(/positive integer/);
    expect(() => validateProfile({ ...base, tlbEntries: 32 })).toThrow(/64 entries/);
    expect(() => validateProfile({ ...base, tlbWiredEntries: 64 })).toThrow(ConfigError);
    expect(() => validateProfile({ ...base, asidCount: 256 })).toThrow(ConfigError);
    expect(() => validateProfile({ ...base, exceptionEntryCycles: -1 })).toThrow(ConfigError);
    expect(
      new Machine({ profile: { ...base, uncachedAccessCycles: 20 } }).profile.uncachedAccessCycles,
    ).toBe(20);
  });

  it("an invalid memory size or seed", () => {
    for (const bytes of [0, 1000, 4097, -4096, 1.5 * 4096, Number.NaN, 1024 * MiB]) {
      expect(() => new Machine({ memoryBytes: bytes }), String(bytes)).toThrow(ConfigError);
    }
    expect(() => new Machine({ memoryBytes: 4097 })).toThrow(/multiple of 4096 bytes, got 4097/);
    expect(() => new Machine({ memoryBytes: 1024 * MiB })).toThrow(/512 MiB/);
    expect(new Machine({ memoryBytes: 64 * MiB }).memory.frames).toBe(16384);
    for (const seed of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => new Machine({ seed })).toThrow(ConfigError);
    }
  });

  it("bad exec arguments: a count, a copy or Proxy of a record, bad times; nothing changes", () => {
    const m = new Machine({ memoryBytes: MiB });
    const ok = TEST_COSTS["test.ok"];
    m.cpu.exec(ok, 5);
    const before = state(m);
    let trapped = 0;
    const proxy = new Proxy(TEST_COSTS["test.bad"], {
      get: (t, k) => {
        trapped++;
        return Reflect.get(t, k);
      },
      getPrototypeOf: () => {
        trapped++;
        return null;
      },
    });
    const notCosts: unknown[] = [
      5,
      "test.bad",
      null,
      undefined,
      { ...TEST_COSTS["test.bad"] }, // a copy: same fields, never registered
      Object.freeze({ label: "test.bad", instructions: 1, loads: 0, stores: 0, source: "x" }),
      proxy,
    ];
    for (const [i, c] of notCosts.entries()) {
      expect(() => m.cpu.exec(c as Cost), `case ${i}`).toThrow(ArgumentError);
      expect(() => m.cpu.exec(c as Cost)).toThrow(/record of a costs table/);
    }
    expect(trapped).toBe(0);
    for (const n of [Number.NaN, 1.5, -1, "10", Number.POSITIVE_INFINITY, null]) {
      expect(() => m.cpu.exec(TEST_COSTS["test.bad"], n as number), String(n)).toThrow(
        /times must be a non-negative integer/,
      );
    }
    expect(() => m.cpu.exec(TEST_COSTS["test.bad"], 2e9)).toThrow(/at most 1000000000/);
    expect(state(m)).toEqual(before);
    expect(m.accounting.labels.has("test.bad")).toBe(false);
    // Zero times charges nothing and notes nothing.
    m.cpu.exec(TEST_COSTS["test.bad"], 0);
    expect(state(m)).toEqual(before);
    expect(m.accounting.labels.has("test.bad")).toBe(false);
  });

  it("a literal count or an inline object is a type error (checked by tsc on this file)", () => {
    const m = new Machine({ memoryBytes: MiB });
    const attempts = [
      // @ts-expect-error: a count is not a cost record
      () => m.cpu.exec(5, "x"),
      // @ts-expect-error: an inline object lacks the brand
      () => m.cpu.exec({ label: "x", instructions: 5, loads: 0, stores: 0, source: "s" }),
    ];
    for (const a of attempts) expect(a).toThrow(ArgumentError);
  });

  it("bad block lengths", () => {
    const m = new Machine({ memoryBytes: MiB });
    m.cpu.status = 0;
    const before = state(m);
    for (const n of [-1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => m.cpu.copy(0x80000000, 0x80001000, n)).toThrow(ArgumentError);
      expect(() => m.cpu.zero(0x80000000, n)).toThrow(/non-negative integer/);
    }
    expect(state(m)).toEqual(before);
  });

  it("a bad TLB index is refused and the TLB is unchanged", () => {
    const m = new Machine({ memoryBytes: MiB });
    const hi = Array.from(m.tlb.hi);
    const lo = Array.from(m.tlb.lo);
    for (const i of [64, -1, 1.5, Number.NaN]) {
      expect(() => m.cpu.tlbWriteIndexed(i, entryHi(1, 0), entryLo(1, TLB_V))).toThrow(
        ArgumentError,
      );
      expect(() => m.tlb.writeIndexed(i, 0, 0)).toThrow(
        /TLB index must be an integer in \[0, 64\)/,
      );
    }
    expect(Array.from(m.tlb.hi)).toEqual(hi);
    expect(Array.from(m.tlb.lo)).toEqual(lo);
  });

  // Regression test (was a bug, fixed): Cpu.tlbWriteIndexed (cpu.ts) sets EntryHi/EntryLo/Index and charges 3 cycles
  // before Tlb.writeIndexed checks the index, so a refused call still changes the clock,
  // the attribution and coprocessor-0 registers.
  it("a bad TLB index changes neither the clock nor coprocessor 0", () => {
    const m = new Machine({ memoryBytes: MiB });
    const before = state(m);
    expect(() => m.cpu.tlbWriteIndexed(64, entryHi(1, 0), entryLo(1, TLB_V))).toThrow(
      ArgumentError,
    );
    expect(state(m)).toEqual(before);
  });

  it("other refused set-up calls", () => {
    const m = new Machine({ memoryBytes: MiB });
    const before = state(m);
    expect(() => m.setExceptionHandler(16, () => 0)).toThrow(ArgumentError);
    expect(() => m.setExceptionHandler(-1, () => 0)).toThrow(/exception code must be in \[0, 15\]/);
    expect(() => m.registerOwner(3 as 0, 1, "x")).toThrow(/owner kind/);
    expect(() => m.createContext("c", 5, (function* () {})())).toThrow(/unknown owner 5/);
    expect(() => m.createContext("c", 0, (() => {}) as never)).toThrow(/generator object/);
    expect(() => m.timer.start(0)).toThrow(ArgumentError);
    expect(() => m.timer.start(1.5)).toThrow(/positive integer of cycles/);
    expect(() => m.timer.start(-10)).toThrow(ArgumentError);
    expect(() => new Machine(null as never)).toThrow(ConfigError);
    expect(() => new Machine({ id: 70000 })).toThrow(ConfigError);
    expect(state(m)).toEqual(before);
    expect(m.timer.running).toBe(false);
    expect(m.accounting.owners.length).toBe(1);
  });
});
