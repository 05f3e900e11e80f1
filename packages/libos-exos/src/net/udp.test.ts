/**
 * UDP/IP in ExOS between two simulated machines over a Link: the paper's ping-pong of a
 * counter in a 60-byte frame, with application-level handling and with the reply ASH.
 */
import { type EnvHandle, Result, type Thread } from "@exolab/exokernel";
import { Aegis, World } from "@exolab/exokernel/kernel";
import { describe, expect, it } from "vitest";
import { type ExosApi, exos } from "../index.js";

const MAC_A = [2, 0, 0, 0, 0, 1];
const MAC_B = [2, 0, 0, 0, 0, 2];
const IP_A = 0x0a000001;
const IP_B = 0x0a000002;
const BUF = 0x10000;

interface Side {
  aegis: Aegis;
  os: ExosApi;
}

function side(world: World, id: number): Side {
  const machine = world.createMachine({ id });
  const aegis = new Aegis({ machine });
  const { api } = aegis.boot(exos, {});
  return { aegis, os: api };
}

function act<T>(s: Side, fn: () => T): T {
  return s.aegis.actAs(s.os.env, fn);
}

/** A thread that gives its slice up whenever it runs (the process waits for the network). */
function idle(os: ExosApi): () => Thread {
  return function* () {
    for (;;) yield* os.sched.yieldSlice();
  };
}

function pingPong(rounds: number, ash: boolean) {
  const world = new World();
  const a = side(world, 1);
  const b = side(world, 2);
  world.link([a.aegis.machine, b.aegis.machine], { propagationNs: 0 });
  const times: number[] = [];
  let last = -1;
  act(b, () => {
    const os = b.os;
    os.vm.map(BUF, 1);
    const s = os.udp.open(2000, { ip: IP_B, mac: MAC_B });
    expect(s).toBeGreaterThanOrEqual(0);
    expect(os.udp.connect(s, { ip: IP_A, mac: MAC_A, port: 1000 })).toBe(Result.Ok);
    if (ash) expect(os.udp.ash(s)).toBe(Result.Ok);
    os.udp.onReceive(s, (va, bytes) => {
      os.env.cpu.copy(BUF, va, bytes);
      os.env.cpu.store32(BUF, os.env.cpu.load32(BUF) + 1);
      os.udp.send(s, BUF, bytes);
    });
    os.sched.spawn(idle(os));
  });
  act(a, () => {
    const os = a.os;
    const env: EnvHandle = os.env;
    os.vm.map(BUF, 1);
    const s = os.udp.open(1000, { ip: IP_A, mac: MAC_A });
    expect(os.udp.connect(s, { ip: IP_B, mac: MAC_B, port: 2000 })).toBe(Result.Ok);
    os.udp.onReceive(s, (va, bytes) => {
      os.env.cpu.copy(BUF, va, bytes);
      const v = os.env.cpu.load32(BUF);
      if (v !== last + 1) throw new Error(`counter ${v} after ${last}`);
      last = v + 1;
      times.push(env.cpu.now);
      if (times.length <= rounds) {
        os.env.cpu.store32(BUF, last);
        os.udp.send(s, BUF, bytes);
      }
    });
    os.sched.spawn(function* () {
      os.env.cpu.store32(BUF, 0);
      last = 0;
      times.push(env.cpu.now);
      os.udp.send(s, BUF, 18);
      for (;;) yield* os.sched.yieldSlice();
    });
  });
  const quantumNs = 40_000;
  world.run((m, untilCycle) => (m === a.aegis.machine ? a : b).aegis.run({ untilCycle }), {
    untilNs: 200_000_000,
    quantumNs,
    stopWhen: () => times.length > rounds,
  });
  return { times, a, b };
}

describe("UDP between two machines", () => {
  it("ping-pongs a counter, application-level", () => {
    const { times, a, b } = pingPong(8, false);
    expect(times.length).toBe(9);
    const rt = (times[8]! - times[0]!) / 8;
    console.log(`exos udp round trip: ${rt} cycles, ${(rt * 40) / 1000} us`);
    expect(a.os.udp.stats.received).toBe(8);
    expect(b.os.udp.stats.received).toBe(8);
    expect(b.aegis.netStats().delivered).toBe(8);
    // Each upcall of the net handler looks at the one socket: exos.udp.socket, 7 instructions
    // (5 listed and the two load-delay nops: the entry's null test and the callback's test
    // each follow their lw at once), on both sides.
    for (const s of [a, b]) {
      const sock = s.aegis.machine.accounting.labels.get("exos.udp.socket");
      expect(s.os.udp.stats.upcalls).toBeGreaterThan(0);
      expect(sock).toMatchObject({
        calls: s.os.udp.stats.upcalls,
        instructions: 7 * s.os.udp.stats.upcalls,
      });
    }
  });

  it("ping-pongs a counter with the reply ASH (the kernel answers)", () => {
    const { times, b } = pingPong(8, true);
    expect(times.length).toBe(9);
    const rt = (times[8]! - times[0]!) / 8;
    console.log(`exos udp round trip with ash: ${rt} cycles, ${(rt * 40) / 1000} us`);
    expect(b.os.udp.stats.received).toBe(0);
    expect(b.aegis.netStats().ashConsumed).toBe(8);
  });
});
