import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { enqueue } from "./ifq.js";
import { ipintr } from "./ip_input.js";
import {
  ARP_BYTES,
  ARP_ENTRIES,
  ETHER_HDR,
  ETHERTYPE_IP,
  IFQ_MAXLEN,
  mbufVa,
  type NetFrames,
  NG,
  NM,
  ngVa,
  STAT,
  swap16,
} from "./layout.js";
import { mFreem, mPrepend } from "./mbuf.js";
import { bump } from "./netstat.js";

/**
 * The Ethernet layer (4.4BSD net/if_ethersubr.c 8.1, netinet/if_ether.c 8.1).
 * ether_input queues an IP packet on ipintrq and posts the IP software interrupt, which runs
 * as the hardware interrupt returns (pmax interrupt(): soft-net), draining the queue with
 * ipintr. ether_output resolves the next hop's Ethernet address (a static ARP table: ARP's
 * protocol is not modelled), prepends the header, queues the packet on if_snd and starts the
 * card.
 */

/** ether_input: `type` as the header has it (network order, loaded as a halfword). */
export function etherInput(k: MonolithicKernel, nf: NetFrames, type: number, m: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["ether-input"]);
  cpu.exec(COSTS["spl.call"], 2);
  if (type !== swap16(ETHERTYPE_IP)) {
    bump(k, nf, STAT.ifNoProto);
    mFreem(k, nf, m);
    return;
  }
  const len = cpu.load32(ngVa(nf, NG.IPQ_LEN));
  if (len >= IFQ_MAXLEN) {
    bump(k, nf, STAT.ipQueueDrops);
    mFreem(k, nf, m);
    return;
  }
  enqueue(k, nf, NG.IPQ_HEAD, NG.IPQ_TAIL, NG.IPQ_LEN, m);
  cpu.store32(ngVa(nf, NG.NETISR), 1);
}

/** The soft-net interrupt, taken on the way out of the hardware interrupt. */
export function netisr(k: MonolithicKernel, nf: NetFrames): void {
  const cpu = k.cpu;
  if (cpu.load32(ngVa(nf, NG.NETISR)) === 0) return;
  cpu.exec(COSTS["netisr.ip"]);
  cpu.store32(ngVa(nf, NG.NETISR), 0);
  ipintr(k, nf);
}

/** arpresolve: the static entry for `dstIp` (network order): its index, or -1. */
function arpresolve(k: MonolithicKernel, nf: NetFrames, dstIp: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.arpresolve);
  for (let i = 0; i < ARP_ENTRIES; i++) {
    cpu.exec(COSTS["arpresolve.entry"]);
    const va = ngVa(nf, NG.ARP + i * ARP_BYTES);
    if (cpu.load16(va + 10) === 0) return -1;
    if (cpu.load32(va) === dstIp) return i;
  }
  return -1;
}

/**
 * ether_output: the packet `m` (an IP datagram) to `dstIp`. Returns 0, or an errno: no ARP
 * entry (EHOSTUNREACH), no mbuf (ENOBUFS), if_snd full (ENOBUFS, counted). The chain is
 * consumed either way.
 */
export function etherOutput(k: MonolithicKernel, nf: NetFrames, m: number, dstIp: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["ether-output"]);
  const e = arpresolve(k, nf, dstIp);
  if (e < 0) {
    mFreem(k, nf, m);
    return 65; // EHOSTUNREACH
  }
  const h = mPrepend(k, nf, m, ETHER_HDR);
  if (h === 0) return 55; // ENOBUFS
  const hv = mbufVa(nf, h);
  const eh = hv + cpu.load32(hv + NM.DATA);
  const arp = ngVa(nf, NG.ARP + e * ARP_BYTES) + 4;
  const mine = ngVa(nf, NG.MYMAC);
  // bcopy(edst, eh->ether_dhost, 6), bcopy(ac_enaddr, eh->ether_shost, 6): halfwords (the
  // header starts halfword-aligned).
  for (let i = 0; i < 6; i += 2) cpu.store16(eh + i, cpu.load16(arp + i));
  for (let i = 0; i < 6; i += 2) cpu.store16(eh + 6 + i, cpu.load16(mine + i));
  cpu.store16(eh + 12, swap16(ETHERTYPE_IP));
  cpu.exec(COSTS["spl.call"], 2);
  if (cpu.load32(ngVa(nf, NG.SND_LEN)) >= IFQ_MAXLEN) {
    bump(k, nf, STAT.ifSendDrops);
    mFreem(k, nf, h);
    return 55; // ENOBUFS
  }
  enqueue(k, nf, NG.SND_HEAD, NG.SND_TAIL, NG.SND_LEN, h);
  // (*ifp->if_start)(ifp): the driver's start routine (dev/le.ts lestart), through the interface.
  if (cpu.load32(ngVa(nf, NG.OACTIVE)) === 0) nf.ifStart(k, nf);
  return 0;
}
