import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import { bump } from "../dev/le.js";
import type { MonolithicKernel } from "../kernel.js";
import { inCksum } from "./in_cksum.js";
import { inPcbConnect, inPcbDisconnect, inPcbLookup, WILDCARD } from "./in_pcb.js";
import { ipOutput } from "./ip_output.js";
import {
  IP,
  IP_DEFTTL,
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
import { mFreem, mPrepend } from "./mbuf.js";
import { sbappendaddr, sorwakeup } from "./socket.js";

const IPPROTO_UDP = 17;

/**
 * UDP (4.4BSD netinet/udp_usrreq.c 8.4). udp_input: the length checks, the checksum over the
 * pseudo-header overlay when the sender computed one (and udpcksum is on), the pcb lookup
 * (the one-entry cache udp_last_inpcb, then in_pcblookup with wildcards), the headers cut
 * off, sbappendaddr and sorwakeup; every drop is counted (udps_badlen, udps_badsum,
 * udps_noport — no ICMP port-unreachable is sent back: ICMP is not modelled — and
 * udps_fullsock). udp_output: the udpiphdr prepended and filled, the checksum, ip_output.
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

/**
 * udp_usrreq(PRU_SEND) → udp_output: the datagram chain `m` (`len` bytes) to the given
 * address (an unconnected send: connected for the call, as 4.4BSD does) or to the pcb's
 * foreign address. Returns 0 or -errno; `m` is consumed either way.
 */
export function udpSend(
  k: MonolithicKernel,
  nf: NetFrames,
  s: number,
  m: number,
  len: number,
  to: { addr: number; port: number } | null,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["udp.send"]);
  const so = sockVa(nf, s);
  let laddr = 0;
  if (to !== null) {
    if (cpu.load32(so + SO.FADDR) !== 0) {
      mFreem(k, nf, m);
      return -Errno.EISCONN;
    }
    laddr = cpu.load32(so + SO.LADDR);
    cpu.exec(COSTS["spl.call"]);
    const r = inPcbConnect(k, nf, s, to.addr, to.port);
    if (r < 0) {
      cpu.exec(COSTS["spl.call"]);
      mFreem(k, nf, m);
      return r;
    }
  } else if (cpu.load32(so + SO.FADDR) === 0) {
    mFreem(k, nf, m);
    return -Errno.ENOTCONN;
  }
  const r = udpOutput(k, nf, s, m, len);
  if (to !== null) {
    inPcbDisconnect(k, nf, s);
    cpu.store32(so + SO.LADDR, laddr);
    cpu.exec(COSTS["spl.call"]);
  }
  return r;
}

function udpOutput(k: MonolithicKernel, nf: NetFrames, s: number, m0: number, len: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["udp-output"]);
  const m = mPrepend(k, nf, m0, IP_HDR + UDP_HDR);
  if (m === 0) return -Errno.ENOBUFS;
  const so = sockVa(nf, s);
  const mv = mbufVa(nf, m);
  const ui = mv + cpu.load32(mv + NM.DATA);
  const ulen = swap16(UDP_HDR + len);
  cpu.store32(ui, 0);
  cpu.store32(ui + 4, 0);
  cpu.store8(ui + 8, 0);
  cpu.store8(ui + IP.P, IPPROTO_UDP);
  cpu.store16(ui + 10, ulen);
  cpu.store32(ui + IP.SRC, cpu.load32(so + SO.LADDR));
  cpu.store32(ui + IP.DST, cpu.load32(so + SO.FADDR));
  const uh = ui + IP_HDR;
  cpu.store16(uh + UH.SPORT, cpu.load32(so + SO.LPORT));
  cpu.store16(uh + UH.DPORT, cpu.load32(so + SO.FPORT));
  cpu.store16(uh + UH.ULEN, ulen);
  cpu.store16(uh + UH.SUM, 0);
  if (k.policy.udpChecksum !== 0) {
    const sum = inCksum(k, nf, m, IP_HDR + UDP_HDR + len);
    cpu.store16(uh + UH.SUM, sum === 0 ? 0xffff : sum);
  }
  cpu.store16(ui + IP.LEN, IP_HDR + UDP_HDR + len);
  cpu.store8(ui + IP.TTL, IP_DEFTTL);
  cpu.store8(ui + IP.TOS, 0);
  bump(k, nf, STAT.udpOutPackets);
  const r = ipOutput(k, nf, m);
  return r > 0 ? -r : r;
}
