import type { MonolithicKernel } from "../kernel.js";
import { mbufVa, type NetFrames, NM, ngVa } from "./layout.js";

/** The interface queues (4.4BSD if.h IF_ENQUEUE / IF_DEQUEUE): head, tail and length words of NG. */

/** IF_ENQUEUE: `m` at the tail of a queue (head, tail, length words of NG). */
export function enqueue(
  k: MonolithicKernel,
  nf: NetFrames,
  headOff: number,
  tailOff: number,
  lenOff: number,
  m: number,
): void {
  const cpu = k.cpu;
  cpu.store32(mbufVa(nf, m) + NM.NEXTPKT, 0);
  const tail = cpu.load32(ngVa(nf, tailOff));
  if (tail === 0) cpu.store32(ngVa(nf, headOff), m);
  else cpu.store32(mbufVa(nf, tail) + NM.NEXTPKT, m);
  cpu.store32(ngVa(nf, tailOff), m);
  cpu.store32(ngVa(nf, lenOff), cpu.load32(ngVa(nf, lenOff)) + 1);
}

/** IF_DEQUEUE: the head of a queue, or 0. */
export function dequeue(
  k: MonolithicKernel,
  nf: NetFrames,
  headOff: number,
  tailOff: number,
  lenOff: number,
): number {
  const cpu = k.cpu;
  const m = cpu.load32(ngVa(nf, headOff));
  if (m === 0) return 0;
  const next = cpu.load32(mbufVa(nf, m) + NM.NEXTPKT);
  cpu.store32(ngVa(nf, headOff), next);
  if (next === 0) cpu.store32(ngVa(nf, tailOff), 0);
  cpu.store32(ngVa(nf, lenOff), cpu.load32(ngVa(nf, lenOff)) - 1);
  cpu.store32(mbufVa(nf, m) + NM.NEXTPKT, 0);
  return m;
}
