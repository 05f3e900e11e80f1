import { SeededRandom } from "@exolab/machine";
import type { ProcessHandle } from "../../src/index.js";

/**
 * The honest processes' mark: every word of their data, their messages and some of their
 * registers is MAGIC or sits next to it. No hostile process ever writes MAGIC, nor makes the
 * kernel write it for it (its addresses avoid MAGIC_WINDOW: a faulting address lands in its
 * own sigcontext), so a hostile load that returns MAGIC read another process's memory.
 */
export const MAGIC = 0x5ec12e78;
const MAGIC_WINDOW = 1 << 20;

/** Harness counters the processes report to (the fuzz's trusted side). */
export interface Tally {
  calls: number;
  /** Hostile loads, register reads or received bytes that returned MAGIC. */
  secretsSeen: number;
  /** Getters, valueOf, toPrimitive or Proxy traps of hostile arguments that ran. */
  argumentTrapsRun: number;
  /** Host callbacks (timer, promise, microtask) whose call on a handle acted. */
  callbacksActed: number;
  callbacksRefused: number;
  /** A handle of another process that acted while its owner was not running. */
  foreignActed: number;
  /** Honest checks of memory, registers and messages, and those that failed. */
  honestChecks: number;
  honestDataChanged: number;
  honestMessagesChanged: number;
  honestRegistersChanged: number;
  /** CPU state seen by user code: anything but user mode, its own owner, depth 0. */
  kernelModeSeen: number;
  /** Typed refusals, errnos and deaths seen by hostile processes, for the report. */
  refusals: number;
  dives: number;
  storms: number;
  throws: number;
}

export function newTally(): Tally {
  return {
    calls: 0,
    secretsSeen: 0,
    argumentTrapsRun: 0,
    callbacksActed: 0,
    callbacksRefused: 0,
    foreignActed: 0,
    honestChecks: 0,
    honestDataChanged: 0,
    honestMessagesChanged: 0,
    honestRegistersChanged: 0,
    kernelModeSeen: 0,
    refusals: 0,
    dives: 0,
    storms: 0,
    throws: 0,
  };
}

/** A hostile value that is never MAGIC (nor near it, in case it is used as an address). */
export function hostileWord(rng: SeededRandom): number {
  const v = rng.nextU32();
  return Math.abs(v - MAGIC) < MAGIC_WINDOW ? (v ^ 0x40000000) >>> 0 : v;
}

export function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[rng.below(items.length)]!;
}

export const pageOf = (h: ProcessHandle): number => Math.ceil(h.heapBase / 4096) * 4096;

/** An address a hostile process may try: its own, the edges, kernel segments, anything. */
export function hostileAddress(rng: SeededRandom, h: ProcessHandle): number {
  const own = pageOf(h);
  switch (rng.below(12)) {
    case 0:
      return own + 4 * rng.below(1024);
    case 1:
      return own + 4096 * rng.below(8) + rng.below(4096);
    case 2:
      return h.stackTop - 4 - 4 * rng.below(256);
    case 3:
      return pick(rng, [0, 4, 0x00400000, 0x10000000, 0x10004000, 0x40000000, 0x7ffff000]);
    case 4:
      return 0x80000000 + 4 * rng.below(0x800000);
    case 5:
      return 0xa0000000 + 4 * rng.below(0x800000);
    case 6:
      return 0xc0000000 + 4 * rng.below(0x1000000);
    case 7:
      return pick(rng, [0xfffff000, 0xffffc000, 0xffffd000, 0xfffffffc, 0x7ffffffc]);
    case 8:
      return 0x40000000 + 4096 * rng.below(64) + 4 * rng.below(1024);
    case 9:
      return -(rng.below(0x80000000) + 1);
    default:
      return hostileWord(rng);
  }
}

export function hostileLength(rng: SeededRandom): number {
  return pick(rng, [
    0,
    1,
    3,
    4,
    64,
    4095,
    4096,
    8192,
    65536,
    0x7fffffff,
    -1,
    -4096,
    rng.below(20000),
  ]);
}

/**
 * A hostile argument that is not a number: an object answering differently on each read, a
 * getter, a Proxy with every trap, a revoked Proxy, a string, a bigint. Reading it in any
 * way counts in `tally.argumentTrapsRun` (a revoked Proxy cannot count: it throws).
 */
export function shiftyArgument(rng: SeededRandom, tally: Tally, own: number): unknown {
  let n = 0;
  const answers = [own, 0x80000 * 4, 0xc0000000, own + 4];
  switch (rng.below(7)) {
    case 0:
      return {
        valueOf() {
          tally.argumentTrapsRun++;
          return answers[n++ % answers.length];
        },
      };
    case 1:
      return {
        [Symbol.toPrimitive]() {
          tally.argumentTrapsRun++;
          return answers[n++ % answers.length];
        },
        toString() {
          tally.argumentTrapsRun++;
          return "4096";
        },
      };
    case 2:
      return new Proxy(
        {},
        {
          get() {
            tally.argumentTrapsRun++;
            return () => answers[n++ % answers.length];
          },
          getPrototypeOf() {
            tally.argumentTrapsRun++;
            return null;
          },
          has() {
            tally.argumentTrapsRun++;
            return true;
          },
          ownKeys() {
            tally.argumentTrapsRun++;
            return [];
          },
        },
      );
    case 3: {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return r.proxy;
    }
    case 4:
      return String(own);
    case 5:
      return BigInt(own);
    default:
      return pick(rng, [Number.NaN, Number.POSITIVE_INFINITY, 0.5, 2 ** 40, -(2 ** 40), null]);
  }
}

/** A value a hostile process throws: anything at all. */
export function hostileThrowable(rng: SeededRandom, tally: Tally, caught: unknown): unknown {
  switch (rng.below(7)) {
    case 0:
      return new Error("hostile");
    case 1:
      return 42;
    case 2:
      return undefined;
    case 3: {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return r.proxy;
    }
    case 4:
      return new Proxy(
        {},
        {
          getPrototypeOf() {
            tally.argumentTrapsRun++;
            throw new Error("trap");
          },
          get() {
            tally.argumentTrapsRun++;
            throw new Error("trap");
          },
          has() {
            tally.argumentTrapsRun++;
            throw new Error("trap");
          },
        },
      );
    case 5: {
      // A ContextAbort made with a caught one's own constructor: the brand is real.
      const C = (caught as { constructor?: unknown } | null)?.constructor;
      return typeof C === "function" ? Reflect.construct(C, ["forged"]) : Symbol("x");
    }
    default:
      return Object.freeze({ name: "RangeError", message: "fake" });
  }
}

export { SeededRandom };
