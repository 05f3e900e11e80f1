import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { dequeue } from "./ifq.js";
import { inCksum } from "./in_cksum.js";
import {
  IP,
  IP_HDR,
  IP_MF,
  IP_OFFMASK,
  mbufVa,
  type NetFrames,
  NG,
  NM,
  ngVa,
  STAT,
  swap16,
} from "./layout.js";
import { mFreem } from "./mbuf.js";
import { bump } from "./netstat.js";
import { udpInput } from "./udp_input.js";

const IPPROTO_UDP = 17;

/**
 * ipintr (4.4BSD netinet/ip_input.c 8.2): for each packet on ipintrq, the header's checks as
 * the original makes them — version 4, a header length of at least 20 bytes inside the first
 * mbuf, in_cksum over the header, ip_len against the header and the packet (the excess
 * trimmed), then whether the datagram is for us (the interface's one address; 4.4BSD walks
 * in_ifaddr) — and the protocol's input routine. Refusals are counted in the ipstat words
 * and the chain freed. Not modelled: IP options (a header longer than 20 bytes is dropped as
 * bad), reassembly (a fragment is dropped, counted), forwarding (not ours: dropped, counted).
 */
export function ipintr(k: MonolithicKernel, nf: NetFrames): void {
  const cpu = k.cpu;
  for (;;) {
    cpu.exec(COSTS["spl.call"], 2);
    const m = dequeue(k, nf, NG.IPQ_HEAD, NG.IPQ_TAIL, NG.IPQ_LEN);
    if (m === 0) return;
    cpu.exec(COSTS.ipintr);
    ipinput(k, nf, m);
  }
}

function ipinput(k: MonolithicKernel, nf: NetFrames, m: number): boolean {
  const cpu = k.cpu;
  bump(k, nf, STAT.ipTotal);
  const mv = mbufVa(nf, m);
  const mlen = cpu.load32(mv + NM.LEN);
  const ip = mv + cpu.load32(mv + NM.DATA);
  if (mlen < IP_HDR) return drop(k, nf, m, STAT.ipBadHeader);
  const vhl = cpu.load8(ip + IP.VHL);
  const hlen = (vhl & 0xf) << 2;
  if (vhl >>> 4 !== 4 || hlen !== IP_HDR) return drop(k, nf, m, STAT.ipBadHeader);
  if (inCksum(k, nf, m, hlen) !== 0) return drop(k, nf, m, STAT.ipBadSum);
  const len = swap16(cpu.load16(ip + IP.LEN));
  const pktlen = cpu.load32(mv + NM.PKTLEN);
  if (len < hlen || pktlen < len) return drop(k, nf, m, STAT.ipBadLength);
  if (pktlen > len) trim(k, nf, m, len);
  const off = swap16(cpu.load16(ip + IP.OFF));
  cpu.exec(COSTS["ipintr.ours"]);
  if (cpu.load32(ip + IP.DST) !== cpu.load32(ngVa(nf, NG.MYIP)))
    return drop(k, nf, m, STAT.ipNotOurs);
  if ((off & (IP_MF | IP_OFFMASK)) !== 0) return drop(k, nf, m, STAT.ipFragDropped);
  bump(k, nf, STAT.ipDelivered);
  if (cpu.load8(ip + IP.P) !== IPPROTO_UDP) return drop(k, nf, m, STAT.ipBadHeader);
  return udpInput(k, nf, m, len);
}

/** m_adj(m, len - m_pkthdr.len): the link layer's padding cut off (one mbuf here: frames are short). */
function trim(k: MonolithicKernel, nf: NetFrames, m: number, len: number): void {
  const cpu = k.cpu;
  const mv = mbufVa(nf, m);
  let left = len;
  cpu.store32(mv + NM.PKTLEN, len);
  for (let n = m; n !== 0; n = cpu.load32(mbufVa(nf, n) + NM.NEXT)) {
    const nv = mbufVa(nf, n);
    const l = cpu.load32(nv + NM.LEN);
    const keep = Math.min(l, left);
    if (keep !== l) cpu.store32(nv + NM.LEN, keep);
    left -= keep;
  }
}

/** A refused packet: counted, freed; false (not delivered). */
function drop(k: MonolithicKernel, nf: NetFrames, m: number, stat: number): boolean {
  bump(k, nf, stat);
  mFreem(k, nf, m);
  return false;
}
