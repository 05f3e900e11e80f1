import { type EnvHandle, Reg, Result } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { DISK_DONE_ID_VA, DISK_DONE_RESULT_VA, DISK_SAVE_VA } from "../layout.js";

/** The thread's preemption point (the library's `Threads.safepoint`, or the kernel's). */
export type Safepoint = () => Generator<unknown, void, unknown>;

/**
 * Disk requests on the exokernel's extents, one at a time, waited for by polling. The
 * "disk" interrupt handler (synchronous, on whatever thread the library runs) stores the
 * completion's id and result in two words of the globals page; the waiting thread spins on
 * the id word in batches of `pollBatch` loop iterations, reaching a safepoint after each.
 *
 * The spin stands for a database that owns its CPU (a run-to-completion engine waiting for
 * its own I/O): the kernel delivers a completion at once to the environment on the CPU,
 * whereas yielding the slice would see it only at the next slice (Aegis does not wake an
 * environment on a disk completion). Approximation: the completion is seen at the end of
 * the batch it arrives in, at most `pollBatch` × 3 − 1 cycles after a real loop would see
 * it (COSTS.md, `db.disk.poll`).
 *
 * Invariant: at most one request of this library is outstanding (the engine is serial), so
 * the id word names the request being waited for once it completes.
 */
export class DiskIo {
  /** Host-side statistics (not simulated state). */
  readonly stats = { reads: 0, writes: 0 };

  constructor(
    private readonly env: EnvHandle,
    private readonly safepoint: Safepoint,
    private readonly pollBatch: number,
  ) {}

  /** Installs the disk interrupt handler (its save area in the guaranteed globals page). */
  boot(): number {
    const cpu = this.env.cpu;
    cpu.store32(DISK_DONE_ID_VA, -1);
    return this.env.setInterruptHandler(
      "disk",
      (env) => {
        env.cpu.exec(COSTS["db.disk.handler"]);
        env.cpu.store32(DISK_DONE_RESULT_VA, env.cpu.reg(Reg.t2));
        env.cpu.store32(DISK_DONE_ID_VA, env.cpu.reg(Reg.t1));
      },
      DISK_SAVE_VA,
    );
  }

  /**
   * Moves `blocks` blocks at `blockOffset` of `extent` into (write false) or out of the
   * frame `frameCap`; returns once the disk has completed it: Ok, or the kernel's refusal
   * or completion result (Stale).
   */
  *transfer(
    write: boolean,
    extent: number,
    blockOffset: number,
    blocks: number,
    frameCap: number,
  ): Generator<unknown, number, unknown> {
    const env = this.env;
    const cpu = env.cpu;
    cpu.exec(COSTS["db.disk.request"]);
    const id = write
      ? env.diskWrite(extent, blockOffset, blocks, frameCap)
      : env.diskRead(extent, blockOffset, blocks, frameCap);
    if (id < 0) return id;
    if (write) this.stats.writes++;
    else this.stats.reads++;
    while ((cpu.load32(DISK_DONE_ID_VA) | 0) !== id) {
      cpu.exec(COSTS["db.disk.poll"], this.pollBatch);
      yield* this.safepoint();
    }
    const r = cpu.load32(DISK_DONE_RESULT_VA) | 0;
    return r === 0 ? Result.Ok : r;
  }
}
