import type { EnvHandle, RevokeRequest } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import type { Db } from "../engine/db.js";
import type { Threads } from "../sched/threads.js";

/** One extent the kernel asked back: which database, which store, by when. */
interface Wanted {
  readonly db: Db;
  readonly which: "data" | "log";
  readonly deadlineCycles: number;
}

/**
 * The library's answer to the kernel's revocation of disk extents (the visible protocol:
 * the kernel names the extents by first block and gives a deadline; past it, it takes them).
 *
 * A database cannot give its extents up as a pool gives up a clean frame: they hold its
 * pages. Its answer is to **move**: the upcall (synchronous: it cannot wait for the disk)
 * notes the request and starts a mover thread; the mover waits for the engine to be
 * between operations and transactions, checkpoints (every dirty page home, so the log holds
 * nothing live), takes a fresh extent of the same size, copies the pages in use, switches
 * the store to it and frees the old extent — surrendered, before the deadline if the copy
 * fits in it. A log moves with one checkpoint; the data extent costs a read and a write per
 * page in use. If the kernel takes the extent first (its `"repossessed"` upcall names it),
 * the database is lost: every operation is then refused with `DbResult.Lost`, and nothing is
 * read from or written to blocks that are no longer its own.
 *
 * An extent that is not one of a database's (the application's own) is not the library's to
 * answer for. Frame requests are not answered (the pool's frames are taken at the deadline,
 * as before: not done yet).
 */
export class ExtentRevocations {
  readonly #dbs: Db[] = [];
  readonly #queue: Wanted[] = [];
  #moverRunning = false;
  /** Host-side statistics: extents asked for, moved, lost. */
  readonly stats = { asked: 0, moved: 0, lost: 0, failed: 0 };

  constructor(
    private readonly env: EnvHandle,
    private readonly sched: Threads,
  ) {}

  /** Installs the revocation handler. */
  boot(): number {
    return this.env.onRevoke((req) => this.#upcall(req));
  }

  /** A database of this environment (its extents are answered for). */
  register(db: Db): void {
    this.#dbs.push(db);
  }

  #which(start: number): { db: Db; which: "data" | "log" } | null {
    for (const db of this.#dbs) {
      const x = db.extentStarts();
      if (typeof x === "number") continue;
      if (x.data === start) return { db, which: "data" };
      if (x.log === start) return { db, which: "log" };
    }
    return null;
  }

  #upcall(req: RevokeRequest): void {
    if (req.kind === "repossessed") {
      // Taken: the databases that held them are lost (their names are Stale already).
      for (const db of this.#dbs) {
        if (!db.lost && db.extentStarts() === -3) {
          db.extentTaken();
          this.stats.lost++;
        }
      }
      return;
    }
    if (req.kind !== "extents") return;
    const cpu = this.env.cpu;
    for (const start of req.extents) {
      cpu.exec(COSTS["db.revoke.handler"]);
      const w = this.#which(start);
      if (w === null) continue;
      this.stats.asked++;
      this.#queue.push({ ...w, deadlineCycles: req.deadlineCycles });
    }
    if (this.#queue.length > 0 && !this.#moverRunning) {
      this.#moverRunning = true;
      if (this.sched.spawn(() => this.#mover()) < 0) this.#moverRunning = false;
    }
  }

  *#mover(): Generator<unknown, void, unknown> {
    for (;;) {
      const w = this.#queue.shift();
      if (w === undefined) break;
      const r = yield* w.db.relocate(w.which);
      if (r >= 0) this.stats.moved++;
      else this.stats.failed++;
    }
    this.#moverRunning = false;
  }
}
