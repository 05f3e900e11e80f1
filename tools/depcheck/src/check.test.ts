import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkRepo } from "./check.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

describe("dependency direction (DESIGN.md §1)", () => {
  it("fails a libOS that reaches the privileged machine, another libOS, or leaves its package", () => {
    const v = checkRepo(fixture("bad"));
    const messages = v.map((x) => `${x.file}: ${x.message}`);
    const has = (s: string) =>
      expect(
        messages.some((m) => m.includes(s)),
        `expected a violation about ${s}\n${messages.join("\n")}`,
      ).toBe(true);
    has("may not depend on @exolab/machine");
    has('may not import "@exolab/machine/privileged"');
    has('may not import "@exolab/libos-other"');
    has('relative import "../../exokernel/src/internal" leaves the package');
    has('may not import "@exolab/exokernel/kernel"');
    has('may not import "@exolab/machine"');
    has("computed specifier");
    // The exokernel importing the machine's privileged entry is its right.
    expect(messages.some((m) => m.startsWith("packages/exokernel"))).toBe(false);
  });

  it("passes a libOS that uses only the exokernel's unprivileged entry (tests may set up the kernel)", () => {
    expect(checkRepo(fixture("good"))).toEqual([]);
  });

  it("passes on this repository", () => {
    expect(checkRepo(repoRoot)).toEqual([]);
  });
});
