import {
  type EnvHandle,
  encodeAsh,
  encodeFilter,
  ipFilter,
  PROTO_UDP,
  Reg,
  Result,
  RING,
  UDP_FRAME,
  udpReplyProgram,
} from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import { Errno } from "../ipc/fd.js";
import type { Windows } from "../ipc/window.js";
import { G_SAVE, GLOBALS_VA, SAVE_SLOT_BYTES } from "../layout.js";
import type { Vm } from "../vm/vm.js";

/**
 * User-level UDP/IP over the exokernel's packet filters and receive rings (the paper's ExOS
 * network path, section 7).
 *
 * - `open(port, { ip, mac })` inserts a DPF filter (ethertype IP, protocol UDP, our address,
 *   the IHL shift, the destination port) whose packets the kernel writes into a ring in a
 *   page of ours (a guaranteed mapping: the kernel serves its misses, so the network handler
 *   never takes a refill upcall), and takes a second page for the frames we send.
 * - `connect(sock, { ip, mac, port })` precomputes the whole header of our frames (Ethernet,
 *   IPv4 with its checksum for the connected length, UDP with no checksum) in the send page:
 *   a send writes only the payload (and, for another length, the two length fields and the
 *   IP checksum, counted).
 * - `send(sock, srcVa, bytes)` copies the payload after the header and asks the kernel to
 *   transmit the page's bytes (`netSend`).
 * - Receiving: the library's "net" interrupt handler (installed at the first open) drains
 *   every socket's ring and calls the socket's `onReceive(fn)` callback for each datagram,
 *   `fn(payloadVa, bytes, srcIp, srcPort)`, with the payload still in the ring; the callback
 *   runs in the handler (synchronous: non-blocking calls only, `send` included). A socket
 *   with no callback keeps its datagrams for `recv(sock, dstVa, max)` (non-blocking:
 *   `Errno.WouldBlock` when empty).
 * - `ash(sock)`: downloads the paper's reply handler (udpReplyProgram: swap the addresses
 *   and ports, increment the counter, send it back) for the socket's filter: the kernel then
 *   answers in its interrupt, without scheduling this process.
 *
 * The ring's consumer word is ours (the kernel checks it); a datagram shorter than its
 * headers, or not UDP to our port (the filter makes that impossible, but the ring is memory
 * we share with the kernel only), is skipped and counted in `stats.bad`.
 */

/** Save slot of the network handler (t0..t2 as the kernel stores them, then v0, a0..a2). */
export const NET_SAVE_SLOT = 20;
/** Bytes of the precomputed header: Ethernet 14, IPv4 20, UDP 8. */
export const UDP_HEADER_BYTES = UDP_FRAME.payload;
const MAX_PAYLOAD = 1472;
const D = RING.dataBytes;

export interface UdpEndpoint {
  /** IPv4 address, host order. */
  readonly ip: number;
  /** Ethernet address: 6 bytes. */
  readonly mac: readonly number[];
}

export interface UdpPeer extends UdpEndpoint {
  readonly port: number;
}

export type UdpReceive = (payloadVa: number, bytes: number, srcIp: number, srcPort: number) => void;

interface Socket {
  readonly port: number;
  readonly local: UdpEndpoint;
  readonly ringVa: number;
  readonly sendVa: number;
  readonly sendCap: number;
  readonly filter: number;
  /** Payload length the precomputed header is for (-1: not connected). */
  headerFor: number;
  onReceive: UdpReceive | null;
}

export interface UdpStats {
  received: number;
  sent: number;
  bad: number;
  upcalls: number;
}

export class Udp {
  readonly #sockets: (Socket | null)[] = [];
  #handlerInstalled = false;
  readonly stats: UdpStats = { received: 0, sent: 0, bad: 0, upcalls: 0 };

  constructor(
    private readonly env: EnvHandle,
    private readonly vm: Vm,
    private readonly windows: Windows,
  ) {}

  /** Binds UDP `port` at `local`; returns a socket number (>= 0) or a code. */
  open(port: number, local: UdpEndpoint): number {
    if (!Number.isInteger(port) || port < 1 || port > 0xffff) return Result.Invalid;
    if (!isEndpoint(local)) return Result.Invalid;
    if (!this.#handlerInstalled) {
      const save = GLOBALS_VA + G_SAVE + NET_SAVE_SLOT * SAVE_SLOT_BYTES;
      const r = this.env.setInterruptHandler("net", () => this.#onInterrupt(save), save);
      if (r < 0) return r;
      this.#handlerInstalled = true;
    }
    const va = this.windows.reserve(2);
    if (va < 0) return va;
    const ringCap = this.vm.guaranteePage(va);
    if (ringCap < 0) return ringCap;
    const sendCap = this.vm.guaranteePage(va + 4096);
    if (sendCap < 0) return sendCap;
    const words = Array.from(
      encodeFilter(ipFilter({ proto: PROTO_UDP, dstPort: port, dstIp: local.ip >>> 0 })),
    );
    const filter = this.env.insertFilter(ringCap, words);
    if (filter < 0) return filter;
    this.#sockets.push({
      port,
      local: { ip: local.ip >>> 0, mac: [...local.mac] },
      ringVa: va,
      sendVa: va + 4096,
      sendCap,
      filter,
      headerFor: -1,
      onReceive: null,
    });
    return this.#sockets.length - 1;
  }

  /** Precomputes the header of the frames this socket sends to `peer`, for `bytes` of payload. */
  connect(sock: number, peer: UdpPeer, bytes = 18): number {
    const s = this.#socket(sock);
    if (s === null) return Errno.BadFd;
    if (!isEndpoint(peer) || !Number.isInteger(peer.port) || peer.port < 1 || peer.port > 0xffff)
      return Result.Invalid;
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_PAYLOAD) return Result.Invalid;
    const cpu = this.env.cpu;
    const h = headerBytes(s, peer, bytes);
    // The header, written once (its computation is host set-up: the paper's precomputed header).
    for (let i = 0; i < UDP_HEADER_BYTES; i += 2)
      cpu.store16(s.sendVa + i, h[i]! | (h[i + 1]! << 8));
    s.headerFor = bytes;
    return Result.Ok;
  }

  /** Sends `bytes` at `srcVa` to the connected peer. */
  send(sock: number, srcVa: number, bytes: number): number {
    const s = this.#socket(sock);
    if (s === null) return Errno.BadFd;
    if (s.headerFor < 0) return Result.Invalid;
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_PAYLOAD) return Result.Invalid;
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.udp.send"]);
    if (bytes !== s.headerFor) this.#relength(s, bytes);
    if (bytes > 0) {
      cpu.copy(s.sendVa + UDP_HEADER_BYTES, srcVa, bytes);
      cpu.exec(COSTS["exos.udp.copy"], (bytes + 3) >>> 2);
    }
    const r = this.env.netSend(s.sendCap, 0, UDP_HEADER_BYTES + bytes);
    if (r >= 0) this.stats.sent++;
    return r;
  }

  /** The callback for datagrams to `sock` (null: keep them for `recv`). */
  onReceive(sock: number, fn: UdpReceive | null): number {
    const s = this.#socket(sock);
    if (s === null) return Errno.BadFd;
    if (fn !== null && typeof fn !== "function") return Result.Invalid;
    s.onReceive = fn;
    return Result.Ok;
  }

  /** Copies the next datagram's payload (at most `max` bytes) to `dstVa`; its length or WouldBlock. */
  recv(sock: number, dstVa: number, max: number): number {
    const s = this.#socket(sock);
    if (s === null) return Errno.BadFd;
    if (!Number.isInteger(max) || max < 0) return Result.Invalid;
    let out: number = Errno.WouldBlock;
    this.#drain(
      s,
      (va, bytes) => {
        const n = Math.min(bytes, max);
        if (n > 0) {
          this.env.cpu.copy(dstVa, va, n);
          this.env.cpu.exec(COSTS["exos.udp.copy"], (n + 3) >>> 2);
        }
        out = n;
      },
      1,
    );
    return out;
  }

  /** Downloads the counter-reply ASH for the socket's filter (the paper's udp-roundtrip-ash). */
  ash(sock: number): number {
    const s = this.#socket(sock);
    if (s === null) return Errno.BadFd;
    return this.env.downloadAsh(s.filter, Array.from(encodeAsh(udpReplyProgram())));
  }

  /** Closes a socket: its filter is deleted (its pages stay mapped; the window is not reused). */
  close(sock: number): number {
    const s = this.#socket(sock);
    if (s === null) return Errno.BadFd;
    this.#sockets[sock] = null;
    return this.env.deleteFilter(s.filter);
  }

  #socket(sock: number): Socket | null {
    if (!Number.isInteger(sock) || sock < 0 || sock >= this.#sockets.length) return null;
    return this.#sockets[sock] ?? null;
  }

  /** The two length fields and the IP checksum for another payload length (counted). */
  #relength(s: Socket, bytes: number): void {
    const cpu = this.env.cpu;
    const ip = s.sendVa + 14;
    cpu.store16(ip + 2, swap16(20 + 8 + bytes));
    cpu.store16(ip + 10, 0);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += cpu.load16(ip + i);
    cpu.exec(COSTS["exos.udp.checksum"], 10);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    cpu.store16(ip + 10, ~sum & 0xffff);
    cpu.store16(ip + 20 + 4, swap16(8 + bytes));
    s.headerFor = bytes;
  }

  /**
   * Reads up to `limit` records of the socket's ring, calling `fn` with each datagram's
   * payload; advances the consumer word past them.
   */
  #drain(s: Socket, fn: UdpReceive, limit: number): number {
    const cpu = this.env.cpu;
    const base = s.ringVa;
    const prod = cpu.load32(base + RING.producer) >>> 0;
    let cons = cpu.load32(base + RING.consumer) >>> 0;
    cpu.exec(COSTS["exos.udp.poll"]);
    let n = 0;
    while (cons !== prod && n < limit) {
      const p = cons >= D ? cons - D : cons;
      const at = base + RING.data + p;
      // exos.udp.record tests it first (wrap marker); its other work depends on it.
      const len = cpu.load32Used(at) >>> 0;
      cpu.exec(COSTS["exos.udp.record"]);
      if (len === 0) {
        cons = cons < D ? D : 0;
        continue;
      }
      const frame = at + RING.headerBytes;
      cons = advance(cons, RING.headerBytes + ((len + 3) & ~3));
      if (len < UDP_HEADER_BYTES || (cpu.load8(frame + 14) & 0x0f) !== 5) {
        this.stats.bad++;
        continue;
      }
      const srcIp =
        ((cpu.load16(frame + UDP_FRAME.ipSrc) << 16) | cpu.load16(frame + UDP_FRAME.ipSrc + 2)) >>>
        0;
      const srcPort = swap16(cpu.load16(frame + UDP_FRAME.udpSrcPort));
      this.stats.received++;
      n++;
      fn(frame + UDP_HEADER_BYTES, len - UDP_HEADER_BYTES, swapIp(srcIp), srcPort);
    }
    cpu.store32(base + RING.consumer, cons);
    return n;
  }

  /**
   * The "net" interrupt handler: keeps v0, a0..a2 (the callbacks' system calls would clobber
   * them), drains every socket that has a callback, restores t0..t2 and v0, a0..a2.
   */
  #onInterrupt(save: number): void {
    const cpu = this.env.cpu;
    this.stats.upcalls++;
    cpu.store32(save + 12, cpu.reg(Reg.v0));
    cpu.store32(save + 16, cpu.reg(Reg.a0));
    cpu.store32(save + 20, cpu.reg(Reg.a1));
    cpu.store32(save + 24, cpu.reg(Reg.a2));
    cpu.exec(COSTS["exos.udp.handler"]);
    for (let i = 0; i < this.#sockets.length; i++) {
      const s = this.#sockets[i];
      cpu.exec(COSTS["exos.udp.socket"]);
      if (s === null || s === undefined || s.onReceive === null) continue;
      this.#drain(s, s.onReceive, 1 << 30);
    }
    cpu.setReg(Reg.t0, cpu.load32(save));
    cpu.setReg(Reg.t1, cpu.load32(save + 4));
    cpu.setReg(Reg.t2, cpu.load32(save + 8));
    cpu.setReg(Reg.v0, cpu.load32(save + 12));
    cpu.setReg(Reg.a0, cpu.load32(save + 16));
    cpu.setReg(Reg.a1, cpu.load32(save + 20));
    cpu.setReg(Reg.a2, cpu.load32(save + 24));
  }
}

function isEndpoint(x: UdpEndpoint): boolean {
  return (
    x !== null &&
    typeof x === "object" &&
    Number.isInteger(x.ip) &&
    Array.isArray(x.mac) &&
    x.mac.length === 6 &&
    x.mac.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)
  );
}

/** A halfword as the little-endian machine loads it from network order, and back. */
function swap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

function swapIp(x: number): number {
  return ((swap16(x >>> 16) << 16) | swap16(x & 0xffff)) >>> 0;
}

function advance(pos: number, bytes: number): number {
  const x = pos + bytes;
  return x >= 2 * D ? x - 2 * D : x;
}

/** The 42 header bytes in network order, the IP checksum computed (set-up, not a measured path). */
function headerBytes(s: Socket, peer: UdpPeer, bytes: number): Uint8Array {
  const h = new Uint8Array(UDP_HEADER_BYTES);
  const dv = new DataView(h.buffer);
  for (let i = 0; i < 6; i++) {
    h[i] = peer.mac[i]!;
    h[6 + i] = s.local.mac[i]!;
  }
  dv.setUint16(12, 0x0800);
  h[14] = 0x45;
  dv.setUint16(16, 20 + 8 + bytes);
  h[22] = 64;
  h[23] = PROTO_UDP;
  dv.setUint32(26, s.local.ip >>> 0);
  dv.setUint32(30, peer.ip >>> 0);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += dv.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(24, ~sum & 0xffff);
  dv.setUint16(34, s.port);
  dv.setUint16(36, peer.port);
  dv.setUint16(38, 8 + bytes);
  return h;
}
