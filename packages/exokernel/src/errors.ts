import { MachineError } from "@exolab/machine";

/**
 * A CPU-view call made by an environment that is not the one running (its code kept a
 * reference and called it from another environment's time). Thrown before anything is
 * charged or changed.
 */
export class NotRunningError extends MachineError {
  override name = "NotRunningError";
}

/** A CPU-view call through the handle of a destroyed environment. */
export class DeadEnvironmentError extends NotRunningError {
  override name = "DeadEnvironmentError";
}
