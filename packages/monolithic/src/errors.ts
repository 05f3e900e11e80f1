import { MachineError } from "@exolab/machine";

/** A process handle used while its process is not the one running (host API misuse). */
export class NotRunningError extends MachineError {
  override name = "NotRunningError";
}

/** A blocking call made from a signal handler: handlers run synchronously and cannot block. */
export class HandlerBlockError extends MachineError {
  override name = "HandlerBlockError";
}

/** A kernel invariant broke (a bug in this package, never a user's doing). */
export class KernelPanic extends MachineError {
  override name = "KernelPanic";
}

/** spawn() could not get a process slot or memory (host API: a typed error, nothing built). */
export class SpawnError extends MachineError {
  override name = "SpawnError";
}

// A process can reach these classes (a caught error's `constructor`): frozen, so that none
// can be changed under the kernel that throws them.
for (const c of [NotRunningError, HandlerBlockError, KernelPanic, SpawnError]) {
  Object.freeze(c.prototype);
  Object.freeze(c);
}
