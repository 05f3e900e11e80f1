import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { mbufVa, type NetFrames, NM } from "./layout.js";

/**
 * in_cksum(m, len) as 4.4BSD netinet/in_cksum.c computes it: the one's-complement sum of the
 * first `len` bytes of the chain taken as 16-bit words, folded, complemented. Each word is a
 * charged `lhu` (two `lbu` where an mbuf's data is not halfword-aligned for the stream, as the
 * byte-swapping case of the original). The machine is little-endian: words are summed in
 * memory order, so the result stored back as a halfword is in network order (the property
 * of the one's-complement sum the original relies on too).
 */
export function inCksum(k: MonolithicKernel, nf: NetFrames, m: number, len: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["in-cksum"]);
  let sum = 0;
  let odd = false;
  let left = len;
  while (m !== 0 && left > 0) {
    cpu.exec(COSTS["in-cksum.mbuf"]);
    const mv = mbufVa(nf, m);
    const va = mv + cpu.load32(mv + NM.DATA);
    const n = Math.min(cpu.load32(mv + NM.LEN), left);
    let i = 0;
    if (odd && n > 0) {
      sum += cpu.load8(va) << 8;
      i = 1;
      odd = false;
    }
    const words = (n - i) >>> 1;
    cpu.exec(COSTS["in-cksum.word"], words);
    if (((va + i) & 1) === 0) {
      for (; i + 1 < n; i += 2) sum += cpu.load16(va + i);
    } else {
      for (; i + 1 < n; i += 2) sum += cpu.load8(va + i) | (cpu.load8(va + i + 1) << 8);
    }
    if (i < n) {
      sum += cpu.load8(va + i);
      odd = true;
    }
    left -= n;
    m = cpu.load32(mv + NM.NEXT);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
