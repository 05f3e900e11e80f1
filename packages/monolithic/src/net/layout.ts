/**
 * Where the network stack keeps its data in simulated memory (frames taken from the core map
 * when the interface is attached, `MonolithicKernel.ifconfig`), and the layouts of the
 * structures its measured paths read and write through charged kseg0 accesses.
 *
 * - NG frame: the stack's globals (the interface's softc and queues, the udb list head, the
 *   counters of ifnet/ipstat/udpstat, the static ARP table) at 0..1023, then the socket table
 *   (a socket and its inpcb in one 64-byte entry) from SOCK_TABLE.
 * - NET_MBUF_FRAMES frames of mbufs (32 of 128 bytes each; mbuf 0 is never used: its slot
 *   holds nothing, index 0 means "none").
 * - the LANCE's buffers: one per receive-ring slot (2 KiB each, two a frame), and one
 *   transmit buffer.
 */
import type { MonolithicKernel } from "../kernel.js";
import { kseg0, PAGE } from "../layout.js";

/** Frames of the network's mbuf pool (4.4BSD takes mbufs from kmem; a fixed pool here). */
export const NET_MBUF_FRAMES = 8;
export const MBUFS_PER_FRAME = 32;
export const NET_MBUFS = NET_MBUF_FRAMES * MBUFS_PER_FRAME - 1;
/** IFQ_MAXLEN (4.4BSD if.h): the interface's send queue and ipintrq hold at most 50 packets. */
export const IFQ_MAXLEN = 50;
/** Bytes of a LANCE buffer (one maximum frame, rounded to 2 KiB). */
export const LE_BUFFER_BYTES = 2048;
/** Static ARP entries (`arp -s`: ARP itself is not modelled). */
export const ARP_ENTRIES = 8;
export const ARP_BYTES = 12;
/** IPPORT_RESERVED (4.4BSD in.h): ephemeral ports are taken from here up. */
export const IPPORT_RESERVED = 1024;
export const IPPORT_USERRESERVED = 5000;

/**
 * The mbuf (4.4BSD mbuf.h 8.1, MSIZE 128): m_next, m_len, m_data (an offset into the mbuf),
 * m_type, m_nextpkt, m_flags, m_pkthdr.len, then the data. Every mbuf here carries the packet
 * header fields (4.4BSD only the first of a packet): MHLEN, 100 bytes of data, for all.
 */
export const NM = {
  NEXT: 0,
  LEN: 4,
  DATA: 8,
  TYPE: 12,
  NEXTPKT: 16,
  FLAGS: 20,
  PKTLEN: 24,
  DAT: 28,
} as const;
export const NMSIZE = 128;
export const NMLEN = NMSIZE - NM.DAT;
export const MT_FREE = 0;
export const MT_DATA = 1;
export const MT_HEADER = 2;
export const MT_SONAME = 3;
export const M_PKTHDR = 2;

/** The stack's globals, at the start of the NG frame. */
export const NG = {
  MFREE: 0, // head of the mbuf free list (index; 0 = empty)
  RXHEAD: 4, // le softc: the next receive-ring slot
  IPQ_HEAD: 8, // ipintrq
  IPQ_TAIL: 12,
  IPQ_LEN: 16,
  SND_HEAD: 20, // ifp->if_snd
  SND_TAIL: 24,
  SND_LEN: 28,
  OACTIVE: 32, // IFF_OACTIVE: every transmit slot busy; letint restarts lestart
  UDB: 36, // udb: the first UDP pcb (socket index + 1)
  LASTPCB: 40, // udp_last_inpcb: the one-entry lookup cache (socket index + 1)
  IPID: 44,
  MYIP: 48, // the interface's address (network order, as in_ifaddr keeps it)
  MYMAC: 52, // 6 bytes
  LASTPORT: 60, // udp's last ephemeral port (in_pcbbind)
  NETISR: 64,
  STATS: 128, // NSTAT counters, one word each
  ARP: 512, // ARP_ENTRIES x (ip, mac 6, flags 2)
  SOCK_TABLE: 1024,
} as const;

/** The counters (netstat -s), one word each at NG.STATS + 4 * index. */
export const NSTAT = [
  "ifInPackets",
  "ifInErrors",
  "ifNoProto",
  "ifOutPackets",
  "ifSendDrops",
  "ipTotal",
  "ipBadSum",
  "ipBadHeader",
  "ipBadLength",
  "ipFragDropped",
  "ipNotOurs",
  "ipQueueDrops",
  "ipDelivered",
  "ipOutRequests",
  "ipNoRoute",
  "udpInPackets",
  "udpBadLength",
  "udpBadSum",
  "udpNoPort",
  "udpFullSocket",
  "udpOutPackets",
  "noMbufs",
] as const;
export type NetStatName = (typeof NSTAT)[number];
export const STAT: Readonly<Record<NetStatName, number>> = Object.freeze(
  Object.fromEntries(NSTAT.map((n, i) => [n, NG.STATS + 4 * i])) as Record<NetStatName, number>,
);

/**
 * A socket and its inpcb in one entry (64 bytes): type (0 = free), so_state, the pcb's local
 * and foreign address and port (network order), the udb link, the receive buffer (sb_cc,
 * sb_hiwat, sb_mbcnt, sb_mbmax, sb_mb, the last record, sb_flags) and the send buffer's
 * high-water mark. `SOCK_ENTRIES` of them after the globals.
 */
export const SOCK_BYTES = 64;
export const SOCK_ENTRIES = (PAGE - NG.SOCK_TABLE) / SOCK_BYTES;
export const SO = {
  TYPE: 0,
  STATE: 4,
  LADDR: 8,
  LPORT: 12,
  FADDR: 16,
  FPORT: 20,
  NEXT: 24,
  RCC: 28,
  RHIWAT: 32,
  RMBCNT: 36,
  RMBMAX: 40,
  RMB: 44,
  RLAST: 48,
  RFLAGS: 52,
  SHIWAT: 56,
  BOUND: 60,
} as const;
/** so_state bits (4.4BSD socketvar.h). */
export const SS_ISCONNECTED = 0x2;
export const SS_CANTRCVMORE = 0x20;
/** sb_flags: SB_WAIT (someone waits in sbwait). */
export const SB_WAIT = 0x4;

/** Ethernet, IPv4 and UDP header offsets (bytes). */
export const ETHER_HDR = 14;
export const ETHERTYPE_IP = 0x0800;
export const IP_HDR = 20;
export const UDP_HDR = 8;
export const IP = {
  VHL: 0,
  TOS: 1,
  LEN: 2,
  ID: 4,
  OFF: 6,
  TTL: 8,
  P: 9,
  SUM: 10,
  SRC: 12,
  DST: 16,
};
export const UH = { SPORT: 0, DPORT: 2, ULEN: 4, SUM: 6 };
/** ip_off: more fragments and the offset mask (host order). */
export const IP_MF = 0x2000;
export const IP_OFFMASK = 0x1fff;
/** Largest UDP payload without fragmentation (1500 - 20 - 8). */
export const UDP_MAX_PAYLOAD = 1472;
/** The TTL udp_output sets (4.4BSD ip_defttl: IPDEFTTL 64). */
export const IP_DEFTTL = 64;

/** What the kernel knows of the network frames (host mirror of where they are). */
export interface NetFrames {
  /** The driver's start routine (ifp->if_start: dev/le.ts lestart), set at attach. */
  readonly ifStart: (k: MonolithicKernel, nf: NetFrames) => void;
  readonly ng: number;
  readonly mbufs: readonly number[];
  readonly rx: readonly number[];
  readonly tx: number;
}

export function ngVa(nf: NetFrames, off = 0): number {
  return kseg0(nf.ng, off);
}

export function sockVa(nf: NetFrames, s: number): number {
  return kseg0(nf.ng, NG.SOCK_TABLE + s * SOCK_BYTES);
}

/** The kernel address of mbuf `m` (1..NET_MBUFS). */
export function mbufVa(nf: NetFrames, m: number): number {
  return kseg0(nf.mbufs[(m / MBUFS_PER_FRAME) | 0]!, (m % MBUFS_PER_FRAME) * NMSIZE);
}

/** Physical address of receive-ring slot `slot`'s buffer. */
export function rxPa(nf: NetFrames, slot: number): number {
  return nf.rx[slot >> 1]! * PAGE + (slot & 1) * LE_BUFFER_BYTES;
}

/** Network order of a 16-bit value (the machine is little-endian). */
export function swap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

/** Network order of a 32-bit value. */
export function swap32(v: number): number {
  return (
    (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0
  );
}
