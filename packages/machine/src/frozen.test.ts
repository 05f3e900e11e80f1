import { describe, expect, it } from "vitest";
import * as unprivileged from "./index.js";

/**
 * Everything the unprivileged entry exports is reachable by every library OS (its kernel
 * re-exports it) and read by the kernels: the machine freezes its own tables, classes and
 * prototypes when it loads, so no code on the machine can change what another runs.
 */
describe("the unprivileged entry exports only frozen things", () => {
  it("every object, class, prototype and function it exports is frozen", () => {
    const open: string[] = [];
    for (const [name, value] of Object.entries(unprivileged)) {
      if (value === null || (typeof value !== "object" && typeof value !== "function")) continue;
      if (!Object.isFrozen(value)) open.push(name);
      const proto = (value as { prototype?: unknown }).prototype;
      if (proto !== null && typeof proto === "object" && !Object.isFrozen(proto)) {
        open.push(`${name}.prototype`);
      }
    }
    expect(open).toEqual([]);
  });
});
