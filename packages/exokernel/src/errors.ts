import { NotRunningError } from "@exolab/machine";
import { ObjectFreeze } from "./intrinsics.js";

export { NotRunningError };

/**
 * A CPU-view call through the handle of a destroyed environment: a `NotRunningError` (the
 * machine's, shared by the kernels), thrown before anything is charged or changed.
 */
export class DeadEnvironmentError extends NotRunningError {
  override name = "DeadEnvironmentError";
  // Explicit: an implicit derived constructor spreads its arguments through
  // %Array.prototype%[Symbol.iterator], which a libOS may have patched.
  constructor(message: string) {
    super(message);
  }
}
ObjectFreeze(DeadEnvironmentError.prototype);
ObjectFreeze(DeadEnvironmentError);
