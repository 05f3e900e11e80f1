import { describe, expect, it } from "vitest";
import {
  ExcCode,
  entryHi,
  entryLo,
  Machine,
  Resolution,
  SR_USER,
  TLB_D,
  TLB_V,
} from "./privileged.js";
import { TEST_COSTS } from "./test-costs.js";

/**
 * Code running on the machine may patch the realm's intrinsics: the machine's paths use the
 * ones captured when it loaded (src/intrinsics.ts). Each patch below records any call; none
 * may come from the machine.
 */
describe("the machine ignores patched intrinsics", () => {
  it("a block zero, charges, a timer event, a TLB write and an error never call a patched one", () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const cpu = m.cpu;
    m.setExceptionHandler(ExcCode.Int, (c) => {
      m.timer.acknowledge();
      c.rfe();
      return Resolution.Retry;
    });
    cpu.tlbWriteIndexed(10, entryHi(0x10, 0), entryLo(20, TLB_V | TLB_D));
    cpu.status = SR_USER;
    const calls: string[] = [];
    const undo: (() => void)[] = [];
    const patch = (obj: object, key: PropertyKey) => {
      const d = Object.getOwnPropertyDescriptor(obj, key)!;
      const orig = d.value as (...a: unknown[]) => unknown;
      const apply = Reflect.apply;
      Object.defineProperty(obj, key, {
        ...d,
        value: function (this: unknown, ...args: unknown[]) {
          calls[calls.length] = String(key);
          return apply(orig, this, args);
        },
      });
      undo[undo.length] = () => Object.defineProperty(obj, key, d);
    };
    const typed = Object.getPrototypeOf(Uint8Array.prototype) as object;
    const targets: [object, string[]][] = [
      [typed, ["fill", "copyWithin", "set"]],
      [Math, ["min", "max", "ceil", "floor", "imul"]],
      [Number, ["isInteger", "isSafeInteger"]],
      [Array.prototype, ["push", "pop", "indexOf"]],
      [Map.prototype, ["get", "set"]],
      [WeakSet.prototype, ["has", "add"]],
    ];
    for (const [obj, keys] of targets) for (const k of keys) patch(obj, k);
    let threw: unknown;
    try {
      m.timer.start(500);
      cpu.zero(0x10000, 4096); // block zero through the TLB
      cpu.copy(0x10000, 0x10800, 64);
      cpu.exec(TEST_COSTS["machine.test.work"], 2000); // events: two timer interrupts
      cpu.store32(0x10010, 5);
      try {
        cpu.tlbWriteIndexed(99, 0, 0); // a bad index: ArgumentError
      } catch (e) {
        threw = e;
      }
      m.timer.stop();
    } finally {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
    }
    expect(calls).toEqual([]);
    expect(threw).toBeInstanceOf(Error);
    expect(m.timer.expiries).toBeGreaterThanOrEqual(4);
    expect(m.memory.read32(20 * 4096 + 0x10)).toBe(5);
  });

  it("a frame's arrival never runs a getter planted on %TypedArray%.prototype", () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    m.setExceptionHandler(ExcCode.Int, (c) => {
      m.net.acknowledge(m.net.readStatus());
      c.rfe();
      return Resolution.Retry;
    });
    m.net.giveReceiveBuffer(0, 0x10000);
    m.net.scheduleFrame(1000, Uint8Array.from([1, 2, 3, 4, 5, 6]));
    const typed = Object.getPrototypeOf(Uint8Array.prototype) as object;
    const d = Object.getOwnPropertyDescriptor(typed, "length")!;
    const get = d.get!;
    const apply = Reflect.apply;
    let calls = 0;
    Object.defineProperty(typed, "length", {
      ...d,
      get(this: unknown) {
        calls++;
        return apply(get, this, []);
      },
    });
    try {
      m.cpu.exec(TEST_COSTS["machine.test.work"], 2000); // the receive event fires in here
    } finally {
      Object.defineProperty(typed, "length", d);
    }
    expect(calls).toBe(0);
    expect(m.net.receivedLength(0)).toBe(6);
    expect(m.memory.read32(0x10000)).toBe(0x04030201);
  });
});

describe("the machine's other paths a kernel reaches with its own arrays", () => {
  it("a frame from the link, physical byte copies, owner registration and a traced owner filter run no planted getter, slice or hasInstance", () => {
    const m = new Machine({ memoryBytes: 1 << 20, trace: true });
    const typed = Object.getPrototypeOf(Uint8Array.prototype) as object;
    const calls: string[] = [];
    const undo: (() => void)[] = [];
    const apply = Reflect.apply;
    const wrapGetter = (obj: object, key: PropertyKey) => {
      const d = Object.getOwnPropertyDescriptor(obj, key)!;
      const get = d.get!;
      Object.defineProperty(obj, key, {
        ...d,
        get(this: unknown) {
          calls[calls.length] = String(key);
          return apply(get, this, []);
        },
      });
      undo[undo.length] = () => Object.defineProperty(obj, key, d);
    };
    const wrapValue = (obj: object, key: PropertyKey) => {
      const d = Object.getOwnPropertyDescriptor(obj, key);
      const orig = d?.value as ((...a: unknown[]) => unknown) | undefined;
      Object.defineProperty(obj, key, {
        configurable: true,
        writable: true,
        value(this: unknown, ...args: unknown[]) {
          calls[calls.length] = String(key);
          return orig === undefined ? false : apply(orig, this, args);
        },
      });
      undo[undo.length] = () =>
        d === undefined ? Reflect.deleteProperty(obj, key) : Object.defineProperty(obj, key, d);
    };
    wrapGetter(typed, "length");
    wrapValue(typed, "slice");
    wrapValue(typed, "set");
    wrapValue(Uint8Array, Symbol.hasInstance);
    try {
      m.net.acceptFrame(1_000_000, 1, 0, Uint8Array.from([1, 2, 3, 4])); // arrives later
      m.memory.writeBytes(0x2000, Uint8Array.from([9, 8, 7, 6]));
      expect(m.memory.readBytes(0x2000, 4)[0]).toBe(9);
      // The attribution table starts with room for 16 owners: the 17th grows it.
      for (let i = 0; i < 20; i++) m.registerOwner(2, i, `app${i}`);
      m.tracer!.configure({ owner: (owner: number) => owner > 0 });
      m.cpu.setOwner(19);
      m.cpu.exec(TEST_COSTS["machine.test.work"], 10);
    } finally {
      for (const u of undo) u();
    }
    expect(calls).toEqual([]);
    expect(m.accounting.owners.length).toBe(21);
  });
});
