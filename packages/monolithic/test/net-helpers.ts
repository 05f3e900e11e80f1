import { World, withMemorySystem } from "@exolab/machine/privileged";
import { AF_INET, MonolithicKernel, type Policy, type ProcessHandle, SIN } from "../src/index.js";
import { failOnThrow } from "./helpers.js";

/** The counted profile (memory system off, whatever the named profile's default). */
export const COUNTED = withMemorySystem("dec5000_125", false);

export const A = { ip: 0x0a000001, mac: [2, 0, 0, 0, 0, 1], port: 1000 };
export const B = { ip: 0x0a000002, mac: [2, 0, 0, 0, 0, 2], port: 2000 };

/** A kernel with its interface configured (A or B), the other station in its ARP table. */
export function station(
  me: typeof A,
  other: typeof A,
  id: number,
  policy: Partial<Policy> = {},
): MonolithicKernel {
  const k = new MonolithicKernel({
    machine: { profile: COUNTED, seed: 7, id },
    policy,
    onDeath: failOnThrow,
  });
  k.ifconfig({ ip: me.ip, mac: me.mac, arp: [{ ip: other.ip, mac: other.mac }] });
  return k;
}

/** Two kernels whose cards are linked, run in one World until `done()` or `maxNs`. */
export function runPair(
  a: MonolithicKernel,
  b: MonolithicKernel,
  done: () => boolean,
  maxNs = 2e9,
): void {
  const startNs = Math.max(a.machine.nowNs, b.machine.nowNs);
  for (const m of [a.machine, b.machine])
    if (m.nowNs < startNs) m.idleUntil(startNs / m.profile.cycleNs);
  const world = new World();
  world.startAt(startNs);
  world.add(a.machine);
  world.add(b.machine);
  world.link([a.machine, b.machine], { propagationNs: 0 });
  const cycleNs = a.machine.profile.cycleNs;
  const quantumNs = Math.floor(world.minLinkLatencyNs / cycleNs) * cycleNs;
  world.run(
    (m, untilCycle) => {
      (m === a.machine ? a : b).run({ untilCycle });
    },
    { untilNs: startNs + maxNs, quantumNs, stopWhen: done },
  );
}

/** Writes a struct sockaddr_in at va (ip in host order, port in host order). */
export function putSin(h: ProcessHandle, va: number, ip: number, port: number): void {
  const c = h.cpu;
  c.store16(va + SIN.FAMILY, AF_INET);
  c.store16(va + SIN.PORT, ((port & 0xff) << 8) | (port >>> 8));
  c.store8(va + SIN.ADDR, ip >>> 24);
  c.store8(va + SIN.ADDR + 1, (ip >>> 16) & 0xff);
  c.store8(va + SIN.ADDR + 2, (ip >>> 8) & 0xff);
  c.store8(va + SIN.ADDR + 3, ip & 0xff);
  c.store32(va + SIN.ZERO, 0);
  c.store32(va + SIN.ZERO + 4, 0);
}

/** Reads a sockaddr_in back: [family, ip (host order), port (host order)]. */
export function getSin(h: ProcessHandle, va: number): [number, number, number] {
  const c = h.cpu;
  const port = (c.load8(va + 2) << 8) | c.load8(va + 3);
  const ip =
    ((c.load8(va + 4) << 24) |
      (c.load8(va + 5) << 16) |
      (c.load8(va + 6) << 8) |
      c.load8(va + 7)) >>>
    0;
  return [c.load16(va), ip, port];
}
