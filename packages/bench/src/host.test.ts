import { describe, expect, it } from "vitest";
import { adapterFor } from "./adapters/index.js";
import { type HostEnvironment, HostTimeUnavailableError } from "./host.js";
import { nodeHost } from "./node/host.js";
import { runSuite, type SuiteOptions } from "./suite.js";
import { PAPER_SUITE } from "./workloads/index.js";

const base: SuiteOptions = {
  suite: "paper",
  workloads: PAPER_SUITE.filter((w) => w.id === "getpid"),
  adapters: [adapterFor("exokernel")!],
  profile: "dec5000_125",
  seed: 1,
};

describe("the host a report records (given by the caller)", () => {
  it("without one, the meta says unknown and no commit", () => {
    const m = runSuite(base).meta;
    expect(m).toMatchObject({ commit: null, dirty: null, node: "unknown" });
    expect(m.host).toEqual({ platform: "unknown", arch: "unknown", cpus: 0 });
  });

  it("a page's own description is recorded as given", () => {
    const page: HostEnvironment = {
      describe: () => ({
        commit: "a".repeat(40),
        dirty: null,
        runtime: "none (web browser)",
        platform: "web",
        arch: "unknown",
        cpus: 8,
      }),
    };
    expect(runSuite({ ...base, host: page }).meta).toMatchObject({
      commit: "a".repeat(40),
      node: "none (web browser)",
      host: { platform: "web", arch: "unknown", cpus: 8 },
    });
  });

  it("Node's records Node's version; host time needs a timer and is refused without one", () => {
    expect(runSuite({ ...base, host: nodeHost() }).meta.node).toBe(process.version);
    expect(() => runSuite({ ...base, hostTime: true })).toThrow(HostTimeUnavailableError);
    const timed = runSuite({ ...base, hostTime: true, quick: true, host: nodeHost() });
    expect(timed.results[0]!.hostNsPerOp).toBeGreaterThan(0);
  });
});
