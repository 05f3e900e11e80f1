import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";

/**
 * The copies of each frame's capability: a doubly linked list per frame threaded through
 * the capability slots of every list that holds one (`FrameTable.copyHead[f]`, then each
 * slot's `copyPrev`/`copyNext`). A copy is named `asid << 12 | slot` (a live or doomed env
 * keeps its ASID until it is reaped, and reaping releases its slots first).
 *
 * Freeing a frame walks its list and releases every copy's slot, in every list: a grant
 * never leaves a slot behind in the target's list (the grant flood kept the target's
 * slots after the attacker freed the frames).
 *
 * Each function here makes no call between its stores, so a host error (an exhausted JS
 * stack) cannot leave a list half linked.
 */

const NONE = -1;

/** Inserts a new capability into `caps` and links it at the head of its frame's copies. */
export function insertCap(
  k: Kernel,
  env: Env,
  frame: number,
  frameGen: number,
  rights: number,
  granted: boolean,
): number {
  k.cpu.exec(COSTS["aegis.cap.copyLink"]);
  const caps = env.caps;
  const s = caps.insert(frame, frameGen, rights, granted);
  const me = (env.asid << 12) | s;
  const head = k.frames.copyHead[frame]!;
  caps.copyNext[s] = head;
  if (head !== NONE) (k.asids[head >>> 12] as Env).caps.copyPrev[head & 0xfff] = me;
  k.frames.copyHead[frame] = me;
  return caps.nameOf(s);
}

/** Unlinks slot `s` of `env`'s list from its frame's copies and releases it. */
export function releaseCap(k: Kernel, env: Env, s: number): void {
  const caps = env.caps;
  if (caps.used[s] === 0) return;
  k.cpu.exec(COSTS["aegis.cap.copyUnlink"]);
  const frame = caps.frame[s]!;
  const prev = caps.copyPrev[s]!;
  const next = caps.copyNext[s]!;
  if (prev === NONE) k.frames.copyHead[frame] = next;
  else (k.asids[prev >>> 12] as Env).caps.copyNext[prev & 0xfff] = next;
  if (next !== NONE) (k.asids[next >>> 12] as Env).caps.copyPrev[next & 0xfff] = prev;
  caps.release(s);
}

/**
 * Releases every copy of `frame`'s capability in every list (the frame was freed or
 * repossessed). Each copy costs `aegis.cap.reclaim` and its unlink.
 */
export function reclaimCopies(k: Kernel, frame: number): void {
  for (let copy = k.frames.copyHead[frame]!; copy !== NONE; copy = k.frames.copyHead[frame]!) {
    const env = k.asids[copy >>> 12] as Env;
    k.cpu.exec(COSTS["aegis.cap.reclaim"]);
    releaseCap(k, env, copy & 0xfff);
  }
}
