/**
 * TCP/IP-over-Ethernet filters and packets, for the tests, the benchmark and the libOSes.
 *
 * Frame layout (offsets from the first byte): Ethernet destination 0..5, source 6..11, type
 * 12..13 (0x0800 = IPv4); IPv4 header from 14: version/IHL 14 (IHL = header length in words),
 * protocol 23 (6 TCP, 17 UDP), source address 26..29, destination 30..33; the transport
 * header starts at 14 + 4 * IHL: source port +0..1, destination port +2..3. After the shift
 * `shift(14, 1, 0x0f, 2)` the base is 4 * IHL, so the destination port is at offset 16.
 */
import { type EqAtom, eq, type FilterSpec, shift } from "./atoms.js";

export const ETHERTYPE_IP = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
/** The transport header's offset relative to the base after the IHL shift. */
export const L4_OFFSET = 14;

export interface IpFilterOptions {
  readonly proto: number;
  readonly dstPort: number;
  readonly srcPort?: number;
  readonly dstIp?: number;
  readonly srcIp?: number;
}

/** ethertype IP, protocol, [addresses], shift by IHL, [source port], destination port. */
export function ipFilter(o: IpFilterOptions): FilterSpec {
  const head: EqAtom[] = [eq(12, 2, ETHERTYPE_IP), eq(23, 1, o.proto)];
  if (o.srcIp !== undefined) head.push(eq(26, 4, o.srcIp >>> 0));
  if (o.dstIp !== undefined) head.push(eq(30, 4, o.dstIp >>> 0));
  const tail: EqAtom[] = [];
  if (o.srcPort !== undefined) tail.push(eq(L4_OFFSET, 2, o.srcPort));
  tail.push(eq(L4_OFFSET + 2, 2, o.dstPort));
  return [...head, shift(14, 1, 0x0f, 2), ...tail];
}

export interface PacketOptions {
  readonly proto: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly srcIp?: number;
  readonly dstIp?: number;
  /** IP header length in words (5..15; default 5, no options). */
  readonly ihl?: number;
  readonly payloadBytes?: number;
  readonly ethertype?: number;
}

/** An Ethernet/IPv4/TCP-or-UDP frame (headers only meaningful where filters look). */
export function ipPacket(o: PacketOptions): Uint8Array {
  const ihl = o.ihl ?? 5;
  const l4 = 14 + 4 * ihl;
  const l4Header = o.proto === PROTO_TCP ? 20 : 8;
  const p = new Uint8Array(l4 + l4Header + (o.payloadBytes ?? 18));
  const dv = new DataView(p.buffer);
  for (let i = 0; i < 6; i++) {
    p[i] = 0x02; // locally administered destination
    p[6 + i] = 0x04 + i;
  }
  dv.setUint16(12, o.ethertype ?? ETHERTYPE_IP);
  p[14] = 0x40 | ihl;
  dv.setUint16(16, p.length - 14);
  p[22] = 64;
  p[23] = o.proto;
  dv.setUint32(26, (o.srcIp ?? 0x0a000001) >>> 0);
  dv.setUint32(30, (o.dstIp ?? 0x0a000002) >>> 0);
  dv.setUint16(l4, o.srcPort);
  dv.setUint16(l4 + 2, o.dstPort);
  if (o.proto === PROTO_UDP) dv.setUint16(l4 + 4, p.length - l4);
  return p;
}
