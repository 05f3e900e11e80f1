/**
 * Typed errors for misuse of the host API. They are thrown before anything changes, and
 * never on a simulated path: a translated access, a trap or an interrupt reports through
 * the architecture (exception codes and registers), not through JS exceptions.
 */
export class MachineError extends Error {
  override name = "MachineError";
  // Explicit constructors throughout: an implicit derived constructor spreads its arguments
  // through %Array.prototype%[Symbol.iterator], which code running on the machine may patch.
  constructor(message: string) {
    super(message);
  }
}

/** An invalid profile, machine configuration or device configuration. */
export class ConfigError extends MachineError {
  override name = "ConfigError";
  constructor(message: string) {
    super(message);
  }
}

/** A privileged physical access outside installed memory, or a bad frame number. */
export class PhysicalAddressError extends MachineError {
  override name = "PhysicalAddressError";
  constructor(message: string) {
    super(message);
  }
}

/** A host API called with an argument of the wrong type or range. */
export class ArgumentError extends MachineError {
  override name = "ArgumentError";
  constructor(message: string) {
    super(message);
  }
}

/** A kernel broke the machine's contract (no handler installed, a handler that forgot `rfe`). */
export class KernelContractError extends MachineError {
  override name = "KernelContractError";
  constructor(message: string) {
    super(message);
  }
}

/**
 * A handle or CPU view used while its environment (or process) is not the one running: from
 * another's time, from a host callback after the run, after its death. Thrown by a kernel
 * before anything is charged or changed; the one such error of every kernel.
 */
export class NotRunningError extends MachineError {
  override name = "NotRunningError";
  constructor(message: string) {
    super(message);
  }
}

/**
 * The one dedicated throw allowed on a simulated path: a kernel throws it to unwind the
 * code of a context it has destroyed (DESIGN.md §3). The run loop catches it at the
 * context boundary and marks the context aborted. It carries no stack trace, so it is cheap.
 */
export class ContextAbort {
  readonly #brand = true;
  constructor(readonly reason: string) {}

  /**
   * Whether `value` is a ContextAbort made by a kernel: a private-brand check, which runs no
   * getter, trap or `Symbol.hasInstance` of the value (untrusted code may throw a Proxy whose
   * `getPrototypeOf` trap throws, or plant a `hasInstance`; `instanceof` would run either).
   */
  static is(value: unknown): value is ContextAbort {
    return typeof value === "object" && value !== null && #brand in value;
  }
}

// Untrusted code can reach these classes (a caught error's `constructor`): frozen, so that
// none can be changed under the kernels that construct and brand-check them.
for (const c of [
  MachineError,
  ConfigError,
  PhysicalAddressError,
  ArgumentError,
  KernelContractError,
  NotRunningError,
  ContextAbort,
]) {
  Object.freeze(c.prototype);
  Object.freeze(c);
}

/** Captured: checkInt runs on device command paths a kernel drives while untrusted code runs. */
const numberIsInteger = Number.isInteger;

/** Throws an ArgumentError unless `value` is an integer in [min, max]. */
export function checkInt(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !numberIsInteger(value) || value < min || value > max) {
    throw new ArgumentError(`${what} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}
