import { MachineError } from "@exolab/machine";
import type { Death, DeathHook } from "./core.js";

/**
 * What a test declares an expected death by: an environment's id (a number), its name (a
 * string), its death reason (a RegExp), or a predicate on the death and what its code threw.
 */
export type DeathMatch =
  | number
  | string
  | RegExp
  | ((death: Death, thrown: unknown, hasThrown: boolean) => boolean);

/** An environment died and its test did not say it would (and its code threw nothing). */
export class UnexpectedDeathError extends MachineError {
  override name = "UnexpectedDeathError";
  constructor(readonly death: Death) {
    super(
      `environment ${death.envId} (${death.name}) died unexpectedly at cycle ${death.atCycle}: ${death.reason} (a test that kills on purpose declares it: expectDeath)`,
    );
  }
}

interface Seen {
  readonly death: Death;
  readonly thrown: unknown;
  readonly hasThrown: boolean;
}

/**
 * A test world's watch over environment deaths. The kernel hands every death, and the value
 * the environment's code threw (uninspected: an AssertionError of an `expect` that failed
 * inside the environment, above all), to the host's death hook; the kernel itself swallows it,
 * so without a watch a failed assertion inside an environment fails its test only later, if
 * at all. Pass `watch.onDeath` as `AegisOptions.onDeath`:
 *
 * - a death its test did not declare (`expect`) — other than an `exit` — fails the test: the
 *   hook throws, at the kernel boundary that reported it (`run`, `actAs`, `boot`, …), the very
 *   value the environment's code threw (so the test runner prints the assertion's own
 *   message), or an `UnexpectedDeathError` when it threw nothing (excess time, a fatal
 *   exception);
 * - `verify(aegis)` (a test world calls it after each test) fails the same way on an unexpected
 *   death the kernel recorded but has not reported yet, or whose failure the test's own code
 *   caught (a `try`, an `expect(…).toThrow()` around the call that reported it).
 *
 * A test world for vitest: `afterEach(() => watch.verify(aegis))` (see this package's
 * `src/test-util.ts`, or `@exolab/libos-exos`'s `src/test/world.ts`).
 */
export class DeathWatch {
  readonly #expected: DeathMatch[] = [];
  #any = false;
  readonly #seen: Seen[] = [];
  readonly #seenIds = new Set<number>();

  /** The hook to pass as `AegisOptions.onDeath`. */
  readonly onDeath: DeathHook = (death: Death, ...rest: unknown[]) => {
    const s: Seen = { death, thrown: rest[0], hasThrown: rest.length > 0 };
    this.#seen.push(s);
    this.#seenIds.add(death.envId);
    if (!this.#isExpected(s)) throw failure(s);
  };

  /** Declares deaths the test causes on purpose (each match covers any number of deaths). */
  expect(...matches: DeathMatch[]): void {
    this.#expected.push(...matches);
  }

  /** Declares that any death is expected (a fuzz or hostile test that checks deaths itself). */
  allowAll(): void {
    this.#any = true;
  }

  /** Every death seen so far by the hook, with what its code threw. */
  get seen(): readonly { death: Death; thrown: unknown; hasThrown: boolean }[] {
    return this.#seen;
  }

  /**
   * After a test: throws (as the hook does) on the first unexpected death — one the hook
   * already reported (its throw may have been caught by the test's own code: a swallowed
   * failure still fails), or one the kernel recorded (`deaths`) but has not reported yet (no
   * boundary since).
   */
  verify(kernel: { readonly deaths: readonly Death[] }): void {
    for (const s of this.#seen) {
      if (!this.#isExpected(s)) throw failure(s);
    }
    for (const death of kernel.deaths) {
      if (this.#seenIds.has(death.envId)) continue;
      const s: Seen = { death, thrown: undefined, hasThrown: false };
      if (!this.#isExpected(s)) throw failure(s);
    }
  }

  #isExpected(s: Seen): boolean {
    if (this.#any || s.death.exitStatus !== undefined) return true;
    for (const m of this.#expected) {
      if (matches(m, s)) return true;
    }
    return false;
  }
}

function matches(m: DeathMatch, s: Seen): boolean {
  if (typeof m === "number") return s.death.envId === m;
  if (typeof m === "string") return s.death.name === m;
  if (m instanceof RegExp) return m.test(s.death.reason);
  return m(s.death, s.thrown, s.hasThrown);
}

function failure(s: Seen): unknown {
  return s.hasThrown ? s.thrown : new UnexpectedDeathError(s.death);
}
