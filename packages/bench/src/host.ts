/**
 * What a run learns of the host it runs on, given by the caller: the browser-safe entry
 * cannot ask git, the operating system or Node itself. `@exolab/bench/node` gives Node's
 * (`nodeHost()`: the commit from git, Node's version, the OS, benchmark.js); a web page
 * gives its own; without one, a report says "unknown" (`BARE_HOST`).
 */

/** What a report's meta says of the host (see MetaSchema). */
export interface HostDescription {
  /** The git commit of the sources, null where unknown. */
  readonly commit: string | null;
  /** Whether tracked files differed from that commit, null where unknown. */
  readonly dirty: boolean | null;
  /** The runtime that ran the simulation: Node's version, or what a web page says of itself. */
  readonly runtime: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
}

/**
 * Host seconds per call of `run` (one whole simulated run of a pair), measured by a
 * benchmark harness; `quick` asks for a shorter measurement. It never feeds a simulated
 * figure.
 */
export type HostTimer = (name: string, run: () => void, quick: boolean) => number;

export interface HostEnvironment {
  /** The host as a report records it (asked once per report). */
  describe(): HostDescription;
  /** Measures host time (`hostTime: true`); absent, host time cannot be measured here. */
  readonly timer?: HostTimer;
}

/** A host that says nothing of itself and cannot measure host time. */
export const BARE_HOST: HostEnvironment = Object.freeze({
  describe: (): HostDescription => ({
    commit: null,
    dirty: null,
    runtime: "unknown",
    platform: "unknown",
    arch: "unknown",
    cpus: 0,
  }),
});

/** Thrown when host time is asked for on a host with no timer (a one-line message). */
export class HostTimeUnavailableError extends Error {
  override name = "HostTimeUnavailableError";
  constructor() {
    super(
      "host time needs a host timer: pass host: nodeHost() from @exolab/bench/node (benchmark.js)",
    );
  }
}
