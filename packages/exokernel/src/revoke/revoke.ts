import { SR_IEC } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { takeExtent, wantExtents } from "../disk/disk.js";
import type { Env } from "../env/env.js";
import type { RevokeRequest } from "../env/handle-types.js";
import { destroyEnv } from "../env/lifecycle.js";
import { frozenArray, listPush, newList, ObjectFreeze } from "../intrinsics.js";
import { releaseFrame } from "../mem/bindings.js";

/**
 * Visible revocation and the abort protocol. The kernel asks an environment to give back
 * resources and says which (an upcall to its `onRevoke` handler with the frames or the slice
 * position and a deadline). An environment that has not freed them when the deadline passes
 * loses them by force: bindings dropped (TLB and STLB), frames freed (every capability for
 * them released), the loss appended to its repossession vector, and a "repossessed" upcall
 * queued for its next run.
 *
 * A resource given back under a request is withheld from the environment until the
 * request's deadline (mem/bindings.ts `releaseFrame`, the scheduler's `freeSlice`): freeing
 * the requested frame and allocating it again, by name or by "any", does not keep it.
 *
 * Upcalls are delivered between contexts (never inside another env's time): at once when
 * the machine is not running, else by the dispatcher just before the env's context resumes.
 */
export function requestFrames(k: Kernel, env: Env, frames: readonly number[]): RevokeRequest {
  k.cpu.exec(COSTS["aegis.revoke.request"]);
  const deadlineCycles = k.cpu.now + k.policy.revokeDeadlineCycles;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (!env.revokeWanted.has(f)) k.pendingRevocations++;
    env.revokeWanted.set(f, deadlineCycles);
  }
  const req: RevokeRequest = ObjectFreeze({
    kind: "frames",
    count: frames.length,
    frames: frozenArray(frames),
    deadlineCycles,
  });
  queue(k, env, req);
  return req;
}

/** Asks `env` for disk extents back (entries of the extent table), with the deadline. */
export function requestExtents(k: Kernel, env: Env, xs: readonly number[]): RevokeRequest {
  k.cpu.exec(COSTS["aegis.revoke.request"]);
  const deadlineCycles = k.cpu.now + k.policy.revokeDeadlineCycles;
  wantExtents(k, env, xs, deadlineCycles);
  const starts = newList<number>();
  for (let i = 0; i < xs.length; i++) listPush(starts, k.disk.extents.start[xs[i]!]!);
  const req: RevokeRequest = ObjectFreeze({
    kind: "extents",
    extents: frozenArray(starts),
    deadlineCycles,
  });
  queue(k, env, req);
  return req;
}

export function requestSlice(k: Kernel, env: Env, position: number): RevokeRequest {
  k.cpu.exec(COSTS["aegis.revoke.request"]);
  const deadlineCycles = k.cpu.now + k.policy.revokeDeadlineCycles;
  if (!env.slicesWanted.has(position)) k.pendingRevocations++;
  env.slicesWanted.set(position, deadlineCycles);
  const req: RevokeRequest = ObjectFreeze({ kind: "slice", position, deadlineCycles });
  queue(k, env, req);
  return req;
}

/**
 * Queues an upcall; with nothing running it is delivered at once — unless a synchronous PCT's
 * registers are in flight (the run stopped between a transfer and its other side): the
 * handler's calls would overwrite them, so the dispatcher delivers it instead, just before the
 * env's next context resumes.
 */
function queue(k: Kernel, env: Env, req: RevokeRequest): void {
  listPush(env.pendingUpcalls, req);
  if (k.machine.current === null && k.windowEnv === null && !k.sched.transferInFlight) {
    deliverUpcalls(k, env);
  }
}

/** Delivers an env's queued revocation upcalls, running as the env (no context running). */
export function deliverUpcalls(k: Kernel, env: Env): void {
  while (env.alive && env.upcallsPending > 0) {
    const q = env.pendingUpcalls;
    const req = q[env.upcallHead]!;
    q[env.upcallHead] = undefined as never;
    env.upcallHead++;
    if (env.upcallHead === q.length) {
      q.length = 0;
      env.upcallHead = 0;
    }
    const handler = env.revokeHandler;
    if (handler === undefined) continue;
    k.runAs(
      env,
      () => {
        try {
          handler(req);
        } catch (e) {
          // Destroyed under the handler (it exited): the upcall is over. A live env's throw
          // (whatever it is: nothing thrown is inspected) destroys it.
          if (env.alive) destroyEnv(k, env, "a revocation handler threw", e, true);
        }
        // A host error its code caught and went on from: this env's.
        if (k.cpu.hostThrowPending) k.noteHostThrow(env);
      },
      () => undefined,
    );
  }
}

/**
 * Takes by force what is past its deadline (kernel mode). The dispatcher calls it with
 * interrupts on (`asKernel`), the clock tick with them off: it runs with them masked, as a
 * kernel runs such a scan at splhigh, so that a tick taken in the middle of it cannot enforce
 * the same deadlines again and release a frame the outer pass is releasing (which counted
 * the frame's loss twice: its owner then held one frame more than its count, for good).
 */
export function enforceDeadlines(k: Kernel): void {
  const cpu = k.cpu;
  const status = cpu.status;
  if ((status & SR_IEC) === 0) {
    enforce(k);
    return;
  }
  // mtc0 Status twice (off, then back on: an interrupt that came meanwhile is taken then).
  cpu.setStatus((status & ~SR_IEC) >>> 0);
  try {
    enforce(k);
  } catch (e) {
    cpu.status = status; // a host error unwinding: the status back, nothing taken here
    throw e;
  }
  cpu.setStatus(status);
}

function enforce(k: Kernel): void {
  const now = k.cpu.now;
  for (let a = 1; a < 64; a++) {
    const env = k.asids[a];
    if (env === null || env === undefined || !env.alive) continue;
    const disk = k.disk.perEnv.get(env.id);
    const extentsWanted = disk === undefined ? 0 : disk.wanted.size;
    if (env.revokeWanted.size === 0 && env.slicesWanted.size === 0 && extentsWanted === 0) continue;
    const taken = newList<number>();
    const wantedFrames = newList<number>();
    const frameDeadlines = newList<number>();
    env.revokeWanted.forEach((deadline, f) => {
      listPush(wantedFrames, f);
      listPush(frameDeadlines, deadline);
    });
    for (let i = 0; i < wantedFrames.length; i++) {
      const f = wantedFrames[i]!;
      if (k.frames.owner[f] !== env.id) {
        if (env.revokeWanted.delete(f)) k.pendingRevocations--;
        continue;
      }
      if (now < frameDeadlines[i]!) continue;
      k.cpu.exec(COSTS["aegis.revoke.repossess"]);
      releaseFrame(k, f); // also removes it from revokeWanted
      listPush(env.repossessed, f);
      k.stats.framesRepossessed++;
      listPush(taken, f);
    }
    const slices = newList<number>();
    const wantedSlices = newList<number>();
    const sliceDeadlines = newList<number>();
    env.slicesWanted.forEach((deadline, p) => {
      listPush(wantedSlices, p);
      listPush(sliceDeadlines, deadline);
    });
    for (let i = 0; i < wantedSlices.length; i++) {
      const p = wantedSlices[i]!;
      if (k.sched.vector[p] !== env.id) {
        if (env.slicesWanted.delete(p)) k.pendingRevocations--;
        continue;
      }
      if (now < sliceDeadlines[i]!) continue;
      k.sched.freeSlice(env, p); // also removes it from slicesWanted
      listPush(slices, p);
    }
    const extents = newList<number>();
    if (disk !== undefined && extentsWanted > 0) {
      const wantedExtents = newList<number>();
      const extentDeadlines = newList<number>();
      disk.wanted.forEach((deadline, x) => {
        listPush(wantedExtents, x);
        listPush(extentDeadlines, deadline);
      });
      for (let i = 0; i < wantedExtents.length; i++) {
        const x = wantedExtents[i]!;
        if (k.disk.extents.owner[x] !== env.id) {
          if (disk.wanted.delete(x)) k.pendingRevocations--;
          continue;
        }
        if (now < extentDeadlines[i]!) continue;
        listPush(extents, takeExtent(k, env, x)); // also removes it from wanted
      }
    }
    if (taken.length > 0 || slices.length > 0 || extents.length > 0) {
      const req: RevokeRequest = ObjectFreeze({
        kind: "repossessed",
        frames: frozenArray(taken),
        slices: frozenArray(slices),
        extents: frozenArray(extents),
      });
      listPush(env.pendingUpcalls, req);
    }
  }
}
