import { MachineError } from "@exolab/machine";

/**
 * A CPU-view call made by an environment that is not the one running (its code kept a
 * reference and called it from another environment's time). Thrown before anything is
 * charged or changed.
 */
export class NotRunningError extends MachineError {
  override name = "NotRunningError";
  // Explicit: an implicit derived constructor spreads its arguments through
  // %Array.prototype%[Symbol.iterator], which a libOS may have patched.
  constructor(message: string) {
    super(message);
  }
}

/** A CPU-view call through the handle of a destroyed environment. */
export class DeadEnvironmentError extends NotRunningError {
  override name = "DeadEnvironmentError";
  constructor(message: string) {
    super(message);
  }
}
