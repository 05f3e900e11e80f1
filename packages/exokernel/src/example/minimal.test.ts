import { describe, expect, it } from "vitest";
import { Reg, Result } from "../index.js";
import { Aegis } from "../test-util.js";
import { HEAP_VA, type MinimalApi, minimalLibOS } from "./minimal.js";

describe("a minimal environment", () => {
  it("runs a thread, maps through its page table, handles a protection fault, and hands its slice over by PCT", () => {
    const aegis = new Aegis({ machineConfig: { seed: 3 } });
    const log: string[] = [];
    let replyValue = -1;
    let transferResult = -99;

    // The server: its sync entry reads a0, answers a0 + 1 in a1 and transfers back.
    const server = aegis.boot(minimalLibOS, {
      *serve(api: MinimalApi, caller: number) {
        const cpu = api.env.cpu;
        log.push(`server called by ${caller}`);
        cpu.setReg(Reg.a1, cpu.reg(Reg.a0) + 1);
        yield* api.env.pct(caller, "sync");
      },
    });

    const client = aegis.boot(minimalLibOS, {
      *main(api: MinimalApi) {
        const cpu = api.env.cpu;
        // A TLB miss on a fresh heap page: the refill handler demand-allocates and maps it.
        cpu.store32(HEAP_VA + 8, 1234);
        expect(api.stats.refills).toBe(1);
        expect(cpu.load32(HEAP_VA + 8)).toBe(1234);
        // A protection fault handled at user level.
        expect(api.protect(HEAP_VA)).toBe(Result.Ok);
        expect(cpu.load32(HEAP_VA + 8)).toBe(1234); // reads still allowed
        cpu.store32(HEAP_VA + 12, 5);
        expect(api.stats.protFaults).toBe(1);
        expect(cpu.load32(HEAP_VA + 12)).toBe(5);
        log.push("client mapped and unprotected");
        // Hand the slice to the server: the registers are the message.
        cpu.setReg(Reg.a0, 41);
        transferResult = yield* api.env.pct(server.env.id, "sync");
        replyValue = cpu.reg(Reg.a1);
        log.push("client got its reply");
      },
    });

    const res = aegis.run({ stopWhen: () => replyValue >= 0, untilCycle: 10_000_000 });
    expect(res.outcome).toBe("stopped");
    expect(transferResult).toBe(Result.Ok);
    expect(replyValue).toBe(42);
    expect(log).toEqual([
      "client mapped and unprotected",
      `server called by ${client.env.id}`,
      "client got its reply",
    ]);
    expect(client.env.alive && server.env.alive).toBe(true);
    expect(aegis.deaths).toEqual([]);
  });
});
