import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { kcopy } from "../vm/useracc.js";
import {
  M_PKTHDR,
  MT_FREE,
  mbufVa,
  type NetFrames,
  NG,
  NM,
  NMLEN,
  NMSIZE,
  ngVa,
} from "./layout.js";

/**
 * The network's mbufs (4.4BSD mbuf.h 8.1, uipc_mbuf.c 8.2): a pool of NET_MBUFS small mbufs
 * in kernel frames, a free list through m_next whose head is NG.MFREE. MGET/MFREE charge
 * malloc's and free's work (mbuf.get, mbuf.free: the same counts as the pipes' mbufs) and
 * read and write every field they touch. Index 0 is "no mbuf".
 */

/** MGET / MGETHDR: an mbuf of `type`, its data at the start (or 0: the pool is empty). */
export function mGet(k: MonolithicKernel, nf: NetFrames, type: number, hdr: boolean): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["mbuf.get"]);
  cpu.exec(COSTS["spl.call"], 4);
  const head = ngVa(nf, NG.MFREE);
  const m = cpu.load32(head);
  if (m === 0) return 0;
  const mv = mbufVa(nf, m);
  cpu.store32(head, cpu.load32(mv + NM.NEXT));
  cpu.store32(mv + NM.NEXT, 0);
  cpu.store32(mv + NM.NEXTPKT, 0);
  cpu.store32(mv + NM.DATA, NM.DAT);
  cpu.store32(mv + NM.LEN, 0);
  cpu.store32(mv + NM.TYPE, type);
  cpu.store32(mv + NM.FLAGS, hdr ? M_PKTHDR : 0);
  if (hdr) cpu.store32(mv + NM.PKTLEN, 0);
  return m;
}

/** MFREE: `m` back on the free list; returns its m_next. */
export function mFree(k: MonolithicKernel, nf: NetFrames, m: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["mbuf.free"]);
  cpu.exec(COSTS["spl.call"], 4);
  const mv = mbufVa(nf, m);
  const next = cpu.load32(mv + NM.NEXT);
  const head = ngVa(nf, NG.MFREE);
  cpu.store32(mv + NM.TYPE, MT_FREE);
  cpu.store32(mv + NM.NEXT, cpu.load32(head));
  cpu.store32(head, m);
  return next;
}

/** m_freem: frees a whole chain. */
export function mFreem(k: MonolithicKernel, nf: NetFrames, m: number): void {
  k.cpu.exec(COSTS["m-freem"]);
  while (m !== 0) m = mFree(k, nf, m);
}

/** The free list at attach time: 1 -> 2 -> ... -> n (host set-up, as the kernel's boot). */
export function mbufPoolInit(k: MonolithicKernel, nf: NetFrames, n: number): void {
  const mem = k.machine.memory;
  for (let m = 1; m <= n; m++) {
    const pa = (mbufVa(nf, m) & 0x1fffffff) >>> 0;
    mem.write32(pa + NM.NEXT, m < n ? m + 1 : 0);
    mem.write32(pa + NM.TYPE, MT_FREE);
  }
  mem.write32((ngVa(nf, NG.MFREE) & 0x1fffffff) >>> 0, 1);
}

/** Data pointer of mbuf `m` (mtod), read from its m_data (charged). */
export function mtod(k: MonolithicKernel, nf: NetFrames, m: number): number {
  const mv = mbufVa(nf, m);
  return mv + k.cpu.load32(mv + NM.DATA);
}

/**
 * m_devget: copies `len` bytes at kernel address `src` into a new chain of mbufs, the first
 * with a packet header (m_pkthdr.len = len). Returns the chain, or 0 when the pool ran out
 * (what was taken is given back).
 */
export function mDevget(k: MonolithicKernel, nf: NetFrames, src: number, len: number): number {
  const cpu = k.cpu;
  let top = 0;
  let prev = 0;
  let off = 0;
  while (off < len) {
    cpu.exec(COSTS["m-devget.mbuf"]);
    const m = mGet(k, nf, 1, top === 0);
    if (m === 0) {
      if (top !== 0) mFreem(k, nf, top);
      return 0;
    }
    const mv = mbufVa(nf, m);
    if (top === 0) {
      top = m;
      cpu.store32(mv + NM.PKTLEN, len);
    } else cpu.store32(mbufVa(nf, prev) + NM.NEXT, m);
    const n = Math.min(NMLEN, len - off);
    kcopy(k, mv + NM.DAT, src + off, n);
    cpu.store32(mv + NM.LEN, n);
    off += n;
    prev = m;
  }
  return top;
}

/**
 * M_PREPEND: `plen` bytes in front of the chain's data: in the first mbuf when it has that
 * much leading space, else in a new leading mbuf (m_prepend). Returns the new head, or 0 (the
 * chain freed) when no mbuf was left.
 */
export function mPrepend(k: MonolithicKernel, nf: NetFrames, m: number, plen: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["m-prepend"]);
  const mv = mbufVa(nf, m);
  const data = cpu.load32(mv + NM.DATA);
  if (data - NM.DAT >= plen) {
    cpu.store32(mv + NM.DATA, data - plen);
    cpu.store32(mv + NM.LEN, cpu.load32(mv + NM.LEN) + plen);
    cpu.store32(mv + NM.PKTLEN, cpu.load32(mv + NM.PKTLEN) + plen);
    return m;
  }
  cpu.exec(COSTS["m-prepend.new"]);
  const n = mGet(k, nf, 2, true);
  if (n === 0) {
    mFreem(k, nf, m);
    return 0;
  }
  const nv = mbufVa(nf, n);
  cpu.store32(nv + NM.PKTLEN, cpu.load32(mv + NM.PKTLEN) + plen);
  cpu.store32(mv + NM.FLAGS, 0);
  cpu.store32(nv + NM.NEXT, m);
  // MH_ALIGN: the header at the end of the new mbuf's data area.
  cpu.store32(nv + NM.DATA, NMSIZE - plen);
  cpu.store32(nv + NM.LEN, plen);
  return n;
}
