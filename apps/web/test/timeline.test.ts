import { describe, expect, it } from "vitest";
import { timelineOf } from "../src/timeline.js";

const trace = {
  traceEvents: [
    {
      name: "app.work",
      cat: "user",
      ph: "X",
      ts: 10,
      dur: 2,
      pid: 1,
      tid: 1,
      args: { cycles: 50 },
    },
    {
      name: "trap",
      cat: "trapEntry",
      ph: "X",
      ts: 12,
      dur: 0.5,
      pid: 1,
      tid: 0,
      args: { cycles: 12 },
    },
    { name: "exception:8", cat: "event", ph: "i", s: "t", ts: 12, pid: 1, tid: 0 },
    {
      name: "app.work",
      cat: "user",
      ph: "X",
      ts: 12.5,
      dur: 1,
      pid: 1,
      tid: 2,
      args: { cycles: 25 },
    },
    { name: "thread_name", ph: "M", pid: 1, tid: 0, args: { name: "kernel" } },
    { name: "thread_name", ph: "M", pid: 1, tid: 1, args: { name: "exos" } },
    { name: "thread_name", ph: "M", pid: 1, tid: 2, args: { name: "exos" } },
  ],
  displayTimeUnit: "ns",
  otherData: {},
};

describe("a trace as a timeline", () => {
  it("lanes per owner (same names told apart), times from the window's start, owner changes as links", () => {
    const t = timelineOf(JSON.stringify(trace));
    expect(t.lanes).toEqual(["kernel", "exos #1", "exos #2"]);
    expect(t.spans.map((s) => [s.lane, s.fromUs, s.toUs, s.category, s.cycles])).toEqual([
      ["exos #1", 0, 2, "user", 50],
      ["kernel", 2, 2.5, "trapEntry", 12],
      ["exos #2", 2.5, 3.5, "user", 25],
    ]);
    expect(t.marks).toEqual([{ lane: "kernel", atUs: 2, name: "exception:8" }]);
    expect(t.switches).toEqual([
      { atUs: 2, from: "exos #1", to: "kernel" },
      { atUs: 2.5, from: "kernel", to: "exos #2" },
    ]);
    expect(t.lengthUs).toBe(3.5);
    expect(t.categories).toEqual(["user", "trapEntry"]);
  });

  it("refuses a text that is not a trace, in one line", () => {
    expect(() => timelineOf("{")).toThrow(/^the trace is not JSON$/);
    expect(() => timelineOf("{}")).toThrow(/^the trace has no traceEvents$/);
  });
});
