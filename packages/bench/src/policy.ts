import type { SystemAdapter, SystemOptions } from "./adapters/adapter.js";

/** A policy override of one system (SystemOptions.policy). */
export type PolicyOverride = NonNullable<SystemOptions["policy"]>;
/** Policy overrides of several systems, by system id. */
export type PolicyOverrides = Readonly<Record<string, PolicyOverride>>;

/** An override that a system refuses (an unknown field, a value of the wrong kind or range). */
export class PolicyError extends Error {
  override name = "PolicyError";
}

/**
 * The fields of a system's policy that an override may set: those whose default is a number
 * or a string (a flag is not offered: an override carries numbers and strings only).
 */
export function overridablePolicy(
  adapter: SystemAdapter,
  profile: string,
): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(adapter.policies(profile)))
    if (typeof v === "number" || typeof v === "string") out[k] = v;
  return out;
}

/**
 * Why an override does not fit a system's policy, or undefined when it does: each field must
 * be one the system prints and can take (overridablePolicy), each value of its default's kind
 * (a finite number for a number). Ranges are the kernel's and libOS's to check: see
 * checkPolicy.
 */
export function policyProblem(
  adapter: SystemAdapter,
  profile: string,
  override: PolicyOverride,
): string | undefined {
  const fields = overridablePolicy(adapter, profile);
  for (const [k, v] of Object.entries(override)) {
    if (!Object.hasOwn(fields, k))
      return `${adapter.id} has no policy field "${k}"; its fields: ${Object.keys(fields).join(", ")}`;
    const kind = typeof fields[k];
    if (typeof v !== kind || (typeof v === "number" && !Number.isFinite(v)))
      return `${adapter.id} policy ${k} takes a ${kind === "number" ? "number" : "string"}, got ${JSON.stringify(v)}`;
  }
  return undefined;
}

/**
 * Checks an override before anything runs: its fields (policyProblem), then its values, by
 * creating the system once with it (the kernel and libOS check their config when they are
 * made). Throws a PolicyError with one line.
 */
export function checkPolicy(
  adapter: SystemAdapter,
  profile: string,
  override: PolicyOverride,
): void {
  const problem = policyProblem(adapter, profile, override);
  if (problem !== undefined) throw new PolicyError(problem);
  try {
    adapter.create({ profile, seed: 0, policy: override });
  } catch (e) {
    throw new PolicyError(`${adapter.id}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The policy in force: the system's defaults with the override's fields. */
export function policyInForce(
  adapter: SystemAdapter,
  profile: string,
  override: PolicyOverride | undefined,
): Record<string, unknown> {
  return { ...adapter.policies(profile), ...(override ?? {}) };
}
