import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildCatalog } from "../src/catalog.js";
import { LabClient } from "../src/client.js";
import type { FromWorker, ToWorker } from "../src/protocol.js";
import { defaultSelection } from "../src/selection.js";

/** A stand-in for the browser's Worker: records what the page sends and whether it was ended. */
class FakeWorker {
  static made: FakeWorker[] = [];
  readonly sent: ToWorker[] = [];
  terminated = false;
  onmessage: ((e: { data: FromWorker }) => void) | null = null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null = null;
  constructor(
    readonly url: URL,
    readonly options: { type: string },
  ) {
    FakeWorker.made.push(this);
  }
  postMessage(m: ToWorker): void {
    this.sent.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  /** The worker says something to the page. */
  say(m: FromWorker): void {
    this.onmessage?.({ data: m });
  }
}

const selection = defaultSelection(buildCatalog());
let real: unknown;

beforeEach(() => {
  FakeWorker.made = [];
  real = (globalThis as { Worker?: unknown }).Worker;
  (globalThis as { Worker?: unknown }).Worker = FakeWorker;
});
afterEach(() => {
  (globalThis as { Worker?: unknown }).Worker = real;
});

describe("the page's client of its worker", () => {
  it("starts a module worker and numbers its jobs", () => {
    const got: FromWorker[] = [];
    const client = new LabClient((m) => got.push(m));
    const [w] = FakeWorker.made;
    expect(w!.options.type).toBe("module");
    expect(w!.url.pathname).toMatch(/worker\.ts$/);
    expect(client.run(selection)).toBe(1);
    expect(w!.sent).toEqual([{ kind: "run", job: 1, selection }]);
  });

  it("Cancel ends the worker (even inside a job) and starts another; an ended job's messages are dropped", () => {
    const got: FromWorker[] = [];
    const client = new LabClient((m) => got.push(m));
    const first = FakeWorker.made[0]!;
    const job = client.run(selection);
    first.say({ kind: "started", job, total: 69 });
    client.cancel();
    expect(first.terminated).toBe(true);
    expect(FakeWorker.made.length).toBe(2);
    const second = FakeWorker.made[1]!;
    expect(second.terminated).toBe(false);
    // A message the ended worker had already queued is not the current job's.
    first.say({ kind: "started", job, total: 69 });
    expect(got).toEqual([{ kind: "started", job, total: 69 }]);
    const next = client.run(selection);
    expect(next).toBeGreaterThan(job);
    expect(second.sent).toEqual([{ kind: "run", job: next, selection }]);
    second.say({ kind: "started", job: next, total: 69 });
    expect(got.at(-1)).toEqual({ kind: "started", job: next, total: 69 });
  });

  it("a worker that cannot load is reported as the current job's failure, in one line", () => {
    const got: FromWorker[] = [];
    const client = new LabClient((m) => got.push(m));
    const job = client.run(selection);
    let prevented = false;
    FakeWorker.made[0]!.onerror!({
      message: "SyntaxError: x",
      preventDefault: () => (prevented = true),
    });
    expect(prevented).toBe(true);
    expect(got).toEqual([
      { kind: "failed", job, message: "the worker stopped: SyntaxError: x", refused: false },
    ]);
  });
});
