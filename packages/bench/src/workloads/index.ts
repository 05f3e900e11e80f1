import type { Workload } from "../workload.js";
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

export const SUITES: Readonly<Record<string, readonly Workload[]>> = Object.freeze({
  paper: PAPER_SUITE,
  realtime: REALTIME_SUITE,
  db: DB_SUITE,
});
