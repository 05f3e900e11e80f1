import { MachineError } from "@exolab/exokernel";
import { POOL_POLICIES, type PoolPolicyName } from "../pool/replacement.js";

/**
 * How the application opens its database: the buffer pool's size and policy are its
 * choice (the point of a database libOS), as are the sizes of its extents.
 */
export interface DbOptions {
  /** Frames of the buffer pool. Default 64 (256 KiB). */
  readonly poolFrames: number;
  /** The pool's replacement policy: "lru", "clock", "2q" or "lru2". Default "lru". */
  readonly poolPolicy: PoolPolicyName;
  /** Pages of the data extent (8 blocks each). Default 2048 (8 MiB). */
  readonly dataPages: number;
  /** Slots of the log extent (a page each). Default 256 (1 MiB): a checkpoint when full. */
  readonly logSlots: number;
  /** Most pages one transaction may change (its undo frames). Default 8: one put at height 3. */
  readonly maxTxnPages: number;
  /**
   * Most entries in a tree node: the page's room (508 in a leaf, 507 keys in an internal
   * node) by default; smaller makes deeper trees from fewer keys (tests of splits).
   */
  readonly nodeCap: number;
  /** Format a new database (true), or recover the one on the extents (false). Default true. */
  readonly format: boolean;
  /** First block of the data extent, or "any". Default "any". */
  readonly dataStartBlock: number | "any";
  /** First block of the log extent, or "any". Default "any". */
  readonly logStartBlock: number | "any";
}

export const DEFAULT_DB_OPTIONS: DbOptions = Object.freeze({
  poolFrames: 64,
  poolPolicy: "lru",
  dataPages: 2048,
  logSlots: 256,
  maxTxnPages: 8,
  nodeCap: 508,
  format: true,
  dataStartBlock: "any",
  logStartBlock: "any",
});

/** A bad option (host API misuse): thrown before anything is allocated. */
export class DbOptionError extends MachineError {
  override name = "DbOptionError";
}

const RANGES = {
  poolFrames: [16, 1024],
  dataPages: [4, 65536],
  logSlots: [16, 8192],
  maxTxnPages: [8, 64],
  nodeCap: [4, 508],
} as const;

/** The defaults with `overrides` applied, each checked (a DbOptionError names a bad field). */
export function resolveDbOptions(overrides: Partial<DbOptions> = {}): DbOptions {
  const out: Record<string, unknown> = { ...DEFAULT_DB_OPTIONS };
  for (const [field, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(DEFAULT_DB_OPTIONS, field))
      throw new DbOptionError(
        `no database option "${field}"; the options are ${Object.keys(DEFAULT_DB_OPTIONS).join(", ")}`,
      );
    if (field in RANGES) {
      const [lo, hi] = RANGES[field as keyof typeof RANGES];
      if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi)
        throw new DbOptionError(
          `database option ${field} must be an integer in [${lo}, ${hi}], got ${String(value)}`,
        );
    } else if (field === "poolPolicy") {
      if (!POOL_POLICIES.includes(value as PoolPolicyName))
        throw new DbOptionError(
          `database option poolPolicy must be one of ${POOL_POLICIES.join(", ")}, got ${String(value)}`,
        );
    } else if (field === "format") {
      if (typeof value !== "boolean")
        throw new DbOptionError(`database option format must be a boolean, got ${String(value)}`);
    } else if (
      value !== "any" &&
      (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    )
      throw new DbOptionError(
        `database option ${field} must be a block number or "any", got ${String(value)}`,
      );
    out[field] = value;
  }
  const o = out as unknown as DbOptions;
  if (o.maxTxnPages + 8 > o.poolFrames)
    throw new DbOptionError(
      `database option maxTxnPages (${o.maxTxnPages}) must leave 8 of poolFrames (${o.poolFrames}) for descents and scans`,
    );
  return Object.freeze(o);
}
