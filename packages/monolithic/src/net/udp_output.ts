import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { inCksum } from "./in_cksum.js";
import { inPcbConnect, inPcbDisconnect } from "./in_pcb.js";
import { ipOutput } from "./ip_output.js";
import {
  IP,
  IP_DEFTTL,
  IP_HDR,
  mbufVa,
  type NetFrames,
  NM,
  SO,
  STAT,
  sockVa,
  swap16,
  UDP_HDR,
  UH,
} from "./layout.js";
import { mFreem, mPrepend } from "./mbuf.js";
import { bump } from "./netstat.js";

const IPPROTO_UDP = 17;

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
