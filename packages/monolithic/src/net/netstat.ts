import type { MonolithicKernel } from "../kernel.js";
import { type NetFrames, ngVa } from "./layout.js";

/** A counter of the stack (netstat -s) incremented: lw, addiu, sw (the step's count has it). */
export function bump(k: MonolithicKernel, nf: NetFrames, off: number): void {
  const cpu = k.cpu;
  const va = ngVa(nf, off);
  cpu.store32(va, cpu.load32(va) + 1);
}
