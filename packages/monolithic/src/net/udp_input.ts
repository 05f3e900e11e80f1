import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { inCksum } from "./in_cksum.js";
import { inPcbLookup, WILDCARD } from "./in_pcb.js";
import {
  IP,
  IP_HDR,
  mbufVa,
  type NetFrames,
  NG,
  NM,
  ngVa,
  SO,
  STAT,
  sockVa,
  swap16,
  UDP_HDR,
  UH,
} from "./layout.js";
import { mFreem } from "./mbuf.js";
import { bump } from "./netstat.js";
import { sbappendaddr, sorwakeup } from "./socket.js";

/**
 * UDP (4.4BSD netinet/udp_usrreq.c 8.4). udp_input: the length checks, the checksum over the
 * pseudo-header overlay when the sender computed one (and udpcksum is on), the pcb lookup
 * (the one-entry cache udp_last_inpcb, then in_pcblookup with wildcards), the headers cut
 * off, sbappendaddr and sorwakeup; every drop is counted (udps_badlen, udps_badsum,
 * udps_noport — no ICMP port-unreachable is sent back: ICMP is not modelled — and
 * udps_fullsock). The send side is udp_output.ts.
 */
export function udpInput(k: MonolithicKernel, nf: NetFrames, m: number, ipLen: number): boolean {
  const cpu = k.cpu;
  cpu.exec(COSTS["udp-input"]);
  bump(k, nf, STAT.udpInPackets);
  const mv = mbufVa(nf, m);
  const ip = mv + cpu.load32(mv + NM.DATA);
  if (cpu.load32(mv + NM.LEN) < IP_HDR + UDP_HDR) return drop(k, nf, m, STAT.udpBadLength);
  const uh = ip + IP_HDR;
  const ulenRaw = cpu.load16(uh + UH.ULEN);
  const ulen = swap16(ulenRaw);
  if (ulen < UDP_HDR || ulen > ipLen - IP_HDR) return drop(k, nf, m, STAT.udpBadLength);
  const src = cpu.load32(ip + IP.SRC);
  const dst = cpu.load32(ip + IP.DST);
  if (k.policy.udpChecksum !== 0 && cpu.load16(uh + UH.SUM) !== 0) {
    // The pseudo-header overlay (struct ipovly) in place of the IP header's first 12 bytes.
    cpu.store32(ip, 0);
    cpu.store32(ip + 4, 0);
    cpu.store8(ip + 8, 0);
    cpu.store16(ip + 10, ulenRaw);
    if (inCksum(k, nf, m, ulen + IP_HDR) !== 0) return drop(k, nf, m, STAT.udpBadSum);
  }
  cpu.exec(COSTS["udp-input.deliver"]);
  const sport = cpu.load16(uh + UH.SPORT);
  const dport = cpu.load16(uh + UH.DPORT);
  const s = lookup(k, nf, src, sport, dst, dport);
  if (s < 0) return drop(k, nf, m, STAT.udpNoPort);
  // The headers cut off (m_data += iphlen, m_len and m_pkthdr.len less), the padding beyond
  // uh_ulen too.
  const hdr = IP_HDR + UDP_HDR;
  cpu.store32(mv + NM.DATA, cpu.load32(mv + NM.DATA) + hdr);
  cpu.store32(mv + NM.LEN, Math.min(cpu.load32(mv + NM.LEN) - hdr, ulen - UDP_HDR));
  cpu.store32(mv + NM.PKTLEN, ulen - UDP_HDR);
  if (!sbappendaddr(k, nf, s, src, sport, m)) return drop(k, nf, m, STAT.udpFullSocket);
  sorwakeup(k, nf, s);
  return true;
}

/** The cache udp_last_inpcb, then in_pcblookup (a hit fills the cache). */
function lookup(
  k: MonolithicKernel,
  nf: NetFrames,
  src: number,
  sport: number,
  dst: number,
  dport: number,
): number {
  const cpu = k.cpu;
  const cache = ngVa(nf, NG.LASTPCB);
  const last = cpu.load32(cache);
  if (last !== 0) {
    const so = sockVa(nf, last - 1);
    if (
      cpu.load32(so + SO.LPORT) === dport &&
      cpu.load32(so + SO.FPORT) === sport &&
      cpu.load32(so + SO.FADDR) === src &&
      cpu.load32(so + SO.LADDR) === dst
    )
      return last - 1;
  }
  const s = inPcbLookup(k, nf, src, sport, dst, dport, WILDCARD);
  if (s >= 0) cpu.store32(cache, s + 1);
  return s;
}

/** A refused packet: counted, freed; false (not delivered). */
function drop(k: MonolithicKernel, nf: NetFrames, m: number, stat: number): boolean {
  k.cpu.exec(COSTS["udp-input.drop"]);
  bump(k, nf, stat);
  mFreem(k, nf, m);
  return false;
}
