import { ArgumentError } from "@exolab/machine";
import { describe, expect, it } from "vitest";
import { Result } from "../../result.js";
import { eq, shift } from "./atoms.js";
import { NO_OWNER, PacketFilterEngine } from "./engine.js";
import { ETHERTYPE_ARP, ipFilter, ipPacket, PROTO_TCP, PROTO_UDP } from "./examples.js";

function tenTcpFilters(): PacketFilterEngine {
  const e = new PacketFilterEngine();
  for (let i = 0; i < 10; i++) {
    expect(e.insert(100 + i, ipFilter({ proto: PROTO_TCP, dstPort: 2000 + i }))).toBe(i);
  }
  return e;
}

/** The three engines agree on the owner; returns it (and checks compiled vs trie ids). */
function classify(e: PacketFilterEngine, p: Uint8Array, length = p.length): number {
  const owner = e.demux(p, length);
  const id = e.lastFilter;
  const compiled = { ...e.work };
  expect(e.interpret(p, length)).toBe(owner);
  expect(e.lastFilter).toBe(id);
  const interpreted = { ...e.work };
  expect(interpreted.tests).toBe(compiled.tests);
  expect(interpreted.disjunctions).toBe(compiled.disjunctions);
  expect(interpreted.shifts).toBe(compiled.shifts);
  expect(compiled.instructions).toBeLessThan(interpreted.instructions);
  expect(e.linear(p, length)).toBe(owner);
  return owner;
}

describe("DPF: TCP/IP demultiplexing", () => {
  it("delivers each packet to the owner of its port, through IP options (the shift)", () => {
    const e = tenTcpFilters();
    for (let i = 0; i < 10; i++) {
      for (const ihl of [5, 6, 15]) {
        const p = ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 2000 + i, ihl });
        expect(classify(e, p)).toBe(100 + i);
        expect(e.lastFilter).toBe(i);
      }
    }
  });

  it("finds no owner for other ports, protocols, ethertypes and truncated packets", () => {
    const e = tenTcpFilters();
    const p = ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 2003 });
    expect(classify(e, ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 2010 }))).toBe(NO_OWNER);
    expect(classify(e, ipPacket({ proto: PROTO_UDP, srcPort: 9, dstPort: 2003 }))).toBe(NO_OWNER);
    const arp = ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 2003, ethertype: ETHERTYPE_ARP });
    expect(classify(e, arp)).toBe(NO_OWNER);
    // The port's last byte is byte 37 (base 20 + 16 + 1): 38 bytes match, 37 do not.
    expect(classify(e, p, 38)).toBe(103);
    expect(classify(e, p, 37)).toBe(NO_OWNER);
    expect(classify(e, p, 0)).toBe(NO_OWNER);
  });

  it("classifies a packet inside a larger buffer (demuxAt) without reading outside it", () => {
    const e = tenTcpFilters();
    const p = ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 2004 });
    const buf = new Uint8Array(4096).fill(0xff);
    buf.set(p, 1000);
    expect(e.demuxAt(buf, 1000, p.length)).toBe(104);
    expect(e.interpretAt(buf, 1000, p.length)).toBe(104);
    expect(e.linearAt(buf, 1000, p.length)).toBe(104);
    // Truncated inside the buffer: the bytes after the span are there, but out of bounds.
    expect(e.demuxAt(buf, 1000, 37)).toBe(NO_OWNER);
    expect(e.interpretAt(buf, 1000, 37)).toBe(NO_OWNER);
  });

  it("merges the filters into one function with a switch on the port", () => {
    const e = tenTcpFilters();
    const src = e.source;
    expect(src.match(/switch/g)?.length).toBe(1);
    expect(src.match(/case \d+:/g)?.length).toBe(10);
    // The shared prefix (ethertype, protocol, shift) appears once.
    expect(src.match(/=== 2048/g)?.length).toBe(1);
    expect(src.match(/const b1/g)?.length).toBe(1);
  });

  it("writes only integers and a fixed vocabulary into the generated source", () => {
    const e = tenTcpFilters();
    e.insert(7, [eq(26, 4, 0xc0a80001), eq(30, 4, 0xdeadbeef, 0xffff0000), shift(0, 2, 0x3f, 1)]);
    e.insert(8, [eq(1, 2, 0x1234, 0x0ff0), shift(3, 4, 0xff, 7), eq(2047, 1, 0)]);
    const words = e.source.match(/[A-Za-z_]\w*/g) ?? [];
    const allowed = new Set(
      "use strict let c t h x r out if s e p w switch case break default const b1 b2 b3 b4 return".split(
        " ",
      ),
    );
    for (const word of words) expect(allowed.has(word), word).toBe(true);
    expect(e.source).not.toMatch(/[`'\\]/);
  });
});

describe("DPF: simulated work (NET_COSTS), pinned", () => {
  it("one TCP/IP filter, compiled: 31 instructions; interpreted: 97", () => {
    const e = new PacketFilterEngine();
    e.insert(1, ipFilter({ proto: PROTO_TCP, dstPort: 1000 }));
    const p = ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 1000 });
    expect(e.demux(p, p.length)).toBe(1);
    // entry 4; ethertype at 12: bounds 3 + lhu 1 + (full mask 0) + xori/bnez 2 (0x0800 swapped
    // to 0x0008) = 6; protocol at 23: 3 + lbu 1 + 2 = 6; shift at 14: 3 + lbu 1 + andi 1 +
    // sll/addu 2 = 7; port at 16 (base word aligned after a scale of 2): 3 + lhu 1 + 2 = 6;
    // accept 2.
    expect({ ...e.work }).toEqual({ instructions: 31, tests: 3, disjunctions: 0, shifts: 1 });
    expect(e.interpret(p, p.length)).toBe(1);
    // entry 6; per test group: descriptor+dispatch 8 + bounds 3 + load (4 / 1 / 4) + and 1 +
    // compare 2 + descend 5 = 23, 20, 23; the shift: 8 + 3 + 1 + 1 + 3 + 5 = 21; the leaf's
    // accept check 2; return 2.
    expect({ ...e.work }).toEqual({ instructions: 97, tests: 3, disjunctions: 0, shifts: 1 });
  });

  it("a disjunction of 10 ports costs one hash probe; of 3, a chain of compares", () => {
    const e = tenTcpFilters();
    const p = ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 2007 });
    e.demux(p, p.length);
    // As above with the port's compare (2) replaced by the probe (11): 31 - 2 + 11.
    expect({ ...e.work }).toEqual({ instructions: 40, tests: 3, disjunctions: 1, shifts: 1 });
    const f = new PacketFilterEngine();
    for (let i = 0; i < 3; i++) f.insert(i, ipFilter({ proto: PROTO_TCP, dstPort: 2000 + i }));
    const q = ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 2002 });
    f.demux(q, q.length);
    // The third value of the chain: 3 compares of 2 instead of 1.
    expect(f.work.instructions).toBe(31 - 2 + 6);
    const miss = ipPacket({ proto: PROTO_TCP, srcPort: 9, dstPort: 2003 });
    expect(f.demux(miss, miss.length)).toBe(NO_OWNER);
    // No match: entry 4 + 6 + 6 + 7 + port (3 + 1 + 6) + reject 1.
    expect(f.work.instructions).toBe(4 + 6 + 6 + 7 + 10 + 1);
  });

  it("counts insertion work: validation, disjointness, trie walk, code generation", () => {
    const e = tenTcpFilters();
    const id = e.insert(200, ipFilter({ proto: PROTO_UDP, dstPort: 53 }));
    expect(id).toBe(10);
    const w = { ...e.insertWork };
    expect(w.atoms).toBe(4);
    expect(w.pairs).toBe(10);
    expect(w.bytes).toBeGreaterThan(0);
    expect(w.created).toBeGreaterThan(0);
    expect(w.codeInstructions).toBeGreaterThan(0);
    expect(w.instructions).toBe(
      20 +
        4 * 14 +
        w.sortComparisons * 6 +
        w.pairs * 6 +
        w.bytes * 7 +
        w.trieSteps * 6 +
        w.created * 12 +
        w.codeInstructions * 6,
    );
  });
});

describe("DPF: claims, deletion and ownership", () => {
  it("refuses a filter another owner's filter may overlap, and changes nothing", () => {
    const e = tenTcpFilters();
    const before = { source: e.source, filters: e.filters(), next: e.nextId };
    // The same port: identical.
    expect(e.insert(300, ipFilter({ proto: PROTO_TCP, dstPort: 2003 }))).toBe(Result.Busy);
    expect(e.lastRefusal).toMatch(/filter 3 of owner 103/);
    // A superset (every TCP packet) and a subset (port 2003 from one address).
    expect(e.insert(300, [eq(12, 2, 0x0800), eq(23, 1, PROTO_TCP)])).toBe(Result.Busy);
    const sub = ipFilter({ proto: PROTO_TCP, dstPort: 2003, srcIp: 0x0a000001 });
    expect(e.insert(300, sub)).toBe(Result.Busy);
    // The port read at a fixed offset (no shift): the two filters meet when IHL = 5.
    expect(e.insert(300, [eq(12, 2, 0x0800), eq(23, 1, PROTO_TCP), eq(36, 2, 2003)])).toBe(
      Result.Busy,
    );
    expect(e.source).toBe(before.source);
    expect(e.filters()).toEqual(before.filters);
    expect(e.nextId).toBe(before.next);
  });

  it("accepts provably disjoint filters of other owners, and overlapping ones of the same owner", () => {
    const e = tenTcpFilters();
    expect(e.insert(300, ipFilter({ proto: PROTO_UDP, dstPort: 2003 }))).toBe(10);
    expect(e.insert(300, [eq(12, 2, ETHERTYPE_ARP)])).toBe(11);
    // Owner 103 may widen its own claim: its port from one address, and all its TCP.
    const sub = ipFilter({ proto: PROTO_TCP, dstPort: 2003, srcIp: 0x0a000001 });
    expect(e.insert(103, sub)).toBe(12);
    const p = ipPacket({ proto: PROTO_TCP, srcPort: 1, dstPort: 2003, srcIp: 0x0a000001 });
    expect(classify(e, p)).toBe(103);
    // Both of 103's filters accept p: the first in trie order (groups in insertion order,
    // depth first) names it; the owner is the same either way.
    expect(e.lastFilter).toBe(3);
    e.delete(103, 3);
    expect(classify(e, p)).toBe(103);
    expect(e.lastFilter).toBe(12);
    const q = ipPacket({ proto: PROTO_TCP, srcPort: 1, dstPort: 2003, srcIp: 0x0a000009 });
    expect(classify(e, q)).toBe(NO_OWNER);
  });

  it("deletes: only the owner, an id once; the trie shrinks back", () => {
    const e = new PacketFilterEngine();
    const empty = e.source;
    const a = e.insert(1, ipFilter({ proto: PROTO_TCP, dstPort: 80 }));
    const b = e.insert(2, ipFilter({ proto: PROTO_TCP, dstPort: 81 }));
    const oneFilter = new PacketFilterEngine();
    oneFilter.insert(2, ipFilter({ proto: PROTO_TCP, dstPort: 81 }));
    expect(e.delete(2, a)).toBe(Result.NotOwner);
    expect(e.delete(1, 99)).toBe(Result.Invalid);
    expect(e.delete(1, -1)).toBe(Result.Invalid);
    expect(e.delete(1, "0" as unknown as number)).toBe(Result.Invalid);
    expect(e.delete(1, a)).toBe(Result.Ok);
    expect(e.delete(1, a)).toBe(Result.Stale);
    expect(e.source.replace(/r = \d+/g, "")).toBe(oneFilter.source.replace(/r = \d+/g, ""));
    const p = ipPacket({ proto: PROTO_TCP, srcPort: 1, dstPort: 80 });
    expect(classify(e, p)).toBe(NO_OWNER);
    // Now another owner may claim port 80.
    expect(e.insert(3, ipFilter({ proto: PROTO_TCP, dstPort: 80 }))).toBe(2);
    expect(e.deleteOwner(3)).toBe(1);
    expect(e.delete(2, b)).toBe(Result.Ok);
    expect(e.source).toBe(empty);
    expect(e.size).toBe(0);
  });

  it("deleteOwner removes every filter of one owner in one recompilation", () => {
    const e = new PacketFilterEngine();
    for (let i = 0; i < 6; i++) e.insert(i % 2, ipFilter({ proto: PROTO_UDP, dstPort: i }));
    expect(e.deleteOwner(0)).toBe(3);
    expect(e.filters().map((f) => f.owner)).toEqual([1, 1, 1]);
    expect(e.deleteOwner(0)).toBe(0);
    expect(e.insertWork.codeInstructions).toBe(0);
  });

  it("refuses past maxFilters with NoSlot", () => {
    const e = new PacketFilterEngine({ maxFilters: 2 });
    e.insert(1, [eq(0, 1, 1)]);
    e.insert(1, [eq(0, 1, 2)]);
    expect(e.insert(1, [eq(0, 1, 3)])).toBe(Result.NoSlot);
    expect(e.size).toBe(2);
  });

  it("throws ArgumentError for host misuse (owner, packet span), before anything changes", () => {
    const e = tenTcpFilters();
    const f = ipFilter({ proto: PROTO_UDP, dstPort: 1 });
    for (const owner of [-1, 1.5, 2 ** 31, Number.NaN, "1", null]) {
      expect(() => e.insert(owner as number, f)).toThrow(ArgumentError);
    }
    expect(e.size).toBe(10);
    const p = new Uint8Array(64);
    expect(() => e.demux(p, 65)).toThrow(ArgumentError);
    expect(() => e.demux(p, -1)).toThrow(ArgumentError);
    expect(() => e.demuxAt(p, 1.5, 2)).toThrow(ArgumentError);
    expect(() => e.interpretAt(p, 60, 5)).toThrow(ArgumentError);
    expect(() => e.demux([1, 2] as unknown as Uint8Array, 2)).toThrow(ArgumentError);
    expect(() => new PacketFilterEngine({ maxFilters: 0 })).toThrow(ArgumentError);
  });
});
