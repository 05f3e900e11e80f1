import type { Workload } from "../workload.js";
import { dpfClassify, dpfClassifyInterpreted } from "./classify.js";
import { matmul } from "./compute.js";
import { DB_SUITE } from "./db.js";
import { lrpc, pipe, pipeInline, shm, tlrpc } from "./ipc.js";
import {
  excCoproc,
  excOverflow,
  excProt,
  excUnalign,
  getpid,
  getpidLib,
  getpidStack,
  pct,
  procCall,
} from "./micro.js";
import { udpLoad, udpRoundtrip, udpRoundtripAsh } from "./net.js";
import { REALTIME_SUITE } from "./realtime.js";
import { stride } from "./sched.js";
import { appel1, appel2, dirty, prot1, prot100, trap, unprot100 } from "./vm.js";

/** The `paper` suite, in the order of the paper's tables. */
export const PAPER_SUITE: readonly Workload[] = Object.freeze([
  procCall,
  getpid,
  getpidStack,
  getpidLib,
  excUnalign,
  excOverflow,
  excCoproc,
  excProt,
  pct,
  dpfClassify,
  dpfClassifyInterpreted,
  udpRoundtrip,
  udpRoundtripAsh,
  pipe,
  pipeInline,
  shm,
  lrpc,
  tlrpc,
  dirty,
  prot1,
  prot100,
  unprot100,
  trap,
  appel1,
  appel2,
  matmul,
  stride,
] as Workload[]);

/**
 * The network rows of the paper (Table 11): udp-roundtrip and udp-roundtrip-ash (4096 round
 * trips between two machines, also in the paper suite), and the load sweep
 * udp-roundtrip-load[-ash] (1..10 processes on the receiver). The sweep is a suite of its own
 * (`pnpm bench --suite net`), as the long fuzz runs have their own command: two linked
 * machines cost host time (about 150 s for the sweep on this 2-core machine), and the tests
 * run the paper suite several times on every profile. A short seeded slice of the sweep runs
 * in workloads/net.test.ts.
 */
export const NET_SUITE: readonly Workload[] = Object.freeze([
  udpRoundtrip,
  udpRoundtripAsh,
  ...udpLoad,
]);

export const SUITES: Readonly<Record<string, readonly Workload[]>> = Object.freeze({
  paper: PAPER_SUITE,
  realtime: REALTIME_SUITE,
  net: NET_SUITE,
  db: DB_SUITE,
});
