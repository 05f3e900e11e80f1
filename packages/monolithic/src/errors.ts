import { MachineError, NotRunningError } from "@exolab/machine";

/**
 * A process handle used while its process is not the one running (host API misuse): the
 * machine's `NotRunningError`, shared by the kernels.
 */
export { NotRunningError };

/** A blocking call made from a signal handler: handlers run synchronously and cannot block. */
export class HandlerBlockError extends MachineError {
  override name = "HandlerBlockError";
  // Explicit constructors: an implicit derived one spreads its arguments through
  // %Array.prototype%[Symbol.iterator], which a process may have patched.
  constructor(message: string) {
    super(message);
  }
}

/** A kernel invariant broke (a bug in this package, never a user's doing). */
export class KernelPanic extends MachineError {
  override name = "KernelPanic";
  constructor(message: string) {
    super(message);
  }
}

/** spawn() could not get a process slot or memory (host API: a typed error, nothing built). */
export class SpawnError extends MachineError {
  override name = "SpawnError";
  constructor(message: string) {
    super(message);
  }
}

// A process can reach these classes (a caught error's `constructor`): frozen, so that none
// can be changed under the kernel that throws them.
for (const c of [HandlerBlockError, KernelPanic, SpawnError]) {
  Object.freeze(c.prototype);
  Object.freeze(c);
}
