/**
 * The database library OS on the exokernel's unprivileged API: an inverted page table with
 * the Appel–Li primitives, its own buffer pool with the application's replacement policy,
 * and a storage engine (a B+-tree with a redo log and transactions) directly on disk
 * extents, no file system. `libos.boot(env, options)` sets it up inside the environment and
 * returns its API; `api.createDb(options)` takes the extents and frames of a database, and
 * `yield* db.open()` formats or recovers it.
 */
import { type EnvHandle, type LibOS, MachineError } from "@exolab/exokernel";
import { Db } from "./engine/db.js";
import { type DbOptions, resolveDbOptions } from "./engine/options.js";
import { Calls } from "./ipc/call.js";
import { DbClient, DbServer } from "./ipc/queue.js";
import { type LibOsPolicy, resolvePolicy } from "./policy.js";
import { Threads } from "./sched/threads.js";
import { ExtentRevocations } from "./storage/revoke.js";
import { Vm } from "./vm/vm.js";

export { COSTS, type CostLabel } from "./costs.js";
export {
  BTree,
  type EngineCpu,
  NOT_FOUND,
  type PageSource,
  type PageWriter,
} from "./engine/btree.js";
export { DbResult } from "./engine/db.js";
export {
  DbOptionError,
  type DbOptions,
  DEFAULT_DB_OPTIONS,
  resolveDbOptions,
} from "./engine/options.js";
/** The engine's page layout (header, meta page fields, node capacities), for other page sources. */
export * as pageLayout from "./engine/page.js";
export { MAX_KEY } from "./engine/page.js";
export type { Procedure } from "./ipc/call.js";
export { MAX_BATCH, MAX_QUEUES, Op } from "./ipc/queue.js";
export * as layout from "./layout.js";
export { DEFAULT_POLICY, type LibOsPolicy, PolicyError, resolvePolicy } from "./policy.js";
export { POOL_POLICIES, type PoolPolicyName } from "./pool/replacement.js";
export type { PageStore } from "./storage/pagestore.js";
export { FaultExit, type FaultHandler } from "./vm/vm.js";
export type { Calls, Db, DbClient, DbServer, ExtentRevocations, Threads, Vm };

export interface LibOsOptions {
  /** Overrides of the policy's defaults (checked: a PolicyError names a bad field). */
  readonly policy?: Partial<LibOsPolicy>;
  /** Take no slice: a passive server that runs only on its callers' time. */
  readonly passive?: boolean;
}

/** What `libos.boot` returns. */
export interface LibOsApi {
  readonly env: EnvHandle;
  readonly policy: LibOsPolicy;
  readonly vm: Vm;
  readonly sched: Threads;
  readonly calls: Calls;
  /**
   * Takes the extents, frames and mappings of a database (options checked first: a bad one
   * throws DbOptionError and nothing is taken); a kernel refusal is returned as its
   * Result. The database is usable after `yield* db.open()` in one of the library's threads.
   */
  createDb(options?: Partial<DbOptions>): Db | number;
  /** The answer to the kernel's extent revocations (storage/revoke.ts): its statistics. */
  readonly revocations: ExtentRevocations;
  /** A server of batched request queues for `db` (its `serve()` takes the sync entry). */
  dbServer(db: Db): DbServer;
  /**
   * A client of `server`'s queue `queue`: maps the page granted to it (`cap`) at `va`
   * (an unused page from APP_BASE up); the client, or the refusal.
   */
  dbClient(server: number, queue: number, cap: number, va: number): DbClient | number;
}

/** Boot failed: a host-side set-up error, thrown before the library is usable. */
export class BootError extends MachineError {
  override name = "BootError";
  constructor(
    readonly step: string,
    readonly code: number,
  ) {
    super(`boot: ${step} failed with result ${code}`);
  }
}

// #region boot
function boot(env: EnvHandle, options: LibOsOptions = {}): LibOsApi {
  const policy = resolvePolicy(options.policy);
  const check = (step: string, r: number) => {
    if (r < 0) throw new BootError(step, r);
  };
  const vm = new Vm(env, policy);
  check("vm", vm.boot());
  const sched = new Threads(env, policy);
  check("sched", sched.boot(vm, options.passive !== true));
  const revocations = new ExtentRevocations(env, sched);
  check("revoke", revocations.boot());
  const createDb = (overrides: Partial<DbOptions> = {}): Db | number => {
    const o = resolveDbOptions(overrides);
    const db = new Db(
      env,
      vm,
      () => sched.safepoint(),
      o,
      sched,
      policy.maxThreads + 1,
      policy.diskBlockBytes,
    );
    const r = db.setup();
    if (r < 0) return r;
    revocations.register(db);
    return db;
  };
  const calls = new Calls(env);
  const dbServer = (db: Db) => new DbServer(env, vm, db);
  const dbClient = (server: number, queue: number, cap: number, va: number) => {
    const r = vm.mapFrame(va, cap, true);
    return r < 0 ? r : new DbClient(env, calls, () => sched.safepoint(), server, queue, va);
  };
  return Object.freeze({
    env,
    policy,
    vm,
    sched,
    calls,
    createDb,
    dbServer,
    dbClient,
    revocations,
  });
}

/** The library OS: `{ name, boot }`, the shape every library OS has. */
export const libos: LibOS<LibOsOptions, LibOsApi> = Object.freeze({ name: "db", boot });
// #endregion boot
