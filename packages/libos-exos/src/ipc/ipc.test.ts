import { CALLEE_SAVED, Category, PAGE_BYTES, Reg, Result } from "@exolab/exokernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TEST_COSTS, world } from "../test/world.js";
import { Errno } from "./fd.js";
import { InlinePipe, PipeEnd } from "./pipe.js";

const BUF = 0x00100000;

/** Two processes with a pipe each way: A writes on ab, reads on ba; B the reverse. */
function twoWithPipes() {
  const w = world();
  const a = w.spawn();
  const b = w.spawn();
  const ab = a.pipes.create(b.env.id, PipeEnd.Write);
  const ba = a.pipes.create(b.env.id, PipeEnd.Read);
  expect(ab).toBeGreaterThanOrEqual(0);
  expect(ba).toBeGreaterThanOrEqual(0);
  const bab = b.pipes.attach(a.pipes.peerCap(ab), a.env.id, PipeEnd.Read);
  const bba = b.pipes.attach(a.pipes.peerCap(ba), a.env.id, PipeEnd.Write);
  expect(bab).toBeGreaterThanOrEqual(0);
  expect(bba).toBeGreaterThanOrEqual(0);
  expect(a.vm.map(BUF, 1)).toBe(Result.Ok);
  expect(b.vm.map(BUF, 1)).toBe(Result.Ok);
  return { w, a, b, ab, ba, bab, bba };
}

describe("pipes", () => {
  it("a counter ping-pongs between two processes", () => {
    const { w, a, b, ab, ba, bab, bba } = twoWithPipes();
    const N = 50;
    const seen: number[] = [];
    let done = false;
    a.sched.spawn(function* () {
      const cpu = a.env.cpu;
      for (let i = 0; i < N; i++) {
        cpu.store32(BUF, 2 * i);
        expect(yield* a.pipes.write(ab, BUF, 4)).toBe(4);
        expect(yield* a.pipes.read(ba, BUF, 4)).toBe(4);
        seen.push(cpu.load32(BUF));
      }
      done = true;
    });
    b.sched.spawn(function* () {
      const cpu = b.env.cpu;
      for (let i = 0; i < N; i++) {
        expect(yield* b.pipes.read(bab, BUF, 4)).toBe(4);
        cpu.store32(BUF, cpu.load32(BUF) + 1);
        expect(yield* b.pipes.write(bba, BUF, 4)).toBe(4);
      }
    });
    w.runUntil(() => done);
    expect(w.aegis.deaths).toEqual([]);
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => 2 * i + 1));
    // B's thread ends right after its last write, inside a slice A gave it: A's last read
    // must go on at once, not after an idle wait for the next tick (a kernel bug once).
    expect(w.aegis.machine.accounting.table[Category.Idle]).toBe(0);
  });

  it("moves a stream larger than the ring, wrapping, with the writer blocking when full", () => {
    const { w, a, b, ab, bab } = twoWithPipes();
    const BYTES = 3 * PAGE_BYTES; // six rings' worth
    expect(a.vm.map(0x00200000, 3)).toBe(Result.Ok);
    expect(b.vm.map(0x00200000, 3)).toBe(Result.Ok);
    let got = 0;
    a.sched.spawn(function* () {
      const cpu = a.env.cpu;
      for (let i = 0; i < BYTES; i += 4) cpu.store32(0x00200000 + i, i * 7);
      let off = 0;
      while (off < BYTES) {
        const n = yield* a.pipes.write(ab, 0x00200000 + off, Math.min(1000, BYTES - off));
        expect(n).toBeGreaterThan(0);
        off += n;
      }
      expect(a.pipes.close(ab)).toBe(0);
    });
    b.sched.spawn(function* () {
      for (;;) {
        const n = yield* b.pipes.read(bab, 0x00200000 + got, BYTES - got);
        if (n === 0) break;
        got += n;
      }
    });
    w.runUntil(() => got === BYTES && b.sched.liveThreads === 0);
    expect(got).toBe(BYTES);
    // biome-ignore lint/correctness/useYield: a thread body that never blocks
    b.sched.spawn(function* () {
      for (let i = 0; i < BYTES; i += 4 * 97) expect(b.env.cpu.load32(0x00200000 + i)).toBe(i * 7);
    });
    w.runUntil(() => b.sched.liveThreads === 0);
    expect(w.aegis.deaths).toEqual([]);
  });

  it("refuses bad descriptors, reports a broken pipe and end of file", () => {
    const { w, a, b, ab, ba, bab, bba } = twoWithPipes();
    let done = false;
    a.sched.spawn(function* () {
      expect(yield* a.pipes.write(99, BUF, 4)).toBe(Errno.BadFd);
      expect(yield* a.pipes.write(-1, BUF, 4)).toBe(Errno.BadFd);
      expect(yield* a.pipes.read(ab, BUF, 4)).toBe(Errno.BadFd); // the write end
      expect(yield* a.pipes.write(ba, BUF, 4)).toBe(Errno.BadFd); // the read end
      expect(a.pipes.close(42)).toBe(Errno.BadFd);
      expect(a.pipes.peerCap(42)).toBe(Errno.BadFd);
      expect(a.pipes.inline(42)).toBe(Errno.BadFd);
      // B closed its read end of ab: writing is a broken pipe.
      expect(yield* a.pipes.write(ab, BUF, 4)).toBe(Errno.BrokenPipe);
      // B closed its write end of ba: reading an empty pipe is end of file.
      expect(yield* a.pipes.read(ba, BUF, 4)).toBe(0);
      expect(a.pipes.close(ab)).toBe(0);
      expect(yield* a.pipes.write(ab, BUF, 4)).toBe(Errno.BadFd);
      done = true;
    });
    expect(b.pipes.close(bab)).toBe(0);
    expect(b.pipes.close(bba)).toBe(0);
    expect(b.pipes.close(bba)).toBe(Errno.BadFd);
    w.runUntil(() => done);
    expect(w.aegis.deaths).toEqual([]);
    expect(done).toBe(true);
  });

  it("pipe' (inlined) carries words the same way", () => {
    const { w, a, b, ab, ba, bab, bba } = twoWithPipes();
    const aw = a.pipes.inline(ab) as InlinePipe;
    const ar = a.pipes.inline(ba) as InlinePipe;
    const br = b.pipes.inline(bab) as InlinePipe;
    const bw = b.pipes.inline(bba) as InlinePipe;
    expect(aw).toBeInstanceOf(InlinePipe);
    const out: number[] = [];
    a.sched.spawn(function* () {
      for (let i = 0; i < 30; i++) {
        expect(yield* aw.put(i * 10)).toBe(0);
        out.push(yield* ar.get());
      }
    });
    b.sched.spawn(function* () {
      for (let i = 0; i < 30; i++) yield* bw.put((yield* br.get()) + 1);
    });
    w.runUntil(() => out.length === 30);
    expect(out).toEqual(Array.from({ length: 30 }, (_, i) => i * 10 + 1));
  });
});

describe("pipes, model-based", () => {
  it("any sequence of write and read sizes delivers the byte stream intact", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 8 }),
        (writes, reads) => {
          const { w, a, b, ab, bab } = twoWithPipes();
          const SRC = 0x00400000;
          const DST = 0x00500000;
          const total = writes.reduce((x, y) => x + y, 0);
          const pages = Math.ceil(total / PAGE_BYTES) + 1;
          expect(a.vm.map(SRC, pages)).toBe(Result.Ok);
          expect(b.vm.map(DST, pages)).toBe(Result.Ok);
          let got = 0;
          let closed = false;
          a.sched.spawn(function* () {
            const cpu = a.env.cpu;
            for (let i = 0; i < total; i++) cpu.store8(SRC + i, (i * 31 + 7) & 0xff);
            let off = 0;
            for (const n of writes) {
              expect(yield* a.pipes.write(ab, SRC + off, n)).toBe(n);
              off += n;
            }
            a.pipes.close(ab);
            closed = true;
          });
          b.sched.spawn(function* () {
            let k = 0;
            for (;;) {
              const want = reads[k++ % reads.length]!;
              const n = yield* b.pipes.read(bab, DST + got, want);
              if (n === 0) break;
              expect(n).toBeLessThanOrEqual(want);
              got += n;
            }
            const cpu = b.env.cpu;
            for (let i = 0; i < total; i += 13)
              expect(cpu.load8(DST + i)).toBe((i * 31 + 7) & 0xff);
          });
          w.runUntil(() => closed && b.sched.liveThreads === 0);
          expect(w.aegis.deaths).toEqual([]);
          expect(got).toBe(total);
        },
      ),
      { numRuns: 15, seed: 11 },
    );
  });
});

describe("shared memory", () => {
  it("two processes ping-pong a shared counter with directed yields", () => {
    const w = world();
    const a = w.spawn();
    const b = w.spawn();
    const fa = a.shm.create(b.env.id);
    expect(fa).toBeGreaterThanOrEqual(0);
    const fb = b.shm.attach(a.shm.peerCap(fa), a.env.id);
    expect(fb).toBeGreaterThanOrEqual(0);
    const va = a.shm.address(fa);
    const vb = b.shm.address(fb);
    expect(b.shm.address(99)).toBe(Errno.BadFd);
    let finalA = 0;
    a.sched.spawn(function* () {
      const cpu = a.env.cpu;
      for (let i = 0; i < 40; i++) {
        cpu.store32(va, cpu.load32(va) + 1); // odd: B's turn
        while ((cpu.load32(va) & 1) === 1) yield* a.sched.yieldTo(b.env.id);
      }
      finalA = cpu.load32(va);
    });
    b.sched.spawn(function* () {
      const cpu = b.env.cpu;
      for (let i = 0; i < 40; i++) {
        while ((cpu.load32(vb) & 1) === 0) yield* b.sched.yieldTo(a.env.id);
        cpu.store32(vb, cpu.load32(vb) + 1);
      }
    });
    w.runUntil(() => finalA !== 0);
    expect(finalA).toBe(80);
    expect(w.aegis.deaths).toEqual([]);
  });
});

describe("LRPC", () => {
  function server(trusted: boolean, clobber: boolean) {
    const w = world();
    const client = w.spawn();
    const srv = w.spawn({ noSlices: true });
    expect(srv.vm.map(BUF, 1)).toBe(Result.Ok);
    const cpu = srv.env.cpu;
    const proc = (arg: number) => {
      const v = cpu.load32(BUF) + arg;
      cpu.store32(BUF, v);
      if (clobber) for (const r of CALLEE_SAVED) cpu.setReg(r, 0xdead);
      return v;
    };
    expect(srv.lrpc.serve(proc, trusted, trusted && clobber ? CALLEE_SAVED : [])).toBe(Result.Ok);
    return { w, client, srv };
  }

  for (const trusted of [false, true]) {
    it(`${trusted ? "trusted" : "untrusted"}: calls into another address space and gets the counter back`, () => {
      const { w, client, srv } = server(trusted, false);
      const results: number[] = [];
      client.sched.spawn(function* () {
        for (let i = 0; i < 20; i++) {
          const r = trusted
            ? yield* client.lrpc.callTrusted(srv.env.id, 1)
            : yield* client.lrpc.call(srv.env.id, 1);
          expect(client.lrpc.lastError).toBe(Result.Ok);
          results.push(r);
        }
      });
      w.runUntil(() => results.length === 20);
      expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(srv.lrpc.served).toBe(20);
      expect(w.aegis.deaths).toEqual([]);
    });
  }

  it("untrusted LRPC keeps the caller's callee-saved registers from a server that clobbers them", () => {
    const { w, client, srv } = server(false, true);
    let ok = false;
    client.sched.spawn(function* () {
      const cpu = client.env.cpu;
      for (const r of CALLEE_SAVED) cpu.setReg(r, 100 + r);
      expect(yield* client.lrpc.call(srv.env.id, 5)).toBe(5);
      for (const r of CALLEE_SAVED) expect(cpu.reg(r)).toBe(100 + r);
      ok = true;
    });
    w.runUntil(() => ok);
    expect(ok).toBe(true);
  });

  it("a trusted server that saves what it uses preserves them too; refusals are reported", () => {
    const { w, client, srv } = server(true, true);
    let ok = false;
    client.sched.spawn(function* () {
      const cpu = client.env.cpu;
      for (const r of CALLEE_SAVED) cpu.setReg(r, 100 + r);
      expect(yield* client.lrpc.callTrusted(srv.env.id, 5)).toBe(5);
      for (const r of CALLEE_SAVED) expect(cpu.reg(r)).toBe(100 + r);
      expect(cpu.reg(Reg.a0)).toBe(5);
      // No such server; a server that stopped serving.
      yield* client.lrpc.call(999, 1);
      expect(client.lrpc.lastError).toBe(Result.NoEnv);
      ok = true;
    });
    expect(srv.lrpc.serve(42 as never)).toBe(Result.Invalid);
    expect(srv.lrpc.serve(() => 0, true, [Reg.t0])).toBe(Result.Invalid);
    w.runUntil(() => ok);
    expect(w.aegis.deaths).toEqual([]);
    expect(ok).toBe(true);
    // A server that stopped serving refuses the transfer.
    expect(srv.lrpc.stop()).toBe(Result.Ok);
    let refused = 0;
    client.sched.spawn(function* () {
      yield* client.lrpc.call(srv.env.id, 1);
      refused = client.lrpc.lastError;
    });
    w.runUntil(() => refused !== 0);
    expect(refused).toBe(Result.Refused);
  });
});

describe("pipes whose peer is parked in a protected control transfer", () => {
  it("block (give the slice up) instead of reporting a broken pipe or end of file", () => {
    const SLICE = 20_000;
    const w = world({ policy: { sliceCycles: SLICE } });
    // B first: it runs first and parks on S before A touches the pipes.
    const b = w.spawn();
    const a = w.spawn();
    const s = w.spawn({ noSlices: true });
    // S answers a call only after several slices of work (B stays parked that long).
    expect(
      s.env.setEntry("sync", function* (caller: number) {
        for (let i = 0; i < 6; i++) {
          s.env.cpu.exec(TEST_COSTS["test.work"], SLICE / 2);
          yield* s.env.safepoint();
        }
        yield* s.env.pct(caller, "sync");
      }),
    ).toBe(Result.Ok);
    const ab = a.pipes.create(b.env.id, PipeEnd.Write);
    const ba = a.pipes.create(b.env.id, PipeEnd.Read);
    const bab = b.pipes.attach(a.pipes.peerCap(ab), a.env.id, PipeEnd.Read);
    const bba = b.pipes.attach(a.pipes.peerCap(ba), a.env.id, PipeEnd.Write);
    const BYTES = 3 * 2048;
    expect(a.vm.map(BUF, 2)).toBe(Result.Ok);
    expect(b.vm.map(BUF, 2)).toBe(Result.Ok);
    let word = -1;
    const writes: number[] = [];
    let got = 0;
    b.sched.spawn(function* () {
      expect(yield* b.env.pct(s.env.id, "sync")).toBe(Result.Ok);
      expect(yield* (b.pipes.inline(bba) as InlinePipe).put(77)).toBe(0);
      for (;;) {
        const n = yield* b.pipes.read(bab, BUF, PAGE_BYTES);
        if (n <= 0) break;
        got += n;
      }
    });
    a.sched.spawn(function* () {
      // B is parked: the pipe is empty, and B will write later.
      word = yield* (a.pipes.inline(ba) as InlinePipe).get();
      let off = 0;
      while (off < BYTES) {
        const n = yield* a.pipes.write(ab, BUF, Math.min(1024, BYTES - off));
        writes.push(n);
        if (n <= 0) break;
        off += n;
      }
      a.pipes.close(ab);
    });
    w.runUntil(() => b.sched.liveThreads === 0 && a.sched.liveThreads === 0);
    expect(w.aegis.deaths).toEqual([]);
    expect(word).toBe(77);
    expect(writes.every((n) => n > 0)).toBe(true);
    expect(got).toBe(BYTES);
  });

  it("a read of zero bytes returns 0 at once, without yielding to the writer", () => {
    const { w, a, b, ba } = twoWithPipes();
    let peerRan = false;
    b.sched.spawn(function* () {
      peerRan = true;
      yield* b.sched.safepoint();
    });
    let r = -99;
    a.sched.spawn(function* () {
      r = yield* a.pipes.read(ba, BUF, 0);
    });
    w.runUntil(() => r !== -99);
    expect(r).toBe(0);
    expect(peerRan).toBe(false);
  });
});
