import { describe, expect, it } from "vitest";
import { Errno, errnoName } from "../src/index.js";

describe("the errno table", () => {
  it("gives every name its own positive number", () => {
    const byNumber = new Map<number, string[]>();
    for (const [name, n] of Object.entries(Errno)) {
      expect(Number.isSafeInteger(n) && n > 0, name).toBe(true);
      byNumber.set(n, [...(byNumber.get(n) ?? []), name]);
    }
    const shared = [...byNumber].filter(([, names]) => names.length > 1);
    expect(shared).toEqual([]);
  });

  it("names each number back (a refusal's message says which errno it was)", () => {
    for (const [name, n] of Object.entries(Errno)) expect(errnoName(n)).toBe(name);
    expect(errnoName(999)).toBe("errno 999");
  });

  it("has the errno.h values src/abi.ts cites (4.3BSD; Ultrix for EIDRM)", () => {
    expect(Errno.EPROTONOSUPPORT).toBe(43); // 4.3BSD, 4.4BSD and Ultrix alike
    expect(Errno.EIDRM).toBe(73); // Ultrix's System V IPC pair: ENOMSG 72, EIDRM 73
  });
});
