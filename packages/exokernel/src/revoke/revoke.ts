import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import type { RevokeRequest } from "../env/handle-types.js";
import { destroyEnv } from "../env/lifecycle.js";
import { errorText } from "../exc/upcall.js";
import { releaseFrame } from "../mem/bindings.js";

/**
 * Visible revocation and the abort protocol. The kernel asks an environment to give back
 * resources and says which (an upcall to its `onRevoke` handler with the frames or the slice
 * position and a deadline). An environment that has not freed them when the deadline passes
 * loses them by force: bindings dropped (TLB and STLB), frames freed (every capability for
 * them goes stale), the loss appended to its repossession vector, and a "repossessed" upcall
 * queued for its next run.
 *
 * Upcalls are delivered between contexts (never inside another env's time): at once when
 * the machine is not running, else by the dispatcher just before the env's context resumes.
 */
export function requestFrames(k: Kernel, env: Env, frames: readonly number[]): RevokeRequest {
  k.cpu.exec(COSTS.revokeRequest.instructions, COSTS.revokeRequest.label);
  const deadlineCycles = k.cpu.now + k.policy.revokeDeadlineCycles;
  for (const f of frames) {
    if (!env.revokeWanted.has(f)) k.pendingRevocations++;
    env.revokeWanted.set(f, deadlineCycles);
  }
  const req: RevokeRequest = Object.freeze({
    kind: "frames",
    count: frames.length,
    frames: Object.freeze([...frames]),
    deadlineCycles,
  });
  queue(k, env, req);
  return req;
}

export function requestSlice(k: Kernel, env: Env, position: number): RevokeRequest {
  k.cpu.exec(COSTS.revokeRequest.instructions, COSTS.revokeRequest.label);
  const deadlineCycles = k.cpu.now + k.policy.revokeDeadlineCycles;
  if (!env.slicesWanted.has(position)) k.pendingRevocations++;
  env.slicesWanted.set(position, deadlineCycles);
  const req: RevokeRequest = Object.freeze({ kind: "slice", position, deadlineCycles });
  queue(k, env, req);
  return req;
}

function queue(k: Kernel, env: Env, req: RevokeRequest): void {
  env.pendingUpcalls.push(req);
  if (k.machine.current === null && k.setupEnv === null) deliverUpcalls(k, env);
}

/** Delivers an env's queued revocation upcalls, running as the env (no context running). */
export function deliverUpcalls(k: Kernel, env: Env): void {
  while (env.alive && env.pendingUpcalls.length > 0) {
    const req = env.pendingUpcalls.shift()!;
    const handler = env.revokeHandler;
    if (handler === undefined) continue;
    k.runAs(
      env,
      () => {
        try {
          handler(req);
        } catch (e) {
          // Destroyed under the handler (it exited): the upcall is over. A live env's throw
          // (a forged ContextAbort included) destroys it.
          if (env.alive) destroyEnv(k, env, `revocation handler threw: ${errorText(e)}`);
        }
      },
      () => undefined,
    );
  }
}

/** Takes by force what is past its deadline (kernel mode). */
export function enforceDeadlines(k: Kernel): void {
  const now = k.cpu.now;
  for (const env of k.envs.values()) {
    if (!env.alive || (env.revokeWanted.size === 0 && env.slicesWanted.size === 0)) continue;
    const taken: number[] = [];
    for (const [f, deadline] of env.revokeWanted) {
      if (k.frames.owner[f] !== env.id) {
        env.revokeWanted.delete(f);
        k.pendingRevocations--;
        continue;
      }
      if (now < deadline) continue;
      k.cpu.exec(COSTS.repossessFrame.instructions, COSTS.repossessFrame.label);
      releaseFrame(k, f); // also removes it from revokeWanted
      env.repossessed.push(f);
      k.stats.framesRepossessed++;
      taken.push(f);
    }
    const slices: number[] = [];
    for (const [p, deadline] of env.slicesWanted) {
      if (k.sched.vector[p] !== env.id) {
        env.slicesWanted.delete(p);
        k.pendingRevocations--;
        continue;
      }
      if (now < deadline) continue;
      k.sched.freeSlice(env, p); // also removes it from slicesWanted
      slices.push(p);
    }
    if (taken.length > 0 || slices.length > 0) {
      const req: RevokeRequest = Object.freeze({
        kind: "repossessed",
        frames: Object.freeze(taken),
        slices: Object.freeze(slices),
      });
      env.pendingUpcalls.push(req);
    }
  }
}
