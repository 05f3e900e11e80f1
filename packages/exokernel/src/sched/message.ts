import {
  type ExecutionContext,
  KSEG0,
  PAGE_BYTES,
  REGISTER_COUNT,
} from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";

/**
 * The registers of a synchronous transfer in flight when a slice ends (the scheduler's
 * handoff could not run the other side at once): saved into a per-ASID area of kernel
 * memory (three reserved frames above the kernel stack and its spare frame: 64 areas of 192 bytes), and restored just before the other
 * side's context resumes. Registers 1..31, HI and LO: 33 words, stored and loaded through
 * kseg0 with charged accesses (RegSave / RegRestore).
 */
export const MESSAGE_WORDS = REGISTER_COUNT - 1;
const AREA_BYTES = 192;

/** Physical address of ASID `asid`'s message area (frames stlbFrames+2 .. +4). */
export function messageAreaPa(k: Kernel, asid: number): number {
  const stlbFrames = (k.policy.stlbEntries * 8) / PAGE_BYTES;
  return (stlbFrames + 2) * PAGE_BYTES + asid * AREA_BYTES;
}

export function saveMessage(k: Kernel, env: Env, ctx: ExecutionContext): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.pct.messageSave"]);
  const base = (KSEG0 + messageAreaPa(k, env.asid)) >>> 0;
  for (let r = 1; r < REGISTER_COUNT; r++) cpu.storeReg(base + (r - 1) * 4, r);
  env.savedMessageFor = ctx;
}

export function restoreMessage(k: Kernel, env: Env): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.pct.messageRestore"]);
  const base = (KSEG0 + messageAreaPa(k, env.asid)) >>> 0;
  for (let r = 1; r < REGISTER_COUNT; r++) cpu.loadReg(base + (r - 1) * 4, r);
  env.savedMessageFor = null;
}
