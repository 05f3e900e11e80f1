import * as machine from "@exolab/machine";
import { describe, expect, it } from "vitest";
import * as unprivileged from "./index.js";
import * as privileged from "./kernel.js";

/**
 * The unprivileged entry is everything a libOS gets: the machine's unprivileged names by a
 * named list (never `export *`: a name the machine adds is not handed to libOSes unseen), and
 * the kernel's own, every object of it frozen (the machine freezes its own when it loads; the
 * kernel freezes nothing of the machine's).
 */
describe("the unprivileged entry", () => {
  it("re-exports the machine's unprivileged names, each the machine's own value", () => {
    for (const [name, value] of Object.entries(unprivileged)) {
      if (name in machine) expect(value, name).toBe((machine as Record<string, unknown>)[name]);
    }
    // Everything of the machine's unprivileged surface a libOS needs is there, by name.
    const missing = Object.keys(machine).filter((n) => !(n in unprivileged));
    expect(missing).toEqual([]);
  });

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

describe("one error base", () => {
  it("every error class either entry exports is a MachineError (typed host-API errors)", () => {
    const others: string[] = [];
    for (const [name, value] of Object.entries({ ...unprivileged, ...privileged })) {
      if (typeof value !== "function" || !/Error$/.test(name)) continue;
      if (!(value.prototype instanceof machine.MachineError) && value !== machine.MachineError) {
        others.push(name);
      }
    }
    expect(others).toEqual([]);
  });
});
