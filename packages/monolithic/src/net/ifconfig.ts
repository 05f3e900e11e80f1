import { ArgumentError } from "@exolab/machine";
import { leinit, lestart } from "../dev/le.js";
import type { MonolithicKernel } from "../kernel.js";
import { kseg0, P, PAGE, SSLEEP } from "../layout.js";
import {
  ARP_BYTES,
  ARP_ENTRIES,
  LE_BUFFER_BYTES,
  NET_MBUF_FRAMES,
  NET_MBUFS,
  type NetFrames,
  type NetStatName,
  NG,
  NSTAT,
  SOCK_BYTES,
  SOCK_ENTRIES,
  STAT,
  swap32,
} from "./layout.js";
import { mbufPoolInit } from "./mbuf.js";

/**
 * Host-side configuration of the interface, as /etc/rc does at boot (leattach, `ifconfig le0
 * ADDR up`, `arp -s HOST MAC`): uncharged set-up, like the kernel's boot. Bad input is a typed
 * ArgumentError and nothing changes.
 */
export interface InterfaceConfig {
  /** IPv4 address, host order (0x0a000001 is 10.0.0.1). */
  readonly ip: number;
  /** Ethernet address: six bytes. */
  readonly mac: readonly number[];
  /** Static ARP entries (ARP's protocol is not modelled). */
  readonly arp?: readonly { readonly ip: number; readonly mac: readonly number[] }[];
}

function checkIp(what: string, ip: unknown): number {
  if (typeof ip !== "number" || !Number.isInteger(ip) || ip <= 0 || ip >= 0xffffffff)
    throw new ArgumentError(`${what}: an IPv4 address is an integer in (0, 2^32 - 1)`);
  return ip;
}

function checkMac(what: string, mac: unknown): number[] {
  if (
    !Array.isArray(mac) ||
    mac.length !== 6 ||
    !mac.every((b) => typeof b === "number" && Number.isInteger(b) && b >= 0 && b <= 255)
  )
    throw new ArgumentError(`${what}: an Ethernet address is an array of 6 bytes`);
  return [...mac] as number[];
}

/** Attaches and configures the interface (once), and adds the static ARP entries. */
export function ifconfig(k: MonolithicKernel, cfg: InterfaceConfig): void {
  if (cfg === null || typeof cfg !== "object")
    throw new ArgumentError("ifconfig: the configuration must be an object");
  const ip = checkIp("ifconfig ip", cfg.ip);
  const mac = checkMac("ifconfig mac", cfg.mac);
  const arp = cfg.arp ?? [];
  if (!Array.isArray(arp)) throw new ArgumentError("ifconfig arp: an array of { ip, mac }");
  const entries = arp.map((e, i) => {
    if (e === null || typeof e !== "object")
      throw new ArgumentError(`ifconfig arp[${i}]: an object { ip, mac }`);
    return {
      ip: checkIp(`ifconfig arp[${i}].ip`, e.ip),
      mac: checkMac(`ifconfig arp[${i}].mac`, e.mac),
    };
  });
  if (k.net !== null) throw new ArgumentError("ifconfig: the interface is already configured");
  if (entries.length > ARP_ENTRIES)
    throw new ArgumentError(`ifconfig arp: at most ${ARP_ENTRIES} static entries`);
  const slots = k.machine.net.params.receiveRingSlots;
  const rxFrames = Math.ceil((slots * LE_BUFFER_BYTES) / PAGE);
  const need = 1 + NET_MBUF_FRAMES + rxFrames + 1;
  if (k.frames.freeCount < need)
    throw new ArgumentError(`ifconfig: ${need} free frames needed for the network`);
  const mem = k.machine.memory;
  const take = (): number => {
    const f = k.frames.alloc();
    mem.zeroFrame(f);
    return f;
  };
  const nf: NetFrames = Object.freeze({
    ifStart: lestart,
    ng: take(),
    mbufs: Object.freeze(Array.from({ length: NET_MBUF_FRAMES }, take)),
    rx: Object.freeze(Array.from({ length: rxFrames }, take)),
    tx: take(),
  });
  const ng = nf.ng * PAGE;
  mem.write32(ng + NG.MYIP, swap32(ip));
  for (let i = 0; i < 6; i++) mem.u8[ng + NG.MYMAC + i] = mac[i]!;
  mem.write32(ng + NG.LASTPORT, 1023);
  entries.forEach((e, i) => {
    const a = ng + NG.ARP + i * ARP_BYTES;
    mem.write32(a, swap32(e.ip));
    for (let j = 0; j < 6; j++) mem.u8[a + 4 + j] = e.mac[j]!;
    mem.u8[a + 10] = 1;
  });
  mbufPoolInit(k, nf, NET_MBUFS);
  k.net = nf;
  leinit(k, nf);
}

/** The stack's counters (netstat -s), host-side and uncharged; all zero before ifconfig. */
export function netStats(k: MonolithicKernel): Record<NetStatName, number> {
  const out = {} as Record<NetStatName, number>;
  const nf = k.net;
  for (const n of NSTAT) out[n] = nf === null ? 0 : k.machine.memory.read32(nf.ng * PAGE + STAT[n]);
  return out;
}

/** Free mbufs of the network's pool (host-side: for tests that check nothing leaked). */
export function netFreeMbufs(k: MonolithicKernel): number {
  const nf = k.net;
  if (nf === null) return 0;
  const mem = k.machine.memory;
  let n = 0;
  for (let m = mem.read32(nf.ng * PAGE + NG.MFREE); m !== 0 && n <= NET_MBUFS; n++) {
    const f = nf.mbufs[(m / 32) | 0]!;
    m = mem.read32(f * PAGE + (m % 32) * 128);
  }
  return n;
}

/** Open sockets (host-side). */
export function netSockets(k: MonolithicKernel): number {
  const nf = k.net;
  if (nf === null) return 0;
  let n = 0;
  for (let s = 0; s < SOCK_ENTRIES; s++)
    if (k.machine.memory.read32(nf.ng * PAGE + NG.SOCK_TABLE + s * SOCK_BYTES) !== 0) n++;
  return n;
}

/**
 * Whether a process sleeps on a socket (host-side, for `run`'s stop rule): a datagram from
 * another machine may still wake it, so `run` goes on to its limits.
 */
export function netSleeping(k: MonolithicKernel): boolean {
  const nf = k.net;
  if (nf === null) return false;
  const lo = kseg0(nf.ng, NG.SOCK_TABLE);
  const hi = kseg0(nf.ng, PAGE);
  const mem = k.machine.memory;
  for (const p of k.procs) {
    if (p === null || p.stat !== SSLEEP) continue;
    const w = mem.read32(((p.procVa & 0x1fffffff) >>> 0) + P.WCHAN);
    if (w >= lo && w < hi) return true;
  }
  return false;
}
