import { AF_INET, Errno, SOCKADDR_IN_BYTES } from "../abi.js";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { U } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { sleep, wakeup } from "../sched/sleep.js";
import { copyUser } from "../vm/useracc.js";
import {
  MT_SONAME,
  mbufVa,
  type NetFrames,
  NG,
  NM,
  NMLEN,
  NMSIZE,
  ngVa,
  SB_WAIT,
  SO,
  SOCK_ENTRIES,
  SS_CANTRCVMORE,
  sockVa,
} from "./layout.js";
import { mFree, mFreem, mGet } from "./mbuf.js";

/**
 * UDP sockets (4.4BSD kern/uipc_socket.c 8.1, uipc_socket2.c 8.1): the socket table, the
 * receive buffer as a list of records (an MT_SONAME mbuf with the sender's sockaddr_in, then
 * the datagram's mbufs; records linked through m_nextpkt), sbappendaddr with its space test
 * (sb_hiwat, sb_mbmax), soreceive of one record, and sowakeup.
 */

/** The channel a reader sleeps on (&so->so_rcv.sb_cc). */
export function rcvChan(nf: NetFrames, s: number): number {
  return sockVa(nf, s) + SO.RCC;
}

/** socreate + PRU_ATTACH: a free entry set up and put at the head of udb; its index or -errno. */
export function socreate(k: MonolithicKernel, nf: NetFrames): number {
  const cpu = k.cpu;
  let s = -1;
  for (let i = 0; i < SOCK_ENTRIES; i++) {
    cpu.exec(COSTS["falloc.scan"]);
    if (cpu.load32(sockVa(nf, i) + SO.TYPE) === 0) {
      s = i;
      break;
    }
  }
  if (s < 0) return -Errno.ENOBUFS;
  const so = sockVa(nf, s);
  const hiwat = k.policy.udpRecvSpace;
  cpu.store32(so + SO.TYPE, 2);
  for (const off of [SO.STATE, SO.LADDR, SO.LPORT, SO.FADDR, SO.FPORT, SO.RCC, SO.RMBCNT])
    cpu.store32(so + off, 0);
  cpu.store32(so + SO.RMB, 0);
  cpu.store32(so + SO.RFLAGS, 0);
  cpu.store32(so + SO.RHIWAT, hiwat);
  cpu.store32(so + SO.RMBMAX, 2 * hiwat);
  cpu.store32(so + SO.SHIWAT, k.policy.udpSendSpace);
  const udb = ngVa(nf, NG.UDB);
  cpu.store32(so + SO.NEXT, cpu.load32(udb));
  cpu.store32(udb, s + 1);
  return s;
}

/** soclose + PRU_DETACH: off udb, the receive buffer flushed, the entry free. */
export function soclose(k: MonolithicKernel, nf: NetFrames, s: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.soclose);
  const so = sockVa(nf, s);
  let prev = ngVa(nf, NG.UDB);
  for (let link = cpu.load32(prev); link !== 0; ) {
    const v = sockVa(nf, link - 1);
    if (link - 1 === s) {
      cpu.store32(prev, cpu.load32(v + SO.NEXT));
      break;
    }
    prev = v + SO.NEXT;
    link = cpu.load32(prev);
  }
  if (cpu.load32(ngVa(nf, NG.LASTPCB)) === s + 1) cpu.store32(ngVa(nf, NG.LASTPCB), 0);
  let rec = cpu.load32(so + SO.RMB);
  while (rec !== 0) {
    const next = cpu.load32(mbufVa(nf, rec) + NM.NEXTPKT);
    mFreem(k, nf, rec);
    rec = next;
  }
  cpu.store32(so + SO.RMB, 0);
  cpu.store32(so + SO.RCC, 0);
  cpu.store32(so + SO.RMBCNT, 0);
  cpu.store32(so + SO.STATE, SS_CANTRCVMORE);
  cpu.store32(so + SO.TYPE, 0);
}

/**
 * sbappendaddr: a record (the sender's address, then the datagram `m`) at the end of the
 * receive buffer, if sbspace allows (address and data bytes within sb_hiwat - sb_cc, and
 * sb_mbmax - sb_mbcnt). False when it does not fit or no mbuf is left (the caller drops).
 */
export function sbappendaddr(
  k: MonolithicKernel,
  nf: NetFrames,
  s: number,
  srcAddr: number,
  srcPort: number,
  m: number,
): boolean {
  const cpu = k.cpu;
  cpu.exec(COSTS.sbappendaddr);
  const so = sockVa(nf, s);
  const space = SOCKADDR_IN_BYTES + cpu.load32(mbufVa(nf, m) + NM.PKTLEN);
  const cc = cpu.load32(so + SO.RCC);
  const mbcnt = cpu.load32(so + SO.RMBCNT);
  const sbspace = Math.min(cpu.load32(so + SO.RHIWAT) - cc, cpu.load32(so + SO.RMBMAX) - mbcnt);
  if (space > sbspace) return false;
  const a = mGet(k, nf, MT_SONAME, false);
  if (a === 0) return false;
  const av = mbufVa(nf, a);
  const sa = av + NM.DAT;
  cpu.store16(sa, AF_INET);
  cpu.store16(sa + 2, srcPort);
  cpu.store32(sa + 4, srcAddr);
  cpu.store32(sa + 8, 0);
  cpu.store32(sa + 12, 0);
  cpu.store32(av + NM.LEN, SOCKADDR_IN_BYTES);
  cpu.store32(av + NM.NEXT, m);
  let addCc = 0;
  let addMb = 0;
  for (let n = a; n !== 0; n = cpu.load32(mbufVa(nf, n) + NM.NEXT)) {
    cpu.exec(COSTS["sbappendaddr.mbuf"]);
    addCc += cpu.load32(mbufVa(nf, n) + NM.LEN);
    addMb += NMSIZE;
  }
  cpu.store32(so + SO.RCC, cc + addCc);
  cpu.store32(so + SO.RMBCNT, mbcnt + addMb);
  let last = cpu.load32(so + SO.RMB);
  if (last === 0) {
    cpu.store32(so + SO.RMB, a);
    return true;
  }
  for (;;) {
    cpu.exec(COSTS["sbappendaddr.record"]);
    const next = cpu.load32(mbufVa(nf, last) + NM.NEXTPKT);
    if (next === 0) break;
    last = next;
  }
  cpu.store32(mbufVa(nf, last) + NM.NEXTPKT, a);
  return true;
}

/** sorwakeup: selwakeup, and a reader in sbwait woken. */
export function sorwakeup(k: MonolithicKernel, nf: NetFrames, s: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS.sowakeup);
  cpu.exec(COSTS.selwakeup);
  const so = sockVa(nf, s);
  const flags = cpu.load32(so + SO.RFLAGS);
  if ((flags & SB_WAIT) !== 0) {
    cpu.store32(so + SO.RFLAGS, flags & ~SB_WAIT);
    wakeup(k, rcvChan(nf, s));
  }
}

/** Where soreceive puts the sender's address: a user sockaddr of `len` bytes (0: none). */
export interface FromArg {
  readonly va: number;
  readonly len: number;
  readonly lenVa: number;
}

/**
 * One pass of soreceive on a datagram socket (and recvit's copy-out of the name): the first
 * record's datagram copied out (at most `n` bytes; the rest of the record is dropped, as
 * for every atomic protocol), its mbufs freed, the sender's address copied out when asked.
 * An empty buffer: sbwait (SLEEP). Returns the bytes received, SLEEP or -errno.
 */
export function soreceiveDgram(
  k: MonolithicKernel,
  p: Proc,
  nf: NetFrames,
  s: number,
  buf: number,
  n: number,
  from: FromArg | null,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.soreceive);
  cpu.exec(COSTS["spl.call"]);
  const so = sockVa(nf, s);
  if (cpu.load32(so + SO.TYPE) === 0) return -Errno.EBADF;
  const a = cpu.load32(so + SO.RMB);
  if (a === 0) {
    cpu.exec(COSTS["spl.call"]);
    if ((cpu.load32(so + SO.STATE) & SS_CANTRCVMORE) !== 0) return 0;
    cpu.exec(COSTS.sbwait);
    cpu.exec(COSTS["spl.call"]);
    cpu.store32(so + SO.RFLAGS, cpu.load32(so + SO.RFLAGS) | SB_WAIT);
    return sleep(k, p, rcvChan(nf, s));
  }
  // The MT_SONAME mbuf: off the buffer (sbfree), kept for the copy-out of the name.
  cpu.exec(COSTS["soreceive.addr"]);
  const av = mbufVa(nf, a);
  const nextRecord = cpu.load32(av + NM.NEXTPKT);
  let cc = cpu.load32(so + SO.RCC) - cpu.load32(av + NM.LEN);
  let mbcnt = cpu.load32(so + SO.RMBCNT) - NMSIZE;
  let m = cpu.load32(av + NM.NEXT);
  cpu.store32(av + NM.NEXT, 0);
  let done = 0;
  let fault = false;
  while (m !== 0) {
    cpu.exec(COSTS["soreceive.mbuf"]);
    const mv = mbufVa(nf, m);
    const mlen = cpu.load32(mv + NM.LEN);
    const len = Math.min(n - done, mlen);
    if (len > 0 && !fault) {
      cpu.exec(COSTS["spl.call"], 2);
      cpu.exec(COSTS.uiomove);
      if (copyUser(k, buf + done, mv + cpu.load32(mv + NM.DATA), len)) done += len;
      else fault = true;
    }
    cc -= mlen;
    mbcnt -= NMSIZE;
    m = mFree(k, nf, m);
  }
  cpu.store32(so + SO.RCC, cc);
  cpu.store32(so + SO.RMBCNT, mbcnt);
  cpu.store32(so + SO.RMB, nextRecord);
  cpu.store32(av + NM.NEXTPKT, 0);
  if (from !== null && !fault) {
    const len = Math.min(from.len, SOCKADDR_IN_BYTES);
    if (len > 0 && !copyUser(k, from.va, av + NM.DAT, len)) fault = true;
    else if (from.lenVa !== 0) {
      cpu.store32(k.uva(p) + U.ARG + 24, len);
      if (!copyUser(k, from.lenVa, k.uva(p) + U.ARG + 24, 4)) fault = true;
    }
  }
  mFreem(k, nf, a);
  cpu.exec(COSTS["spl.call"]);
  return fault ? -Errno.EFAULT : done;
}

/**
 * sosend's part for a datagram (PR_ATOMIC): the whole of it or nothing — larger than the send
 * buffer: EMSGSIZE — copied in from user memory into an mbuf chain whose first mbuf has the
 * packet header (MH_ALIGN: the data at the end of it, room in front for the headers).
 * Returns the chain or -errno.
 */
export function sosendChain(
  k: MonolithicKernel,
  nf: NetFrames,
  s: number,
  buf: number,
  n: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.sosend);
  cpu.exec(COSTS["spl.call"]);
  const so = sockVa(nf, s);
  if (n > cpu.load32(so + SO.SHIWAT)) return -Errno.EMSGSIZE;
  let top = 0;
  let prev = 0;
  let done = 0;
  do {
    cpu.exec(COSTS["sosend.mbuf"]);
    const m = mGet(k, nf, 1, top === 0);
    if (m === 0) {
      if (top !== 0) mFreem(k, nf, top);
      return -Errno.ENOBUFS;
    }
    const mv = mbufVa(nf, m);
    const len = Math.min(NMLEN, n - done);
    if (top === 0) {
      top = m;
      if (n < NMLEN) cpu.store32(mv + NM.DATA, NM.DAT + ((NMLEN - n) & ~3));
    } else cpu.store32(mbufVa(nf, prev) + NM.NEXT, m);
    cpu.exec(COSTS.uiomove);
    if (len > 0 && !copyUser(k, mv + cpu.load32(mv + NM.DATA), buf + done, len)) {
      mFreem(k, nf, top);
      return -Errno.EFAULT;
    }
    cpu.store32(mv + NM.LEN, len);
    done += len;
    prev = m;
  } while (done < n);
  cpu.store32(mbufVa(nf, top) + NM.PKTLEN, n);
  return top;
}

/** The sockaddr_in of a name mbuf copied in by sockargs: [family, port, addr] as stored. */
export function readSockaddr(k: MonolithicKernel, va: number): [number, number, number] {
  const cpu = k.cpu;
  return [cpu.load16(va), cpu.load16(va + 2), cpu.load32(va + 4)];
}
