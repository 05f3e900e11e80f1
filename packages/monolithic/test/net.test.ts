import { describe, expect, it } from "vitest";
import { AF_INET, Errno, IPPROTO_UDP, SOCK_DGRAM, SOCK_STREAM } from "../src/index.js";
import { A, B, getSin, putSin, runPair, station } from "./net-helpers.js";

describe("the UDP stack between two monolithic machines", () => {
  it("ping-pongs a counter: sendto, the echo's recvfrom and sendto back, recvfrom", () => {
    const a = station(A, B, 1);
    const b = station(B, A, 2);
    const ROUNDS = 4;
    const got: number[] = [];
    let done = false;
    b.spawn("echo", function* (h) {
      const s = h.socket(AF_INET, SOCK_DGRAM, 0);
      expect(s).toBeGreaterThanOrEqual(0);
      const me = h.heapBase;
      putSin(h, me, 0, B.port);
      expect(h.bind(s, me, 16)).toBe(0);
      const buf = me + 64;
      const from = me + 128;
      const fromLen = me + 160;
      for (;;) {
        h.cpu.store32(fromLen, 16);
        const n = yield* h.recvfrom(s, buf, 64, 0, from, fromLen);
        expect(n).toBe(18);
        expect(h.cpu.load32(fromLen)).toBe(16);
        h.cpu.store32(buf, h.cpu.load32(buf) + 1);
        expect(h.sendto(s, buf, n, 0, from, 16)).toBe(18);
      }
    });
    a.spawn("client", function* (h) {
      const s = h.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
      const me = h.heapBase;
      putSin(h, me, A.ip, A.port);
      expect(h.bind(s, me, 16)).toBe(0);
      const peer = me + 32;
      putSin(h, peer, B.ip, B.port);
      const buf = me + 64;
      const from = me + 128;
      const fromLen = me + 160;
      for (let i = 0; i < ROUNDS; i++) {
        h.cpu.store32(buf, 10 * i);
        expect(h.sendto(s, buf, 18, 0, peer, 16)).toBe(18);
        h.cpu.store32(fromLen, 16);
        expect(yield* h.recvfrom(s, buf, 64, 0, from, fromLen)).toBe(18);
        got.push(h.cpu.load32(buf));
        expect(getSin(h, from)).toEqual([AF_INET, B.ip, B.port]);
      }
      done = true;
    });
    runPair(a, b, () => done);
    expect(got).toEqual([1, 11, 21, 31]);
    const sa = a.netStats();
    const sb = b.netStats();
    expect(sa.udpOutPackets).toBe(ROUNDS);
    expect(sa.udpInPackets).toBe(ROUNDS);
    expect(sb.udpInPackets).toBe(ROUNDS);
    expect(sb.udpBadSum + sa.udpBadSum + sa.ipBadSum + sb.ipBadSum).toBe(0);
  });
});

import { MonolithicKernel } from "../src/index.js";
import { netFreeMbufs, netSockets } from "../src/net/ifconfig.js";
import { NET_MBUFS } from "../src/net/layout.js";
import { boot, failOnThrow } from "./helpers.js";
import { COUNTED } from "./net-helpers.js";

/** The NG frame (globals, counters, socket table) as bytes: what a refusal must leave alone. */
function netState(k: MonolithicKernel): string {
  const nf = k.net!;
  const mem = k.machine.memory;
  const words: number[] = [];
  for (let i = 0; i < 1024; i++) words.push(mem.read32(nf.ng * 4096 + i * 4));
  return `${words.join(",")}|${netFreeMbufs(k)}|${JSON.stringify(k.stats())}`;
}

describe("socket calls: refusals with their errno, and nothing changes", () => {
  it("refuses bad domains, types, descriptors, addresses and buffers", () => {
    const k = station(A, B, 1);
    const checks: [string, number, number][] = [];
    k.spawn("t", function* (h) {
      const va = h.heapBase;
      putSin(h, va, A.ip, A.port);
      const s = h.socket(AF_INET, SOCK_DGRAM, 0);
      const s2 = h.socket(AF_INET, SOCK_DGRAM, 0);
      expect(h.bind(s2, va, 16)).toBe(0);
      const fds = va + 256;
      expect(h.pipe(fds)).toBe(0);
      const pipeFd = h.cpu.load32(fds);
      const other = va + 32;
      putSin(h, other, 0x0a000063, 7); // no ARP entry
      const unix = va + 64;
      putSin(h, unix, A.ip, 1);
      h.cpu.store16(unix, 1); // AF_UNIX
      const peer = va + 96;
      putSin(h, peer, B.ip, B.port);
      const buf = va + 128;
      // The first 6-argument call's stores at 16(sp) fill the stack page: before the snapshot.
      expect(h.sendto(s, buf, -1, 0, peer, 16)).toBe(-Errno.EINVAL);
      const before = netState(k);
      const t = (what: string, r: number, errno: number) => {
        checks.push([what, r, -errno]);
        expect(netState(k), what).toBe(before);
      };
      t("socket AF_UNIX", h.socket(1, SOCK_DGRAM, 0), Errno.EAFNOSUPPORT);
      t("socket SOCK_STREAM (no TCP)", h.socket(AF_INET, SOCK_STREAM, 0), Errno.EPROTONOSUPPORT);
      t("socket type 9", h.socket(AF_INET, 9, 0), Errno.EPROTONOSUPPORT);
      t("socket protocol TCP", h.socket(AF_INET, SOCK_DGRAM, 6), Errno.EPROTONOSUPPORT);
      t("bind bad fd", h.bind(40, va, 16), Errno.EBADF);
      t("bind a pipe", h.bind(pipeFd, va, 16), Errno.ENOTSOCK);
      t("bind namelen 8", h.bind(s, va, 8), Errno.EINVAL);
      t("bind name in kseg0", h.bind(s, 0x80001000, 16), Errno.EFAULT);
      t("bind AF_UNIX name", h.bind(s, unix, 16), Errno.EAFNOSUPPORT);
      t("bind a port in use", h.bind(s, va, 16), Errno.EADDRINUSE);
      t("bind twice", h.bind(s2, peer, 16), Errno.EINVAL);
      t("bind another host's address", h.bind(s, peer, 16), Errno.EADDRNOTAVAIL);
      t("connect bad fd", h.connect(-1, peer, 16), Errno.EBADF);
      t("sendto unconnected, no address", h.sendto(s, buf, 4, 0, 0, 0), Errno.ENOTCONN);
      t("sendto buffer in kseg0", h.sendto(s, 0x80000000, 4, 0, peer, 16), Errno.EFAULT);
      t("sendto too long (no fragments)", h.sendto(s, buf, 1473, 0, peer, 16), Errno.EMSGSIZE);
      t("sendto negative length", h.sendto(s, buf, -1, 0, peer, 16), Errno.EINVAL);
      t("sendto flags", h.sendto(s, buf, 4, 1, peer, 16), Errno.EINVAL);
      t("sendto name length", h.sendto(s, buf, 4, 0, peer, 12), Errno.EINVAL);
      t("sendto a pipe", h.sendto(pipeFd, buf, 4, 0, peer, 16), Errno.ENOTSOCK);
      t("recvfrom buffer in kseg0", yield* h.recvfrom(s, 0x80000000, 4), Errno.EFAULT);
      t("recvfrom flags", yield* h.recvfrom(s, buf, 4, 2), Errno.EINVAL);
      t("recvfrom fromlen in kseg0", yield* h.recvfrom(s, buf, 4, 0, va, 0x80000000), Errno.EFAULT);
      t("recvfrom a pipe", yield* h.recvfrom(pipeFd, buf, 4), Errno.ENOTSOCK);
      // A refusal after the stack did some work: counted, but every mbuf comes back.
      expect(h.sendto(s, buf, 4, 0, other, 16)).toBe(-Errno.EHOSTUNREACH);
      expect(netFreeMbufs(k)).toBe(NET_MBUFS);
      expect(h.connect(s, peer, 16)).toBe(0);
      expect(h.sendto(s, buf, 4, 0, peer, 16)).toBe(-Errno.EISCONN);
      h.close(s);
      h.close(s2);
      expect(netSockets(k)).toBe(0);
    });
    k.run({ maxResumes: 1000 });
    expect(checks.length).toBe(24);
    for (const [what, got, want] of checks) expect(got, what).toBe(want);
  });

  it("socket() on a kernel whose interface was never configured: EAFNOSUPPORT", () => {
    const k = boot();
    let r = 0;
    k.spawn("t", function* (h) {
      r = h.socket(AF_INET, SOCK_DGRAM, 0);
    });
    k.run({ maxResumes: 100 });
    expect(r).toBe(-Errno.EAFNOSUPPORT);
  });

  it("ifconfig refuses bad input with one clear error and changes nothing", () => {
    const k = new MonolithicKernel({ machine: { profile: COUNTED }, onDeath: failOnThrow });
    const free = k.stats().freeFrames;
    expect(() => k.ifconfig({ ip: -1, mac: A.mac })).toThrow(/IPv4 address/);
    expect(() => k.ifconfig({ ip: A.ip, mac: [1, 2, 3] })).toThrow(/6 bytes/);
    expect(() => k.ifconfig({ ip: A.ip, mac: A.mac, arp: [{ ip: 0, mac: A.mac }] })).toThrow(
      /arp\[0\]/,
    );
    expect(k.net).toBeNull();
    expect(k.stats().freeFrames).toBe(free);
    k.ifconfig({ ip: A.ip, mac: A.mac });
    expect(() => k.ifconfig({ ip: A.ip, mac: A.mac })).toThrow(/already configured/);
  });
});

/** A sends `count` datagrams to B's `port` (no reply expected), B's `main` runs beside. */
function oneWay(
  count: number,
  port: number,
  policyB: object,
  main: (h: import("../src/index.js").ProcessHandle) => Generator<unknown, void>,
) {
  const a = station(A, B, 1);
  const b = station(B, A, 2, policyB);
  let sent = false;
  b.spawn("b", main);
  a.spawn("a", function* (h) {
    const s = h.socket(AF_INET, SOCK_DGRAM, 0);
    const peer = h.heapBase;
    putSin(h, peer, B.ip, port);
    for (let i = 0; i < count; i++) {
      h.cpu.store32(peer + 32, i);
      expect(h.sendto(s, peer + 32, 18, 0, peer, 16)).toBe(18);
    }
    sent = true;
    // Stay until the last frame has landed on B.
    const s2 = h.socket(AF_INET, SOCK_DGRAM, 0);
    yield* h.recvfrom(s2, peer + 64, 4);
  });
  let quanta = 0;
  runPair(a, b, () => sent && ++quanta > 40);
  return { a, b };
}

describe("drops, counted", () => {
  it("a datagram for a port nobody bound is dropped and counted (udps_noport)", () => {
    const { b } = oneWay(3, 3333, {}, function* (h) {
      const s = h.socket(AF_INET, SOCK_DGRAM, 0);
      putSin(h, h.heapBase, 0, B.port);
      expect(h.bind(s, h.heapBase, 16)).toBe(0);
      yield* h.recvfrom(s, h.heapBase + 64, 4);
    });
    const st = b.netStats();
    expect(st.udpInPackets).toBe(3);
    expect(st.udpNoPort).toBe(3);
    expect(st.ipDelivered).toBe(3);
    expect(netFreeMbufs(b)).toBe(NET_MBUFS);
  });

  it("a full socket buffer drops what does not fit (udps_fullsock), keeps the rest in order", () => {
    const got: number[] = [];
    // sb_hiwat 200, sb_mbmax 400: each datagram takes 18 bytes + its 16-byte address in two
    // 128-byte mbufs: the mbuf limit lets two in, not three.
    const { b } = oneWay(5, B.port, { udpRecvSpace: 200 }, function* (h) {
      const s = h.socket(AF_INET, SOCK_DGRAM, 0);
      putSin(h, h.heapBase, 0, B.port);
      expect(h.bind(s, h.heapBase, 16)).toBe(0);
      // Another socket to sleep on while the five arrive.
      const idle = h.socket(AF_INET, SOCK_DGRAM, 0);
      putSin(h, h.heapBase, 0, B.port + 1);
      expect(h.bind(idle, h.heapBase, 16)).toBe(0);
      yield* h.recvfrom(idle, h.heapBase + 64, 4);
    });
    const st = b.netStats();
    expect(st.udpInPackets).toBe(5);
    expect(st.udpFullSocket).toBe(3);
    expect(netFreeMbufs(b)).toBe(NET_MBUFS - 4); // two records of two mbufs wait
    expect(got).toEqual([]);
  });
});

import { attributionBetween } from "@exolab/machine/privileged";

/**
 * The round trip, pinned (COUNTED profile: memory system off; the figures move only with a
 * costs.ts count or a path change, said in the commit and README). One warm round of the
 * ping-pong: the client's sendto (socket layer, UDP, IP, Ethernet, the LANCE copy), the wire
 * (2 x (8 + 64) byte times + the card's 2 us + 2 us each way), the echo machine's interrupt
 * (leintr, m_devget copy, ether_input, the soft-net ipintr with the header checksum,
 * udp_input with the UDP checksum and the pcb lookup, sbappendaddr, wakeup), its switch to
 * the echo process, recvfrom's soreceive, the increment, its sendto, and the same receive
 * path back on the client. `busy` is each machine's non-idle cycles in the round.
 */
const PINNED_UDP = {
  // 448.8 us at 25 MHz; the wire's part is 2 x 61.6 us (3080 cycles).
  roundTripCycles: 11220,
  // sendto's path, then the reply's interrupt, soft-net, wakeup, the switch back and
  // recvfrom's return (one sleep per round trip on each side).
  clientBusyCycles: 5165,
  echoBusyCycles: 5165,
};

describe("the UDP round trip, pinned (counted profile)", () => {
  it("one warm round trip: cycles on the wire and on each machine", () => {
    const a = station(A, B, 1);
    const b = station(B, A, 2);
    const rounds: { cycles: number; client: number; echo: number }[] = [];
    let done = false;
    b.spawn("echo", function* (h) {
      const s = h.socket(AF_INET, SOCK_DGRAM, 0);
      putSin(h, h.heapBase, 0, B.port);
      h.bind(s, h.heapBase, 16);
      putSin(h, h.heapBase, A.ip, A.port);
      h.connect(s, h.heapBase, 16);
      const buf = h.heapBase + 64;
      for (;;) {
        const n = yield* h.recvfrom(s, buf, 64);
        h.cpu.store32(buf, h.cpu.load32(buf) + 1);
        h.sendto(s, buf, n);
      }
    });
    a.spawn("client", function* (h) {
      const s = h.socket(AF_INET, SOCK_DGRAM, 0);
      putSin(h, h.heapBase, A.ip, A.port);
      h.bind(s, h.heapBase, 16);
      putSin(h, h.heapBase, B.ip, B.port);
      h.connect(s, h.heapBase, 16);
      const buf = h.heapBase + 64;
      for (let i = 0; i < 4; i++) {
        const sa = a.machine.snapshot();
        const sb = b.machine.snapshot();
        const t0 = h.cpu.now;
        h.cpu.store32(buf, i);
        h.sendto(s, buf, 18);
        yield* h.recvfrom(s, buf, 64);
        expect(h.cpu.load32(buf)).toBe(i + 1);
        const ra = attributionBetween(a.machine.accounting, sa, a.machine.snapshot());
        const rb = attributionBetween(b.machine.accounting, sb, b.machine.snapshot());
        const busy = (r: typeof ra) => r.totalCycles - (r.byCategory.idle ?? 0);
        rounds.push({ cycles: h.cpu.now - t0, client: busy(ra), echo: busy(rb) });
      }
      done = true;
    });
    runPair(a, b, () => done);
    const warm = rounds[2]!;
    expect(rounds[3]).toEqual(warm);
    expect({
      roundTripCycles: warm.cycles,
      clientBusyCycles: warm.client,
      echoBusyCycles: warm.echo,
    }).toEqual(PINNED_UDP);
  });
});
