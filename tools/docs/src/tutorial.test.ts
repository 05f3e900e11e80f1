import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unexpectedChanges, walkCommands, walkName } from "./tutorial.js";

const tutorial = readFileSync(new URL("../../../docs/writing-a-libos.md", import.meta.url), "utf8");

describe("the tutorial's walk (what CI runs in a copy of the workspace)", () => {
  it("makes a libOS, tests it alone, and runs it in the bench beside the baseline and ExOS", () => {
    const commands = walkCommands(tutorial);
    const name = walkName(commands);
    expect(commands[0]).toBe(`pnpm exolab new-libos ${name}`);
    expect(commands).toContain("pnpm install --offline");
    expect(commands).toContain(`pnpm --filter @exolab/libos-${name} test`);
    expect(commands).toContain(`pnpm exolab bench --system monolithic,exos,${name}`);
  });

  it("reads only marked sh blocks, without comments", () => {
    const md = [
      "```sh",
      "pnpm not-walked",
      "```",
      "<!-- ci: walk -->",
      "",
      "```sh",
      "pnpm exolab new-libos rt   # make it",
      "# a comment",
      "",
      "pnpm --filter @exolab/libos-rt test",
      "```",
    ].join("\n");
    expect(walkCommands(md)).toEqual([
      "pnpm exolab new-libos rt",
      "pnpm --filter @exolab/libos-rt test",
    ]);
    expect(walkName(walkCommands(md))).toBe("rt");
    expect(() => walkCommands("<!-- ci: walk -->\n```ts\nx\n```")).toThrow(/without an sh block/);
  });

  it("allows only the new package and its registration to change", () => {
    const status = [
      "?? packages/libos-rt/",
      "?? packages/bench/src/adapters/rt.ts",
      " M packages/bench/src/adapters/registry.ts",
      " M packages/bench/package.json",
      " M pnpm-lock.yaml",
    ].join("\n");
    expect(unexpectedChanges(status, "rt")).toEqual([]);
    expect(
      unexpectedChanges(`${status}\n M packages/bench/src/ports.ts\n?? stray.txt`, "rt"),
    ).toEqual([" M packages/bench/src/ports.ts", "?? stray.txt"]);
  });
});
