import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { etherOutput } from "./if_ether.js";
import { inCksum } from "./in_cksum.js";
import { IP, IP_HDR, mbufVa, type NetFrames, NG, NM, ngVa, STAT, swap16 } from "./layout.js";
import { bump } from "./netstat.js";

/**
 * ip_output (4.4BSD netinet/ip_output.c 8.3) for a datagram whose header udp_output filled
 * (ip_len, ip_p, ip_ttl, ip_src, ip_dst; host order for ip_len): the version and header
 * length, ip_off, the next ip_id, the route (the one interface: the destination must be on
 * its network; the pcb caches the route in 4.4BSD, so no lookup is counted beyond ip_output's
 * cache test), ip_len and ip_off to network order, the header checksum, ether_output. Returns
 * 0 or an errno; the chain is consumed.
 */
export function ipOutput(k: MonolithicKernel, nf: NetFrames, m: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["ip-output"]);
  bump(k, nf, STAT.ipOutRequests);
  const mv = mbufVa(nf, m);
  const ip = mv + cpu.load32(mv + NM.DATA);
  cpu.store8(ip + IP.VHL, 0x45);
  const idVa = ngVa(nf, NG.IPID);
  const id = cpu.load32(idVa);
  cpu.store32(idVa, (id + 1) & 0xffff);
  cpu.store16(ip + IP.ID, swap16(id));
  cpu.store16(ip + IP.OFF, 0);
  const len = cpu.load16(ip + IP.LEN);
  cpu.store16(ip + IP.LEN, swap16(len));
  cpu.store16(ip + IP.SUM, 0);
  cpu.store16(ip + IP.SUM, inCksum(k, nf, m, IP_HDR));
  return etherOutput(k, nf, m, cpu.load32(ip + IP.DST));
}
