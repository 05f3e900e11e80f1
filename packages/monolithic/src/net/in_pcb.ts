import { Errno } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import {
  IPPORT_RESERVED,
  IPPORT_USERRESERVED,
  type NetFrames,
  NG,
  ngVa,
  SO,
  SOCK_ENTRIES,
  sockVa,
  swap16,
} from "./layout.js";

/**
 * Internet protocol control blocks (4.4BSD netinet/in_pcb.c 8.2) of the UDP sockets, on the
 * udb list (NG.UDB, linked through SO.NEXT; a socket and its pcb share one entry). Addresses
 * and ports are kept in network order, as loaded from the wire: compared as they are.
 * `in_pcblookup` is the baseline's demultiplexing: a walk of every pcb, the best match by the
 * fewest wildcards (BSD runs no packet filter for UDP).
 */
export const WILDCARD = 1;

/** in_pcblookup: the socket whose pcb matches best, or -1. */
export function inPcbLookup(
  k: MonolithicKernel,
  nf: NetFrames,
  faddr: number,
  fport: number,
  laddr: number,
  lport: number,
  flags: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["in-pcblookup"]);
  let match = -1;
  let matchwild = 3;
  let link = cpu.load32(ngVa(nf, NG.UDB));
  while (link !== 0) {
    cpu.exec(COSTS["in-pcblookup.entry"]);
    const s = link - 1;
    const so = sockVa(nf, s);
    link = cpu.load32(so + SO.NEXT);
    if (cpu.load32(so + SO.LPORT) !== lport) continue;
    let wild = 0;
    const il = cpu.load32(so + SO.LADDR);
    if (il !== 0) {
      if (laddr === 0) wild++;
      else if (il !== laddr) continue;
    } else if (laddr !== 0) wild++;
    const ifa = cpu.load32(so + SO.FADDR);
    if (ifa !== 0) {
      if (faddr === 0) wild++;
      else if (ifa !== faddr || cpu.load32(so + SO.FPORT) !== fport) continue;
    } else if (faddr !== 0) wild++;
    if (wild !== 0 && (flags & WILDCARD) === 0) continue;
    if (wild < matchwild) {
      match = s;
      matchwild = wild;
      if (wild === 0) break;
    }
  }
  return match;
}

/**
 * in_pcbbind: the local address (INADDR_ANY or the interface's) and port (0: the next free
 * ephemeral port, from IPPORT_RESERVED up). Returns 0 or -errno; nothing changes on a refusal.
 */
export function inPcbBind(
  k: MonolithicKernel,
  nf: NetFrames,
  s: number,
  laddr: number,
  lport: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["in-pcbbind"]);
  const so = sockVa(nf, s);
  if (cpu.load32(so + SO.LPORT) !== 0 || cpu.load32(so + SO.LADDR) !== 0) return -Errno.EINVAL;
  if (laddr !== 0) {
    cpu.exec(COSTS["ipintr.ours"]);
    if (laddr !== cpu.load32(ngVa(nf, NG.MYIP))) return -Errno.EADDRNOTAVAIL;
  }
  if (lport !== 0) {
    if (inPcbLookup(k, nf, 0, 0, laddr, lport, WILDCARD) >= 0) return -Errno.EADDRINUSE;
  } else {
    const last = ngVa(nf, NG.LASTPORT);
    for (let tries = 0; ; tries++) {
      if (tries > SOCK_ENTRIES) return -Errno.EADDRINUSE;
      cpu.exec(COSTS["in-pcbbind.try"]);
      let p = cpu.load32(last) + 1;
      if (p < IPPORT_RESERVED || p > IPPORT_USERRESERVED) p = IPPORT_RESERVED;
      cpu.store32(last, p);
      if (inPcbLookup(k, nf, 0, 0, laddr, swap16(p), 0) < 0) {
        lport = swap16(p);
        break;
      }
    }
  }
  cpu.store32(so + SO.LADDR, laddr);
  cpu.store32(so + SO.LPORT, lport);
  return 0;
}

/**
 * in_pcbconnect: the foreign address and port (network order); an unbound pcb gets the
 * interface's address and an ephemeral port. Returns 0 or -errno; nothing changes on a refusal.
 */
export function inPcbConnect(
  k: MonolithicKernel,
  nf: NetFrames,
  s: number,
  faddr: number,
  fport: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["in-pcbconnect"]);
  if (fport === 0 || faddr === 0 || faddr === 0xffffffff) return -Errno.EADDRNOTAVAIL;
  const so = sockVa(nf, s);
  const laddr = cpu.load32(so + SO.LADDR);
  const ifaddr = laddr !== 0 ? laddr : cpu.load32(ngVa(nf, NG.MYIP));
  const lport = cpu.load32(so + SO.LPORT);
  if (inPcbLookup(k, nf, faddr, fport, ifaddr, lport, 0) >= 0) return -Errno.EADDRINUSE;
  if (laddr === 0) {
    if (lport === 0) {
      const r = inPcbBind(k, nf, s, 0, 0);
      if (r < 0) return r;
    }
    cpu.store32(so + SO.LADDR, ifaddr);
  }
  cpu.store32(so + SO.FADDR, faddr);
  cpu.store32(so + SO.FPORT, fport);
  return 0;
}

/** in_pcbdisconnect: no foreign address any more. */
export function inPcbDisconnect(k: MonolithicKernel, nf: NetFrames, s: number): void {
  const cpu = k.cpu;
  const so = sockVa(nf, s);
  cpu.store32(so + SO.FADDR, 0);
  cpu.store32(so + SO.FPORT, 0);
}
